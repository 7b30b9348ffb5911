//! Truncate of the file to 0 bytes: `vmtruncate()` (mm/memory.c) calling
//! `unmap_mapping_range()` and `truncate_inode_pages()` (mm/truncate.c:161), v2.6.29.4,
//! unchanged by the patch (docs/protocol.md §7). The model's page (index 1) lies wholly beyond
//! the new EOF, so every EOF test of the modelled code fires for it, the `page_offset > size`
//! forms as well as the `>=` forms (`World::isize_covers_page` lists them and the position the
//! model leaves out).
//!
//! T1 i_size_write; T2 zap every pte without the page lock; T3 (pass 2) lock_page,
//! wait_on_page_writeback, zap again if still mapped, truncate_complete_page
//! (->invalidatepage drops the metadata, cancel_dirty_page, remove_from_page_cache), unlock.
//!
//! With `--truncate-to partial` (buffer.c, two blocks per page) T0 is XFS's ftruncate to the
//! boundary between the page's two blocks, xfs_setattr (fs/xfs/xfs_vnodeops.c:57) calling
//! vmtruncate through its xfs_itruncate_data macro (xfs_linux.h:173); lines of the new tree
//! (2.6.29.4 with e58fcb489af; the old tree's mm/memory.c lines are 33 lower):
//! - T1 i_size_write (mm/memory.c:2386); the unmap_mapping_range calls (2397, 2399) start at
//!   the page after the new EOF (holebegin is shifted down to a page index, 2318), so the
//!   straddling page keeps its ptes, writable ones included.
//! - T3 truncate_inode_pages_range's partial page, between its two passes (mm/truncate.c:
//!   211-219): find_lock_page, wait_on_page_writeback, truncate_partial_page (50-55: zero the
//!   tail, do_invalidatepage at the offset; PG_dirty is left alone), unlock, release.
//! - T5, ->truncate, is xfs_vn_truncate (xfs_iops.c:611): block_truncate_page at the new
//!   size, which returns at once on a block boundary (fs/buffer.c:2868-2872): no step. After
//!   the extension it works on the page that holds the new EOF, past the model's page.
//! - T6 xfs_itruncate_finish (xfs_inode.c:1468) frees the blocks from the new EOF rounded up
//!   to a block, delayed allocations included (xfs_bunmapi gives their reservation back).
//!
//! With `--extend` T0 then truncates up: xfs_setattr's xfs_zero_eof (xfs_lrw.c:398-405,
//! 512-524: nothing to zero at a block-aligned old EOF, holes skipped), then vmtruncate's
//! growing branch, i_size_write only (mm/memory.c:2367-2375): T7. The history switch
//! `isize-extended` adds T8, pagecache_isize_extended as truncate_setsize calls it after
//! i_size_write in v3.18 (mm/truncate.c:726-733, 756-785 of v3.18.140): lock the page that
//! straddled the old EOF, page_mkclean, set_page_dirty if a pte was cleaned, unlock.
//!
//! With NFS, T0 is nfs_setattr (fs/nfs/inode.c:350), which writes the file back first
//! (372-376): TF1, filemap_write_and_wait (mm/filemap.c:392), a WB_SYNC_ALL write_cache_pages
//! pass over the page and filemap_fdatawait; TF2, nfs_wb_all (fs/nfs/write.c:1446), a
//! WB_SYNC_ALL pass and nfs_sync_mapping_wait's loop, which waits for the requests in flight
//! and COMMITs the unstable ones. Both run the writeback steps of `mm::page_writeback` on T0.
//! Then the SETATTR RPC (382), whose reply runs nfs_setattr_update_inode and nfs_vmtruncate
//! (397-436: i_size_write under i_lock, unmap_mapping_range, truncate_inode_pages,
//! unmap_mapping_range): T1-T3 as for vmtruncate.
//! Model: the SETATTR round trip is no step: it takes no lock and changes nothing the model
//! has, and the interleavings it allows are those of T0 waiting between TF2 and T1.
//! nfs_wb_all first runs a WB_SYNC_NONE pass and its own nfs_sync_mapping_wait
//! (nfs_write_mapping, write.c:1424-1441); the model runs its WB_SYNC_ALL half only. The half
//! left out writes nothing the passes around it do not, unless a writer dirties the page
//! between them, a run whose extra write the model's W0 passes have in kind: leaving it out
//! only removes runs, so a violation found is a kernel run, and a verdict that holds with
//! truncate holds for the runs modelled.
//!
//! Model: before either size change xfs_setattr flushes the range from the on-disk size to the
//! new one when the in-core size differs from the on-disk size and the new size is larger
//! (xfs_vnodeops.c:255-261), then waits for the inode's I/O (xfs_ioend_wait, 264). Neither is
//! a step: the flush's condition does not hold in these runs (the file starts fully written,
//! and the truncate's transaction writes the on-disk size before the extension), and the wait
//! only removes interleavings (a size change while a write is in flight), so the model checks
//! a superset of the kernel's runs.
//!
//! Model: pass 1 of truncate_inode_pages is left out. It does what pass 2 does, but only with
//! trylock_page and only for a page not under writeback, so every run of pass 1 is also a run
//! of pass 2 without contention. T4 (the second unmap, for private COW copies) is left out: no
//! private mappings. In a truncate to 0, T5 (->truncate) and the filesystem's freeing of the
//! blocks are no step: the page has left the cache and lies beyond EOF, where no later step
//! looks at its blocks. After a partial truncate the buffer profile's block freeing is T6.

use crate::anchors::{anchor, Tree};
use crate::config::Config;
use crate::contract::Fix;
use crate::kernel::{
    get_page, lock_page, put_page, test_clear_page_dirty_accounted, unlock_page, Acquire,
};
use crate::mm::{set_page_dirty, zap_pte};
use crate::world::{with_block_version, Pc, Tid, TruncPc, WbPc, World};
use crate::world::{Step, StepInfo};

fn next(pc: TruncPc) -> Step {
    Step::Next(Pc::Truncate(pc))
}

/// T0's first step: NFS's flush (TF1), or T1.
pub fn first(cfg: &Config) -> TruncPc {
    if crate::fs::truncate_flushes(cfg) {
        TruncPc::FlushWrite(WbPc::Lookup)
    } else {
        TruncPc::SetSize
    }
}

/// One step of NFS's flush before the truncate: the writeback step `pc` run by T0 with
/// WB_SYNC_ALL, its next step mapped back into the flush. TF1's pass ends in filemap_fdatawait
/// (not in ->fsync, as a final sync's does), then TF2 starts; TF2's pass ends in
/// nfs_sync_mapping_wait's loop (the sync's ->fsync step), after which the truncate proper
/// starts (T1), with no filemap_fdatawait of its own.
fn flush_step(cfg: &Config, w: &mut World, me: Tid, pc: TruncPc) -> Step {
    let (second, wb) = match pc {
        TruncPc::FlushWrite(wb) => (false, wb),
        TruncPc::FlushNfs(wb) => (true, wb),
        _ => panic!("model bug: {pc:?} is not a flush step"),
    };
    let after = match crate::mm::page_writeback::step(cfg, w, me, wb, true) {
        Step::Blocked => return Step::Blocked,
        Step::Next(Pc::Writeback(n)) => n,
        Step::Next(other) => panic!("model bug: a writeback step went to {other:?}"),
    };
    next(match (second, wb, after) {
        // TF1: the pass ends: filemap_fdatawait.
        (false, _, WbPc::Fsync) => TruncPc::FlushWrite(WbPc::WaitForIo),
        // TF1 done: nfs_wb_all's pass.
        (false, _, WbPc::Done) => TruncPc::FlushNfs(WbPc::Lookup),
        (false, _, n) => TruncPc::FlushWrite(n),
        // TF2: the loop is done: SETATTR, and in its reply the truncate.
        (true, WbPc::Fsync, WbPc::WaitForIo) => TruncPc::SetSize,
        (true, _, n) => TruncPc::FlushNfs(n),
    })
}

fn t0(w: &World) -> Option<TruncPc> {
    w.threads.iter().find_map(|t| match t.pc {
        Pc::Truncate(pc) => Some(pc),
        _ => None,
    })
}

/// Whether T0's extension has returned: block 1, dropped by the partial truncate, is inside
/// the file again.
pub fn extended(w: &World) -> bool {
    t0(w) == Some(TruncPc::Done) && w.isize_covers_page && !w.isize_partial
}

/// One step of truncate.
pub fn step(cfg: &Config, w: &mut World, me: Tid, pc: TruncPc) -> Step {
    let ptes = w.ptes.len() as u8;
    match pc {
        TruncPc::FlushWrite(_) | TruncPc::FlushNfs(_) => flush_step(cfg, w, me, pc),
        TruncPc::SetSize => {
            // notify_change takes i_alloc_sem for write around vmtruncate (fs/attr.c:167-183):
            // asleep while a filesystem's ->page_mkwrite holds it for read (ext4).
            if crate::fs::truncate_waits(cfg, w) {
                return Step::Blocked;
            }
            // 6.12 `--freeze`: ftruncate's sb_start_write sleeps while a freeze is at
            // SB_FREEZE_WRITE or beyond (the level is 0 without a freeze).
            if w.freeze_level() >= 1 {
                return Step::Blocked;
            }
            if cfg.truncate_partial {
                // T1: i_size_write(inode, offset) with offset the block boundary inside the
                // page. T2's unmap_mapping_range starts at the first page wholly past the new
                // EOF (holebegin is offset + PAGE_SIZE - 1, in pages): none of the straddling
                // page's ptes is zapped, so the partial truncate goes straight to its page. From
                // here the file owes nothing of block 1 but zeros (ghost: its stored version is
                // 0), whether or not the page is still cached for T3 to clear.
                w.isize_partial = true;
                w.data.stored = with_block_version(w.data.stored, 1, 0);
                return next(TruncPc::LockPage);
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
                return next(if cfg.truncate_partial {
                    TruncPc::FreeBlocks
                } else {
                    TruncPc::Done
                });
            }
            match lock_page(w, me) {
                Acquire::Blocked => Step::Blocked,
                Acquire::SelfDeadlock => next(if cfg.truncate_partial {
                    TruncPc::FreeBlocks
                } else {
                    TruncPc::Done
                }),
                Acquire::Got => {
                    get_page(w, me);
                    next(TruncPc::WaitOnWriteback)
                }
            }
        }
        TruncPc::WaitOnWriteback => {
            if w.page.writeback {
                Step::Blocked
            } else if cfg.truncate_partial {
                next(TruncPc::PartialPage)
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
            next(if cfg.truncate_partial {
                TruncPc::FreeBlocks
            } else {
                TruncPc::Done
            })
        }
        TruncPc::PartialPage => {
            // T3, partial: truncate_partial_page: zero_user_segment clears the page from the
            // new EOF to its end (block 1 holds zeros, version 0, as T1 made the file owe), and
            // with PagePrivate
            // do_invalidatepage(page, partial) lets the filesystem discard the buffers wholly
            // past the offset. PG_dirty, the ptes and the page's place in the cache stay.
            w.data.mem = with_block_version(w.data.mem, 1, 0);
            crate::fs::invalidatepage_partial(cfg, w);
            next(TruncPc::UnlockPage)
        }
        TruncPc::FreeBlocks => {
            // T6, partial: the filesystem frees the blocks wholly past the new EOF (delayed
            // allocations included): block 1 becomes a hole, which reads as zeros.
            crate::fs::free_blocks_past_eof(cfg, w);
            next(if cfg.extend {
                TruncPc::ExtendSize
            } else {
                TruncPc::Done
            })
        }
        TruncPc::ExtendSize => {
            // T7: the truncate up, to a size past the model's page. xfs_setattr's xfs_zero_eof
            // has nothing to zero (the old EOF is on a block boundary and block 1 is a hole);
            // i_size_write moves EOF past block 1 again, without the page lock.
            w.isize_partial = false;
            // Model: pagecache_isize_extended's early return for a block as large as the page
            // is not a branch: `Config::validate` allows an extension only with two blocks.
            next(if cfg.fixes.has(Fix::IsizeExtended) {
                TruncPc::ExtendLockPage
            } else {
                TruncPc::Done
            })
        }
        TruncPc::ExtendLockPage => {
            // T8: pagecache_isize_extended (90a8020278c1): the old EOF is not page aligned and
            // the new one lies past its block, so find_lock_page of the straddling page. A page
            // reclaim freed is not found: a new one will be read, unmapped, and fault anew.
            if w.evicted {
                return next(TruncPc::Done);
            }
            match lock_page(w, me) {
                Acquire::Blocked => Step::Blocked,
                Acquire::SelfDeadlock => next(TruncPc::Done),
                Acquire::Got => {
                    get_page(w, me);
                    next(TruncPc::ExtendMkclean(0))
                }
            }
        }
        TruncPc::ExtendMkclean(n) => {
            // T8: page_mkclean, as writeback's W6a (kernel::page_mkclean_pte).
            let Some((reprotected, last)) = crate::kernel::page_mkclean_pte(w, me, n) else {
                return Step::Blocked;
            };
            if reprotected {
                w.note(crate::world::Event::IsizeExtendedReprotected);
            }
            if !last {
                return next(TruncPc::ExtendMkclean(n + 1));
            }
            next(TruncPc::ExtendUnlock)
        }
        TruncPc::ExtendUnlock => {
            // T8: page_mkclean cleaned a pte: set_page_dirty; unlock_page, page_cache_release.
            if w.thread(me).local.cleaned {
                set_page_dirty(cfg, w);
                w.local(me).cleaned = false;
            }
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
        TruncPc::FlushWrite(WbPc::WaitForIo) => StepInfo {
            id: "TF1",
            function: "filemap_write_and_wait",
            anchor: "mm/filemap.c:392",
            what: "nfs_setattr's flush: filemap_fdatawait: wait for PG_writeback to clear",
        },
        TruncPc::FlushWrite(wb) => StepInfo {
            id: "TF1",
            ..crate::mm::page_writeback::info(cfg, w, wb, true)
        },
        TruncPc::FlushNfs(WbPc::Fsync) => StepInfo {
            id: "TF2",
            function: "nfs_wb_all",
            anchor: "fs/nfs/write.c:1446",
            what: "nfs_sync_mapping_wait: wait for busy requests, COMMIT the unstable ones; when \
                   none is left, the SETATTR goes out",
        },
        TruncPc::FlushNfs(wb) => StepInfo {
            id: "TF2",
            ..crate::mm::page_writeback::info(cfg, w, wb, true)
        },
        TruncPc::SetSize if crate::fs::truncate_flushes(cfg) => StepInfo {
            id: "T1",
            function: "nfs_vmtruncate",
            anchor: "fs/nfs/inode.c:397",
            what: "the SETATTR's reply: i_size_write(inode, 0) under i_lock: the page now lies \
                   beyond EOF",
        },
        TruncPc::SetSize if cfg.truncate_partial => StepInfo {
            id: "T1",
            function: "vmtruncate",
            anchor: anchor("vmtruncate", old),
            what: "i_size_write to the block boundary inside the page: block 1 lies beyond EOF; \
                   unmap_mapping_range starts at the next page, the ptes stay",
        },
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
        TruncPc::LockPage if cfg.truncate_partial => tip(
            "T3",
            "the page straddling the new EOF: find_lock_page (get_page, lock_page)",
        ),
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
        TruncPc::PartialPage => StepInfo {
            id: "T3",
            function: "truncate_partial_page",
            anchor: anchor("truncate_partial_page", old),
            what: "zero the page past the new EOF; ->invalidatepage(page, offset) discards \
                   block 1's buffer; the page stays dirty and mapped",
        },
        TruncPc::FreeBlocks => StepInfo {
            id: "T6",
            function: "xfs_itruncate_finish",
            anchor: anchor("xfs_itruncate_finish", old),
            what: "free the blocks past the new EOF: block 1 is a hole",
        },
        TruncPc::ExtendSize => StepInfo {
            id: "T7",
            function: "xfs_setattr",
            anchor: anchor("xfs_setattr", old),
            what: if cfg.fixes.has(Fix::IsizeExtended) {
                "truncate up: xfs_zero_eof finds a hole, i_size_write past block 1"
            } else {
                "truncate up: xfs_zero_eof finds a hole, i_size_write past block 1; the \
                 writable pte is left as it is"
            },
        },
        TruncPc::ExtendLockPage => StepInfo {
            id: "T8",
            function: "pagecache_isize_extended",
            anchor: anchor("pagecache_isize_extended", old),
            what: "90a8020278c1: the old EOF was inside the page: find_lock_page",
        },
        TruncPc::ExtendMkclean(_) => StepInfo {
            id: "T8",
            function: "page_mkclean",
            anchor: anchor("page_mkclean", old),
            what: "write-protect and clean this pte under its ptl (i_mmap_lock held)",
        },
        TruncPc::ExtendUnlock => StepInfo {
            id: "T8",
            function: "pagecache_isize_extended",
            anchor: anchor("pagecache_isize_extended", old),
            what: "a pte was cleaned: set_page_dirty; unlock_page, page_cache_release",
        },
        TruncPc::Done => tip("-", "finished"),
    }
}
