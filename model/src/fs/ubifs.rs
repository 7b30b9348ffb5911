//! `ubifs`: UBIFS from its merge (2.6.27) to its own fix (3.15 or 3.16), read in 2.6.29.4,
//! where fs/ubifs/file.c is the same in e58fcb489af^ and e58fcb489af.
//!
//! | slot | function | anchor (2.6.29.4) |
//! |---|---|---|
//! | `->page_mkwrite` | `ubifs_vm_page_mkwrite`: budget a new page *before* lock_page; lock_page; truncate check (SIGBUS); PagePrivate already set: give the extra budget back, else SetPagePrivate and `__set_page_dirty_nobuffers`; unlock_page, return 0 | fs/ubifs/file.c:1437 |
//! | `->set_page_dirty` | `ubifs_set_page_dirty`: `__set_page_dirty_nobuffers`, then `ubifs_assert(ret == 0)`: the page must have been dirty already | file.c:1405, :1414 |
//! | `->writepage` | `ubifs_writepage` → `do_writepage`: a page wholly beyond i_size is left; else set_page_writeback, write to the journal, release the page's budget *unconditionally*, ClearPagePrivate, unlock_page, end_page_writeback | file.c:980, 882 |
//! | `->invalidatepage` | `ubifs_invalidatepage`: release the budget, ClearPagePrivate | file.c:1270 |
//! | `->releasepage` | `ubifs_releasepage`: a clean page with PagePrivate "should not happen" (asserts), clears it | file.c:1418 |
//!
//! "Tracked" is PagePrivate: in UBIFS it means "dirty, and its flash space is budgeted". All
//! writes are out of place, so a dirty page without a budget can find no room when it is
//! written. This is the seed's pattern (state attached in ->page_mkwrite, released by
//! writeback, not re-created by ->set_page_dirty, which only asserts), with UBIFS's own
//! conventions: the budget is taken before the page lock (budgeting may force writeback, which
//! locks pages: file.c:1453-1470), and a truncated page gets VM_FAULT_SIGBUS, not NOPAGE.
//!
//! `ubifs_assert` is not a BUG in 2.6.29: with CONFIG_UBIFS_FS_DEBUG it prints "UBIFS assert
//! failed" and a stack dump and goes on; without it, it is nothing (fs/ubifs/debug.h:84-103,
//! 386-390). So the race costs no oops: the verdicts are INV-1 (a writable pte on an
//! unbudgeted page) and INV-2 (writeback cleans it and releases a budget it never took,
//! do_writepage file.c:922-926), which drives the budget accounting below its true value.
//!
//! Model: the budget is counted in pages (`budget`, this page's share of budg_dd_growth); the
//! inode's own mtime budget (file.c:1505-1516), PG_checked (holes: the larger new-page budget)
//! and write errors are left out. The journal write is synchronous: do_writepage sets
//! PG_writeback (898), writes, releases the budget, then unlocks the page (933) just before
//! end_page_writeback (934); the model folds this into one step under the page lock, leaving
//! out only the instant at which another thread could lock the page and still see
//! PG_writeback (truncate's T3 or a WB_SYNC_ALL pass would wait until 934). The budget fails
//! only under `--enospc`.

use super::ops::{window as w, Era, FsInfo, FsOps, PackedState, Packer, Unpacker};
use super::{mkwrite_return, MkPc, WbCtx, Writepage};
use crate::config::Config;
use crate::contract::Inv;
use crate::kernel::{account_page_dirtied, lock_page, test_set_page_dirty, unlock_page, Acquire};
use crate::world::FsBits;
use crate::world::{FaultPc, MkwriteRet, Pc, Tid, World};
use crate::world::{Step, StepInfo};

/// The page's UBIFS state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct State {
    /// PG_private: dirty and budgeted.
    pub private_: bool,
    /// Page budgets taken minus page budgets released on this page's behalf (below 0:
    /// ubifs_release_budget's `budg_dd_growth >= 0` assertion, budget.c:594-596).
    pub budget: i8,
}

fn state(w: &World) -> State {
    super::ops::state(w)
}

fn set(w: &mut World, s: State) {
    super::ops::set_state(w, s);
}

/// A dirty page is budgeted (as after write(2): ubifs_write_end, file.c:561-565).
pub fn init(cfg: &Config) -> State {
    State {
        private_: cfg.page_dirty,
        budget: i8::from(cfg.page_dirty),
    }
}

/// Tracked: PagePrivate (budgeted).
pub fn tracked(w: &World) -> bool {
    state(w).private_
}

/// The first step: ubifs_budget_space, before the page lock.
pub fn entry() -> MkPc {
    MkPc::Prepare
}

/// UBIFS's own safeguards (`mkwrite ablate --fs ubifs`).
pub static SAFEGUARDS: [super::ops::Safeguard; 2] = [
    super::ops::Safeguard {
        id: "budget",
        function: "ubifs_vm_page_mkwrite",
        anchor: "fs/ubifs/file.c:1479-1485, 1495-1503",
        protects: "a page dirtied through the mapping has flash space budgeted (PagePrivate) before writeback can write it",
        guard: "writeback_reaches_lock_in_mkwrite_window",
    },
    super::ops::Safeguard {
        id: "truncate-check",
        function: "ubifs_vm_page_mkwrite",
        anchor: "fs/ubifs/file.c:1488-1493",
        protects: "no budget is kept for, and no dirtying of, a page that truncate took out of the file",
        guard: "truncate_removes_page_under_fault",
    },
];

/// One step of ubifs_vm_page_mkwrite.
pub fn page_mkwrite(cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
    // Without `budget`, ->page_mkwrite neither budgets nor sets PagePrivate: it only dirties.
    let budget = !super::removed(cfg, "budget");
    let mut s = state(w);
    match pc {
        MkPc::Prepare => {
            // UB1 (1479-1484): ubifs_budget_space for a new page; ENOSPC -> VM_FAULT_SIGBUS.
            if !budget {
                return Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::LockPage)));
            }
            if w.fs_full {
                return mkwrite_return(w, me, MkwriteRet::SigBus);
            }
            s.budget += 1;
            set(w, s);
            Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::LockPage)))
        }
        MkPc::LockPage => match lock_page(w, me) {
            // UB2 (1487): lock_page.
            Acquire::Blocked => Step::Blocked,
            Acquire::SelfDeadlock => Step::Next(Pc::Fault(FaultPc::Hung)),
            Acquire::Got => Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Attach))),
        },
        MkPc::Attach => {
            // UB3 (1488-1493, 1521-1526): truncated or beyond i_size: unlock_page, release the
            // budget, VM_FAULT_SIGBUS.
            if (!w.page.mapping || !w.isize_covers_page) && !super::removed(cfg, "truncate-check") {
                s.budget -= i8::from(budget);
                set(w, s);
                unlock_page(w, me);
                return mkwrite_return(w, me, MkwriteRet::SigBus);
            }
            if !budget {
                if test_set_page_dirty(w) {
                    account_page_dirtied(w);
                }
            } else if s.private_ {
                // UB4 (1495-1496): budgeted already: release_new_page_budget.
                s.budget -= 1;
                set(w, s);
            } else {
                // UB4 (1497-1503): SetPagePrivate, __set_page_dirty_nobuffers directly (not
                // through ->set_page_dirty, so no assertion).
                s.private_ = true;
                set(w, s);
                if test_set_page_dirty(w) {
                    account_page_dirtied(w);
                }
            }
            Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Unlock)))
        }
        MkPc::Unlock => {
            // UB5 (1518-1519): unlock_page, return 0.
            unlock_page(w, me);
            mkwrite_return(w, me, MkwriteRet::Ok)
        }
        MkPc::WaitOrdered | MkPc::FillLock | MkPc::Fill => {
            panic!("model bug: ubifs_vm_page_mkwrite has no {pc:?} step")
        }
    }
}

/// The description of a step of ubifs_vm_page_mkwrite.
pub fn page_mkwrite_info(w: &World, pc: MkPc) -> StepInfo {
    let s = |id, anchor, what| StepInfo {
        id,
        function: "ubifs_vm_page_mkwrite",
        anchor,
        what,
    };
    match pc {
        MkPc::Prepare if w.fs_full => s(
            "UB1",
            "fs/ubifs/file.c:1479",
            "ubifs_budget_space fails with ENOSPC: return VM_FAULT_SIGBUS",
        ),
        MkPc::Prepare => s(
            "UB1",
            "fs/ubifs/file.c:1479",
            "ubifs_budget_space: budget a new page, before the page lock",
        ),
        MkPc::LockPage => s("UB2", "fs/ubifs/file.c:1487", "lock_page"),
        MkPc::Attach if !w.page.mapping || !w.isize_covers_page => s(
            "UB3",
            "fs/ubifs/file.c:1488",
            "the page was truncated: unlock_page, release the budget, return VM_FAULT_SIGBUS",
        ),
        MkPc::Attach if state(w).private_ => s(
            "UB4",
            "fs/ubifs/file.c:1495",
            "PagePrivate: budgeted already, give the new budget back",
        ),
        MkPc::Attach => s(
            "UB4",
            "fs/ubifs/file.c:1497",
            "SetPagePrivate (budgeted), __set_page_dirty_nobuffers",
        ),
        MkPc::Unlock => s("UB5", "fs/ubifs/file.c:1518", "unlock_page, return 0"),
        MkPc::WaitOrdered | MkPc::FillLock | MkPc::Fill => s("?", "?", "?"),
    }
}

/// ubifs_set_page_dirty's first half: TestSetPageDirty. When it finds the page clean, the
/// `ubifs_assert(ret == 0)` at file.c:1414 would print (a debug kernel) and nothing more: the
/// page is now dirty with no budget, which INV-1/INV-2 judge.
pub fn set_page_dirty_begin(w: &mut World) -> bool {
    test_set_page_dirty(w)
}

/// ubifs_writepage / do_writepage for the locked page clear_page_dirty_for_io just cleaned.
pub fn writepage(w: &mut World, me: Tid, _: WbCtx) -> Writepage {
    if !w.isize_covers_page {
        // 994-997: wholly beyond i_size (truncate in progress): unlock, return 0; PagePrivate
        // stays for ->invalidatepage.
        unlock_page(w, me);
        return Writepage::Done;
    }
    // do_writepage 898-934: set_page_writeback, ubifs_jnl_write_data, the budget released
    // whether or not PagePrivate was set (the assertion at 922 only prints), ClearPagePrivate,
    // unlock_page, end_page_writeback.
    let mut s = state(w);
    s.budget -= 1;
    s.private_ = false;
    set(w, s);
    w.data.disk = w.data.mem;
    if !w.page.dirty {
        w.page.tagged_dirty = false;
    }
    unlock_page(w, me);
    Writepage::Done
}

/// The description of ubifs_writepage.
pub fn writepage_info(w: &World) -> StepInfo {
    let s = |what| StepInfo {
        id: "W8,W10",
        function: "ubifs_writepage",
        anchor: "fs/ubifs/file.c:980",
        what,
    };
    if !w.isize_covers_page {
        s("the page lies beyond i_size: unlock, write nothing; put_page")
    } else if state(w).private_ {
        s("write the page to the journal, release its budget, ClearPagePrivate, unlock")
    } else {
        s(
            "no PagePrivate (ubifs_assert at 991 and 922 only print): write the page, release \
           a budget it never took, unlock",
        )
    }
}

/// ubifs_invalidatepage(page, 0): release the budget, ClearPagePrivate.
pub fn invalidatepage(w: &mut World) {
    let mut s = state(w);
    s.budget -= 1;
    s.private_ = false;
    set(w, s);
}

/// ubifs_releasepage: refuses a page under writeback, else clears PagePrivate.
pub fn releasepage(w: &mut World) -> bool {
    if w.page.writeback {
        return false;
    }
    let mut s = state(w);
    s.private_ = false;
    set(w, s);
    true
}

/// PagePrivate.
pub fn page_private(w: &World) -> bool {
    state(w).private_
}

/// A page read from flash is clean and unbudgeted.
pub fn readpage(w: &mut World) {
    let mut s = state(w);
    s.private_ = false;
    set(w, s);
}

/// Trace fields.
pub fn fields(s: State) -> Vec<(String, String)> {
    vec![
        (
            "ubifs.private".to_string(),
            if s.private_ { "budgeted" } else { "none" }.to_string(),
        ),
        ("ubifs.budget".to_string(), s.budget.to_string()),
    ]
}

/// One-line form.
pub fn display(s: State) -> String {
    format!(
        "ubifs:{} budget:{}",
        if s.private_ { "private" } else { "none" },
        s.budget
    )
}

// ---- the ops table ----

impl PackedState for State {
    fn pack(&self) -> u64 {
        // The budget is small and signed: stored offset by 8 in four bits.
        assert!(
            (-8..8).contains(&self.budget),
            "model bug: budget {}",
            self.budget
        );
        Packer::default()
            .flag(self.private_)
            .put((i64::from(self.budget) + 8) as u64, 4)
            .done()
    }
    fn unpack(bits: u64) -> State {
        let mut u = Unpacker::new(bits);
        let private_ = u.flag();
        State {
            private_,
            budget: (u.take(4) as i64 - 8) as i8,
        }
    }
}

/// UBIFS, as 2.6.29.4 has it (unchanged until 3.14).
pub struct Ubifs;

/// `--fs ubifs`.
pub static UBIFS: Ubifs = Ubifs;

impl FsOps for Ubifs {
    fn id(&self) -> &'static str {
        "ubifs"
    }

    fn harm(&self, inv: Inv) -> Option<&'static str> {
        match inv {
            Inv::WritablePteHasFsMetadata => Some("dirty page without budget"),
            Inv::CleanedPageHadFsMetadata => Some("writeback frees budget never taken"),
            _ => None,
        }
    }

    fn safeguards(&self) -> &'static [super::ops::Safeguard] {
        &SAFEGUARDS
    }

    fn info(&self) -> FsInfo {
        FsInfo {
            id: "ubifs",
            profile: "UBIFS",
            code: "2.6.29.4 (the same in the old and the new tree; so until 3.14)",
            old_vm: "0, page unlocked",
            new_vm: "0, page unlocked (not converted until 3.15/3.16: the R5 window)",
            tracked: "PagePrivate: the page is dirty and its flash space budgeted",
            files: "fs/ubifs/file.c",
        }
    }

    fn era(&self) -> Option<Era> {
        Some(Era {
            family: "UBIFS",
            old_vm: w("2.6.27", Some("2.6.29.3")),
            new_vm: w("2.6.29.4", Some("3.14")),
            source: "1e51764a3c2 (2.6.27) merged UBIFS; its fix (VM_FAULT_LOCKED from \
                     ubifs_vm_page_mkwrite) is absent from a 3.14.1 tree and present in \
                     3.15.5 and 3.16.0 trees: a release bracket, not a commit",
        })
    }

    fn init(&self, cfg: &Config) -> FsBits {
        FsBits(init(cfg).pack())
    }

    fn fields(&self, w: &World) -> Vec<(String, String)> {
        fields(state(w))
    }

    fn display(&self, w: &World) -> String {
        display(state(w))
    }

    fn tracked(&self, _: &Config, w: &World) -> bool {
        tracked(w)
    }

    fn page_private(&self, _: &Config, w: &World) -> bool {
        page_private(w)
    }

    fn locked_return(&self) -> bool {
        false
    }

    fn nopage_on_truncate(&self, _: &Config) -> bool {
        false
    }

    fn mkwrite_can_fail(&self, _: &Config) -> bool {
        true
    }

    fn page_mkwrite_entry(&self, _: &Config) -> MkPc {
        entry()
    }

    fn page_mkwrite(&self, cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
        page_mkwrite(cfg, w, me, pc)
    }

    fn page_mkwrite_info(&self, _: &Config, w: &World, _: Tid, pc: MkPc) -> StepInfo {
        page_mkwrite_info(w, pc)
    }

    fn set_page_dirty_begin(&self, _: &Config, w: &mut World) -> bool {
        set_page_dirty_begin(w)
    }

    fn writepage(&self, _: &Config, w: &mut World, me: Tid, ctx: WbCtx) -> Writepage {
        writepage(w, me, ctx)
    }

    fn writepage_info(&self, _: &Config, w: &World, _: WbCtx) -> StepInfo {
        writepage_info(w)
    }

    fn releasepage(&self, _: &Config, w: &mut World) -> bool {
        releasepage(w)
    }

    /// UBIFS's PagePrivate is on a clean page only when writeback left a page beyond i_size
    /// to truncate (ubifs_writepage, fs/ubifs/file.c:994-997); ubifs_releasepage then asserts
    /// that this "should not happen" and drops it without releasing the budget
    /// (file.c:1426-1430).
    fn private_releasable(&self, cfg: &Config) -> bool {
        cfg.truncate
    }

    fn readpage(&self, _: &Config, w: &mut World) {
        readpage(w)
    }

    fn invalidatepage(&self, _: &Config, w: &mut World) -> bool {
        invalidatepage(w);
        true
    }
}
