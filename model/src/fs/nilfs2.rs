//! `nilfs2`: nilfs2 as in 2.6.30-rc1 to 2.6.38.2 (read in 2.6.36; fs/nilfs2 came in 2.6.30-rc1
//! with f183ff4f053 and 9ff05123e3b, four release candidates before the VM fix, b827e496c893 in
//! 2.6.30-rc5), before 34094537943 "nilfs2: fix data loss in mmap page write for hole blocks"
//! (2.6.39-rc2; 2.6.38.3 as a stable backport).
//!
//! | slot | function | anchor (2.6.36) |
//! |---|---|---|
//! | `->page_mkwrite` | `nilfs_page_mkwrite`: a nearly full disk gets SIGBUS; lock_page; truncated or beyond i_size: NOPAGE; a page MappedToDisk, or with every buffer mapped, unlocks and goes to `mapped:`; otherwise (a hole) unlock, a transaction, `block_page_mkwrite(nilfs_get_block)`, and any nonzero return (VM_FAULT_LOCKED included) aborts the transaction and is returned; `mapped:` SetPageChecked, wait_on_page_writeback, return 0 | fs/nilfs2/file.c:55 |
//! | `->set_page_dirty` | `nilfs_set_page_dirty`: `__set_page_dirty_buffers`, and if that newly dirtied the page, `nilfs_set_file_dirty` queues the inode for the segment constructor | fs/nilfs2/inode.c:176, 746 |
//! | `->writepages` | `nilfs_writepages`: nothing for WB_SYNC_NONE; WB_SYNC_ALL builds a segment of the inode's dirty pages if the inode is queued | inode.c:145 |
//! | `->writepage` | `nilfs_writepage`: redirty, unlock (reclaim then flushes the segment of a queued inode) | inode.c:158 |
//! | `->fsync` | `nilfs_sync_file`: returns 0 at once unless the inode is dirty | file.c:30 (the check 43-44) |
//!
//! "Tracked" is "a dirty page's inode is queued" (NILFS_I_DIRTY/NILFS_I_QUEUED, on
//! s_dirty_files): the segment constructor, nilfs2's only writer, collects queued inodes only,
//! so a dirty page of an unqueued inode is never written and fsync does not look at it.
//!
//! The hole path dirties the page inside block_page_mkwrite (block_commit_write's
//! mark_buffer_dirty sets PG_dirty directly, not through ->set_page_dirty) and never queues
//! the inode; the fault's own set_page_dirty then finds the page dirty already, so it does not
//! queue it either. That is the bug 34094537943 fixed; it does not depend on the VM: with the
//! old VM's block_page_mkwrite (return 0 unlocked) the commit path is taken, and the inode is
//! still not queued.
//!
//! Model: W0 and S stand for the segment constructor: the flusher's passes reach
//! nilfs_writepages, which does nothing for WB_SYNC_NONE, and nilfs2's own writer is the
//! segctor thread, woken by its timer, which writes the dirty pages of the queued inodes
//! (collection: segment.c:667-712, 2089) and unqueues them once the segment is written
//! (segment.c:2007); the model's write_cache_pages over the inode, when it is queued, is that
//! writer, and its WB_SYNC_ALL pass is fsync's nilfs_construct_dsync_segment. The copy that
//! segment construction makes of a mapped or Checked page (nilfs_begin_page_io,
//! segment.c:1622-1640: the test 1608-1620, the copy 1574-1606) is left out: it only spares the
//! write a stable page. A page-size block, the transaction and the disk's
//! free-space watermark (which fails only under `--enospc`) are simplified.

use super::bh::Bh;
use super::ops::{window as w, Era, FsInfo, FsOps, PackedState, Packer, Unpacker};
use super::{mkwrite_return, MkPc, WbCheck, WbCtx, Writepage};
use crate::config::Config;
use crate::kernel::{lock_page, set_page_dirty_nobuffers, unlock_page, Acquire};
use crate::world::FsBits;
use crate::world::{FaultPc, MkwriteRet, Pc, Tid, World};
use crate::world::{Step, StepInfo};

/// The page's block, buffer and the inode's queueing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct State {
    /// The block is in the inode's bmap (`false`: a hole).
    pub mapped: bool,
    /// The page's buffer_head.
    pub bh: Bh,
    /// PageMappedToDisk.
    pub mapped_to_disk: bool,
    /// The inode is queued for the segment constructor (NILFS_I_DIRTY, on s_dirty_files).
    pub queued: bool,
}

fn state(w: &World) -> State {
    super::ops::state(w)
}

fn set(w: &mut World, s: State) {
    super::ops::set_state(w, s);
}

/// A clean page over a hole; a dirty one (as after write(2), whose nilfs_write_end queues the
/// inode, inode.c:226) over a mapped block.
pub fn init(cfg: &Config) -> State {
    State {
        mapped: cfg.page_dirty,
        bh: Bh::of_dirty_page(cfg.page_dirty),
        mapped_to_disk: false,
        queued: cfg.page_dirty,
    }
}

/// Tracked: a dirty page's inode is queued.
pub fn tracked(w: &World) -> bool {
    !w.page.dirty || state(w).queued
}

/// Whether the segment constructor would collect the page's inode.
pub fn queued(w: &World) -> bool {
    state(w).queued
}

/// The first step: the free-space check, before the page lock.
pub fn entry() -> MkPc {
    MkPc::Prepare
}

/// nilfs2's own safeguards (`mkwrite ablate --fs nilfs2`).
pub static SAFEGUARDS: [super::ops::Safeguard; 2] = [
    super::ops::Safeguard {
        id: "truncate-check",
        function: "nilfs_page_mkwrite",
        anchor: "fs/nilfs2/file.c:66-70",
        protects: "no block is inserted into the bmap for a page that truncate took out of the file or cut off",
        guard: "truncate_removes_page_under_fault",
    },
    super::ops::Safeguard {
        id: "dirty-buffers",
        function: "__set_page_dirty_buffers",
        anchor: "fs/buffer.c:818-826",
        protects: "a page dirtied again gets its attached buffers dirty again, so that the segment constructor collects them",
        guard: "data_reaches_disk",
    },
];

/// One step of nilfs_page_mkwrite.
pub fn page_mkwrite(cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
    let mut s = state(w);
    match pc {
        MkPc::Prepare => {
            // N0 (62-63): nilfs_near_disk_full: VM_FAULT_SIGBUS.
            if w.fs_full {
                return mkwrite_return(w, me, MkwriteRet::SigBus);
            }
            Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::LockPage)))
        }
        MkPc::LockPage => match lock_page(w, me) {
            // N1 (65): lock_page.
            Acquire::Blocked => Step::Blocked,
            Acquire::SelfDeadlock => Step::Next(Pc::Fault(FaultPc::Hung)),
            Acquire::Got => Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Attach))),
        },
        MkPc::Attach => {
            // N2 (66-70): truncated or beyond i_size: unlock, VM_FAULT_NOPAGE.
            if (!w.page.mapping || !w.isize_covers_page) && !super::removed(cfg, "truncate-check") {
                unlock_page(w, me);
                return mkwrite_return(w, me, MkwriteRet::NoPage);
            }
            // N3 (75-96): MappedToDisk, or every buffer mapped: SetPageMappedToDisk, unlock,
            // go to `mapped:`. Otherwise (a hole) unlock (97) and fill it.
            let mapped = s.mapped_to_disk || (s.bh.attached && s.mapped);
            if mapped {
                s.mapped_to_disk = true;
                set(w, s);
            }
            unlock_page(w, me);
            if mapped {
                Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::WaitOrdered)))
            } else {
                Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::FillLock)))
            }
        }
        MkPc::FillLock => {
            // N4 (102-105, 107): nilfs_transaction_begin (ENOSPC -> VM_FAULT_SIGBUS), then
            // block_page_mkwrite: lock_page.
            if w.fs_full {
                return mkwrite_return(w, me, MkwriteRet::SigBus);
            }
            match lock_page(w, me) {
                Acquire::Blocked => Step::Blocked,
                Acquire::SelfDeadlock => Step::Next(Pc::Fault(FaultPc::Hung)),
                Acquire::Got => Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Fill))),
            }
        }
        MkPc::Fill => {
            // N5: block_page_mkwrite (fs/buffer.c): truncated or beyond i_size: unlock,
            // VM_FAULT_NOPAGE, which nilfs passes on after aborting the transaction (108-110).
            if !w.page.mapping || !w.isize_covers_page {
                unlock_page(w, me);
                return mkwrite_return(w, me, MkwriteRet::NoPage);
            }
            // block_prepare_write with nilfs_get_block inserts the block into the bmap
            // (inode.c:75-76); block_commit_write's mark_buffer_dirty dirties the page directly,
            // not through nilfs_set_page_dirty: the inode is not queued.
            s.mapped = true;
            s.bh.attach_and_mark_dirty(w);
            set(w, s);
            if cfg.protocol.patched() {
                // The new block_page_mkwrite returns VM_FAULT_LOCKED; nilfs takes it for an
                // error (108), aborts the transaction, and returns it: the page stays locked.
                mkwrite_return(w, me, MkwriteRet::Locked)
            } else {
                // Counterfactual (beside the old VM only in 2.6.30-rc1 to -rc4, no release): the
                // old block_page_mkwrite unlocks and returns 0; nilfs commits and goes to
                // `mapped:`.
                unlock_page(w, me);
                Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::WaitOrdered)))
            }
        }
        MkPc::WaitOrdered => {
            // N6 (114-117): `mapped:` SetPageChecked, wait_on_page_writeback (unlocked),
            // return 0.
            if w.page.writeback {
                return Step::Blocked;
            }
            mkwrite_return(w, me, MkwriteRet::Ok)
        }
        MkPc::Unlock => panic!("model bug: nilfs_page_mkwrite has no {pc:?} step"),
    }
}

/// The description of a step of nilfs_page_mkwrite.
pub fn page_mkwrite_info(cfg: &Config, w: &World, pc: MkPc) -> StepInfo {
    let s = |id, anchor, what| StepInfo {
        id,
        function: "nilfs_page_mkwrite",
        anchor,
        what,
    };
    let st = state(w);
    let gone = !w.page.mapping || !w.isize_covers_page;
    match pc {
        MkPc::Prepare => s(
            "N0",
            "fs/nilfs2/file.c:62",
            if w.fs_full {
                "the disk is nearly full: VM_FAULT_SIGBUS"
            } else {
                "nilfs_near_disk_full: no"
            },
        ),
        MkPc::LockPage => s("N1", "fs/nilfs2/file.c:65", "lock_page"),
        MkPc::Attach if gone => s(
            "N2",
            "fs/nilfs2/file.c:66",
            "the page was truncated: unlock_page, return VM_FAULT_NOPAGE",
        ),
        MkPc::Attach if st.mapped_to_disk || (st.bh.attached && st.mapped) => s(
            "N3",
            "fs/nilfs2/file.c:75",
            "fully mapped: SetPageMappedToDisk, unlock_page (nothing dirtied, nothing queued)",
        ),
        MkPc::Attach => s(
            "N3",
            "fs/nilfs2/file.c:97",
            "a hole: unlock_page, to fill it",
        ),
        MkPc::FillLock if w.fs_full => s(
            "N4",
            "fs/nilfs2/file.c:102",
            "nilfs_transaction_begin fails with ENOSPC: return VM_FAULT_SIGBUS",
        ),
        MkPc::FillLock => s(
            "N4",
            "fs/nilfs2/file.c:102",
            "nilfs_transaction_begin; block_page_mkwrite: lock_page",
        ),
        MkPc::Fill if gone => s(
            "N5",
            "fs/nilfs2/file.c:107",
            "block_page_mkwrite: truncated: unlock, VM_FAULT_NOPAGE; transaction aborted",
        ),
        MkPc::Fill if cfg.protocol.patched() => s(
            "N5",
            "fs/nilfs2/file.c:107",
            "block_page_mkwrite maps the hole and dirties buffer and page (not via \
             ->set_page_dirty: the inode is not queued); its VM_FAULT_LOCKED is taken for an \
             error: abort, return it",
        ),
        MkPc::Fill => s(
            "N5",
            "fs/nilfs2/file.c:107",
            "block_page_mkwrite maps the hole, dirties buffer and page (the inode is not \
             queued), unlocks, returns 0; commit",
        ),
        MkPc::WaitOrdered => s(
            "N6",
            "fs/nilfs2/file.c:114",
            "mapped: SetPageChecked, wait_on_page_writeback; return 0",
        ),
        MkPc::Unlock => s("?", "?", "?"),
    }
}

/// nilfs_set_page_dirty, first half: __set_page_dirty_buffers' buffers and TestSetPageDirty;
/// a newly dirty page queues the inode (nilfs_set_file_dirty).
/// Model: the queueing, which follows the accounting in the kernel, is done with the first
/// half; nobody reads the queue between the two halves but the segment constructor, which
/// needs the page lock a caller of the split set_page_dirty does not hold, and a page it
/// collects early is written all the same.
pub fn set_page_dirty_begin(cfg: &Config, w: &mut World) -> bool {
    let mut s = state(w);
    let newly =
        s.bh.set_page_dirty_buffers(w, !super::removed(cfg, "dirty-buffers"));
    if newly {
        s.queued = true;
    }
    set(w, s);
    newly
}

/// The segment constructor's collection of the page (nilfs_lookup_dirty_data_buffers,
/// segment.c:633-693), at W2-W5: buffers are created if there are none (670-672), and then
/// copy PG_dirty (create_empty_buffers, fs/buffer.c:1636-1645); only dirty buffers are
/// collected (678). A page whose attached buffers are all clean is not collected: it is not
/// locked for I/O, cleaned or written, and keeps PG_dirty and its tag; the inode, scanned with
/// its NILFS_I_DIRTY cleared (1115), leaves the queue with the segment all the same (2007,
/// 2028-2040). Only a collected page goes on to nilfs_begin_page_io's
/// clear_page_dirty_for_io and the write (1622-1640).
/// Model: the queue is left at once, as `writepage` leaves it for a page it writes.
pub fn collect(w: &mut World) -> WbCheck {
    let mut s = state(w);
    if !s.bh.clean() {
        return WbCheck::Go;
    }
    s.queued = false;
    set(w, s);
    WbCheck::Skip
}

/// The description of the collection where it leaves the page.
pub fn collect_info(w: &World, id: &'static str) -> Option<StepInfo> {
    state(w).bh.clean().then_some(StepInfo {
        id,
        function: "nilfs_lookup_dirty_data_buffers",
        anchor: "fs/nilfs2/segment.c:633",
        what: "the page's buffer is clean: not collected, PG_dirty and the tag stay; the inode \
               leaves the queue with the segment; unlock",
    })
}

/// The segment constructor's write of the locked page (W0, S), or nilfs_writepage (reclaim).
pub fn writepage(w: &mut World, me: Tid, ctx: WbCtx) -> Writepage {
    if ctx.reclaim {
        // nilfs_writepage (158-172): redirty_page_for_writepage, unlock; the flush it asks
        // for is the segment constructor's work.
        set_page_dirty_nobuffers(w);
        unlock_page(w, me);
        return Writepage::Done;
    }
    let mut s = state(w);
    if !w.isize_covers_page {
        unlock_page(w, me);
        return Writepage::Done;
    }
    // nilfs_begin_page_io and the segment write: PG_writeback, the buffer clean; the inode
    // leaves the queue with the segment (segment.c:2007).
    s.bh.written();
    s.queued = w.page.dirty;
    set(w, s);
    crate::kernel::set_page_writeback(w);
    unlock_page(w, me);
    Writepage::Done
}

/// The description of nilfs2's write of the page, for its caller.
pub fn writepage_info(w: &World, ctx: WbCtx) -> StepInfo {
    if ctx.reclaim {
        return StepInfo {
            id: "W8,W10",
            function: "nilfs_writepage",
            anchor: "fs/nilfs2/inode.c:158",
            what: "reclaim: redirty_page_for_writepage, nothing written (the segment \
                   constructor's flush writes it); unlock",
        };
    }
    StepInfo {
        id: "W8,W10",
        function: "nilfs_segctor_do_construct",
        anchor: "fs/nilfs2/segment.c:2007",
        what: if !w.isize_covers_page {
            "the page lies beyond EOF: unlock, write nothing"
        } else if w.page.dirty {
            "the queued inode's page goes into a segment: PG_writeback, unlock; the page is \
             dirty again, so the inode stays queued"
        } else {
            "the queued inode's page goes into a segment: PG_writeback, unlock; the inode \
             leaves the queue"
        },
    }
}

/// block_invalidatepage: the buffers go.
pub fn invalidatepage(w: &mut World) {
    let mut s = state(w);
    s.bh.discard();
    s.mapped_to_disk = false;
    set(w, s);
}

/// A page read again: no buffers; MappedToDisk when the block is in the bmap.
pub fn readpage(w: &mut World) {
    let mut s = state(w);
    s.bh.discard();
    s.mapped_to_disk = s.mapped;
    set(w, s);
}

/// Trace fields.
pub fn fields(s: State) -> Vec<(String, String)> {
    vec![
        (
            "nilfs.block".to_string(),
            if s.mapped { "mapped" } else { "hole" }.to_string(),
        ),
        ("bh".to_string(), s.bh.name().to_string()),
        (
            "MappedToDisk".to_string(),
            if s.mapped_to_disk { "yes" } else { "no" }.to_string(),
        ),
        (
            "nilfs.queued".to_string(),
            if s.queued { "yes" } else { "no" }.to_string(),
        ),
    ]
}

/// One-line form.
pub fn display(s: State) -> String {
    format!(
        "nilfs:{} bh:{}{} queued:{}",
        if s.mapped { "mapped" } else { "hole" },
        s.bh.name(),
        if s.mapped_to_disk {
            " MappedToDisk"
        } else {
            ""
        },
        if s.queued { "yes" } else { "no" }
    )
}

// ---- the ops table ----

impl PackedState for State {
    fn pack(&self) -> u64 {
        // The buffer first, in the two low bits (`bh`'s helpers read it there).
        Packer::default()
            .put(self.bh.pack(), 2)
            .flag(self.mapped)
            .flag(self.mapped_to_disk)
            .flag(self.queued)
            .done()
    }
    fn unpack(bits: u64) -> State {
        let mut u = Unpacker::new(bits);
        let bh = Bh::unpack(u.take(2));
        let mapped = u.flag();
        let mapped_to_disk = u.flag();
        State {
            bh,
            mapped,
            mapped_to_disk,
            queued: u.flag(),
        }
    }
}

/// nilfs2 before 34094537943.
pub struct Nilfs2;

/// `--fs nilfs2`.
pub static NILFS2: Nilfs2 = Nilfs2;

impl FsOps for Nilfs2 {
    fn id(&self) -> &'static str {
        "nilfs2"
    }

    fn safeguards(&self) -> &'static [super::ops::Safeguard] {
        &SAFEGUARDS
    }

    fn info(&self) -> FsInfo {
        FsInfo {
            id: "nilfs2",
            profile: "nilfs2",
            code: "2.6.36 (the same from 2.6.30-rc1 to 2.6.38.2)",
            old_vm: "0, page unlocked (counterfactual: only 2.6.30-rc1..rc4 ran it)",
            new_vm: "0 (mapped), or block_page_mkwrite's VM_FAULT_LOCKED (a hole)",
            tracked: "a dirty page's inode is queued for the segment constructor",
            files: "fs/nilfs2/file.c, inode.c, segment.c",
        }
    }

    fn era(&self) -> Option<Era> {
        Some(Era {
            family: "nilfs2",
            old_vm: None,
            new_vm: w("2.6.30", Some("2.6.38.2")),
            source: "f183ff4f053 and 9ff05123e3b (2.6.30-rc1) added fs/nilfs2, four release \
                     candidates before the VM fix (b827e496c893, 2.6.30-rc5): 2.6.30-rc1 to \
                     -rc4 ran this code beside the old VM (no release); 34094537943 \
                     (2.6.39-rc2; in 2.6.38.3 as the stable backport, commit 5d2a4a244e8 \
                     of a 2.6.38.y history) queues the inode and returns VM_FAULT_LOCKED",
        })
    }

    /// No release ran it beside the old VM (only 2.6.30-rc1 to -rc4): there the old
    /// block_page_mkwrite runs under it.
    fn counterfactual(&self, cfg: &Config) -> bool {
        !cfg.protocol.patched()
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

    /// The mapped path returns 0 unlocked; the hole path's VM_FAULT_LOCKED is
    /// block_page_mkwrite's own, returned as it is (`page_mkwrite`).
    fn locked_return(&self) -> bool {
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

    fn page_mkwrite_info(&self, cfg: &Config, w: &World, _: Tid, pc: MkPc) -> StepInfo {
        page_mkwrite_info(cfg, w, pc)
    }

    fn set_page_dirty_begin(&self, cfg: &Config, w: &mut World) -> bool {
        set_page_dirty_begin(cfg, w)
    }

    /// The segment constructor only collects queued inodes; nilfs_writepages ignores the
    /// flusher's WB_SYNC_NONE.
    fn writeback_collects(&self, _: &Config, w: &World) -> bool {
        queued(w)
    }

    /// Not from a clean, sparse page: the hole path dirties the page without queueing the
    /// inode, so its only writer (the segment constructor) never collects it, and nothing is
    /// written, cleaned, stripped or freed once the fault has dirtied it (the bug 34094537943
    /// fixed).
    fn page_ever_written(&self, cfg: &Config) -> bool {
        cfg.page_dirty
    }

    fn writeback_check(&self, _: &Config, w: &mut World) -> WbCheck {
        collect(w)
    }

    fn writeback_check_info(&self, _: &Config, w: &World, id: &'static str) -> Option<StepInfo> {
        collect_info(w, id)
    }

    fn writepage(&self, _: &Config, w: &mut World, me: Tid, ctx: WbCtx) -> Writepage {
        writepage(w, me, ctx)
    }

    fn writepage_info(&self, _: &Config, w: &World, ctx: WbCtx) -> StepInfo {
        writepage_info(w, ctx)
    }

    fn releasepage(&self, _: &Config, w: &mut World) -> bool {
        super::bh::release(w, false)
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
}
