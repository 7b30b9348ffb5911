//! `__do_fault()`, mm/memory.c (2590 old, 2623 new), v2.6.29.4: a write fault on a none pte
//! of a shared writable mapping whose filesystem has ->page_mkwrite (docs/protocol.md §4.3 old,
//! §5.2 new). ->fault is filemap_fault (`mm::filemap`), which returns the page locked.
//!
//! Old: DF3 unlock, DF4 ->page_mkwrite, DF6 lock_page again, DF7 mapping check, DF9-DF11 pte,
//! DF12 unlock_page, DF14-DF16 set_page_dirty_balance without the lock. New: a VM_FAULT_LOCKED
//! return keeps the lock (H5), and set_page_dirty runs before unlock_page (H6, DF12').
//!
//! Model: left out: private (COW) and anonymous faults, and nonlinear mappings (the flag H5 resets
//! has no effect on a linear shared mapping).

use super::{
    dirty_unlocked, fault_return, fault_set_page_dirty, install_writable_pte, relock_and_recheck,
    Exit,
};
use crate::anchors::{anchor, Tree};
use crate::config::Config;
use crate::contract::Fix;
use crate::kernel::{fs_work_outside_page_lock, get_page, put_page, unlock_page};
use crate::world::{Caller, FaultPc, MkwriteRet, Pc, Tid, World};
use crate::world::{Step, StepInfo};

fn next(pc: FaultPc) -> Step {
    Step::Next(Pc::Fault(pc))
}

/// One step of __do_fault.
pub fn step(cfg: &Config, w: &mut World, me: Tid, pc: FaultPc) -> Step {
    let fixes = cfg.fixes;
    match pc {
        FaultPc::DfUnlockBeforeMkwrite => {
            // DF2: ->fault returned VM_FAULT_LOCKED (filemap_fault does). DF3: unlock_page
            // before calling ->page_mkwrite (both protocols).
            unlock_page(w, me);
            w.local(me).caller = Caller::Df;
            next(FaultPc::Mkwrite(crate::fs::page_mkwrite_entry(cfg)))
        }
        FaultPc::DfAfterMkwrite => {
            let ret = w.thread(me).local.mkwrite;
            if ret.refused() {
                // DF5 / DF5' [E1]: release the ->fault reference, return NOPAGE or the error.
                put_page(w, me);
                let exit = if ret == MkwriteRet::NoPage {
                    Exit::Retry
                } else {
                    Exit::SigBus
                };
                return fault_return(w, me, exit);
            }
            if ret == MkwriteRet::Ok && fixes.has(Fix::DoPageMkwrite315) {
                return super::do_wp_page::do_page_mkwrite_315(w, me);
            }
            if ret == MkwriteRet::Locked && fixes.has(Fix::DfAcceptLocked) {
                // DF6': VM_BUG_ON(!PageLocked(page)).
                if w.page.locked_by.is_none() {
                    w.bug("__do_fault: VM_BUG_ON(!PageLocked(page))");
                }
                return next(FaultPc::DfPteSame);
            }
            // DF6 / DF6': lock_page; DF7: a NULL mapping means truncated: retry [E3].
            relock_and_recheck(w, me, FaultPc::DfPteSame)
        }
        FaultPc::DfPteSame => {
            // DF9-DF11, one ptl section: if the pte is still what the fault saw, install a
            // writable dirty pte (page_add_file_rmap), which takes over the ->fault reference;
            // take reference D for the dirtying tail.
            let n = cfg.pte_of(w.thread(me).index);
            if w.ptes[n] != w.thread(me).local.orig_pte {
                w.local(me).release_fault_ref = true;
                return next(FaultPc::DfUnlockPage);
            }
            install_writable_pte(cfg, w, me);
            w.local(me).refs -= 1; // reference F now belongs to the pte
            get_page(w, me);
            if fixes.has(Fix::DfDirtyBeforeUnlock) {
                next(FaultPc::DfSetPageDirtyLocked)
            } else {
                next(FaultPc::DfUnlockPage)
            }
        }
        FaultPc::DfSetPageDirtyLocked => {
            // DF12'a-b: read page->mapping, set_page_dirty, both under the page lock.
            fault_set_page_dirty(cfg, w, me);
            next(FaultPc::DfUnlockPage)
        }
        FaultPc::DfUnlockPage => {
            // DF12 / DF12'c; on the pte-changed exit also DF13 [E2]: release reference F.
            unlock_page(w, me);
            if w.thread(me).local.release_fault_ref {
                put_page(w, me);
                return fault_return(w, me, Exit::Retry);
            }
            next(FaultPc::DfFinish)
        }
        FaultPc::DfFinish if !fixes.has(Fix::DfDirtyBeforeUnlock) => {
            // Old DF14-DF15: file_update_time, then set_page_dirty_balance without the page
            // lock (its accounting half may be a step of its own); DF16 follows.
            // Model: file_update_time and balancing only check INV-5d, so their order relative
            // to the dirtying in the same step does not matter.
            fs_work_outside_page_lock(w, me);
            dirty_unlocked(cfg, w, me, FaultPc::DfPut)
        }
        FaultPc::DfFinish => {
            // New DF12'd-f: put_page, balance_dirty_pages_ratelimited, file_update_time.
            fs_work_outside_page_lock(w, me);
            put_page(w, me);
            fault_return(w, me, Exit::Written)
        }
        FaultPc::DfPut => {
            // Old DF16: put_page, return.
            put_page(w, me);
            fault_return(w, me, Exit::Written)
        }
        _ => unreachable!("not a __do_fault step: {pc:?}"),
    }
}

/// The description of a __do_fault step.
pub fn info(cfg: &Config, w: &World, me: Tid, pc: FaultPc) -> StepInfo {
    let local = &w.thread(me).local;
    let pte_same = w.ptes[cfg.pte_of(w.thread(me).index)] == local.orig_pte;
    let fixes = cfg.fixes;
    let a = anchor("__do_fault", Tree::of(cfg));
    let s = |id, what| StepInfo {
        id,
        function: "__do_fault",
        anchor: a,
        what,
    };
    match pc {
        FaultPc::DfUnlockBeforeMkwrite => s("DF2-DF3", "unlock_page before ->page_mkwrite"),
        FaultPc::DfAfterMkwrite if local.mkwrite == MkwriteRet::NoPage => s(
            "DF5",
            "->page_mkwrite said NOPAGE: put_page, retry the fault",
        ),
        FaultPc::DfAfterMkwrite if local.mkwrite == MkwriteRet::SigBus => s(
            "DF5",
            "->page_mkwrite said VM_FAULT_SIGBUS: put_page, return the error",
        ),
        FaultPc::DfAfterMkwrite
            if fixes.has(Fix::DfAcceptLocked) && local.mkwrite == MkwriteRet::Locked =>
        {
            s("DF6'", "VM_FAULT_LOCKED: keep the page lock")
        }
        FaultPc::DfAfterMkwrite if !w.page.mapping => s(
            "DF6-DF7",
            "lock_page; the mapping is NULL (truncated): unlock, put_page, retry",
        ),
        FaultPc::DfAfterMkwrite => s("DF6-DF7", "lock_page again; the mapping is still there"),
        FaultPc::DfPteSame if !pte_same => s(
            "DF9-DF11",
            "take ptl; the pte changed: release the page at the end; drop ptl",
        ),
        FaultPc::DfPteSame => s(
            "DF9-DF11",
            "take ptl; pte_same: install a writable dirty pte (it takes over the reference), \
             get_page; drop ptl",
        ),
        FaultPc::DfSetPageDirtyLocked => s(
            "DF12'a-b",
            "read page->mapping and set_page_dirty with the page locked",
        ),
        FaultPc::DfUnlockPage if local.release_fault_ref => {
            s("DF12-DF13", "unlock_page; the pte changed: put_page, retry")
        }
        FaultPc::DfUnlockPage if fixes.has(Fix::DfDirtyBeforeUnlock) => s("DF12'c", "unlock_page"),
        FaultPc::DfUnlockPage => s("DF12", "unlock_page"),
        FaultPc::DfFinish if fixes.has(Fix::DfDirtyBeforeUnlock) => s(
            "DF12'd-f",
            "put_page, balance_dirty_pages_ratelimited, file_update_time; return",
        ),
        FaultPc::DfFinish => s(
            "DF14-DF15",
            "file_update_time, set_page_dirty_balance without the page lock (TestSetPageDirty)",
        ),
        FaultPc::DfPut => s("DF16", "put_page; return"),
        _ => s("?", "?"),
    }
}
