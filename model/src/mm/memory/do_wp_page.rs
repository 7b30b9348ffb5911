//! `do_wp_page()`, mm/memory.c:1890, v2.6.29.4: a write fault on a present read-only pte of a
//! shared writable mapping whose filesystem has ->page_mkwrite (docs/protocol.md §4.1 old,
//! §5.1 new).
//!
//! WP1-WP3 run in the writer's `Store` step, WP4 is the call into `fs::buffer`. What follows is
//! the rest: the relock (H1), pte_same (H2), and the dirtying tail (H3, five parts).
//!
//! Old tail: WP12 file_update_time, WP13 wait_on_page_locked, WP14 set_page_dirty_balance,
//! WP15 put_page. New tail: WP12'-WP14' set_page_dirty under the page lock, WP15' unlock_page,
//! WP16'-WP18' put_page, balance, file_update_time. Each part of H3 moves one piece between the
//! two orders, so the steps below run or are skipped according to the fixes.
//!
//! Model: left out: the copy-on-write and VM_MIXEDMAP parts of do_wp_page (a MAP_SHARED file page is
//! always reused) and with them hunk H4, whose oom exit is unreachable (docs/protocol.md §10); the
//! branch for filesystems without ->page_mkwrite (§4.2, `wp_no_mkwrite.rs`), which the patch did not
//! change in substance.

use super::{
    dirty_unlocked, fault_return, fault_set_page_dirty, install_writable_pte, relock_and_recheck,
    Exit,
};
use crate::anchors::{anchor, Tree};
use crate::config::Config;
use crate::contract::Fix;
use crate::kernel::{
    fs_work_outside_page_lock, lock_page, put_page, unlock_page, wait_on_page_locked, Acquire,
};
use crate::world::{FaultPc, MkwriteRet, Pc, Tid, World};
use crate::world::{Step, StepInfo};

fn next(pc: FaultPc) -> Step {
    Step::Next(Pc::Fault(pc))
}

/// The first tail step after the pte was made writable.
fn first_tail_step(cfg: &Config) -> FaultPc {
    if !cfg.fixes.has(Fix::WpUpdateTimeAfterUnlock) {
        FaultPc::WpUpdateTimeEarly
    } else {
        after_update_time(cfg)
    }
}

fn after_update_time(cfg: &Config) -> FaultPc {
    if !cfg.fixes.has(Fix::WpSkipSelfWait) && cfg.fixes.has(Fix::Wait2007) {
        FaultPc::WpWaitOnPageLocked
    } else {
        after_wait(cfg)
    }
}

fn after_wait(cfg: &Config) -> FaultPc {
    if cfg.fixes.has(Fix::WpDirtyBeforeUnlock) {
        FaultPc::WpSetPageDirtyLocked
    } else {
        after_dirty_locked(cfg)
    }
}

fn after_dirty_locked(cfg: &Config) -> FaultPc {
    let unlocks = cfg.fixes.has(Fix::WpRelockAfterMkwrite);
    if unlocks && !cfg.fixes.has(Fix::WpPutAfterUnlock) {
        FaultPc::WpPutBeforeUnlock
    } else {
        after_put_before_unlock(cfg)
    }
}

fn after_put_before_unlock(cfg: &Config) -> FaultPc {
    // The page is held locked from WP5a to here only when H1 took (or accepted) the lock.
    if cfg.fixes.has(Fix::WpRelockAfterMkwrite) {
        FaultPc::WpUnlockPage
    } else {
        after_unlock(cfg)
    }
}

fn after_unlock(cfg: &Config) -> FaultPc {
    if cfg.fixes.has(Fix::WpDirtyBeforeUnlock) {
        FaultPc::WpFinish
    } else {
        FaultPc::WpSetPageDirtyBalance
    }
}

/// One step of do_wp_page after ->page_mkwrite returned.
pub fn step(cfg: &Config, w: &mut World, me: Tid, pc: FaultPc) -> Step {
    let fixes = cfg.fixes;
    match pc {
        FaultPc::WpAfterMkwrite => {
            let ret = w.thread(me).local.mkwrite;
            if ret.refused() {
                // WP5 [E1]: drop reference A, return NOPAGE (the store re-executes) or
                // VM_FAULT_SIGBUS (it never lands).
                put_page(w, me);
                let exit = if ret == MkwriteRet::NoPage {
                    Exit::Retry
                } else {
                    Exit::SigBus
                };
                return fault_return(w, me, exit);
            }
            if !fixes.has(Fix::WpRelockAfterMkwrite) {
                // Old: the VM holds no page lock on this path.
                return next(FaultPc::WpPteSame);
            }
            if ret == MkwriteRet::Ok && fixes.has(Fix::DoPageMkwrite315) {
                return do_page_mkwrite_315(w, me);
            }
            if ret == MkwriteRet::Locked {
                // WP5a: VM_BUG_ON(!PageLocked(old_page)) checks "somebody holds it" only.
                if w.page.locked_by.is_none() {
                    w.bug("do_wp_page: VM_BUG_ON(!PageLocked(old_page))");
                }
                return next(FaultPc::WpPteSame);
            }
            // WP5a: lock_page(old_page); a NULL mapping means truncated: retry [E3].
            relock_and_recheck(w, me, FaultPc::WpPteSame)
        }
        FaultPc::WpPteSame => {
            // WP6-WP11, one continuous ptl section.
            if !fixes.has(Fix::WpUnlockOnPteChange) {
                // WP7 (old): drop reference A right after taking ptl.
                put_page(w, me);
            }
            let n = cfg.pte_of(w.thread(me).index);
            if w.ptes[n] != w.thread(me).local.orig_pte {
                // WP8 / WP8' [E2]: the pte changed: retry.
                if fixes.has(Fix::WpUnlockOnPteChange) {
                    unlock_page(w, me);
                    put_page(w, me);
                }
                return fault_return(w, me, Exit::Retry);
            }
            // WP9: reference B; WP10: pte := orig + young + dirty + write; WP11 drop ptl.
            crate::kernel::get_page(w, me);
            install_writable_pte(cfg, w, me);
            next(first_tail_step(cfg))
        }
        FaultPc::WpUpdateTimeEarly => {
            // WP12 (old): file_update_time before the page is dirtied.
            fs_work_outside_page_lock(w, me);
            next(after_update_time(cfg))
        }
        FaultPc::WpWaitOnPageLocked => match wait_on_page_locked(w, me) {
            // WP13 (old): wait until whoever holds the page lock lets go (79352894b28).
            Acquire::Blocked => Step::Blocked,
            Acquire::SelfDeadlock => next(FaultPc::Hung),
            Acquire::Got => next(after_wait(cfg)),
        },
        FaultPc::WpSetPageDirtyLocked => {
            // WP13'-WP14': mapping read under the page lock, set_page_dirty.
            fault_set_page_dirty(cfg, w, me);
            if !fixes.has(Fix::WpBalanceAfterUnlock) {
                fs_work_outside_page_lock(w, me);
            }
            next(after_dirty_locked(cfg))
        }
        FaultPc::WpPutBeforeUnlock => {
            // Ablation only: the references are dropped while the page is still locked.
            drop_references(w, me);
            next(after_put_before_unlock(cfg))
        }
        FaultPc::WpUnlockPage => {
            // WP15'.
            unlock_page(w, me);
            next(after_unlock(cfg))
        }
        FaultPc::WpSetPageDirtyBalance => {
            // WP14 (old): set_page_dirty_balance(page, page_mkwrite=1) without the page lock;
            // its accounting half may be a step of its own (`dirty_unlocked`).
            if !fixes.has(Fix::WpBalanceAfterUnlock) {
                fs_work_outside_page_lock(w, me);
            }
            dirty_unlocked(cfg, w, me, FaultPc::WpFinish)
        }
        FaultPc::WpFinish => {
            // WP15 (old) / WP16'-WP18' (new): put_page, balance, file_update_time; return
            // VM_FAULT_WRITE and the store re-executes.
            // Model: new drops B before set_page_dirty (WP12') and A here; both drops are
            // merged here. A is held throughout, so the earlier drop of B cannot free the page.
            drop_references(w, me);
            if fixes.has(Fix::WpBalanceAfterUnlock) {
                fs_work_outside_page_lock(w, me);
            }
            if fixes.has(Fix::WpUpdateTimeAfterUnlock) {
                fs_work_outside_page_lock(w, me);
            }
            fault_return(w, me, Exit::Written)
        }
        _ => unreachable!("not a do_wp_page step: {pc:?}"),
    }
}

/// v3.15-rc (fb09a4642582 as first posted): do_page_mkwrite locks the page after an unlocked
/// return and rechecks the mapping, but returns a plain 0 without VM_FAULT_LOCKED; the caller
/// takes 0 as "retry", drops its reference and returns, the page still locked.
pub fn do_page_mkwrite_315(w: &mut World, me: Tid) -> Step {
    match lock_page(w, me) {
        Acquire::Blocked => Step::Blocked,
        Acquire::SelfDeadlock => next(FaultPc::Hung),
        Acquire::Got => {
            // Truncated: unlock and retry (the intended exit). Not truncated: the plain 0 is
            // taken as "retry" too, and the lock stays held.
            if !w.page.mapping {
                unlock_page(w, me);
            }
            put_page(w, me);
            fault_return(w, me, Exit::Retry)
        }
    }
}

/// Drop every transient reference this fault holds (A and/or B).
/// Model: a bounded loop, one put_page per reference the thread holds. A put_page that finds
/// the count already at 0 fires INV-6 and takes nothing; the loop still ends, the references it
/// could not drop stay counted, and the state invariant half of INV-6 reports them.
fn drop_references(w: &mut World, me: Tid) {
    for _ in 0..w.thread(me).local.refs {
        put_page(w, me);
    }
}

/// The description of a do_wp_page step.
pub fn info(cfg: &Config, w: &World, me: Tid, pc: FaultPc) -> StepInfo {
    let fixes = cfg.fixes;
    let a = anchor("do_wp_page", Tree::of(cfg));
    let s = |id, what| StepInfo {
        id,
        function: "do_wp_page",
        anchor: a,
        what,
    };
    let l = &w.thread(me).local;
    let relock = fixes.has(Fix::WpRelockAfterMkwrite);
    let pte_same = w.ptes[cfg.pte_of(w.thread(me).index)] == l.orig_pte;
    match pc {
        FaultPc::WpAfterMkwrite if l.mkwrite == MkwriteRet::NoPage => s(
            "WP5",
            "->page_mkwrite said NOPAGE: put_page, retry the fault",
        ),
        FaultPc::WpAfterMkwrite if l.mkwrite == MkwriteRet::SigBus => s(
            "WP5",
            "->page_mkwrite said VM_FAULT_SIGBUS: put_page, return the error",
        ),
        FaultPc::WpAfterMkwrite
            if fixes.has(Fix::DoPageMkwrite315) && l.mkwrite == MkwriteRet::Ok =>
        {
            s(
                "WP5a (3.15-rc)",
                "do_page_mkwrite: lock_page, return 0 without VM_FAULT_LOCKED; the caller takes \
                 0 as retry: put_page, return with the page locked",
            )
        }
        FaultPc::WpAfterMkwrite if relock && l.mkwrite == MkwriteRet::Locked => {
            s("WP5a", "VM_FAULT_LOCKED: keep the page lock")
        }
        FaultPc::WpAfterMkwrite if relock && !w.page.mapping => s(
            "WP5a",
            "lock_page; the mapping is NULL (truncated): unlock, put_page, retry",
        ),
        FaultPc::WpAfterMkwrite if relock => s(
            "WP5a",
            "returned unlocked: lock_page, the mapping is still there",
        ),
        FaultPc::WpAfterMkwrite => s("WP5", "->page_mkwrite succeeded; the VM holds no page lock"),
        FaultPc::WpPteSame if !pte_same && fixes.has(Fix::WpUnlockOnPteChange) => s(
            "WP6-WP8'",
            "take ptl; the pte changed: unlock_page, put_page, retry",
        ),
        FaultPc::WpPteSame if !pte_same => {
            s("WP6-WP8", "take ptl, put_page; the pte changed: retry")
        }
        FaultPc::WpPteSame if fixes.has(Fix::WpUnlockOnPteChange) => s(
            "WP6-WP11",
            "take ptl; pte_same: get_page, make the pte writable and dirty, drop ptl",
        ),
        FaultPc::WpPteSame => s(
            "WP6-WP11",
            "take ptl, put_page; pte_same: get_page, make the pte writable and dirty, drop ptl",
        ),
        FaultPc::WpUpdateTimeEarly => s("WP12", "file_update_time"),
        FaultPc::WpWaitOnPageLocked => s("WP13", "wait_on_page_locked: sleep while it is locked"),
        FaultPc::WpSetPageDirtyLocked => s(
            "WP13'-WP14'",
            "read page->mapping and set_page_dirty with the page locked",
        ),
        FaultPc::WpPutBeforeUnlock => s("WP16'(early)", "put_page before unlock_page"),
        FaultPc::WpUnlockPage => s("WP15'", "unlock_page"),
        FaultPc::WpSetPageDirtyBalance => s(
            "WP14",
            "set_page_dirty_balance: set_page_dirty without the page lock, then balance",
        ),
        FaultPc::WpFinish if fixes.has(Fix::WpDirtyBeforeUnlock) => s(
            "WP16'-WP18'",
            "put_page, balance_dirty_pages_ratelimited, file_update_time; return",
        ),
        FaultPc::WpFinish => s("WP15", "put_page; return VM_FAULT_WRITE"),
        _ => s("?", "?"),
    }
}
