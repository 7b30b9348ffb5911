//! `do_wp_page()`'s branch for a shared writable mapping whose filesystem has no
//! ->page_mkwrite (docs/protocol.md §4.2, N1-N5; `--fs none`), before and after 2d6d7f982846
//! "mm: protect set_page_dirty() from ongoing truncation" (v3.19, 2014).
//!
//! N1 makes the pte writable and dirty under ptl and takes a reference; N3 waits until the
//! page lock is free (79352894b28) and N4 calls set_page_dirty_balance without the lock, so
//! truncate's cancel_dirty_page and remove_from_page_cache can run between set_page_dirty's
//! TestSetPageDirty and its accounting: NR_FILE_DIRTY goes out of balance. 2d6d7f982846
//! replaces the wait by lock_page and calls set_page_dirty under the lock.
//!
//! Model: N2 (file_update_time, old position) has no modelled effect beyond the INV-5d check,
//! which cannot fail here (no lock is held), so it is left out. N3 and N4 are two steps: once
//! wait_on_page_locked has seen the lock free, writeback or truncate can take the lock before
//! N4's TestSetPageDirty, and the model keeps that interleaving.

use super::{dirty_unlocked, fault_return, install_writable_pte, Exit};
use crate::anchors::{anchor, Tree};
use crate::config::Config;
use crate::contract::Fix;
use crate::kernel::{
    fs_work_outside_page_lock, get_page, lock_page, put_page, unlock_page, wait_on_page_locked,
    Acquire,
};
use crate::mm::set_page_dirty;
use crate::world::{Dirtying, FaultPc, Pc, Tid, World};
use crate::world::{Step, StepInfo};

fn next(pc: FaultPc) -> Step {
    Step::Next(Pc::Fault(pc))
}

/// N1, in the store's ptl section: dirty_page := page, get_page, pte writable and dirty.
pub fn reuse(cfg: &Config, w: &mut World, me: Tid) -> Step {
    get_page(w, me);
    install_writable_pte(cfg, w, me);
    let waits = cfg.fixes.has(Fix::LockAroundDirty2014) || cfg.fixes.has(Fix::Wait2007);
    next(if waits {
        FaultPc::NoMkwriteWaitOrLock
    } else {
        FaultPc::NoMkwriteSetPageDirty
    })
}

/// One step of the branch after N1.
pub fn step(cfg: &Config, w: &mut World, me: Tid, pc: FaultPc) -> Step {
    let fixes = cfg.fixes;
    match pc {
        FaultPc::NoMkwriteWaitOrLock if fixes.has(Fix::LockAroundDirty2014) => {
            // 2d6d7f982846: lock_page, set_page_dirty under the lock.
            // Model: set_page_dirty shares the step that takes the lock: under the lock
            // nothing that reads or clears PG_dirty can come in between.
            match lock_page(w, me) {
                Acquire::Blocked => Step::Blocked,
                Acquire::SelfDeadlock => next(FaultPc::Hung),
                Acquire::Got => {
                    set_page_dirty(cfg, w);
                    w.local(me).dirtying = Dirtying::Idle;
                    next(FaultPc::NoMkwriteFinish)
                }
            }
        }
        FaultPc::NoMkwriteWaitOrLock => match wait_on_page_locked(w, me) {
            // N3: wait_on_page_locked (79352894b28; absent in pre2007).
            Acquire::Blocked => Step::Blocked,
            Acquire::SelfDeadlock => next(FaultPc::Hung),
            Acquire::Got => next(FaultPc::NoMkwriteSetPageDirty),
        },
        FaultPc::NoMkwriteSetPageDirty => {
            // N4: set_page_dirty_balance without the lock; its accounting half may be a step
            // of its own.
            dirty_unlocked(cfg, w, me, FaultPc::NoMkwriteFinish)
        }
        FaultPc::NoMkwriteFinish => {
            // 2014: unlock_page. N4's balance, N5: put_page; return VM_FAULT_WRITE.
            if fixes.has(Fix::LockAroundDirty2014) {
                unlock_page(w, me);
            }
            fs_work_outside_page_lock(w, me);
            put_page(w, me);
            fault_return(w, me, Exit::Written)
        }
        _ => unreachable!("not a do_wp_page (no ->page_mkwrite) step: {pc:?}"),
    }
}

/// The description of a step of the branch.
pub fn info(cfg: &Config, pc: FaultPc) -> StepInfo {
    let a = anchor("do_wp_page", Tree::of(cfg));
    let s = |id, what| StepInfo {
        id,
        function: "do_wp_page",
        anchor: a,
        what,
    };
    let y2014 = cfg.fixes.has(Fix::LockAroundDirty2014);
    match pc {
        FaultPc::NoMkwriteWaitOrLock if y2014 => s("N3-N4 (2014)", "lock_page, set_page_dirty"),
        FaultPc::NoMkwriteWaitOrLock => s("N3", "wait_on_page_locked: sleep while it is locked"),
        FaultPc::NoMkwriteSetPageDirty => s(
            "N4",
            "set_page_dirty_balance without the lock (TestSetPageDirty)",
        ),
        FaultPc::NoMkwriteFinish if y2014 => {
            s("N5 (2014)", "unlock_page, balance, put_page; return")
        }
        _ => s("N5", "balance, put_page; return"),
    }
}
