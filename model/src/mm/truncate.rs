//! Truncate of the file to 0 bytes: `vmtruncate()` (mm/memory.c) calling
//! `unmap_mapping_range()` and `truncate_inode_pages()` (mm/truncate.c:161), v2.6.29.4,
//! unchanged by the patch (reference section 6). The model's page (index 1) lies wholly beyond
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

use crate::config::Config;
use crate::kernel::{
    get_page, lock_page, put_page, test_clear_page_dirty_accounted, unlock_page, zap_pte, Acquire,
};
use crate::step::{anchor, is_old_memory_c, Step, StepInfo};
use crate::world::{Pc, Tid, TruncPc, World};

fn next(pc: TruncPc) -> Step {
    Step::Next(Pc::Truncate(pc))
}

/// One step of truncate.
pub fn step(_cfg: &Config, w: &mut World, me: Tid, pc: TruncPc) -> Step {
    let ptes = w.ptes.len() as u8;
    match pc {
        TruncPc::SetSize => {
            // T1: i_size_write(inode, 0), no page lock.
            w.isize_covers_page = false;
            next(TruncPc::Unmap(0))
        }
        TruncPc::Unmap(n) => {
            // T2: unmap_mapping_range -> zap_pte_range for pte n, under its ptl only.
            zap_pte(w, n as usize);
            if n + 1 < ptes {
                next(TruncPc::Unmap(n + 1))
            } else {
                next(TruncPc::LockPage)
            }
        }
        TruncPc::LockPage => {
            // T3: pagevec_lookup (reference) and lock_page.
            // Model: the lookup's reference is taken with the lock; the page is in the cache
            // until this thread removes it.
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
            // lock and the pte's ptl.
            zap_pte(w, n as usize);
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
            w.fs_meta_dirty = false;
            test_clear_page_dirty_accounted(w);
            next(TruncPc::RemoveFromPageCache)
        }
        TruncPc::RemoveFromPageCache => {
            // T3: remove_from_page_cache (under tree_lock): page->mapping NULL, the DIRTY tag
            // goes with the radix-tree slot, the page cache's reference is dropped. A lock-free
            // set_page_dirty can dirty and account the page between cancel_dirty_page and this.
            w.page.tagged_dirty = false;
            w.page.mapping = false;
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
    let old = is_old_memory_c(cfg);
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
            anchor: anchor("truncate_complete_page", false),
            what: "->invalidatepage (metadata dropped), cancel_dirty_page",
        },
        TruncPc::RemoveFromPageCache => StepInfo {
            id: "T3",
            function: "truncate_complete_page",
            anchor: anchor("truncate_complete_page", false),
            what: "remove_from_page_cache: mapping NULL, tag gone, put_page",
        },
        TruncPc::UnlockPage => tip("T3", "unlock_page, pagevec_release (put_page)"),
        TruncPc::Done => tip("-", "finished"),
    }
}
