//! Truncate of the file to 0 bytes: `vmtruncate()` (mm/memory.c) calling
//! `unmap_mapping_range()` and `truncate_inode_pages()` (mm/truncate.c:161), v2.6.29.4,
//! unchanged by the patch (docs/protocol.md §7). The model's page (index 1) lies wholly beyond
//! the new EOF, so block_page_mkwrite's `page_offset > size` test fires for it.
//!
//! T1 i_size_write; T2 zap every pte without the page lock; T3 (pass 2) lock_page,
//! wait_on_page_writeback, zap again if still mapped, truncate_complete_page
//! (->invalidatepage drops the metadata, cancel_dirty_page, remove_from_page_cache), unlock.
//!
//! Model: pass 1 of truncate_inode_pages is left out. It does what pass 2 does, but only with
//! trylock_page and only for a page not under writeback, so every run of pass 1 is also a run
//! of pass 2 without contention. T4 (the second unmap, for private COW copies) and T5
//! (->truncate freeing blocks) are left out: no private mappings, no block state.

use crate::anchors::{anchor, Tree};
use crate::config::Config;
use crate::kernel::{
    get_page, lock_page, put_page, test_clear_page_dirty_accounted, unlock_page, zap_pte, Acquire,
};
use crate::step::{Step, StepInfo};
use crate::world::{Pc, Tid, TruncPc, World};

fn next(pc: TruncPc) -> Step {
    Step::Next(Pc::Truncate(pc))
}

/// One step of truncate.
pub fn step(cfg: &Config, w: &mut World, me: Tid, pc: TruncPc) -> Step {
    let ptes = w.ptes.len() as u8;
    match pc {
        TruncPc::SetSize => {
            // notify_change takes i_alloc_sem for write around vmtruncate (fs/attr.c:167-183):
            // asleep while a filesystem's ->page_mkwrite holds it for read (ext4).
            if crate::fs::truncate_waits(cfg, w) {
                return Step::Blocked;
            }
            // T1: i_size_write(inode, 0), no page lock.
            w.isize_covers_page = false;
            next(TruncPc::Unmap(0))
        }
        TruncPc::Unmap(n) => {
            // T2: unmap_mapping_range -> zap_pte_range for pte n, under i_mmap_lock and the
            // pte's ptl, without the page lock.
            // Model: i_mmap_lock is taken and dropped around each zap. unmap_mapping_range_vma
            // drops it between two vmas when need_resched() or spin_needbreak() says so (and a
            // waiting page_mkclean is what makes spin_needbreak true), so "dropped between
            // every two zaps" contains the runs in which it is kept: nothing can happen in a
            // gap that nobody used.
            if w.i_mmap_lock.is_some() {
                return Step::Blocked;
            }
            zap_pte(cfg, w, n as usize);
            if n + 1 < ptes {
                next(TruncPc::Unmap(n + 1))
            } else {
                next(TruncPc::LockPage)
            }
        }
        TruncPc::LockPage => {
            // T3: pagevec_lookup (a reference) and lock_page. A page reclaim has freed is not
            // found: there is nothing left to truncate.
            // Model: the lookup's reference is taken with the lock; once found, the page stays
            // in the cache until this thread removes it (reclaim cannot free a page whose
            // reference it sees).
            if w.evicted {
                return next(TruncPc::Done);
            }
            match lock_page(w, me) {
                Acquire::Blocked => Step::Blocked,
                Acquire::SelfDeadlock => next(TruncPc::Done),
                Acquire::Got => {
                    get_page(w, me);
                    next(TruncPc::WaitOnWriteback)
                }
            }
        }
        TruncPc::WaitOnWriteback => {
            if w.page.writeback {
                Step::Blocked
            } else if w.mapcount() > 0 {
                next(TruncPc::UnmapLocked(0))
            } else {
                next(TruncPc::CompletePage)
            }
        }
        TruncPc::UnmapLocked(n) => {
            // T3: page_mapped(page): unmap_mapping_range for this page, pte n, under the page
            // lock, i_mmap_lock (as in T2) and the pte's ptl.
            if w.i_mmap_lock.is_some() {
                return Step::Blocked;
            }
            zap_pte(cfg, w, n as usize);
            if n + 1 < ptes {
                next(TruncPc::UnmapLocked(n + 1))
            } else {
                next(TruncPc::CompletePage)
            }
        }
        TruncPc::CompletePage => {
            // T3: truncate_complete_page, first half: ->invalidatepage drops the buffers
            // (metadata), cancel_dirty_page clears PG_dirty (and its NR_FILE_DIRTY count).
            // Model: the two are one step. They run under the page lock; a lock-free
            // set_page_dirty between them only sets PG_dirty that cancel_dirty_page clears, the
            // same outcome as before the step.
            if !w.page.mapping {
                return next(TruncPc::UnlockPage);
            }
            if !crate::fs::invalidatepage(cfg, w) {
                return Step::Blocked;
            }
            test_clear_page_dirty_accounted(w);
            next(TruncPc::RemoveFromPageCache)
        }
        TruncPc::RemoveFromPageCache => {
            // T3: truncate_complete_page calls remove_from_page_cache, which takes tree_lock
            // and calls __remove_from_page_cache: the radix-tree slot goes (and with it the
            // DIRTY tag), page->mapping becomes NULL, BUG_ON(page_mapped(page)). Its closing
            // fix-up: a page that is dirty again (a lock-free set_page_dirty can land between
            // cancel_dirty_page and this step) leaves NR_FILE_DIRTY. Then truncate_complete_page
            // drops the page cache's reference.
            if w.mapcount() > 0 {
                w.bug("__remove_from_page_cache: BUG_ON(page_mapped(page))");
            }
            w.page.tagged_dirty = false;
            w.page.mapping = false;
            if w.page.dirty {
                w.nr_file_dirty -= 1;
            }
            w.page.refcount -= 1;
            next(TruncPc::UnlockPage)
        }
        TruncPc::UnlockPage => {
            // T3: unlock_page; pagevec_release drops the lookup reference.
            unlock_page(w, me);
            put_page(w, me);
            next(TruncPc::Done)
        }
        TruncPc::Done => Step::Blocked,
    }
}

/// The description of a truncate step.
pub fn info(cfg: &Config, w: &World, pc: TruncPc) -> StepInfo {
    let old = Tree::of(cfg);
    let tip = |id, what| StepInfo {
        id,
        function: "truncate_inode_pages_range",
        anchor: anchor("truncate_inode_pages_range", old),
        what,
    };
    match pc {
        TruncPc::SetSize => StepInfo {
            id: "T1",
            function: "vmtruncate",
            anchor: anchor("vmtruncate", old),
            what: "i_size_write(inode, 0): the page now lies beyond EOF",
        },
        TruncPc::Unmap(_) => StepInfo {
            id: "T2",
            function: "unmap_mapping_range",
            anchor: anchor("unmap_mapping_range", old),
            what: "zap this pte under its ptl (dirty bit -> set_page_dirty), no page lock",
        },
        TruncPc::LockPage => tip("T3", "pagevec_lookup (get_page), lock_page"),
        TruncPc::WaitOnWriteback if w.page.writeback => {
            tip("T3", "wait_on_page_writeback: sleep while PG_writeback")
        }
        TruncPc::WaitOnWriteback => tip("T3", "wait_on_page_writeback"),
        TruncPc::UnmapLocked(_) => tip("T3", "still mapped: zap this pte under the page lock"),
        TruncPc::CompletePage => StepInfo {
            id: "T3",
            function: "truncate_complete_page",
            anchor: anchor("truncate_complete_page", old),
            what: "->invalidatepage (metadata dropped), cancel_dirty_page",
        },
        TruncPc::RemoveFromPageCache => StepInfo {
            id: "T3",
            function: "remove_from_page_cache",
            anchor: anchor("remove_from_page_cache", old),
            what: if w.page.dirty {
                "under tree_lock: mapping NULL, tag gone; dirty again: NR_FILE_DIRTY--; put_page"
            } else {
                "under tree_lock: mapping NULL, tag gone; put_page (the page cache's reference)"
            },
        },
        TruncPc::UnlockPage => tip("T3", "unlock_page, pagevec_release (put_page)"),
        TruncPc::Done => tip("-", "finished"),
    }
}
