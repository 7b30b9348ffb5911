//! The write fault of Linux 6.12.118 (mm/memory.c) on a shared file mapping whose filesystem
//! has ->page_mkwrite: `wp_page_shared` (3555) for a present read-only pte, `do_shared_fault`
//! (5384) for a none pte, both through `do_page_mkwrite` (3159), then `finish_mkwrite_fault`
//! (3509) with `wp_page_reuse` (3245), or `finish_fault` (5081), and last
//! `fault_dirty_shared_page` (3192).
//!
//! | step | kernel | what |
//! |---|---|---|
//! | 6WP1 | handle_pte_fault 5807-5815, do_wp_page 3713-3723, wp_page_shared 3561, 3566 | PTL, pte_same, `folio_get` (ref A), drop PTL (the writer's `Store` step) |
//! | 6WP3 | do_page_mkwrite 3164-3172 | call ->page_mkwrite (the profile's steps) |
//! | 6WP4 | do_page_mkwrite 3173-3184, wp_page_shared 3573-3578 | ERROR/NOPAGE: drop A, return; not LOCKED: `folio_lock`, mapping NULL: unlock, return 0 (retry); LOCKED: VM_BUG_ON_FOLIO(!locked) |
//! | 6WP5 | finish_mkwrite_fault 3512-3524, wp_page_reuse 3266-3270 | PTL; pte changed: NOPAGE, `folio_unlock`, drop A (3580-3583); else the pte young, dirty and writable |
//! | 6WP6 | fault_dirty_shared_page 3200 | `folio_mark_dirty` under the folio lock |
//! | 6WP7 | fault_dirty_shared_page 3208-3209 | `folio_unlock` |
//! | 6WP9-10 | fault_dirty_shared_page 3223-3231, wp_page_shared 3590-3592 | balance_dirty_pages_ratelimited; `folio_put` (A) |
//! | 6DF3 | do_shared_fault 5404-5405 | `folio_unlock` of the folio ->fault returned locked |
//! | 6DF4 | do_shared_fault 5406-5411 | do_page_mkwrite as 6WP4; its error or 0 drops the ->fault reference F |
//! | 6DF5 | finish_fault 5177-5200, do_shared_fault 5415-5419 | PTL; `vmf_pte_changed`: NOPAGE, `folio_unlock`, drop F; else `set_pte_range` (dirty, writable; F becomes the pte's) |
//! | 6DF6 | do_shared_fault 5422 | fault_dirty_shared_page as 6WP6-6WP9, no final put |
//!
//! Model: `vmf_can_call_fault` (3279-3287) is no step: it returns VM_FAULT_RETRY only for a
//! vma without ->map_pages, and ext4 (fs/ext4/file.c:785), XFS (fs/xfs/xfs_file.c:1559) and
//! generic_file_vm_ops (mm/filemap.c:3751) all set filemap_map_pages, so for the three
//! profiles it always returns 0.
//!
//! Model: a folio is one page (`finish_fault` maps one pte for a regular file, 5151-5153). No
//! race of this file needs a large folio: every test the fault makes is of the folio as a
//! whole (its lock, its mapping, its dirty flag), so a second page of the same folio adds
//! ptes, not interleavings of a different kind.
//!
//! Model: the throttle's `maybe_unlock_mmap_for_io` and VM_FAULT_COMPLETED (3226-3230) are
//! left out: they drop the per-VMA or mmap lock after the folio is unlocked and dirty, which
//! no modelled actor takes. A VM_FAULT_RETRY from ->page_mkwrite is not modelled either: none
//! of the three profiles returns it.
//!
//! The 6.12 ablation (`Protocol::V612Minus`) removes `pte_same` from finish_mkwrite_fault
//! (`Cut612::PteSame`) or marks the folio dirty after unlocking it
//! (`Cut612::DirtyBeforeUnlock`; the unlocked dirtying then has its accounting half as a step
//! of its own, as in the 2.6.29 model).

use crate::config::Config;
use crate::contract::Cut612;
use crate::kernel::{fs_work_outside_page_lock, put_page, unlock_page};
use crate::mm::memory::{
    dirty_unlocked, fault_return, fault_set_page_dirty, install_writable_pte, relock_and_recheck,
    Exit,
};
use crate::world::{Caller, FaultPc, MkwriteRet, Pc, Tid, World};
use crate::world::{Step, StepInfo};

fn next(pc: FaultPc) -> Step {
    Step::Next(Pc::Fault(pc))
}

/// One step of writer `me` at `pc` under the 6.12 VM.
pub fn step(cfg: &Config, w: &mut World, me: Tid, pc: FaultPc) -> Step {
    let keeps = |c| cfg.protocol.keeps(c);
    match pc {
        FaultPc::DfUnlockBeforeMkwrite => {
            // 6DF3: ->fault (filemap_fault) returned the folio locked; do_shared_fault unlocks
            // it before do_page_mkwrite.
            unlock_page(w, me);
            w.local(me).caller = Caller::Df;
            next(FaultPc::Mkwrite(crate::fs::page_mkwrite_entry(cfg)))
        }
        FaultPc::WpAfterMkwrite | FaultPc::DfAfterMkwrite => {
            let then = if pc == FaultPc::WpAfterMkwrite {
                FaultPc::WpPteSame
            } else {
                FaultPc::DfPteSame
            };
            let ret = w.thread(me).local.mkwrite;
            if ret.refused() {
                // 6WP4/6DF4 [E1]: ERROR or NOPAGE: drop the reference, return.
                put_page(w, me);
                let exit = if ret == MkwriteRet::NoPage {
                    Exit::Retry
                } else {
                    Exit::SigBus
                };
                return fault_return(w, me, exit);
            }
            if ret == MkwriteRet::Locked {
                // VM_BUG_ON_FOLIO(!folio_test_locked(folio)) (3182-3183).
                if w.page.locked_by.is_none() {
                    w.bug("do_page_mkwrite: VM_BUG_ON_FOLIO(!folio_test_locked(folio))");
                }
                return next(then);
            }
            // Not LOCKED: folio_lock; a NULL mapping means truncated: unlock, return 0, and
            // the caller drops its reference [E3] (3175-3181).
            relock_and_recheck(w, me, then)
        }
        FaultPc::WpPteSame => {
            // 6WP5: finish_mkwrite_fault, one PTL section.
            let n = cfg.pte_of(w.thread(me).index);
            if keeps(Cut612::PteSame) && w.ptes[n] != w.thread(me).local.orig_pte {
                // [E2] NOPAGE: wp_page_shared unlocks the folio and drops A (3580-3583).
                // Model: the folio unlock, after the PTL is dropped, is in the same step: the
                // fault does nothing in between, and a step of another thread there cannot
                // need the folio lock, so it commutes with the unlock.
                unlock_page(w, me);
                put_page(w, me);
                return fault_return(w, me, Exit::Retry);
            }
            if !w.ptes[n].present {
                // Ablation only: the pte was zapped meanwhile and wp_page_reuse writes a
                // mapping of the folio into the empty slot, one that holds neither a reference
                // nor a mapcount (INV-6).
                // Model: the model counts the new pte's reference all the same, so that the
                // zap that later removes it does not take the count below zero.
                w.fire(crate::contract::Inv::PageRefcountBalanced);
                w.page.refcount += 1;
            }
            install_writable_pte(cfg, w, me);
            next(after_pte(cfg))
        }
        FaultPc::DfPteSame => {
            // 6DF5: finish_fault, one PTL section: vmf_pte_changed (5183; for a none orig
            // pte: the pte is no longer none).
            let n = cfg.pte_of(w.thread(me).index);
            if w.ptes[n] != w.thread(me).local.orig_pte {
                // NOPAGE: do_shared_fault unlocks the folio and drops F (5415-5419).
                // Model: merged with the PTL section, as at 6WP5.
                unlock_page(w, me);
                put_page(w, me);
                return fault_return(w, me, Exit::Retry);
            }
            // set_pte_range: dirty + writable (5040-5041); reference F becomes the pte's.
            install_writable_pte(cfg, w, me);
            w.local(me).refs -= 1;
            next(after_pte_df(cfg))
        }
        FaultPc::WpSetPageDirtyLocked | FaultPc::DfSetPageDirtyLocked => {
            // 6WP6: fault_dirty_shared_page: folio_mark_dirty with the folio locked.
            fault_set_page_dirty(cfg, w, me);
            next(if pc == FaultPc::WpSetPageDirtyLocked {
                FaultPc::WpUnlockPage
            } else {
                FaultPc::DfUnlockPage
            })
        }
        FaultPc::WpUnlockPage | FaultPc::DfUnlockPage => {
            // 6WP7: snapshot the mapping, folio_unlock (3208-3209).
            unlock_page(w, me);
            let finish = if pc == FaultPc::WpUnlockPage {
                FaultPc::WpFinish
            } else {
                FaultPc::DfPut
            };
            if keeps(Cut612::DirtyBeforeUnlock) {
                next(finish)
            } else {
                // Ablation: folio_mark_dirty after the unlock.
                dirty_unlocked(cfg, w, me, finish)
            }
        }
        FaultPc::WpFinish => {
            // 6WP9-6WP10: balance_dirty_pages_ratelimited (3227), then wp_page_shared's
            // folio_put of A (3591). file_update_time ran inside ->page_mkwrite (3211-3212).
            fs_work_outside_page_lock(w, me);
            put_page(w, me);
            fault_return(w, me, Exit::Written)
        }
        FaultPc::DfPut | FaultPc::DfFinish => {
            // 6DF6: the throttle; no put: F went to the pte.
            fs_work_outside_page_lock(w, me);
            fault_return(w, me, Exit::Written)
        }
        _ => unreachable!("not a 6.12 fault step: {pc:?}"),
    }
}

/// After the pte is writable: folio_mark_dirty under the lock, or (ablation) the unlock.
fn after_pte(cfg: &Config) -> FaultPc {
    // Both callers continue into fault_dirty_shared_page.
    if cfg.protocol.keeps(Cut612::DirtyBeforeUnlock) {
        FaultPc::WpSetPageDirtyLocked
    } else {
        FaultPc::WpUnlockPage
    }
}

/// The Df twin of `after_pte`'s answer for a do_shared_fault.
fn df(pc: FaultPc) -> FaultPc {
    match pc {
        FaultPc::WpSetPageDirtyLocked => FaultPc::DfSetPageDirtyLocked,
        FaultPc::WpUnlockPage => FaultPc::DfUnlockPage,
        other => other,
    }
}

/// Whether `pc` is a step of this file.
pub fn owns(pc: FaultPc) -> bool {
    matches!(
        pc,
        FaultPc::DfUnlockBeforeMkwrite
            | FaultPc::WpAfterMkwrite
            | FaultPc::DfAfterMkwrite
            | FaultPc::WpPteSame
            | FaultPc::DfPteSame
            | FaultPc::WpSetPageDirtyLocked
            | FaultPc::DfSetPageDirtyLocked
            | FaultPc::WpUnlockPage
            | FaultPc::DfUnlockPage
            | FaultPc::WpFinish
            | FaultPc::DfPut
            | FaultPc::DfFinish
    )
}

/// The next pc after a successful finish_fault (the do_shared_fault side of `after_pte`).
pub fn after_pte_df(cfg: &Config) -> FaultPc {
    df(after_pte(cfg))
}

/// The description of a 6.12 fault step.
pub fn info(cfg: &Config, w: &World, me: Tid, pc: FaultPc) -> StepInfo {
    let l = &w.thread(me).local;
    let n = cfg.pte_of(w.thread(me).index);
    let pte_same = w.ptes[n] == l.orig_pte;
    let s = |id, function, anchor, what| StepInfo {
        id,
        function,
        anchor,
        what,
    };
    match pc {
        FaultPc::DfUnlockBeforeMkwrite => s(
            "6DF3",
            "do_shared_fault",
            "mm/memory.c:5384",
            "->fault returned the folio locked: folio_unlock before do_page_mkwrite",
        ),
        FaultPc::WpAfterMkwrite | FaultPc::DfAfterMkwrite => {
            let id = if pc == FaultPc::WpAfterMkwrite {
                "6WP4"
            } else {
                "6DF4"
            };
            let what = match l.mkwrite {
                MkwriteRet::NoPage => "->page_mkwrite said NOPAGE: folio_put, retry the fault",
                MkwriteRet::SigBus => "->page_mkwrite said SIGBUS: folio_put, return the error",
                MkwriteRet::Locked => "VM_FAULT_LOCKED: keep the folio lock",
                _ if !w.page.mapping => {
                    "returned unlocked: folio_lock; the mapping is NULL (truncated): unlock, \
                     folio_put, retry"
                }
                _ => "returned unlocked: folio_lock, the mapping is still there",
            };
            s(id, "do_page_mkwrite", "mm/memory.c:3159", what)
        }
        FaultPc::WpPteSame if !pte_same && cfg.protocol.keeps(Cut612::PteSame) => s(
            "6WP5",
            "finish_mkwrite_fault",
            "mm/memory.c:3509",
            "take the PTL; the pte changed: NOPAGE; folio_unlock, folio_put, retry",
        ),
        FaultPc::WpPteSame if !pte_same => s(
            "6WP5 (ablation)",
            "finish_mkwrite_fault",
            "mm/memory.c:3509",
            "take the PTL; no pte_same: wp_page_reuse makes the pte writable and dirty anyway",
        ),
        FaultPc::WpPteSame => s(
            "6WP5",
            "finish_mkwrite_fault",
            "mm/memory.c:3509",
            "take the PTL; pte_same: wp_page_reuse makes the pte young, dirty, writable",
        ),
        FaultPc::DfPteSame if !pte_same => s(
            "6DF5",
            "finish_fault",
            "mm/memory.c:5081",
            "take the PTL; vmf_pte_changed: NOPAGE; folio_unlock, folio_put, retry",
        ),
        FaultPc::DfPteSame => s(
            "6DF5",
            "finish_fault",
            "mm/memory.c:5081",
            "take the PTL; the pte is still none: set_pte_range (dirty, writable)",
        ),
        FaultPc::WpSetPageDirtyLocked | FaultPc::DfSetPageDirtyLocked => s(
            "6WP6",
            "fault_dirty_shared_page",
            "mm/memory.c:3192",
            "folio_mark_dirty with the folio locked",
        ),
        FaultPc::WpUnlockPage | FaultPc::DfUnlockPage
            if !cfg.protocol.keeps(Cut612::DirtyBeforeUnlock) =>
        {
            s(
                "6WP7 (ablation)",
                "fault_dirty_shared_page",
                "mm/memory.c:3192",
                "folio_unlock first, then folio_mark_dirty without the lock",
            )
        }
        FaultPc::WpUnlockPage | FaultPc::DfUnlockPage => s(
            "6WP7",
            "fault_dirty_shared_page",
            "mm/memory.c:3192",
            "read the mapping, folio_unlock",
        ),
        FaultPc::WpFinish => s(
            "6WP9-6WP10",
            "wp_page_shared",
            "mm/memory.c:3555",
            "balance_dirty_pages_ratelimited; folio_put; return",
        ),
        FaultPc::DfPut | FaultPc::DfFinish => s(
            "6DF6",
            "do_shared_fault",
            "mm/memory.c:5384",
            "balance_dirty_pages_ratelimited; return (the reference is the pte's)",
        ),
        _ => s("?", "?", "?", "?"),
    }
}
