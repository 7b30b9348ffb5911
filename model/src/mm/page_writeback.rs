//! `write_cache_pages()`, mm/page-writeback.c:932, with `clear_page_dirty_for_io()` (:1321)
//! and `page_mkclean()` (mm/rmap.c:567), v2.6.29.4, unchanged by the patch (docs/protocol.md
//! §6). Run by `W0` (WB_SYNC_NONE passes) and by `S`, the final WB_SYNC_ALL sync, which then
//! waits for the I/O (filemap_fdatawait); for NFS also by `T0`, whose nfs_setattr writes the
//! file back before it truncates (`mm::truncate`, TF1-TF2). `IO` runs the completion,
//! end_page_writeback (W9).
//!
//! clear_page_dirty_for_io is three steps: page_mkclean (one pte-lock section per pte),
//! set_page_dirty if a pte was cleaned, TestClearPageDirty.
//!
//! Reclaim's pageout (`mm::vmscan`) shares clear_page_dirty_for_io's TestClearPageDirty. The
//! filesystems' own ->writepages loops (nfs_writepages, extent_write_cache_pages,
//! ceph_writepages_start) take the same steps around one page as write_cache_pages and differ
//! in batching, so the model runs this loop for all of them and lets ->writepage differ, and
//! the checks a filesystem's loop makes before clear_page_dirty_for_io
//! (`fs::writeback_check`).
//!
//! Model: left out: the range_cyclic bookkeeping of write_cache_pages, which does not matter for
//! one page.

use crate::anchors::{anchor, Tree};
use crate::config::Config;
use crate::contract::Inv;
use crate::fs;
use crate::kernel::{
    get_page, lock_page, put_page, test_clear_page_dirty_accounted, unlock_page, Acquire,
};
use crate::mm::set_page_dirty;
use crate::world::{Pc, Tid, WbPc, World};
use crate::world::{Step, StepInfo};

fn next(pc: WbPc) -> Step {
    Step::Next(Pc::Writeback(pc))
}

/// The end of one pass over the file: W0 starts its next pass or finishes; S waits for I/O.
fn end_of_pass(cfg: &Config, w: &mut World, me: Tid, sync: bool) -> Step {
    if sync {
        return next(if fs::has_fsync(cfg) {
            WbPc::Fsync
        } else {
            WbPc::WaitForIo
        });
    }
    if w.thread(me).local.inode_dirty && fs::has_write_inode(cfg) {
        return next(WbPc::WriteInode);
    }
    next_pass(cfg, w, me)
}

/// W0 starts its next pass or finishes.
fn next_pass(cfg: &Config, w: &mut World, me: Tid) -> Step {
    let l = w.local(me);
    l.pass += 1;
    l.cleaned = false;
    if l.pass >= cfg.writeback {
        next(WbPc::Done)
    } else {
        next(WbPc::Lookup)
    }
}

/// Skip the page: unlock it, release the lookup reference (W3, W4, W5, W7).
fn skip_page(cfg: &Config, w: &mut World, me: Tid, sync: bool) -> Step {
    unlock_page(w, me);
    put_page(w, me);
    end_of_pass(cfg, w, me, sync)
}

/// page_mkclean (mm/rmap.c:567) walks the vmas only if the page is mapped and still has a
/// mapping; otherwise clear_page_dirty_for_io goes straight to TestClearPageDirty.
fn mkclean_start(w: &World) -> WbPc {
    if w.page.mapping && w.mapcount() > 0 {
        WbPc::Mkclean(0)
    } else {
        WbPc::TestClearPageDirty
    }
}

/// The page is locked, in the mapping, dirty and not under writeback (W2-W5 passed): the
/// filesystem's own ->writepages checks that come before clear_page_dirty_for_io
/// (`fs::writeback_check`: ceph_writepages_start's EOF skip and snap-context load, nilfs2's
/// collection of dirty buffers only), then clear_page_dirty_for_io's page_mkclean.
/// Model: the checks share the step that took the lock (or ended the WB_SYNC_ALL wait): they
/// read what only the lock holder changes, or what setting commutes with taking the lock.
fn before_clear(cfg: &Config, w: &mut World, me: Tid, sync: bool) -> Step {
    match fs::writeback_check(cfg, w) {
        fs::WbCheck::Go => next(mkclean_start(w)),
        fs::WbCheck::Skip => skip_page(cfg, w, me, sync),
        fs::WbCheck::Bug => next(WbPc::Stopped),
    }
}

/// One step of write_cache_pages for `me` (W0, or S when `sync`).
pub fn step(cfg: &Config, w: &mut World, me: Tid, pc: WbPc, sync: bool) -> Step {
    match pc {
        WbPc::NotStarted => next(WbPc::Lookup),
        WbPc::Lookup => {
            // W1: pagevec_lookup_tag(PAGECACHE_TAG_DIRTY) takes a reference, no lock. Before
            // it, the flusher's __sync_single_inode snapshots and clears I_DIRTY (fs-writeback.c
            // 280-282; for NFS the I_DIRTY_DATASYNC that asks for a COMMIT).
            if !sync {
                let snapshot = fs::pass_start(cfg, w);
                w.local(me).inode_dirty = snapshot;
            }
            // A filesystem whose writer collects only some inodes (nilfs2's segment
            // constructor, queued inodes only) finds nothing in the others.
            if w.page.mapping && w.page.tagged_dirty && fs::writeback_collects(cfg, w) {
                get_page(w, me);
                next(WbPc::LockPage)
            } else {
                end_of_pass(cfg, w, me, sync)
            }
        }
        WbPc::LockPage => {
            // W2 lock_page; W3 mapping changed: skip; W4 PG_dirty clear: skip ("someone
            // wrote it for us", even if a pte is dirty); W5 PG_writeback: WB_SYNC_NONE skips,
            // WB_SYNC_ALL waits.
            // Model: the tests share the step that takes the lock. The mapping only changes
            // under the lock; PG_dirty and PG_writeback change without it, but setting or
            // clearing them commutes with taking the lock.
            // Model: `--late-writeback` is a scenario constraint, not kernel behaviour: it
            // holds W0 back while a fault is in the R1/R3 window (->page_mkwrite done, pte not
            // installed). Every path it allows is a kernel path, so a violation it finds is a
            // real one; it only removes paths, so it proves nothing safe.
            if cfg.late_writeback
                && w.threads
                    .iter()
                    .any(|t| t.local.dirtying == crate::world::Dirtying::Mkwrote)
            {
                return Step::Blocked;
            }
            match lock_page(w, me) {
                Acquire::Blocked => Step::Blocked,
                // Writeback never holds the page lock when it takes it; were that to change,
                // INV-5b has fired and the thread stops here.
                Acquire::SelfDeadlock => next(WbPc::Stopped),
                Acquire::Got if !w.page.mapping || !w.page.dirty => skip_page(cfg, w, me, sync),
                Acquire::Got if w.page.writeback && !sync => skip_page(cfg, w, me, sync),
                Acquire::Got if w.page.writeback => next(WbPc::WaitOnWriteback),
                Acquire::Got => before_clear(cfg, w, me, sync),
            }
        }
        WbPc::WaitOnWriteback => {
            // W5 (WB_SYNC_ALL): wait_on_page_writeback with the page locked.
            if w.page.writeback {
                Step::Blocked
            } else {
                before_clear(cfg, w, me, sync)
            }
        }
        WbPc::Mkclean(n) => {
            // W6a: page_mkclean, one pte-lock section per vma (kernel::page_mkclean_pte).
            let Some((_, last)) = crate::kernel::page_mkclean_pte(w, me, n) else {
                return Step::Blocked;
            };
            if !last {
                return next(WbPc::Mkclean(n + 1));
            }
            if w.thread(me).local.cleaned {
                next(WbPc::SetPageDirty)
            } else {
                next(WbPc::TestClearPageDirty)
            }
        }
        WbPc::SetPageDirty => {
            // W6b: page_mkclean cleaned a pte: move its dirtiness into PG_dirty.
            set_page_dirty(cfg, w);
            next(WbPc::TestClearPageDirty)
        }
        WbPc::TestClearPageDirty => {
            // W6c: TestClearPageDirty. W7: it was clear: skip the page.
            w.local(me).cleaned = false;
            if !test_clear_page_dirty_for_io(cfg, w) {
                return skip_page(cfg, w, me, sync);
            }
            next(WbPc::Writepage)
        }
        WbPc::Writepage => {
            // W8: ->writepage, which unlocks; W10: release the lookup reference. A failed
            // ->writepage: generic_writepages' __writepage records the error on the mapping
            // (mapping_set_error: AS_ENOSPC), and write_cache_pages returns it to its caller,
            // which for the final fsync is vfs_fsync's filemap_fdatawrite.
            let ctx = fs::WbCtx {
                sync,
                reclaim: false,
            };
            if w.page.writeback {
                w.fire(Inv::NoWritepageUnderWriteback);
            }
            match fs::writepage(cfg, w, me, ctx) {
                fs::Writepage::Blocked => return Step::Blocked,
                fs::Writepage::Bug => return next(WbPc::Stopped),
                fs::Writepage::Failed => {
                    w.mapping_error = true;
                    if sync {
                        w.local(me).fsync_err = true;
                    }
                }
                fs::Writepage::Done => {}
            }
            put_page(w, me);
            end_of_pass(cfg, w, me, sync)
        }
        WbPc::WriteInode => {
            // __sync_single_inode after do_writepages (fs-writeback.c:290): ->write_inode.
            fs::write_inode(cfg, w);
            next_pass(cfg, w, me)
        }
        WbPc::Fsync => match fs::fsync(cfg, w) {
            // vfs_fsync's ->fsync (fs/sync.c:122), between filemap_fdatawrite and
            // filemap_fdatawait.
            fs::Fsync::Wait => Step::Blocked,
            fs::Fsync::Progress => next(WbPc::Fsync),
            fs::Fsync::Again => next(WbPc::Lookup),
            fs::Fsync::Done => next(WbPc::WaitForIo),
        },
        WbPc::WaitForIo => {
            // SY: filemap_fdatawait: wait until PG_writeback is clear, then
            // wait_on_page_writeback_range reports and clears AS_ENOSPC/AS_EIO. With i_size 0
            // (truncated) filemap_fdatawait returns 0 at once and leaves the flags alone.
            if w.page.writeback {
                return Step::Blocked;
            }
            if w.isize_covers_page && w.mapping_error {
                w.mapping_error = false;
                w.local(me).fsync_err = true;
            }
            next(WbPc::Done)
        }
        WbPc::Done | WbPc::Stopped => Step::Blocked,
    }
}

/// clear_page_dirty_for_io's last part (W6c, mm/page-writeback.c:1366): TestClearPageDirty with
/// its accounting; whether PG_dirty was set (the function's return value). When it returns 1
/// the page goes to ->writepage: INV-2 requires the filesystem to track it, as long as i_size
/// covers the page (a page truncate is removing holds no data anyone will read; INV-2 is a
/// property of filesystems with ->page_mkwrite only).
pub fn test_clear_page_dirty_for_io(cfg: &Config, w: &mut World) -> bool {
    if !test_clear_page_dirty_accounted(w) {
        return false;
    }
    if fs::has_page_mkwrite(cfg) && w.isize_covers_page && !fs::tracked_for_io(cfg, w) {
        w.fire(Inv::CleanedPageHadFsMetadata);
    }
    true
}

/// W9, run by `IO`: the completion of the write in flight (the filesystem's own bookkeeping,
/// by default the data reaching the disk, then end_page_writeback), or of another filesystem
/// RPC (an NFS COMMIT).
///
/// Model: one page has at most one of them in flight: a COMMIT takes only requests that are
/// not being written.
pub fn io_complete(cfg: &Config, w: &mut World) -> Step {
    match w.data.in_flight.take() {
        Some(v) => {
            fs::end_io(cfg, w, v);
            w.page.writeback = false;
            Step::Next(Pc::Io)
        }
        None if fs::rpc_pending(w) => {
            fs::complete_rpc(w);
            Step::Next(Pc::Io)
        }
        None => Step::Blocked,
    }
}

/// The description of a writeback step.
pub fn info(cfg: &Config, w: &World, pc: WbPc, sync: bool) -> StepInfo {
    let tree = Tree::of(cfg);
    let wcp = |id, what| StepInfo {
        id,
        function: "write_cache_pages",
        anchor: anchor("write_cache_pages", tree),
        what,
    };
    let cdfi = |id, what| StepInfo {
        id,
        function: "clear_page_dirty_for_io",
        anchor: anchor("clear_page_dirty_for_io", tree),
        what,
    };
    match pc {
        WbPc::NotStarted => StepInfo {
            id: "SY",
            function: "vfs_fsync",
            anchor: anchor("vfs_fsync", tree),
            what: "fsync starts: every other thread has finished",
        },
        WbPc::Lookup
            if w.page.mapping && w.page.tagged_dirty && !fs::writeback_collects(cfg, w) =>
        {
            wcp(
                "W1",
                "the inode is not queued: nilfs2's segment constructor collects nothing, the \
                 pass ends",
            )
        }
        WbPc::Lookup if w.page.mapping && w.page.tagged_dirty => {
            wcp("W1", "the page is tagged dirty: get_page")
        }
        WbPc::Lookup => wcp("W1", "no page tagged dirty: the pass ends"),
        WbPc::LockPage if !w.page.mapping => {
            wcp("W2-W3", "lock_page; truncated meanwhile: unlock, skip")
        }
        WbPc::LockPage if !w.page.dirty => wcp(
            "W2-W4",
            "lock_page; PG_dirty is clear: unlock, skip (even if a pte is dirty)",
        ),
        WbPc::LockPage if w.page.writeback && !sync => wcp(
            "W2-W5",
            "lock_page; under writeback, WB_SYNC_NONE: unlock, skip",
        ),
        WbPc::LockPage if w.page.writeback => {
            wcp("W2-W5", "lock_page; under writeback: WB_SYNC_ALL waits")
        }
        WbPc::LockPage => fs::writeback_check_info(cfg, w, "W2-W5")
            .unwrap_or_else(|| wcp("W2-W5", "lock_page; mapped, dirty, not under writeback")),
        WbPc::WaitOnWriteback if w.page.writeback => {
            wcp("W5", "wait_on_page_writeback, page locked")
        }
        WbPc::WaitOnWriteback => fs::writeback_check_info(cfg, w, "W5")
            .unwrap_or_else(|| wcp("W5", "wait_on_page_writeback, page locked")),
        WbPc::Mkclean(n) => StepInfo {
            id: "W6a",
            function: "page_mkclean_one",
            anchor: anchor("page_mkclean_one", tree),
            what: match (n, w.ptes.get(n as usize)) {
                (0, _) if w.i_mmap_lock.is_some() => "waits for i_mmap_lock (a zap holds it)",
                (_, Some(p)) if p.present && (p.write || p.dirty) => {
                    "i_mmap_lock held; under this pte's ptl: write-protect and clean it"
                }
                _ => "i_mmap_lock held; under this pte's ptl: nothing to clean",
            },
        },
        WbPc::SetPageDirty => cdfi("W6b", "a pte was cleaned: set_page_dirty"),
        WbPc::TestClearPageDirty if w.page.dirty => {
            cdfi("W6c", "TestClearPageDirty: PG_dirty was set, returns 1")
        }
        WbPc::TestClearPageDirty => {
            cdfi("W6c-W7", "TestClearPageDirty: it was clear; unlock, skip")
        }
        WbPc::Writepage => fs::writepage_info(
            cfg,
            w,
            fs::WbCtx {
                sync,
                reclaim: false,
            },
        ),
        WbPc::WriteInode => fs::write_inode_info(cfg),
        WbPc::Fsync => fs::fsync_info(cfg, w),
        WbPc::WaitForIo => StepInfo {
            id: "SY",
            function: "filemap_fdatawait",
            anchor: anchor("filemap_fdatawait", tree),
            what: if w.isize_covers_page && w.mapping_error {
                "wait for PG_writeback to clear; AS_ENOSPC is set: clear it, fsync returns -ENOSPC"
            } else {
                "wait for PG_writeback to clear; fsync returns what its writeback returned"
            },
        },
        WbPc::Done => wcp("-", "finished"),
        WbPc::Stopped => wcp("-", "stopped by an oops: never returns"),
    }
}

/// The description of the I/O completion step.
pub fn io_info(cfg: &Config, w: &World) -> StepInfo {
    if w.data.in_flight.is_none() && fs::rpc_pending(w) {
        return fs::rpc_info(w);
    }
    if w.data.in_flight.is_some() {
        if let Some(i) = fs::end_io_info(cfg) {
            return i;
        }
    }
    StepInfo {
        id: "W9",
        function: "end_page_writeback",
        anchor: anchor("end_page_writeback", Tree::of(cfg)),
        what: "I/O done: the data is on disk, PG_writeback cleared",
    }
}
