//! The writer: the user's store and handle_pte_fault (mm/memory.c), dispatching to
//! `do_wp_page` (a read-only present pte) or `__do_fault` (a none pte), both of which call the
//! filesystem's ->page_mkwrite (`fs::buffer`).
//!
//! The old and new protocol share this code; each place where b827e496c893 changed the kernel
//! consults a named [`Fix`](crate::contract::Fix). One path per kernel function with a switch
//! per hunk part was chosen over sibling old/new files so that "new minus one fix" (the
//! ablation) and history variants need no copy of the code.

pub mod do_fault;
pub mod do_wp_page;
pub mod wp_no_mkwrite;

use crate::anchors::{anchor, Tree};
use crate::config::Config;
use crate::contract::Inv;
use crate::mm::filemap;
use crate::world::{Caller, Dirtying, FaultPc, MkwriteRet, Pc, Tid, World};
use crate::world::{Step, StepInfo};

/// Which function a writer's pc belongs to: the one list both `step` and `info` dispatch on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner {
    Store,
    Filemap,
    DoFault,
    NoMkwrite,
    Account,
    Mkwrite,
    DoWpPage,
    Finished,
}

fn owner(pc: FaultPc) -> Owner {
    use FaultPc::*;
    match pc {
        Store => Owner::Store,
        FilemapLookup | FilemapLockPage => Owner::Filemap,
        DfUnlockBeforeMkwrite
        | DfAfterMkwrite
        | DfPteSame
        | DfSetPageDirtyLocked
        | DfUnlockPage
        | DfFinish
        | DfPut => Owner::DoFault,
        NoMkwriteWaitOrLock | NoMkwriteSetPageDirty | NoMkwriteFinish => Owner::NoMkwrite,
        AccountPageDirtied => Owner::Account,
        Mkwrite(_) => Owner::Mkwrite,
        WpAfterMkwrite
        | WpPteSame
        | WpUpdateTimeEarly
        | WpWaitOnPageLocked
        | WpSetPageDirtyLocked
        | WpPutBeforeUnlock
        | WpUnlockPage
        | WpSetPageDirtyBalance
        | WpFinish => Owner::DoWpPage,
        Done | SigBus | Hung => Owner::Finished,
    }
}

/// One step of writer `me` at `pc`.
pub fn step(cfg: &Config, w: &mut World, me: Tid, pc: FaultPc) -> Step {
    if cfg.protocol.is_v612() && crate::mm::v612::memory::owns(pc) {
        return crate::mm::v612::memory::step(cfg, w, me, pc);
    }
    match owner(pc) {
        Owner::Store => store(cfg, w, me),
        Owner::Filemap => filemap::step(cfg, w, me, pc),
        Owner::DoFault => do_fault::step(cfg, w, me, pc),
        Owner::NoMkwrite => wp_no_mkwrite::step(cfg, w, me, pc),
        Owner::Account => account_step(cfg, w, me),
        Owner::Mkwrite => match pc {
            FaultPc::Mkwrite(m) => crate::fs::page_mkwrite(cfg, w, me, m),
            _ => Step::Blocked,
        },
        Owner::DoWpPage => do_wp_page::step(cfg, w, me, pc),
        Owner::Finished => Step::Blocked,
    }
}

/// ST + HPF: the user's store. Through a writable pte it lands (the hardware sets the pte's
/// dirty bit); otherwise it traps and handle_pte_fault dispatches on the pte it reads.
///
/// Model: handle_pte_fault's lock-free read of the pte, its retake of ptl with pte_same, and
/// do_wp_page's WP1-WP3 (reference taken under ptl, ptl dropped) are one step. The pte only
/// changes under ptl, so the value read under ptl is one the lock-free read could have
/// returned; a pte that became writable in between (path 5, "set the dirty bit and retry") is
/// the same as the store landing directly, which this step does when it sees a writable pte.
///
/// Model: the retry after a 0/NOPAGE return is unbounded, as in the kernel (the arch fault
/// handler returns and the store instruction re-executes), and no retry counter is kept. A
/// retry that finds the same shared state repeats the same steps into the same states: a
/// cycle, which the checker's visited set closes, so every number of retries is covered. Such
/// spins exist in the kernel: do_wp_page retries with NOPAGE for as long as truncate sits
/// between i_size_write (T1) and the unmap (T2).
pub(crate) fn store(cfg: &Config, w: &mut World, me: Tid) -> Step {
    let n = cfg.pte_of(w.thread(me).index);
    let pte = w.ptes[n];
    if pte.present && pte.write {
        w.ptes[n].dirty = true;
        // STABLE: a store into a folio under writeback I/O on a mapping that requires stable
        // writes.
        if cfg.stable_writes && w.page.writeback {
            w.fire(crate::contract::Inv::NoStoreDuringStableWriteback);
        }
        let b = store_block(cfg, w);
        let v = crate::world::block_version(w.data.stored, b) + 1;
        w.data.stored = crate::world::with_block_version(w.data.stored, b, v);
        w.data.mem = crate::world::with_block_version(w.data.mem, b, v);
        if b == 1 && crate::mm::truncate::extended(w) {
            w.note(crate::world::Event::StoreInExtendedBlock);
        }
        let l = w.local(me);
        l.stores += 1;
        let more = l.stores < cfg.stores;
        return Step::Next(Pc::Fault(if more { FaultPc::Store } else { FaultPc::Done }));
    }
    trap(cfg, w, me, pte)
}

/// HPF: a write access through `pte`, which is not writable, enters handle_pte_fault: the
/// user's store that traps, or get_user_pages' handle_mm_fault with write access
/// (`crate::mm::gup`, mm/memory.c:1308-1309), which dispatches the same way.
pub fn trap(cfg: &Config, w: &mut World, me: Tid, pte: crate::world::Pte) -> Step {
    w.local(me).orig_pte = pte;
    if !pte.present {
        // HPF 2a: pte_none with ->fault -> do_linear_fault -> __do_fault -> ->fault.
        return Step::Next(Pc::Fault(FaultPc::FilemapLookup));
    }
    if !crate::fs::has_page_mkwrite(cfg) {
        // HPF 4: do_wp_page, shared writable vma without ->page_mkwrite: N1.
        return wp_no_mkwrite::reuse(cfg, w, me);
    }
    // HPF 4: write to a present read-only pte -> do_wp_page WP1-WP3.
    crate::kernel::get_page(w, me);
    w.local(me).caller = Caller::Wp;
    Step::Next(Pc::Fault(FaultPc::Mkwrite(crate::fs::page_mkwrite_entry(
        cfg,
    ))))
}

/// The block of the page a store writes: the last one inside the file as the program knows
/// it (it writes at the end of its file). With one block per page, block 0.
///
/// Model: the program learns the file's size from its own ftruncate calls: a block a
/// truncate drops is not written from its i_size_write on (a store beyond i_size is not
/// made), and a block an extension adds only once that ftruncate has returned (the contract
/// pagecache_isize_extended relies on: it runs after i_size_write, under i_mutex, before
/// ftruncate returns). The last block rather than a chosen one: that is the program of the
/// partial-page reproducer (store, shrink, grow, store past the old EOF). What does not depend
/// on the choice: INV-1, a property of the pte and the blocks (any block inside i_size may be
/// stored into next), and XFS's writeback, which writes (and allocates) every block inside
/// i_size whichever one was stored to. What does: INV-2's per-block form fires only for a
/// hole that was stored into, so a program that writes only block 0 would not break it; and
/// INV-3c/3d compare each block's last store with the disk, so which data a failed write
/// loses follows the choice too (every store made before a partial truncate lands in block 1
/// and is truncated away). The model checks the reproducer's program, not every program.
pub fn store_block(cfg: &Config, w: &World) -> usize {
    if cfg.blocks > 1 && w.block_in_eof(1) && !w.extending() {
        1
    } else {
        0
    }
}

/// How a fault returns to the arch fault handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0 or VM_FAULT_NOPAGE without a writable pte (exits E1, E2, E3): the store re-executes
    /// and traps again.
    Retry,
    /// VM_FAULT_WRITE: the pte is writable; the store re-executes and lands unless the pte was
    /// cleaned meanwhile.
    Written,
    /// VM_FAULT_SIGBUS: the page lies beyond EOF; the store never lands.
    SigBus,
}

/// A fault returns to the arch fault handler. Checks INV-5a and INV-6 at every exit.
pub fn fault_return(w: &mut World, me: Tid, exit: Exit) -> Step {
    if w.page.locked_by == Some(me) {
        w.fire(Inv::FaultReturnsPageUnlocked);
    }
    if w.thread(me).local.refs != 0 {
        w.fire(Inv::PageRefcountBalanced);
    }
    let l = w.local(me);
    l.mkwrite = MkwriteRet::None;
    l.dirtying = Dirtying::Idle;
    l.release_fault_ref = false;
    l.retried |= exit == Exit::Retry;
    if w.thread(me).role == crate::contract::Role::Dma {
        // handle_mm_fault returns to __get_user_pages: SIGBUS becomes -EFAULT
        // (mm/memory.c:1313-1314), anything else loops to follow_page (1306).
        return crate::mm::gup::after_fault(exit == Exit::SigBus);
    }
    Step::Next(Pc::Fault(if exit == Exit::SigBus {
        FaultPc::SigBus
    } else {
        FaultPc::Store
    }))
}

/// The VM installs a writable, dirty pte for writer `me` (WP10, DF10). INV-4: the page must
/// still be in the page cache; INV-7: ->page_mkwrite must not have failed in this fault.
pub fn install_writable_pte(cfg: &Config, w: &mut World, me: Tid) {
    let n = cfg.pte_of(w.thread(me).index);
    if !w.page.mapping {
        w.fire(Inv::NoPteOnTruncatedPage);
    }
    if w.thread(me).local.mkwrite.refused() {
        w.fire(Inv::FailedMkwriteLeavesNoTrace);
    }
    w.ptes[n].present = true;
    w.ptes[n].write = true;
    w.ptes[n].dirty = true;
    w.local(me).dirtying = Dirtying::PteInstalled;
}

/// The fault path's own set_page_dirty (WP14, WP14', DF12'b, DF15).
pub fn fault_set_page_dirty(cfg: &Config, w: &mut World, me: Tid) {
    if w.thread(me).local.mkwrite.refused() {
        w.fire(Inv::FailedMkwriteLeavesNoTrace);
    }
    crate::mm::set_page_dirty(cfg, w);
    w.local(me).dirtying = Dirtying::Idle;
}

/// The VM relocks the page after ->page_mkwrite returned it unlocked (WP5a, DF6/DF6') and
/// retries the fault if truncate removed it meanwhile (exit E3); else it goes on to `then`.
///
/// Model: the mapping test runs in the same step as the lock is taken; the mapping only
/// changes under the page lock, so no interleaving is lost.
pub fn relock_and_recheck(w: &mut World, me: Tid, then: FaultPc) -> Step {
    use crate::kernel::{lock_page, put_page, unlock_page, Acquire};
    match lock_page(w, me) {
        Acquire::Blocked => Step::Blocked,
        Acquire::SelfDeadlock => Step::Next(Pc::Fault(FaultPc::Hung)),
        Acquire::Got if !w.page.mapping => {
            unlock_page(w, me);
            put_page(w, me);
            fault_return(w, me, Exit::Retry)
        }
        Acquire::Got => Step::Next(Pc::Fault(then)),
    }
}

/// A set_page_dirty the fault path makes without the page lock (WP14, DF15, N4):
/// TestSetPageDirty now; if it newly dirtied the page, the accounting under tree_lock is a
/// step of its own (`AccountPageDirtied`), because truncate's cancel_dirty_page and
/// remove_from_page_cache can run in between (the 2d6d7f982846 race). `then` is where the
/// fault continues afterwards.
///
/// Model: a set_page_dirty under the page lock (every other caller) stays one step; truncate
/// needs the page lock to cancel or remove, so nothing that matters can come in between.
pub fn dirty_unlocked(cfg: &Config, w: &mut World, me: Tid, then: FaultPc) -> Step {
    if w.thread(me).local.mkwrite.refused() {
        w.fire(Inv::FailedMkwriteLeavesNoTrace);
    }
    let newly = crate::fs::set_page_dirty_begin(cfg, w);
    let l = w.local(me);
    l.dirtying = Dirtying::Idle;
    if newly {
        l.dirty_unaccounted = true;
        l.caller = match then {
            FaultPc::WpFinish => Caller::Wp,
            FaultPc::DfPut => Caller::Df,
            _ => Caller::NoMkwrite,
        };
        return Step::Next(Pc::Fault(FaultPc::AccountPageDirtied));
    }
    Step::Next(Pc::Fault(then))
}

/// The second half of an unlocked set_page_dirty (see `dirty_unlocked`).
pub(crate) fn account_step(cfg: &Config, w: &mut World, me: Tid) -> Step {
    crate::fs::set_page_dirty_account(cfg, w);
    let l = w.local(me);
    l.dirty_unaccounted = false;
    Step::Next(Pc::Fault(match l.caller {
        Caller::Wp => FaultPc::WpFinish,
        Caller::Df => FaultPc::DfPut,
        Caller::NoMkwrite => FaultPc::NoMkwriteFinish,
    }))
}

/// The description of writer step `pc`.
pub fn info(cfg: &Config, w: &World, me: Tid, pc: FaultPc) -> StepInfo {
    if cfg.protocol.is_v612() {
        return crate::mm::v612::writer_info(cfg, w, me, pc);
    }
    match owner(pc) {
        Owner::Store => {
            let pte = w.ptes[cfg.pte_of(w.thread(me).index)];
            let (id, what) = if pte.present && pte.write {
                (
                    "ST",
                    "the store lands through the writable pte (hardware sets its dirty bit)",
                )
            } else if pte.present {
                (
                    "ST/HPF/WP1-3",
                    "the store traps on a read-only pte: do_wp_page takes a reference, drops ptl",
                )
            } else {
                (
                    "ST/HPF",
                    "the store traps on a none pte: __do_fault calls ->fault",
                )
            };
            StepInfo {
                id,
                function: "handle_pte_fault",
                anchor: anchor("handle_pte_fault", Tree::of(cfg)),
                what,
            }
        }
        Owner::Filemap => filemap::info(cfg, w, pc),
        Owner::NoMkwrite => wp_no_mkwrite::info(cfg, pc),
        Owner::Account => StepInfo {
            id: "SPD",
            function: "__set_page_dirty_nobuffers",
            anchor: anchor("__set_page_dirty_nobuffers", Tree::of(cfg)),
            what: "under tree_lock: page->mapping still set? account NR_FILE_DIRTY, tag dirty",
        },
        Owner::Mkwrite => match pc {
            FaultPc::Mkwrite(m) => crate::fs::page_mkwrite_info(cfg, w, me, m),
            _ => StepInfo {
                id: "?",
                function: "?",
                anchor: "?",
                what: "?",
            },
        },
        Owner::DoFault => do_fault::info(cfg, w, me, pc),
        Owner::DoWpPage => do_wp_page::info(cfg, w, me, pc),
        Owner::Finished => match pc {
            FaultPc::Done => StepInfo {
                id: "-",
                function: "store",
                anchor: "user space",
                what: "the store has landed",
            },
            FaultPc::SigBus => StepInfo {
                id: "-",
                function: "store",
                anchor: "user space",
                what: "the fault returned VM_FAULT_SIGBUS",
            },
            _ => StepInfo {
                id: "-",
                function: "__lock_page",
                anchor: anchor("__lock_page", Tree::of(cfg)),
                what: "asleep on a page lock this thread holds",
            },
        },
    }
}
