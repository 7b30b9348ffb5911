//! `btrfs`: btrfs as in 2.6.29.4 (fs/btrfs/inode.c, extent_io.c; the same code in the old and
//! the new tree), and `btrfs@50a9b214bc6`, a hybrid: the same code with the return of
//! 50a9b214bc6 "Btrfs: fix btrfs page_mkwrite to return locked page" (2.6.32-rc1). 2.6.32
//! itself differs beyond the return: 8b62b72b26b (also 2.6.32-rc1, an ancestor of
//! 50a9b214bc6) tracks the pages of an ordered extent with PagePrivate2, which
//! cow_file_range sets and the writepage start hook consumes (a page redirtied while its write
//! is in flight goes to the fixup at its next writepage, where the model writes it as ordered
//! until end_io), and the fixup worker then waits for the pending ordered extent; v2.6.32's
//! btrfs_page_mkwrite also reserves metadata. None of that is modelled, so no release ran
//! this profile: it is counterfactual beside either VM, and its verdicts say what the locked
//! return does to 2.6.29.4's machinery, not what 2.6.32 did.
//!
//! | slot | function | anchor (2.6.29.4) |
//! |---|---|---|
//! | `->page_mkwrite` | `btrfs_page_mkwrite`: reserve data space, lock_page, truncate check, wait for writeback and ordered extents, EXTENT_DELALLOC, ClearPageChecked, set_page_dirty, unlock | fs/btrfs/inode.c:4295 |
//! | `->set_page_dirty` | `btrfs_set_page_dirty` = `__set_page_dirty_nobuffers` | inode.c:4946 |
//! | `->writepage` | `btrfs_writepage` → `extent_write_full_page` → `__extent_writepage`: delalloc becomes an ordered extent (cow_file_range); `btrfs_writepage_start_hook` queues the fixup worker for a dirty page without EXTENT_ORDERED and redirties it | inode.c:4180, extent_io.c:2110, inode.c:1411 |
//! | write completion | `btrfs_writepage_end_io_hook` → `btrfs_finish_ordered_io`: EXTENT_ORDERED cleared | inode.c:1565 |
//! | fixup worker | `btrfs_writepage_fixup_worker` (thread `btrfs-fixup-0`, `X0` here): sets EXTENT_DELALLOC again, without reserving space | inode.c:1352 |
//! | `->invalidatepage` | `btrfs_invalidatepage` | inode.c:4236 |
//! | `->releasepage` | `btrfs_releasepage`: refuses a dirty page or one under writeback | inode.c:4229 |
//! | `->fsync` | `btrfs_sync_file` → `btrfs_wait_ordered_range`: write and wait again while the range is delalloc or ordered | fs/btrfs/file.c:1204, ordered-data.c:401 |
//!
//! "Tracked" is "the range is delalloc paid for by a reservation, or already an ordered extent":
//! then writeback can allocate for it. The fixup worker re-creates delalloc, but from the
//! inode's reservation pool, which may be empty: an unfunded delalloc range, whose allocation
//! on a full filesystem is a BUG() (__btrfs_reserve_extent, extent-tree.c:3433).
//!
//! Model: the reservation is counted in pages (the inode's `reserved_bytes` pool); the ordered
//! extent covers the page alone, so it lives exactly while EXTENT_ORDERED is set; no
//! compression, NODATACOW or preallocation. Under the old VM, `btrfs@50a9b214bc6` is
//! counterfactual and returns unlocked.

use super::ops::{window as w, Era, FsInfo, FsOps, PackedState, Packer, Unpacker};
use super::{mkwrite_return, MkPc, WbCtx, Writepage};
use crate::config::Config;
use crate::kernel::{lock_page, unlock_page, Acquire};
use crate::world::FsBits;
use crate::world::{FaultPc, MkwriteRet, Pc, Tid, World, XPc};
use crate::world::{Step, StepInfo};

/// The page's range in the inode's extent io tree, and the inode's reservations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct State {
    /// EXTENT_DELALLOC on the page's range.
    pub delalloc: bool,
    /// The delalloc range was paid for from a reservation.
    pub funded: bool,
    /// EXTENT_ORDERED: an ordered extent (allocated, its write pending) covers the page.
    pub ordered: bool,
    /// PageChecked: a fixup is queued or was.
    pub checked: bool,
    /// The fixup worker has this page queued.
    pub fixup_queued: bool,
    /// The inode's reserved data space, in pages, not yet consumed by a delalloc range.
    pub pool: u8,
}

fn state(w: &World) -> State {
    super::ops::state(w)
}

fn set(w: &mut World, s: State) {
    super::ops::set_state(w, s);
}

/// A dirty page is paid-for delalloc, as after write(2); a clean one has no range state.
pub fn init(cfg: &Config) -> State {
    State {
        delalloc: cfg.page_dirty,
        funded: cfg.page_dirty,
        ..State::default()
    }
}

/// Tracked: paid-for delalloc, or an ordered extent.
pub fn tracked(w: &World) -> bool {
    let s = state(w);
    (s.delalloc && s.funded) || s.ordered
}

/// The first step: btrfs_check_data_free_space, before the page lock.
pub fn entry() -> MkPc {
    MkPc::Prepare
}

/// btrfs_set_extent_delalloc's set_bit_hook: a range that was not delalloc becomes so, paid
/// for from the pool if it holds a reservation (btrfs_delalloc_reserve_space clamps at 0).
fn set_delalloc(s: &mut State) {
    if !s.delalloc {
        s.delalloc = true;
        s.funded = s.pool > 0;
        s.pool = s.pool.saturating_sub(1);
    }
}

/// btrfs's own safeguards (`mkwrite ablate --fs btrfs`).
pub static SAFEGUARDS: [super::ops::Safeguard; 3] = [
    super::ops::Safeguard {
        id: "truncate-check",
        function: "btrfs_page_mkwrite",
        anchor: "fs/btrfs/inode.c:4325-4330",
        protects: "no delalloc range is set for a page that truncate took out of the file or cut off",
        guard: "truncate_removes_page_under_fault",
    },
    super::ops::Safeguard {
        id: "ordered-wait",
        function: "btrfs_page_mkwrite",
        anchor: "fs/btrfs/inode.c:4340-4347",
        protects: "EXTENT_DELALLOC is not set over an ordered extent still in flight: ->page_mkwrite waits for it",
        guard: "writeback_reaches_lock_in_mkwrite_window",
    },
    super::ops::Safeguard {
        id: "fixup-worker",
        function: "btrfs_writepage_fixup_worker",
        anchor: "fs/btrfs/inode.c:1391",
        protects: "a page dirtied behind btrfs's back (no delalloc, no ordered extent) gets EXTENT_DELALLOC again before it is written",
        guard: "fixup_sets_delalloc",
    },
];

/// One step of btrfs_page_mkwrite.
pub fn page_mkwrite(cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
    match pc {
        MkPc::Prepare => {
            // BT1 (4309): btrfs_check_data_free_space; ENOSPC -> VM_FAULT_SIGBUS.
            if w.fs_full {
                return mkwrite_return(w, me, MkwriteRet::SigBus);
            }
            let mut s = state(w);
            s.pool = s.pool.saturating_add(1);
            set(w, s);
            Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::LockPage)))
        }
        MkPc::LockPage => match lock_page(w, me) {
            // BT2 (4319-4320): again: lock_page.
            Acquire::Blocked => Step::Blocked,
            Acquire::SelfDeadlock => Step::Next(Pc::Fault(FaultPc::Hung)),
            Acquire::Got => Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Attach))),
        },
        MkPc::Attach => {
            // BT3 (4325-4330): truncated or beyond EOF: free the reservation, unlock, NOPAGE;
            // beside the old VM the releases' -EINVAL (2.6.29.3 inode.c:4312, 4319-4324), which
            // the old VM turns into VM_FAULT_SIGBUS (`fs::nopage_on_truncate`).
            if (!w.page.mapping || !w.isize_covers_page) && !super::removed(cfg, "truncate-check") {
                let mut s = state(w);
                s.pool = s.pool.saturating_sub(1);
                set(w, s);
                unlock_page(w, me);
                return mkwrite_return(w, me, super::truncated_return(cfg));
            }
            // BT4 (4331): wait_on_page_writeback, the page locked.
            if w.page.writeback {
                return Step::Blocked;
            }
            // BT5 (4340-4347): an ordered extent covers the page: unlock the extent and the
            // page, wait for it, start again.
            let mut s = state(w);
            if s.ordered && !super::removed(cfg, "ordered-wait") {
                unlock_page(w, me);
                return Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::WaitOrdered)));
            }
            // BT6 (4349-4366): EXTENT_DELALLOC, ClearPageChecked, set_page_dirty.
            // Model: lock_extent..unlock_extent and the tail zeroing are one step under the page
            // lock; writeback and the fixup worker take the page lock first.
            set_delalloc(&mut s);
            s.checked = false;
            set(w, s);
            super::of(cfg).set_page_dirty(cfg, w);
            if super::returns_locked(cfg) {
                // 50a9b214bc6: return VM_FAULT_LOCKED with the page locked.
                mkwrite_return(w, me, MkwriteRet::Locked)
            } else {
                Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Unlock)))
            }
        }
        MkPc::WaitOrdered => {
            // btrfs_start_ordered_extent(inode, ordered, 1): wait for it to complete.
            if state(w).ordered {
                Step::Blocked
            } else {
                Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::LockPage)))
            }
        }
        MkPc::Unlock => {
            // BT7 (4368-4371): unlock_page, return 0.
            unlock_page(w, me);
            mkwrite_return(w, me, MkwriteRet::Ok)
        }
        MkPc::FillLock | MkPc::Fill => panic!("model bug: btrfs_page_mkwrite has no {pc:?} step"),
    }
}

/// The description of a btrfs_page_mkwrite step.
pub fn page_mkwrite_info(cfg: &Config, w: &World, pc: MkPc) -> StepInfo {
    let s = |id, what| StepInfo {
        id,
        function: "btrfs_page_mkwrite",
        anchor: "fs/btrfs/inode.c:4295",
        what,
    };
    let st = state(w);
    match pc {
        MkPc::Prepare if w.fs_full => s(
            "BT1",
            "btrfs_check_data_free_space: ENOSPC: return VM_FAULT_SIGBUS",
        ),
        MkPc::Prepare => s(
            "BT1",
            "btrfs_check_data_free_space: reserve a page of data space",
        ),
        MkPc::LockPage => s("BT2", "lock_page"),
        MkPc::Attach
            if (!w.page.mapping || !w.isize_covers_page) && !super::nopage_on_truncate(cfg) =>
        {
            s(
                "BT3",
                "truncated: free the reservation, unlock_page, return -EINVAL (2.6.29.3): the \
                 old VM answers VM_FAULT_SIGBUS",
            )
        }
        MkPc::Attach if !w.page.mapping || !w.isize_covers_page => s(
            "BT3",
            "truncated: free the reservation, unlock_page, VM_FAULT_NOPAGE",
        ),
        MkPc::Attach if w.page.writeback => s("BT4", "wait_on_page_writeback, page locked"),
        MkPc::Attach if st.ordered => s(
            "BT5",
            "an ordered extent covers the page: unlock_page, wait for it",
        ),
        MkPc::Attach if super::returns_locked(cfg) => s(
            "BT6",
            "EXTENT_DELALLOC (paid from the reservation), ClearPageChecked, set_page_dirty; \
             return VM_FAULT_LOCKED",
        ),
        MkPc::Attach => s(
            "BT6",
            "EXTENT_DELALLOC (paid from the reservation), ClearPageChecked, set_page_dirty",
        ),
        MkPc::WaitOrdered => s("BT5", "btrfs_start_ordered_extent: wait for it to complete"),
        MkPc::Unlock => s("BT7", "unlock_page, return 0"),
        MkPc::FillLock | MkPc::Fill => s("?", "?"),
    }
}

/// btrfs_writepage -> __extent_writepage, the page locked and PG_dirty just cleared. Reclaim
/// (PF_MEMALLOC) redirties and leaves it. A delalloc range becomes an ordered extent
/// (cow_file_range; without a reservation on a full filesystem the allocation BUG()s). The
/// start hook: an ordered range is written (PG_writeback); any other range queues the fixup
/// worker (once: PageChecked) and the page is redirtied with nothing written (-EAGAIN).
pub fn writepage(w: &mut World, me: Tid, ctx: WbCtx) -> Writepage {
    let mut s = state(w);
    if ctx.reclaim {
        // btrfs_writepage (4185-4189): redirty_page_for_writepage, unlock.
        crate::kernel::set_page_dirty_nobuffers(w);
        unlock_page(w, me);
        return Writepage::Done;
    }
    if !w.isize_covers_page {
        // __extent_writepage (2143-2148): a page wholly beyond EOF is invalidated and left.
        invalidatepage(w);
        unlock_page(w, me);
        return Writepage::Done;
    }
    if s.delalloc {
        if !s.funded && w.fs_full {
            w.bug("__btrfs_reserve_extent: BUG() on a failed allocation (extent-tree.c:3433)");
            return Writepage::Bug;
        }
        s.delalloc = false;
        s.funded = false;
        s.ordered = true;
    }
    if s.ordered {
        set(w, s);
        crate::kernel::set_page_writeback(w);
    } else {
        if !s.checked {
            // btrfs_writepage_start_hook (1423-1435): SetPageChecked, page_cache_get for the
            // work item, queue it on the fixup workers.
            s.checked = true;
            s.fixup_queued = true;
            let worker = w
                .threads
                .iter()
                .position(|t| t.role == crate::contract::Role::FsWorker)
                .map(|t| t as Tid);
            if let Some(x) = worker {
                crate::kernel::get_page(w, x);
            }
        }
        set(w, s);
        crate::kernel::set_page_dirty_nobuffers(w);
    }
    unlock_page(w, me);
    Writepage::Done
}

/// The description of btrfs's writepage in the current state, for its caller.
pub fn writepage_info(w: &World, ctx: WbCtx) -> StepInfo {
    if ctx.reclaim {
        return StepInfo {
            id: "W8,W10",
            function: "btrfs_writepage",
            anchor: "fs/btrfs/inode.c:4180",
            what: "reclaim (PF_MEMALLOC): redirty_page_for_writepage, nothing written; unlock",
        };
    }
    let s = |what| StepInfo {
        id: "W8,W10",
        function: "__extent_writepage",
        anchor: "fs/btrfs/extent_io.c:2110",
        what,
    };
    let st = state(w);
    if !w.isize_covers_page {
        s("the page lies wholly beyond EOF: invalidate it, write nothing; unlock; put_page")
    } else if st.delalloc && !st.funded && w.fs_full {
        s("delalloc without a reservation on a full filesystem: BUG() in __btrfs_reserve_extent")
    } else if st.delalloc || st.ordered {
        s(
            "delalloc becomes an ordered extent (cow_file_range); the write goes out \
           (PG_writeback); unlock; put_page",
        )
    } else if st.checked {
        s(
            "no delalloc, no ordered extent, a fixup already queued: redirty, nothing written \
           (-EAGAIN); unlock; put_page",
        )
    } else {
        s(
            "no delalloc, no ordered extent: queue the fixup worker, redirty, nothing written \
           (-EAGAIN); unlock; put_page",
        )
    }
}

/// btrfs_writepage_end_io_hook -> btrfs_finish_ordered_io: EXTENT_ORDERED cleared, the ordered
/// extent finished; the data is on disk.
pub fn end_io(w: &mut World, v: u8) {
    let mut s = state(w);
    s.ordered = false;
    set(w, s);
    w.data.disk = v;
}

/// One step of the fixup worker X0 (btrfs_writepage_fixup_worker, inode.c:1352).
pub fn fixup_step(cfg: &Config, w: &mut World, me: Tid, pc: XPc) -> Step {
    match pc {
        XPc::Wait => {
            if state(w).fixup_queued {
                Step::Next(Pc::FsWorker(XPc::Lock))
            } else {
                Step::Blocked
            }
        }
        XPc::Lock => match lock_page(w, me) {
            // FX1 (1363-1364): again: lock_page.
            Acquire::Blocked => Step::Blocked,
            Acquire::SelfDeadlock => Step::Next(Pc::FsWorker(XPc::Wait)),
            Acquire::Got => Step::Next(Pc::FsWorker(XPc::Work)),
        },
        XPc::Work => {
            let mut s = state(w);
            // FX2 (1365-1368): truncated, written clean, or handled already: done.
            if !w.page.mapping || !w.page.dirty || !s.checked {
                s.checked = false;
            } else if s.ordered {
                // FX3 (1377-1380): already ordered: done, PageChecked stays.
            } else if super::removed(cfg, "fixup-worker") {
                // Without the safeguard the worker leaves the page as it found it.
                s.checked = false;
            } else {
                // FX4 (1391-1392): EXTENT_DELALLOC without a reservation of its own,
                // ClearPageChecked.
                // Model: the ordered-extent wait (1382-1389) cannot be needed: an ordered
                // range is caught by FX3 in the single-page model.
                set_delalloc(&mut s);
                s.checked = false;
                w.note(crate::world::Event::FixupSetDelalloc);
            }
            s.fixup_queued = false;
            set(w, s);
            // out_page (1395-1397): unlock_page, page_cache_release of the work item's
            // reference.
            unlock_page(w, me);
            crate::kernel::put_page(w, me);
            Step::Next(Pc::FsWorker(XPc::Wait))
        }
        _ => panic!("model bug: the btrfs fixup worker has no {pc:?} step"),
    }
}

/// The description of a fixup worker step.
pub fn fixup_info(cfg: &Config, w: &World, pc: XPc) -> StepInfo {
    let s = |id, what| StepInfo {
        id,
        function: "btrfs_writepage_fixup_worker",
        anchor: "fs/btrfs/inode.c:1352",
        what,
    };
    let st = state(w);
    match pc {
        XPc::Wait => s("FX0", "the worker thread picks up the queued fixup"),
        XPc::Lock => s("FX1", "lock_page"),
        XPc::Work if !w.page.mapping => s(
            "FX2",
            "truncated (the page left the mapping): ClearPageChecked; unlock_page",
        ),
        XPc::Work if !w.page.dirty => {
            s("FX2", "written clean since: ClearPageChecked; unlock_page")
        }
        XPc::Work if !st.checked => s("FX2", "not Checked (fixed up already): unlock_page"),
        XPc::Work if st.ordered => s("FX3", "already ordered: nothing to do; unlock_page"),
        XPc::Work if super::removed(cfg, "fixup-worker") => s(
            "FX4",
            "(without the fixup-worker safeguard) ClearPageChecked only, no EXTENT_DELALLOC; \
             unlock_page",
        ),
        XPc::Work => s(
            "FX4",
            "EXTENT_DELALLOC again, paid only if the inode's pool holds a reservation; \
             ClearPageChecked; unlock_page",
        ),
        _ => s("?", "?"),
    }
}

/// Whether the fixup worker has work (its thread is idle otherwise).
pub fn fixup_pending(w: &World) -> bool {
    state(w).fixup_queued
}

/// ->invalidatepage(page, 0): the range's delalloc, ordered and checked state goes (a pending
/// ordered extent is finished as done; the delalloc space goes back).
pub fn invalidatepage(w: &mut World) {
    let mut s = state(w);
    s.delalloc = false;
    s.funded = false;
    s.ordered = false;
    s.checked = false;
    set(w, s);
}

/// btrfs_releasepage (4229-4234): a dirty page or one under writeback is refused.
pub fn releasepage(w: &World) -> bool {
    !w.page.dirty && !w.page.writeback
}

/// ->fsync: btrfs_wait_ordered_range's loop (ordered-data.c:401-457): wait for writeback and
/// ordered extents; while the range is still delalloc, write it again.
pub fn fsync(w: &World) -> super::Fsync {
    let s = state(w);
    if w.page.writeback || s.ordered {
        super::Fsync::Wait
    } else if s.delalloc && w.page.mapping {
        super::Fsync::Again
    } else {
        super::Fsync::Done
    }
}

/// A page read from disk has no range state (the pool is the inode's and stays).
pub fn readpage(w: &mut World) {
    let s = state(w);
    set(
        w,
        State {
            pool: s.pool,
            ..State::default()
        },
    );
}

/// Trace fields.
pub fn fields(s: State) -> Vec<(String, String)> {
    let yn = |b: bool| if b { "yes" } else { "no" }.to_string();
    vec![
        (
            "btrfs.delalloc".to_string(),
            match (s.delalloc, s.funded) {
                (false, _) => "no".to_string(),
                (true, true) => "reserved".to_string(),
                (true, false) => "unreserved".to_string(),
            },
        ),
        ("btrfs.ordered".to_string(), yn(s.ordered)),
        ("PageChecked".to_string(), yn(s.checked)),
        ("btrfs.fixup_queued".to_string(), yn(s.fixup_queued)),
        ("btrfs.pool".to_string(), s.pool.to_string()),
    ]
}

/// One-line form.
pub fn display(s: State) -> String {
    let mut t = format!(
        "btrfs{{delalloc:{} ordered:{} checked:{} pool:{}",
        match (s.delalloc, s.funded) {
            (false, _) => "no",
            (true, true) => "reserved",
            (true, false) => "unreserved",
        },
        if s.ordered { "yes" } else { "no" },
        if s.checked { "yes" } else { "no" },
        s.pool
    );
    if s.fixup_queued {
        t.push_str(" fixup:queued");
    }
    t.push('}');
    t
}

// ---- the ops table ----

impl PackedState for State {
    fn pack(&self) -> u64 {
        Packer::default()
            .flag(self.delalloc)
            .flag(self.funded)
            .flag(self.ordered)
            .flag(self.checked)
            .flag(self.fixup_queued)
            .put(u64::from(self.pool), 8)
            .done()
    }
    fn unpack(bits: u64) -> State {
        let mut u = Unpacker::new(bits);
        State {
            delalloc: u.flag(),
            funded: u.flag(),
            ordered: u.flag(),
            checked: u.flag(),
            fixup_queued: u.flag(),
            pool: u.take(8) as u8,
        }
    }
}

/// btrfs; `converted`: with 50a9b214bc6's VM_FAULT_LOCKED return (a hybrid: see its era).
pub struct Btrfs {
    /// After the filesystem's own conversion to VM_FAULT_LOCKED.
    pub converted: bool,
}

/// `--fs btrfs`.
pub static BTRFS: Btrfs = Btrfs { converted: false };
/// `--fs btrfs@50a9b214bc6`.
pub static BTRFS_CONVERTED: Btrfs = Btrfs { converted: true };

impl FsOps for Btrfs {
    fn id(&self) -> &'static str {
        if self.converted {
            "btrfs@50a9b214bc6"
        } else {
            "btrfs"
        }
    }

    fn conversion(&self) -> Option<&'static str> {
        (!self.converted).then_some("btrfs@50a9b214bc6")
    }

    fn safeguards(&self) -> &'static [super::ops::Safeguard] {
        &SAFEGUARDS
    }

    fn info(&self) -> FsInfo {
        if self.converted {
            FsInfo {
                id: "btrfs@50a9b214bc6",
                profile: "btrfs",
                code: "hybrid: 2.6.29.4's EXTENT_ORDERED machinery, 50a9b214bc6's locked return; \
                       not 2.6.32",
                old_vm: "0, page unlocked (counterfactual)",
                new_vm: "VM_FAULT_LOCKED (counterfactual: a hybrid no release ran)",
                tracked: "the range is delalloc paid for by a reservation, or ordered",
                files: "fs/btrfs/inode.c, extent_io.c, file.c, ordered-data.c",
            }
        } else {
            FsInfo {
                id: "btrfs",
                profile: "btrfs",
                code: "2.6.29.4 (the same in the old and the new tree)",
                old_vm: "0, page unlocked; truncated: 2.6.29.3's -EINVAL (SIGBUS)",
                new_vm: "0, page unlocked (not converted yet: the R5 window)",
                tracked: "the range is delalloc paid for by a reservation, or ordered",
                files: "fs/btrfs/inode.c, extent_io.c, file.c, ordered-data.c",
            }
        }
    }

    fn era(&self) -> Option<Era> {
        if self.converted {
            Some(Era {
                family: "btrfs",
                old_vm: None,
                new_vm: None,
                source: "50a9b214bc6 (2.6.32-rc1) made btrfs_page_mkwrite return locked, after \
                         8b62b72b26b (2.6.32-rc1 too, its ancestor) had replaced the \
                         EXTENT_ORDERED test of the writepage start hook and the fixup worker \
                         with PagePrivate2; the profile keeps 2.6.29.4's machinery, so no release \
                         ran it: a hybrid, counterfactual beside either VM",
            })
        } else {
            Some(Era {
                family: "btrfs",
                old_vm: w("2.6.29", Some("2.6.29.3")),
                new_vm: w("2.6.29.4", Some("2.6.31")),
                source: "btrfs merged in 2.6.29; 50a9b214bc6 (2.6.32-rc1) converted it",
            })
        }
    }

    fn counterfactual(&self, _: &Config) -> bool {
        // The hybrid ran in no release, beside either VM.
        self.converted
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

    fn page_private(&self, _: &Config, _: &World) -> bool {
        true
    }

    fn hook_threads(&self, _: &Config, w: &World, pc: Pc) -> (Vec<Tid>, Vec<Tid>) {
        // btrfs's writeback queues its fixup worker with a page reference the worker holds.
        match pc {
            Pc::Writeback(_) | Pc::Reclaim(_) => (
                Vec::new(),
                super::ops::threads_of(w, crate::contract::Role::FsWorker),
            ),
            _ => (Vec::new(), Vec::new()),
        }
    }

    fn locked_return(&self) -> bool {
        self.converted
    }

    fn nopage_on_truncate(&self, cfg: &Config) -> bool {
        // 2.6.29's btrfs_page_mkwrite returned -EINVAL (SIGBUS) beside the old VM.
        self.converted || cfg.protocol.patched()
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

    fn page_mkwrite_info(&self, cfg: &Config, w: &World, _: Tid, pc: MkPc) -> StepInfo {
        page_mkwrite_info(cfg, w, pc)
    }

    fn writepage(&self, _: &Config, w: &mut World, me: Tid, ctx: WbCtx) -> Writepage {
        writepage(w, me, ctx)
    }

    fn writepage_info(&self, _: &Config, w: &World, ctx: WbCtx) -> StepInfo {
        writepage_info(w, ctx)
    }

    fn releasepage(&self, _: &Config, w: &mut World) -> bool {
        releasepage(w)
    }

    fn private_releasable(&self, _: &Config) -> bool {
        true
    }

    fn readpage(&self, _: &Config, w: &mut World) {
        readpage(w)
    }

    fn invalidatepage(&self, _: &Config, w: &mut World) -> bool {
        invalidatepage(w);
        true
    }

    fn end_io(&self, _: &Config, w: &mut World, v: u8) {
        end_io(w, v)
    }

    fn end_io_info(&self, _: &Config) -> Option<StepInfo> {
        Some(StepInfo {
            id: "W9",
            function: "btrfs_finish_ordered_io",
            anchor: "fs/btrfs/inode.c:1499",
            what: "the write is done: EXTENT_ORDERED cleared, the ordered extent finished; \
                   end_page_writeback",
        })
    }

    fn has_fsync(&self) -> bool {
        true
    }

    fn fsync(&self, _: &Config, w: &mut World) -> super::Fsync {
        fsync(w)
    }

    fn fsync_info(&self, _: &Config, _: &World) -> StepInfo {
        StepInfo {
            id: "SY",
            function: "btrfs_wait_ordered_range",
            anchor: "fs/btrfs/ordered-data.c:401",
            what: "wait for writeback and ordered extents; write again while the range is \
                   delalloc",
        }
    }

    fn has_worker(&self) -> bool {
        true
    }

    fn worker_step(&self, cfg: &Config, w: &mut World, me: Tid, pc: XPc) -> Step {
        fixup_step(cfg, w, me, pc)
    }

    fn worker_info(&self, cfg: &Config, w: &World, pc: XPc) -> StepInfo {
        fixup_info(cfg, w, pc)
    }

    fn worker_pending(&self, w: &World) -> bool {
        fixup_pending(w)
    }
}
