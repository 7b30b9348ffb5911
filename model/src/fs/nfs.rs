//! `nfs`: the NFS client of 2.6.29 (fs/nfs/file.c, write.c, pagelist.c), with its write
//! request (`struct nfs_page`) as the per-page state.
//!
//! | slot | function | anchor |
//! |---|---|---|
//! | `->page_mkwrite` | `nfs_vm_page_mkwrite` → `nfs_updatepage` | fs/nfs/file.c:454, write.c:719 |
//! | `->set_page_dirty` | `__set_page_dirty_nobuffers` (no NFS hook: the request is not touched) | file.c:443 |
//! | `->writepage` | `nfs_writepage` → `nfs_page_async_flush` | write.c:295, 222 |
//! | WRITE completion | `nfs_writeback_release_full` → `nfs_mark_request_commit` | write.c:1048 |
//! | COMMIT | `nfs_commit_inode` (from `nfs_write_inode` after a flusher pass, from `nfs_wb_all` in fsync); `nfs_commit_release` frees the request | write.c, inode.c:87 (the sync=0 call at 96) |
//! | `->invalidatepage` | `nfs_invalidate_page` → `nfs_wb_page_cancel` | file.c:412 |
//! | `->releasepage` | `nfs_release_page`: refuses any page with a request | file.c:422 |
//! | `->fsync` | `nfs_file_fsync` → `nfs_do_fsync` → `nfs_wb_all` | file.c:322, 214 (220) |
//!
//! Eras. `nfs` is NFS beside the VM being modelled: under the old VM the behaviour of 2.6.29.3
//! (success returns 0 with the page unlocked: at e58fcb489af^ itself, between a6114b20140 and
//! 668d834cdae, the prototype change made every successful call report VM_FAULT_SIGBUS, an
//! interim state of the 2.6.29.y series the model does not reproduce), and the same code beside
//! the new VM at e58fcb489af. `nfs@7fdf5230676` is after "NFS: Close page_mkwrite() races"
//! (5da3b37d5eb in 2.6.29.4): success returns VM_FAULT_LOCKED. Under the old VM, which does not
//! know VM_FAULT_LOCKED, that era is counterfactual and returns unlocked instead. The lines of
//! NM1-NM4 are e58fcb489af's fs/nfs/file.c; NM5's are 2.6.29.3's (beside the new VM, at
//! 668d834cdae, they are file.c:484 and 487).
//!
//! The request, as far as the race is concerned: none; dirty (in the inode's tree, waiting to
//! be written: PG_dirty says so); writing (PG_BUSY, a WRITE in flight, PG_writeback); unstable
//! (PG_CLEAN: the server acknowledged an UNSTABLE write, the request waits on the commit list);
//! committing (PG_BUSY, a COMMIT in flight). "Tracked" is "a dirty request".
//!
//! Model: one open context, wsize at least a page (the `nfs_flush_one` path, no partial-page
//! flags), UNSTABLE replies to every WRITE but reclaim's, which asks for FILE_SYNC
//! (FLUSH_STABLE; its reply frees the request), a COMMIT whose verifier always matches, and no
//! RPC errors (so fsync never returns an NFS write error).

use super::ops::{window as w, Era, FsInfo, FsOps, PackedState, Packer, Unpacker};
use super::{mkwrite_return, MkPc, WbCtx, Writepage};
use crate::config::Config;
use crate::kernel::Acquire;
use crate::kernel::{lock_page, test_clear_page_dirty_accounted, unlock_page};
use crate::world::FsBits;
use crate::world::{FaultPc, MkwriteRet, Pc, Tid, World};
use crate::world::{Step, StepInfo};

/// The page's nfs_page request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Req {
    /// No request (PagePrivate clear).
    #[default]
    None,
    /// A request in the tree, neither busy nor PG_CLEAN: its bytes are still to be written.
    Dirty,
    /// PG_BUSY: a WRITE is in flight.
    Writing,
    /// PG_CLEAN: written with an UNSTABLE reply, on the commit list.
    Unstable,
    /// PG_BUSY and PG_CLEAN: a COMMIT is in flight.
    Committing,
}

/// The request and what the server holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct State {
    /// The page's request.
    pub req: Req,
    /// The WRITE in flight asked for FILE_SYNC (reclaim's FLUSH_STABLE).
    pub stable: bool,
    /// The version the server holds unstably (written, not committed).
    pub unstable: Option<u8>,
    /// I_DIRTY_DATASYNC on the inode: set when a request goes on the commit list, it makes the
    /// next flusher pass call nfs_write_inode, which sends the COMMIT.
    pub datasync: bool,
}

fn state(w: &World) -> State {
    super::ops::state(w)
}

fn set(w: &mut World, s: State) {
    super::ops::set_state(w, s);
}

fn set_req(w: &mut World, req: Req) {
    let mut s = state(w);
    s.req = req;
    set(w, s);
}

const fn busy(r: Req) -> bool {
    matches!(r, Req::Writing | Req::Committing)
}

/// A clean page has no request (its last one was committed); a dirty one has a dirty request,
/// as after write(2).
pub fn init(cfg: &Config) -> State {
    State {
        req: if cfg.page_dirty {
            Req::Dirty
        } else {
            Req::None
        },
        ..State::default()
    }
}

/// Tracked: the page has a dirty request.
pub fn tracked(w: &World) -> bool {
    state(w).req == Req::Dirty
}

/// NFS's own safeguards (`mkwrite ablate --fs nfs`).
pub static SAFEGUARDS: [super::ops::Safeguard; 2] = [
    super::ops::Safeguard {
        id: "mapping-check",
        function: "nfs_vm_page_mkwrite",
        anchor: "fs/nfs/file.c:469-471",
        protects: "no request is created for a page that truncate took out of the file",
        guard: "truncate_removes_page_under_fault",
    },
    super::ops::Safeguard {
        id: "request-lock",
        function: "nfs_try_to_update_request",
        anchor: "fs/nfs/write.c:596-601",
        protects: "->page_mkwrite waits for a request whose WRITE or COMMIT is in flight (PG_BUSY) before it marks it dirty again",
        guard: "writeback_reaches_lock_in_mkwrite_window",
    },
];

/// One step of nfs_vm_page_mkwrite.
pub fn page_mkwrite(cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
    match pc {
        MkPc::LockPage => match lock_page(w, me) {
            // NM1 (file.c:468): lock_page.
            Acquire::Blocked => Step::Blocked,
            Acquire::SelfDeadlock => Step::Next(Pc::Fault(FaultPc::Hung)),
            Acquire::Got => Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Attach))),
        },
        MkPc::Attach => {
            // NM2 (469-471): the mapping is not the inode's (truncated): unlock, SIGBUS (-EINVAL;
            // NFS answered truncation with SIGBUS until bc4866b6e0b, 2.6.37).
            if !w.page.mapping && !super::removed(cfg, "mapping-check") {
                unlock_page(w, me);
                return mkwrite_return(w, me, MkwriteRet::SigBus);
            }
            // NM3 (473-476): nfs_page_length is 0 for a page beyond EOF: success, no request.
            if w.isize_covers_page {
                // NM4 (482): nfs_updatepage -> nfs_try_to_update_request: a busy request is
                // waited for (nfs_wait_on_request, page lock held); a PG_CLEAN one leaves the
                // commit list (nfs_clear_request_commit, write.c:608-610); none is created
                // (nfs_create_request, nfs_inode_add_request). Then __set_page_dirty_nobuffers.
                // Model: the update and the dirtying are one step, under the page lock.
                let s = state(w);
                if busy(s.req) && !super::removed(cfg, "request-lock") {
                    return Step::Blocked;
                }
                set_req(w, Req::Dirty);
                super::of(cfg).set_page_dirty(cfg, w);
            }
            if super::returns_locked(cfg) {
                // 5da3b37d5eb: return VM_FAULT_LOCKED with the page locked.
                mkwrite_return(w, me, MkwriteRet::Locked)
            } else {
                Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Unlock)))
            }
        }
        MkPc::Unlock => {
            // NM5 (2.6.29.3 file.c:485-486; beside the new VM, 668d834cdae file.c:484, 487):
            // unlock_page, return 0.
            unlock_page(w, me);
            mkwrite_return(w, me, MkwriteRet::Ok)
        }
        MkPc::Prepare | MkPc::WaitOrdered | MkPc::FillLock | MkPc::Fill => {
            panic!("model bug: nfs_vm_page_mkwrite has no {pc:?} step")
        }
    }
}

/// The description of a step of nfs_vm_page_mkwrite.
pub fn page_mkwrite_info(cfg: &Config, w: &World, pc: MkPc) -> StepInfo {
    let s = |id, what| StepInfo {
        id,
        function: "nfs_vm_page_mkwrite",
        anchor: "fs/nfs/file.c:454",
        what,
    };
    let req = state(w).req;
    match pc {
        MkPc::LockPage => s("NM1", "lock_page"),
        MkPc::Attach if !w.page.mapping => s(
            "NM2",
            "the page was truncated: unlock_page, return VM_FAULT_SIGBUS",
        ),
        MkPc::Attach if !w.isize_covers_page && super::returns_locked(cfg) => s(
            "NM3",
            "the page lies beyond EOF (nfs_page_length 0): no request; return VM_FAULT_LOCKED",
        ),
        MkPc::Attach if !w.isize_covers_page => s(
            "NM3",
            "the page lies beyond EOF (nfs_page_length 0): no request",
        ),
        MkPc::Attach if busy(req) => s(
            "NM4",
            "nfs_updatepage: the request is busy (an RPC is in flight): wait, page locked",
        ),
        MkPc::Attach if super::returns_locked(cfg) => s(
            "NM4",
            "nfs_updatepage: the request is dirty (created, or back from the commit list), \
             PG_dirty set; return VM_FAULT_LOCKED",
        ),
        MkPc::Attach => s(
            "NM4",
            "nfs_updatepage: the request is dirty (created, or back from the commit list), \
             PG_dirty set",
        ),
        MkPc::Unlock => s("NM5", "unlock_page, return 0"),
        MkPc::Prepare | MkPc::WaitOrdered | MkPc::FillLock | MkPc::Fill => s("?", "?"),
    }
}

/// nfs_writepage -> nfs_page_async_flush (write.c:222), the page locked and PG_dirty just
/// cleared: no request: nothing is written (232-234); a busy one is waited for with the page
/// lock held (236-249); a PG_CLEAN one is BUG() (250-253); a dirty one is sent (PG_BUSY,
/// nfs_set_page_writeback, queued). nfs_writepage then unlocks (300).
pub fn writepage(w: &mut World, me: Tid, ctx: WbCtx) -> Writepage {
    let mut s = state(w);
    match s.req {
        Req::Writing | Req::Committing => Writepage::Blocked,
        Req::Unstable => {
            w.bug("nfs_page_async_flush: BUG() on a PG_CLEAN request (fs/nfs/write.c:252)");
            Writepage::Bug
        }
        Req::None => {
            // No request: nfs_page_async_flush returns 0 at once (232-234), without
            // set_page_writeback, so the DIRTY tag stays; a later pass finds the page by it,
            // locks it and skips it as clean (mm/page-writeback.c:1018-1021).
            unlock_page(w, me);
            Writepage::Done
        }
        Req::Dirty => {
            s.req = Req::Writing;
            s.stable = ctx.reclaim;
            set(w, s);
            crate::kernel::set_page_writeback(w);
            unlock_page(w, me);
            Writepage::Done
        }
    }
}

/// The description of nfs_writepage in the current state, for its caller.
pub fn writepage_info(w: &World, ctx: WbCtx) -> StepInfo {
    let s = |what| StepInfo {
        id: "W8,W10",
        function: "nfs_page_async_flush",
        anchor: "fs/nfs/write.c:222",
        what,
    };
    match state(w).req {
        Req::None => s("no request: nothing is written, no error; unlock; put_page"),
        Req::Dirty if ctx.reclaim => s(
            "reclaim (wb_priority: FLUSH_STABLE): the dirty request goes out as a FILE_SYNC \
             WRITE (PG_BUSY, PG_writeback); unlock; put_page",
        ),
        Req::Dirty => s(
            "the dirty request goes out as a WRITE (PG_BUSY, PG_writeback); unlock; \
                         put_page",
        ),
        Req::Unstable => s("the request is PG_CLEAN: BUG() at fs/nfs/write.c:252"),
        _ => s("the request is busy: wait for its RPC, page locked"),
    }
}

/// The WRITE's reply (nfs_writeback_release_full, write.c:1048): UNSTABLE puts the request on
/// the commit list (PG_CLEAN, I_DIRTY_DATASYNC), FILE_SYNC frees it; end_page_writeback.
pub fn end_io(w: &mut World, v: u8) {
    let mut s = state(w);
    if s.stable {
        s.req = Req::None;
        w.data.disk = v;
    } else {
        s.req = Req::Unstable;
        s.unstable = Some(v);
        s.datasync = true;
    }
    s.stable = false;
    set(w, s);
}

/// A COMMIT is in flight.
pub fn rpc_pending(w: &World) -> bool {
    state(w).req == Req::Committing
}

/// nfs_commit_inode: the requests on the commit list go out in a COMMIT (PG_BUSY).
pub fn commit(w: &mut World) -> bool {
    if state(w).req == Req::Unstable {
        set_req(w, Req::Committing);
        true
    } else {
        false
    }
}

/// The COMMIT's reply (nfs_commit_release): the verifier matches, the request is freed and the
/// server's copy is stable.
pub fn complete_rpc(w: &mut World) {
    let mut s = state(w);
    if let Some(v) = s.unstable.take() {
        w.data.disk = v;
    }
    s.req = Req::None;
    set(w, s);
    w.note(crate::world::Event::CommitFreedRequest);
}

/// __sync_single_inode snapshots and clears I_DIRTY before the pass (fs/fs-writeback.c:280-282).
pub fn pass_start(w: &mut World) -> bool {
    let mut s = state(w);
    let was = s.datasync;
    s.datasync = false;
    set(w, s);
    was
}

/// ->fsync: nfs_wb_all's nfs_sync_mapping_wait waits for busy requests and commits unstable
/// ones until none is left. Whether it is done; `false` means it waits for an RPC.
///
/// Model: nfs_wb_all's own writepages passes find nothing dirty (fsync starts after every
/// writer has finished, and its filemap_fdatawrite has just written the page), so only the
/// wait-and-commit loop is modelled.
pub fn fsync(w: &mut World) -> super::Fsync {
    match state(w).req {
        Req::Writing | Req::Committing => super::Fsync::Wait,
        Req::Unstable => {
            commit(w);
            super::Fsync::Progress
        }
        Req::None | Req::Dirty => super::Fsync::Done,
    }
}

/// ->invalidatepage(page, 0): nfs_wb_page_cancel (write.c:1456): a dirty request is removed
/// with the page's dirtiness, an unstable one is dropped without a COMMIT, a busy one is waited
/// for. Whether it is done.
pub fn invalidatepage(w: &mut World) -> bool {
    match state(w).req {
        Req::Writing | Req::Committing => false,
        Req::Dirty => {
            set_req(w, Req::None);
            test_clear_page_dirty_accounted(w);
            true
        }
        Req::Unstable => {
            let mut s = state(w);
            s.req = Req::None;
            s.unstable = None;
            set(w, s);
            true
        }
        Req::None => true,
    }
}

/// A request is the page's private data; nfs_release_page always refuses.
pub fn page_private(w: &World) -> bool {
    state(w).req != Req::None
}

/// A page read from the server has no request.
pub fn readpage(w: &mut World) {
    set_req(w, Req::None);
}

fn req_name(r: Req) -> &'static str {
    match r {
        Req::None => "none",
        Req::Dirty => "dirty",
        Req::Writing => "writing",
        Req::Unstable => "unstable",
        Req::Committing => "committing",
    }
}

/// Trace fields.
pub fn fields(s: State) -> Vec<(String, String)> {
    vec![
        ("nfs.req".to_string(), req_name(s.req).to_string()),
        (
            "server.unstable".to_string(),
            s.unstable.map_or("-".to_string(), |v| format!("v{v}")),
        ),
        (
            "I_DIRTY_DATASYNC".to_string(),
            if s.datasync { "yes" } else { "no" }.to_string(),
        ),
        (
            "WRITE".to_string(),
            if s.stable { "FILE_SYNC" } else { "unstable" }.to_string(),
        ),
    ]
}

/// One-line form.
pub fn display(s: State) -> String {
    let mut t = format!("nfs.req:{}", req_name(s.req));
    if let Some(v) = s.unstable {
        t.push_str(&format!(" server.unstable:v{v}"));
    }
    if s.stable {
        t.push_str(" FILE_SYNC");
    }
    if s.datasync {
        t.push_str(" I_DIRTY_DATASYNC");
    }
    t
}

// ---- the ops table ----

fn req_bits(r: Req) -> u64 {
    match r {
        Req::None => 0,
        Req::Dirty => 1,
        Req::Writing => 2,
        Req::Unstable => 3,
        Req::Committing => 4,
    }
}

fn req_of(b: u64) -> Req {
    match b {
        0 => Req::None,
        1 => Req::Dirty,
        2 => Req::Writing,
        3 => Req::Unstable,
        _ => Req::Committing,
    }
}

impl PackedState for State {
    fn pack(&self) -> u64 {
        Packer::default()
            .put(req_bits(self.req), 3)
            .flag(self.stable)
            .flag(self.unstable.is_some())
            .put(u64::from(self.unstable.unwrap_or(0)), 8)
            .flag(self.datasync)
            .done()
    }
    fn unpack(bits: u64) -> State {
        let mut u = Unpacker::new(bits);
        let req = req_of(u.take(3));
        let stable = u.flag();
        let some = u.flag();
        let v = u.take(8) as u8;
        State {
            req,
            stable,
            unstable: some.then_some(v),
            datasync: u.flag(),
        }
    }
}

/// The NFS client; `converted`: after 7fdf5230676 "NFS: Close page_mkwrite() races".
pub struct Nfs {
    /// After the filesystem's own conversion to VM_FAULT_LOCKED.
    pub converted: bool,
}

/// `--fs nfs`.
pub static NFS: Nfs = Nfs { converted: false };
/// `--fs nfs@7fdf5230676`.
pub static NFS_CONVERTED: Nfs = Nfs { converted: true };

impl FsOps for Nfs {
    fn id(&self) -> &'static str {
        if self.converted {
            "nfs@7fdf5230676"
        } else {
            "nfs"
        }
    }

    fn conversion(&self) -> Option<&'static str> {
        (!self.converted).then_some("nfs@7fdf5230676")
    }

    fn safeguards(&self) -> &'static [super::ops::Safeguard] {
        &SAFEGUARDS
    }

    fn info(&self) -> FsInfo {
        if self.converted {
            FsInfo {
                id: "nfs@7fdf5230676",
                profile: "the NFS client",
                code: "after 7fdf5230676 (2.6.30-rc5; 5da3b37d5eb in 2.6.29.4)",
                old_vm: "0, page unlocked (counterfactual)",
                new_vm: "VM_FAULT_LOCKED",
                tracked: "the page has a dirty nfs_page request",
                files: "fs/nfs/file.c, fs/nfs/write.c, fs/nfs/inode.c",
            }
        } else {
            FsInfo {
                id: "nfs",
                profile: "the NFS client",
                code: "2.6.29.3's behaviour beside the old VM, e58fcb489af beside the new",
                old_vm: "0, page unlocked",
                new_vm: "0, page unlocked (not converted yet: the R5 window)",
                tracked: "the page has a dirty nfs_page request",
                files: "fs/nfs/file.c, fs/nfs/write.c, fs/nfs/inode.c",
            }
        }
    }

    fn era(&self) -> Option<Era> {
        if self.converted {
            Some(Era {
                family: "NFS",
                old_vm: None,
                new_vm: w("2.6.29.4", None),
                source: "7fdf5230676 (2.6.30-rc5), 5da3b37d5eb in 2.6.29.4",
            })
        } else {
            Some(Era {
                family: "NFS",
                old_vm: w("2.6.24", Some("2.6.29.3")),
                new_vm: None,
                source: "94387fb1aa1 (2.6.24) adds nfs_vm_page_mkwrite; 7fdf5230676 converted it \
                         in the same release as the VM fix (2.6.30-rc5, and 2.6.29.4 as \
                         5da3b37d5eb), so no release ran it beside the new VM",
            })
        }
    }

    fn counterfactual(&self, cfg: &Config) -> bool {
        // Each NFS beside the VM it never shipped with: the VM fix (b827e496c893) and NFS's
        // own (7fdf5230676) are both first in 2.6.30-rc5, and 2.6.29.4 took both, so neither
        // an rc nor a release ran the old NFS beside the new VM.
        self.converted != cfg.protocol.patched()
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
        self.converted
    }

    fn nopage_on_truncate(&self, _: &Config) -> bool {
        false
    }

    fn page_mkwrite(&self, cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
        page_mkwrite(cfg, w, me, pc)
    }

    fn page_mkwrite_info(&self, cfg: &Config, w: &World, _: Tid, pc: MkPc) -> StepInfo {
        page_mkwrite_info(cfg, w, pc)
    }

    fn truncate_flushes(&self) -> bool {
        true
    }

    fn writepage(&self, _: &Config, w: &mut World, me: Tid, ctx: WbCtx) -> Writepage {
        writepage(w, me, ctx)
    }

    fn writepage_info(&self, _: &Config, w: &World, ctx: WbCtx) -> StepInfo {
        writepage_info(w, ctx)
    }

    fn releasepage(&self, _: &Config, _: &mut World) -> bool {
        false
    }

    fn readpage(&self, _: &Config, w: &mut World) {
        readpage(w)
    }

    fn invalidatepage(&self, _: &Config, w: &mut World) -> bool {
        invalidatepage(w)
    }

    fn end_io(&self, _: &Config, w: &mut World, v: u8) {
        end_io(w, v)
    }

    fn end_io_info(&self, _: &Config) -> Option<StepInfo> {
        Some(StepInfo {
            id: "W9",
            function: "nfs_writeback_release_full",
            anchor: "fs/nfs/write.c:1048",
            what: "the WRITE's reply: UNSTABLE puts the request on the commit list (PG_CLEAN), \
                   FILE_SYNC frees it; end_page_writeback",
        })
    }

    fn rpc_pending(&self, w: &World) -> bool {
        rpc_pending(w)
    }

    fn complete_rpc(&self, w: &mut World) {
        complete_rpc(w)
    }

    fn rpc_info(&self, _: &World) -> StepInfo {
        StepInfo {
            id: "CM",
            function: "nfs_commit_release",
            anchor: "fs/nfs/write.c",
            what: "the COMMIT's reply: the server's copy is stable, the request is freed",
        }
    }

    fn has_write_inode(&self) -> bool {
        true
    }

    fn pass_start(&self, _: &Config, w: &mut World) -> bool {
        pass_start(w)
    }

    fn write_inode(&self, _: &Config, w: &mut World) {
        commit(w);
    }

    fn write_inode_info(&self) -> StepInfo {
        StepInfo {
            id: "WI",
            function: "nfs_write_inode",
            anchor: "fs/nfs/inode.c:87",
            what: "the inode was I_DIRTY_DATASYNC at the pass's start: COMMIT the requests on \
                   the commit list (asynchronously: sync=0, nfs_commit_inode at 96)",
        }
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
            function: "nfs_wb_all",
            anchor: "fs/nfs/write.c:1446",
            what: "nfs_sync_mapping_wait: wait for busy requests, COMMIT the unstable ones",
        }
    }
}
