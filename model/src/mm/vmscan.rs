//! Reclaim: one pass of `shrink_page_list()` (mm/vmscan.c:576, v2.6.29.4, unchanged by the
//! patch) over the model's page, run by `R0` (kswapd) with `--reclaim 1`.
//!
//! The pass isolates the page (a reference), takes the lock with trylock_page (a locked page is
//! skipped), skips a page under writeback, unmaps it (try_to_unmap, mm/rmap.c:1190, which moves a
//! dirty pte's bit into PG_dirty and removes the pte), writes a dirty page out (pageout,
//! vmscan.c:336: clear_page_dirty_for_io, then ->writepage), releases the filesystem's private
//! data (try_to_release_page, mm/filemap.c:2471: ->releasepage, which for buffer pages strips
//! the buffers), and frees a clean page nobody else holds (__remove_mapping, vmscan.c:420).
//! A freed page is gone from the page cache; the next fault reads a new one from disk.
//!
//! Model: the page is never found referenced: page_referenced (vmscan.c:634) would send a page
//! with a young pte back to the active list untouched, and try_to_unmap_one a young pte the same
//! way (SWAP_FAIL). Either only ends the pass with nothing done, which is the state before the
//! pass with R0 finished; no invariant looks at R0's progress, so every violation such a run
//! reaches is reached by the model's twin with R0 not yet started. The reclaim write is
//! asynchronous (pageout's PAGEOUT_IO_SYNC wait is for lumpy reclaim's second pass).

use crate::config::Config;
use crate::contract::Inv;
use crate::fs;
use crate::kernel::{get_page, put_page, unlock_page};
use crate::mm::page_writeback::test_clear_page_dirty_for_io;
use crate::mm::set_page_dirty;
use crate::world::{Pc, RcPc, Tid, World};
use crate::world::{Step, StepInfo};

fn next(pc: RcPc) -> Step {
    Step::Next(Pc::Reclaim(pc))
}

/// keep / keep_locked: unlock if `locked`, putback_lru_page drops the isolation reference.
fn keep(w: &mut World, me: Tid, locked: bool) -> Step {
    if locked {
        unlock_page(w, me);
    }
    put_page(w, me);
    next(RcPc::Done)
}

/// is_page_cache_freeable (vmscan.c:277): the page cache's reference and reclaim's own are the
/// only ones (the private data's reference, which the kernel subtracts, is not counted here).
fn only_cache_and_reclaim_hold_it(w: &World) -> bool {
    w.page.refcount == 2
}

/// The step after the page is unmapped: write it if dirty, else release it.
fn after_unmap(w: &World) -> RcPc {
    if w.page.dirty {
        RcPc::Pageout
    } else {
        RcPc::Release
    }
}

/// One step of R0.
pub fn step(cfg: &Config, w: &mut World, me: Tid, pc: RcPc) -> Step {
    match pc {
        RcPc::Isolate => {
            // isolate_lru_page takes a reference; shrink_page_list: trylock_page (599), skip a
            // page under writeback (619-632; kswapd's pass is asynchronous).
            // Model: the isolation and the trylock are one step. The isolation reference only
            // matters to reclaim's own refcount tests; nobody else looks at the count.
            // Model: a page already freed or truncated out of the cache gives reclaim nothing
            // to do (a truncated page is freed by its last put_page).
            if w.evicted || !w.page.mapping || w.page.locked_by.is_some() {
                return next(RcPc::Done);
            }
            w.page.locked_by = Some(me);
            get_page(w, me);
            if w.page.writeback {
                return keep(w, me, true);
            }
            if w.mapcount() > 0 {
                next(RcPc::Unmap(0))
            } else if crate::mm::gup::pinned(cfg, w) {
                // `--gup-era pin-skip` (d824ec2a1546, 6.4; 6.12 mm/vmscan.c:1336-1344): an
                // unmapped page that is DMA-pinned goes back to the active list
                // (activate_locked) before pageout and before try_to_release_page.
                // Model: activate_locked is keep_locked here: R0 makes one pass either way.
                keep(w, me, true)
            } else {
                next(after_unmap(w))
            }
        }
        RcPc::Unmap(n) => {
            // try_to_unmap -> try_to_unmap_file: i_mmap_lock over the walk (rmap.c:1072-1168);
            // try_to_unmap_one (757) for pte n under its ptl: clear it, a dirty bit goes to
            // set_page_dirty (796-797), the mapcount and the pte's reference go.
            if n == 0 {
                match w.i_mmap_lock {
                    Some(o) if o != me => return Step::Blocked,
                    _ => w.i_mmap_lock = Some(me),
                }
            }
            let pte = w.ptes[n as usize];
            if pte.present {
                if pte.dirty {
                    set_page_dirty(cfg, w);
                }
                w.ptes[n as usize] = Default::default();
                w.page.refcount -= 1;
            }
            if (n as usize) + 1 < w.ptes.len() {
                return next(RcPc::Unmap(n + 1));
            }
            w.i_mmap_lock = None;
            if crate::mm::gup::pinned(cfg, w) {
                return keep(w, me, true);
            }
            next(after_unmap(w))
        }
        RcPc::Pageout => {
            // 6.12: a dirty file folio is activated, never written by reclaim: pageout returns
            // PAGE_ACTIVATE for a mapping without ->writepage (mm/vmscan.c:673-674; ext4 and
            // XFS have none), and kswapd activates a dirty file folio before pageout unless it
            // was seen dirty twice (1359-1373). activate_locked: unlock, put back.
            if !fs::has_writepage(cfg) {
                return keep(w, me, true);
            }
            // pageout: is_page_cache_freeable or PAGE_KEEP (356-357); clear_page_dirty_for_io
            // (377): the ptes are gone, so page_mkclean has nothing to do; TestClearPageDirty.
            if !only_cache_and_reclaim_hold_it(w) {
                return keep(w, me, true);
            }
            if test_clear_page_dirty_for_io(cfg, w) {
                next(RcPc::Writepage)
            } else {
                next(RcPc::Release)
            }
        }
        RcPc::Writepage => {
            // pageout: ->writepage with for_reclaim (389); an error goes to handle_write_error
            // (mapping_set_error, 305-312). ->writepage unlocks the page. A page left under
            // writeback or dirty again is kept (686-687); one the write left clean and idle is
            // relocked and freed in the same pass (692-697).
            let ctx = fs::WbCtx {
                sync: false,
                reclaim: true,
            };
            if w.page.writeback {
                w.fire(Inv::NoWritepageUnderWriteback);
            }
            match fs::writepage(cfg, w, me, ctx) {
                fs::Writepage::Blocked => return Step::Blocked,
                fs::Writepage::Bug => return next(RcPc::Done),
                fs::Writepage::Failed => w.mapping_error = true,
                fs::Writepage::Done => {}
            }
            if w.page.writeback || w.page.dirty {
                return keep(w, me, false);
            }
            next(RcPc::Relock)
        }
        RcPc::Relock => {
            // trylock_page again (692-693), recheck PG_dirty and PG_writeback (694-695) and
            // re-read the mapping (696).
            if w.page.locked_by.is_some() {
                return keep(w, me, false);
            }
            w.page.locked_by = Some(me);
            if w.page.writeback || w.page.dirty || !w.page.mapping {
                return keep(w, me, true);
            }
            next(RcPc::Release)
        }
        RcPc::Release => {
            // try_to_release_page for a page with private data (723-725), failure keeps it
            // (activate_locked); __remove_mapping (744-745): page_freeze_refs(page, 2) and a clean
            // page, then __remove_from_page_cache and the page is freed.
            // Model: the two are one step, both under the page lock. A lock-free
            // set_page_dirty between them (the old fault tails) comes from a fault that holds a
            // reference, so __remove_mapping's refcount test fails either way.
            if fs::page_private(cfg, w) {
                if w.page.writeback || !fs::releasepage(cfg, w) {
                    return keep(w, me, true);
                }
                w.note(crate::world::Event::ReclaimReleasedPrivate);
            }
            if !only_cache_and_reclaim_hold_it(w) || w.page.dirty || !w.page.mapping {
                return keep(w, me, true);
            }
            // __remove_from_page_cache under tree_lock: the slot and its tags go; the page
            // is freed with the cache's and reclaim's references (__clear_page_locked).
            w.page.mapping = false;
            w.page.tagged_dirty = false;
            w.page.refcount = 0;
            w.page.locked_by = None;
            w.local(me).refs = 0;
            w.evicted = true;
            next(RcPc::Done)
        }
        RcPc::Done => Step::Blocked,
    }
}

/// The description of a reclaim step.
pub fn info(cfg: &Config, w: &World, pc: RcPc) -> StepInfo {
    let tree = crate::anchors::Tree::of(cfg);
    let s = |id, function, what| StepInfo {
        id,
        function,
        anchor: crate::anchors::anchor(function, tree),
        what,
    };
    match pc {
        RcPc::Isolate if w.evicted || !w.page.mapping => s(
            "RC1",
            "shrink_page_list",
            "the page is no longer in the page cache: nothing to reclaim",
        ),
        RcPc::Isolate if w.page.locked_by.is_some() => s(
            "RC1",
            "shrink_page_list",
            "isolate_lru_page; trylock_page fails (the page is locked): keep it",
        ),
        RcPc::Isolate if w.page.writeback => s(
            "RC1",
            "shrink_page_list",
            "isolate_lru_page, trylock_page; under writeback: keep it",
        ),
        RcPc::Isolate => s(
            "RC1",
            "shrink_page_list",
            "isolate_lru_page (a reference), trylock_page",
        ),
        RcPc::Unmap(_) => s(
            "RC2",
            "try_to_unmap_one",
            "i_mmap_lock held; under this pte's ptl: clear the pte, its dirty bit to \
             set_page_dirty",
        ),
        RcPc::Pageout if !only_cache_and_reclaim_hold_it(w) => s(
            "RC3",
            "pageout",
            "is_page_cache_freeable fails (someone else holds the page): keep it",
        ),
        RcPc::Pageout => s(
            "RC3",
            "pageout",
            "clear_page_dirty_for_io: no ptes left; TestClearPageDirty",
        ),
        RcPc::Writepage => StepInfo {
            id: "RC4",
            ..fs::writepage_info(
                cfg,
                w,
                fs::WbCtx {
                    sync: false,
                    reclaim: true,
                },
            )
        },
        RcPc::Relock => s(
            "RC5",
            "shrink_page_list",
            "the write left the page clean: trylock_page again",
        ),
        RcPc::Release => s(
            "RC6",
            "shrink_page_list",
            "try_to_release_page (->releasepage); __remove_mapping if only the cache and \
             reclaim hold the page and it is clean: the page is freed",
        ),
        RcPc::Done => s("-", "shrink_page_list", "finished"),
    }
}
