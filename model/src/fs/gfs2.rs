//! `gfs2`: GFS2 on one node, ordered data mode, as in 2.6.29.4 (fs/gfs2 is the same in
//! e58fcb489af^ and e58fcb489af), before its own conversion in 3.2.
//!
//! | slot | function | anchor (2.6.29.4) |
//! |---|---|---|
//! | `->page_mkwrite` | `gfs2_page_mkwrite`: the inode glock (EX); if no allocation is needed (`gfs2_write_alloc_required`: the page inside i_disksize and its blocks mapped), return 0 at once (no page lock, nothing dirtied); else reservations and a transaction, lock_page, a page beyond i_size gets SIGBUS, a page no longer in the mapping returns 0 with nothing done, `gfs2_allocate_page_backing` allocates the blocks (no buffers attached, the page left clean), unlock_page, glock released; return 0 | fs/gfs2/ops_file.c:339 |
//! | `->set_page_dirty` | `gfs2_set_page_dirty`: SetPageChecked, `__set_page_dirty_buffers` | fs/gfs2/ops_address.c:881 |
//! | `->writepage` | `gfs2_ordered_writepage` → `gfs2_writepage_common`, then `block_write_full_page(gfs2_get_block_noalloc)`: never allocates; a hole is -EIO | ops_address.c:154, 97, 70-79 |
//! | `->releasepage` | `gfs2_releasepage` → `try_to_free_buffers` | ops_address.c:1032 |
//!
//! "Tracked" is "the page's blocks are allocated on disk". Only ->page_mkwrite and write(2)
//! allocate; writeback and reclaim never free. Unlike every other filesystem here,
//! gfs2_page_mkwrite does not dirty the page: only the fault's own set_page_dirty does, so in
//! the window there is nothing for writeback to write.
//!
//! Model: one node, so the glock is cached EX (gfs2_writepage_common's assertion holds) and
//! keeps the mkwrite body and truncate (gfs2_setattr takes it EX) apart; demotes for another
//! node are outside the model. Stuffed (inline) inodes, journaled data and the quota and
//! resource-group reservations are left out (the reservation fails only under `--enospc`).
//! A reading of the code finds a second hazard the model's invariants do not express: the
//! blocks mkwrite allocates are not zeroed on disk, and if the fault then gives up (pte_same
//! fails) the clean page can be evicted and read back with stale disk contents; see
//! docs/exposure.md.

use super::bh::Bh;
use super::ops::{window as w, Era, FsInfo, FsOps, PackedState, Packer, Unpacker};
use super::{mkwrite_return, MkPc, WbCtx, Writepage};
use crate::config::Config;
use crate::kernel::{lock_page, unlock_page, Acquire};
use crate::world::FsBits;
use crate::world::{FaultPc, MkwriteRet, Pc, Tid, World};
use crate::world::{Step, StepInfo};

/// GFS2's own safeguards (`mkwrite ablate --fs gfs2`).
pub static SAFEGUARDS: [super::ops::Safeguard; 3] = [
    super::ops::Safeguard {
        id: "glock",
        function: "gfs2_page_mkwrite",
        anchor: "fs/gfs2/ops_file.c:354",
        protects: "truncate (gfs2_setattr takes the inode glock EX) and the body of ->page_mkwrite exclude each other",
        guard: "truncate_removes_page_under_fault",
    },
    super::ops::Safeguard {
        id: "truncate-check",
        function: "gfs2_page_mkwrite",
        anchor: "fs/gfs2/ops_file.c:387-389",
        protects: "no block is allocated for a page beyond i_size",
        guard: "truncate_removes_page_under_fault",
    },
    super::ops::Safeguard {
        id: "dirty-buffers",
        function: "__set_page_dirty_buffers",
        anchor: "fs/buffer.c:818-826",
        protects: "a page dirtied again gets its attached buffers dirty again, so that the next write of the page writes them",
        guard: "writeback_reaches_lock_in_mkwrite_window",
    },
];

/// The page's blocks and buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct State {
    /// The blocks are allocated on disk.
    pub allocated: bool,
    /// The page's buffer_head.
    pub bh: Bh,
}

fn state(w: &World) -> State {
    super::ops::state(w)
}

fn set(w: &mut World, s: State) {
    super::ops::set_state(w, s);
}

/// A clean page over a hole; a dirty one over allocated blocks with a dirty buffer.
pub fn init(cfg: &Config) -> State {
    State {
        allocated: cfg.page_dirty,
        bh: Bh::of_dirty_page(cfg.page_dirty),
    }
}

/// Tracked: the blocks are allocated.
pub fn tracked(w: &World) -> bool {
    state(w).allocated
}

/// The first step: the glock, before the page lock.
pub fn entry() -> MkPc {
    MkPc::Prepare
}

/// One step of gfs2_page_mkwrite.
pub fn page_mkwrite(cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
    match pc {
        MkPc::Prepare => {
            // G1 (353-356): gfs2_glock_nq EX, asleep while truncate holds it.
            if super::truncate_running(w) && !super::removed(cfg, "glock") {
                return Step::Blocked;
            }
            // G2 (359-361; bmap.c:1264-1284): gfs2_write_alloc_required says "no allocation"
            // only for a page inside i_disksize whose blocks are mapped (past EOF it asks for
            // one before looking at the block map, 1264-1271, and the mkwrite goes on to
            // G3-G5): glock dq, return 0.
            if state(w).allocated && w.isize_covers_page {
                return mkwrite_return(w, me, MkwriteRet::Ok);
            }
            // G3 (363-381): quota and in-place reservation; ENOSPC -> VM_FAULT_SIGBUS.
            if w.fs_full {
                return mkwrite_return(w, me, MkwriteRet::SigBus);
            }
            Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::LockPage)))
        }
        MkPc::LockPage => match lock_page(w, me) {
            // G4 (385): lock_page.
            Acquire::Blocked => Step::Blocked,
            Acquire::SelfDeadlock => Step::Next(Pc::Fault(FaultPc::Hung)),
            Acquire::Got => Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Attach))),
        },
        MkPc::Attach => {
            // G5 (386-389): beyond i_size: -EINVAL, unlock, VM_FAULT_SIGBUS.
            if !w.isize_covers_page && !super::removed(cfg, "truncate-check") {
                unlock_page(w, me);
                return mkwrite_return(w, me, MkwriteRet::SigBus);
            }
            // G6 (390-392): no longer in the mapping: unlock, return 0, nothing allocated.
            if !w.page.mapping {
                unlock_page(w, me);
                return mkwrite_return(w, me, MkwriteRet::Ok);
            }
            // G7 (398; 311-328): gfs2_allocate_page_backing: gfs2_block_map(create=1) on an
            // on-stack buffer_head; the page gets no buffers and stays clean.
            let mut s = state(w);
            s.allocated = true;
            set(w, s);
            Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Unlock)))
        }
        MkPc::Unlock => {
            // G8 (401-410): unlock_page, gfs2_trans_end, glock dq; return 0.
            unlock_page(w, me);
            mkwrite_return(w, me, MkwriteRet::Ok)
        }
        MkPc::WaitOrdered | MkPc::FillLock | MkPc::Fill => {
            panic!("model bug: gfs2_page_mkwrite has no {pc:?} step")
        }
    }
}

/// The description of a step of gfs2_page_mkwrite.
pub fn page_mkwrite_info(w: &World, pc: MkPc) -> StepInfo {
    let s = |id, anchor, what| StepInfo {
        id,
        function: "gfs2_page_mkwrite",
        anchor,
        what,
    };
    match pc {
        MkPc::Prepare if state(w).allocated && w.isize_covers_page => s(
            "G1-G2",
            "fs/gfs2/ops_file.c:354",
            "glock EX; no allocation required: glock dq, return 0 (page untouched)",
        ),
        MkPc::Prepare if w.fs_full => s(
            "G1-G3",
            "fs/gfs2/ops_file.c:354",
            "glock EX; the reservation fails (ENOSPC): VM_FAULT_SIGBUS",
        ),
        MkPc::Prepare if !w.isize_covers_page => s(
            "G1-G3",
            "fs/gfs2/ops_file.c:354",
            "glock EX; past EOF an allocation is always required: quota, reservation, \
             transaction",
        ),
        MkPc::Prepare => s(
            "G1-G3",
            "fs/gfs2/ops_file.c:354",
            "glock EX; allocation required: quota, reservation, transaction",
        ),
        MkPc::LockPage => s("G4", "fs/gfs2/ops_file.c:385", "lock_page"),
        MkPc::Attach if !w.isize_covers_page => s(
            "G5",
            "fs/gfs2/ops_file.c:388",
            "the page is beyond i_size: unlock_page, VM_FAULT_SIGBUS",
        ),
        MkPc::Attach if !w.page.mapping => s(
            "G6",
            "fs/gfs2/ops_file.c:391",
            "the page left the mapping: unlock_page, return 0, nothing allocated",
        ),
        MkPc::Attach => s(
            "G7",
            "fs/gfs2/ops_file.c:398",
            "gfs2_allocate_page_backing: allocate the blocks; no buffers, the page stays clean",
        ),
        MkPc::Unlock => s(
            "G8",
            "fs/gfs2/ops_file.c:401",
            "unlock_page, end the transaction, glock dq; return 0",
        ),
        MkPc::WaitOrdered | MkPc::FillLock | MkPc::Fill => s("?", "?", "?"),
    }
}

/// gfs2_set_page_dirty: SetPageChecked (ignored in ordered mode), __set_page_dirty_buffers.
pub fn set_page_dirty_begin(cfg: &Config, w: &mut World) -> bool {
    let mut s = state(w);
    let newly =
        s.bh.set_page_dirty_buffers(w, !super::removed(cfg, "dirty-buffers"));
    set(w, s);
    newly
}

/// gfs2_ordered_writepage for the locked page clear_page_dirty_for_io just cleaned.
pub fn writepage(w: &mut World, me: Tid, _: WbCtx) -> Writepage {
    let mut s = state(w);
    if !w.isize_covers_page {
        // gfs2_writepage_common (111-116): wholly beyond EOF: invalidate, unlock.
        s.bh.discard();
        set(w, s);
        unlock_page(w, me);
        return Writepage::Done;
    }
    if s.bh.clean() {
        // block_write_full_page (170) maps only dirty buffers: a clean one over a hole never
        // reaches gfs2_get_block_noalloc, so there is no -EIO, and nothing is submitted.
        super::bh::write_nothing(w, me);
        return Writepage::Done;
    }
    // 165-168: create_empty_buffers(dirty|uptodate) if there are none; the write (or the
    // failed lookup's recover path) leaves the buffer clean.
    s.bh.written();
    set(w, s);
    if !w.page.dirty {
        w.page.tagged_dirty = false;
    }
    if !s.allocated {
        // gfs2_get_block_noalloc (78-79): a hole is -EIO; block_write_full_page's recover
        // path clears the buffer, SetPageError, and the error goes to the mapping.
        unlock_page(w, me);
        return Writepage::Failed;
    }
    crate::kernel::set_page_writeback(w);
    unlock_page(w, me);
    Writepage::Done
}

/// The description of gfs2_ordered_writepage.
pub fn writepage_info(w: &World) -> StepInfo {
    let s = |what| StepInfo {
        id: "W8,W10",
        function: "gfs2_ordered_writepage",
        anchor: "fs/gfs2/ops_address.c:154",
        what,
    };
    if !w.isize_covers_page {
        s("the page lies beyond EOF: invalidate it, unlock; put_page")
    } else if state(w).bh.clean() {
        s(
            "the buffer is clean: nothing to map or submit (no -EIO even over a hole), the page \
           ends clean and untagged; unlock; put_page",
        )
    } else if !state(w).allocated {
        s("a hole: gfs2_get_block_noalloc fails with -EIO, the data is dropped; unlock")
    } else {
        s("buffers mapped by lookup (no allocation), submit, PG_writeback, unlock; put_page")
    }
}

/// Trace fields.
pub fn fields(s: State) -> Vec<(String, String)> {
    vec![
        (
            "gfs2.blocks".to_string(),
            if s.allocated { "allocated" } else { "hole" }.to_string(),
        ),
        ("bh".to_string(), s.bh.name().to_string()),
    ]
}

/// One-line form.
pub fn display(s: State) -> String {
    format!(
        "gfs2:{} bh:{}",
        if s.allocated { "allocated" } else { "hole" },
        s.bh.name()
    )
}

// ---- the ops table ----

impl PackedState for State {
    fn pack(&self) -> u64 {
        // The buffer first, in the two low bits (`bh`'s helpers read it there).
        Packer::default()
            .put(self.bh.pack(), 2)
            .flag(self.allocated)
            .done()
    }
    fn unpack(bits: u64) -> State {
        let mut u = Unpacker::new(bits);
        let bh = Bh::unpack(u.take(2));
        State {
            bh,
            allocated: u.flag(),
        }
    }
}

/// GFS2 on one node, as 2.6.29.4 has it.
pub struct Gfs2;

/// `--fs gfs2`.
pub static GFS2: Gfs2 = Gfs2;

impl FsOps for Gfs2 {
    fn id(&self) -> &'static str {
        "gfs2"
    }

    fn safeguards(&self) -> &'static [super::ops::Safeguard] {
        &SAFEGUARDS
    }

    fn info(&self) -> FsInfo {
        FsInfo {
            id: "gfs2",
            profile: "GFS2 on one node",
            code: "2.6.29.4 (the same in the old and the new tree; so until 3.1)",
            old_vm: "0, page unlocked",
            new_vm: "0, page unlocked (not converted until 3.2: the R5 window)",
            tracked: "the page's blocks are allocated on disk",
            files: "fs/gfs2/ops_file.c, ops_address.c",
        }
    }

    fn era(&self) -> Option<Era> {
        Some(Era {
            family: "GFS2",
            old_vm: w("2.6.25", Some("2.6.29.3")),
            new_vm: w("2.6.29.4", Some("3.1")),
            source: "3cc3f710ce0 (2.6.25-rc1) added gfs2_page_mkwrite (the code modelled \
                     is 2.6.29.4's); the conversion (commit not identified) is absent from \
                     a 3.1.10 tree and present in a 3.2.7 tree",
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
        super::bh::page_private(w)
    }

    /// The inode glock: truncate reads where the writers are, a ->page_mkwrite step where
    /// truncate is.
    fn hook_threads(&self, _: &Config, w: &World, pc: Pc) -> (Vec<Tid>, Vec<Tid>) {
        super::ops::truncate_lock_threads(w, pc)
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

    /// gfs2_page_mkwrite only allocates: the page stays clean until the fault's own
    /// set_page_dirty.
    fn mkwrite_dirties(&self) -> bool {
        false
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

    /// gfs2_setattr takes the inode glock EX, which the mkwrite body holds.
    fn truncate_waits(&self, cfg: &Config, w: &World) -> bool {
        super::writer_in_mkwrite_body(w) && !super::removed(cfg, "glock")
    }

    fn set_page_dirty_begin(&self, cfg: &Config, w: &mut World) -> bool {
        set_page_dirty_begin(cfg, w)
    }

    fn writepage(&self, _: &Config, w: &mut World, me: Tid, ctx: WbCtx) -> Writepage {
        writepage(w, me, ctx)
    }

    fn writepage_info(&self, _: &Config, w: &World, _: WbCtx) -> StepInfo {
        writepage_info(w)
    }

    fn releasepage(&self, _: &Config, w: &mut World) -> bool {
        super::bh::release(w, false)
    }

    fn private_releasable(&self, _: &Config) -> bool {
        true
    }

    fn readpage(&self, _: &Config, w: &mut World) {
        super::bh::discard(w)
    }

    fn invalidatepage(&self, _: &Config, w: &mut World) -> bool {
        super::bh::discard(w);
        true
    }
}
