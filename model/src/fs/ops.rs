//! The ops table the VM calls a filesystem through: [`FsOps`], one trait for what the kernel
//! splits into `vm_operations_struct` (`->page_mkwrite`) and `address_space_operations`
//! (`->set_page_dirty`, `->writepage`, `->invalidatepage`, `->releasepage`, `->readpage`),
//! plus the filesystem's I/O completion, `->fsync`, `->write_inode`, a worker thread of its
//! own, and the facts the checkers report (its name, era, what "tracked" means). A default
//! method is the kernel's generic helper a filesystem gets when it plugs in nothing of its own
//! (`__set_page_dirty_nobuffers`, the plain end of a write), so a profile's `impl` overrides
//! exactly what its kernel code overrides.
//!
//! Below the trait, the seam: the functions `mm/` calls (`tracked`, `page_mkwrite`,
//! `writepage`, …), each one line that finds the configuration's profile in the registry and
//! calls its method. `mm/` never names a filesystem.

use crate::config::Config;
use crate::contract::{FsConvention, Inv};
use crate::kernel::{account_page_dirtied, test_set_page_dirty};
use crate::world::{
    Caller, Dirtying, FaultPc, FsBits, MkPc, MkwriteRet, Pc, Step, StepInfo, Tid, World, XPc,
};

/// What `mkwrite filesystems` says of a filesystem profile and era.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FsInfo {
    /// The `--fs` id.
    pub id: &'static str,
    /// The profile.
    pub profile: &'static str,
    /// The code modelled: release and commit.
    pub code: &'static str,
    /// What ->page_mkwrite returns on success beside the old VM.
    pub old_vm: &'static str,
    /// What it returns beside the new VM.
    pub new_vm: &'static str,
    /// What "tracked" means.
    pub tracked: &'static str,
    /// The kernel files modelled.
    pub files: &'static str,
}

/// One of a profile's own safeguards: a lock or a check of the filesystem's code that
/// `mkwrite ablate --fs NAME` removes (`Config::ablated`) to see what it protects. Declared in
/// the profile's file beside the code it switches; the code asks [`removed`](super::removed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Safeguard {
    /// Its name, unique in the profile (`i_alloc_sem`).
    pub id: &'static str,
    /// The kernel function that holds it.
    pub function: &'static str,
    /// Where, in the kernel text of the profile's era (`fs/ext4/inode.c:5134`).
    pub anchor: &'static str,
    /// What it protects, in one line.
    pub protects: &'static str,
    /// The sometimes guard (its property name) whose reach shows that a configuration ran
    /// the code the safeguard sits in: the witness that "holds without it" is not vacuous.
    pub guard: &'static str,
}

/// Releases in which a filesystem's code ran beside one VM: `from` to `to` inclusive (`None`:
/// still so at the end of the era studied). "2.6.29.4" stands for the stable release that got
/// the VM fix (e58fcb489af), whose mainline release is 2.6.30.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// First release.
    pub from: &'static str,
    /// Last release, if it ended.
    pub to: Option<&'static str>,
}

/// When a profile's code ran in the kernel: the family it belongs to (one row of the
/// exposure timeline), the releases in which it ran beside the old VM and beside the new VM
/// (`None`: in no release, so a model run of it is a counterfactual), and where the dates come
/// from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Era {
    /// The filesystem, as the timeline names it.
    pub family: &'static str,
    /// Beside the old VM (before e58fcb489af / b827e496c893).
    pub old_vm: Option<Window>,
    /// Beside the new VM.
    pub new_vm: Option<Window>,
    /// The commits that bound the era, and how their releases were found.
    pub source: &'static str,
}

/// A release window, for the eras' tables.
pub const fn window(from: &'static str, to: Option<&'static str>) -> Option<Window> {
    Some(Window { from, to })
}

/// What ->writepage did with the page it was handed (locked, PG_dirty just cleared).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writepage {
    /// The write was submitted (PG_writeback set) or nothing needed writing; page unlocked.
    Done,
    /// ->writepage failed: the error is returned, and write_cache_pages' caller records it.
    Failed,
    /// ->writepage waits (the page still locked) for something an I/O completion will do;
    /// nothing was changed.
    Blocked,
    /// ->writepage hit a BUG(): the thread dies there, holding what it held.
    Bug,
}

/// What the filesystem's ->writepages does with a page it has locked and found dirty, before
/// clear_page_dirty_for_io (`FsOps::writeback_check`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WbCheck {
    /// Go on: page_mkclean, TestClearPageDirty, ->writepage.
    Go,
    /// Leave the page as it is (PG_dirty, the tag, the ptes): unlock it, release the lookup
    /// reference, end the pass.
    Skip,
    /// A BUG(): the thread dies there, holding what it held.
    Bug,
}

/// Who calls ->writepage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WbCtx {
    /// WB_SYNC_ALL (the final fsync) rather than WB_SYNC_NONE.
    pub sync: bool,
    /// Reclaim's pageout (`wbc->for_reclaim`, PF_MEMALLOC).
    pub reclaim: bool,
}

/// What a step of ->fsync did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fsync {
    /// Finished.
    Done,
    /// It started something (a COMMIT) and goes on.
    Progress,
    /// It waits for an RPC or an I/O; nothing was changed.
    Wait,
    /// It writes the file again (btrfs: the range is still delalloc).
    Again,
}

/// A filesystem profile: the ops table the VM calls, and the profile's facts. One
/// implementation per profile file (`fs/seed.rs`, `fs/nfs.rs`, …); an era of a profile is the
/// same type with its own value (`Nfs { converted: true }`), registered under its own id.
pub trait FsOps: Sync + Send {
    // ---- what it is ----

    /// The `--fs` id: the profile's name, and `NAME@COMMIT` for the era after the commit that
    /// converted it (`nfs@7fdf5230676`); the seed filesystem's conventions keep their names
    /// (`unlocked`, `locked`, `none`).
    fn id(&self) -> &'static str;

    /// Other names people type for it (`xfs` for the buffer profile).
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }

    /// What `mkwrite filesystems` says of it.
    fn info(&self) -> FsInfo;

    /// When its code ran; the seed filesystem is abstract and ran nowhere.
    fn era(&self) -> Option<Era> {
        None
    }

    /// Whether this is a profile of Linux 6.12, which runs beside `--protocol v6.12` only.
    fn v612(&self) -> bool {
        false
    }

    /// Where, in this 6.12 profile's code (6.12.118 `file:line`), the piece of locking that
    /// `--protocol v6.12-minus-<cut>` removes sits; `""` for a profile without one.
    fn cut_anchor(&self, cut: crate::contract::Cut612) -> &'static str {
        let _ = cut;
        ""
    }

    /// Whether reclaim's pageout can call a ->writepage (6.12's ext4 and XFS have none, and
    /// pageout activates the folio: mm/vmscan.c:673-674).
    fn has_writepage(&self) -> bool {
        true
    }

    /// The seed filesystem's convention, if this is the seed filesystem.
    fn convention(&self) -> Option<FsConvention> {
        None
    }

    /// Whether the configuration runs this code beside a VM it never ran beside in a release
    /// (a converted era beside the old VM, ceph before its merge, a hybrid no release ran).
    fn counterfactual(&self, cfg: &Config) -> bool {
        let _ = cfg;
        false
    }

    /// Threads or starts this filesystem's code cannot meet (`Config::validate`'s error).
    fn unsupported(&self, cfg: &Config) -> Option<&'static str> {
        let _ = cfg;
        None
    }

    /// What a violation of `inv` means here, where it differs from the general meaning.
    fn meaning(&self, cfg: &Config, inv: Inv) -> &'static str {
        let _ = cfg;
        inv.meaning()
    }

    /// What a violation of `inv` costs its user, in a few words for the exposure table, where
    /// it differs from the general words (`None`).
    fn harm(&self, inv: Inv) -> Option<&'static str> {
        let _ = inv;
        None
    }

    /// The id of the era (or seed convention) of the same code whose ->page_mkwrite returns
    /// VM_FAULT_LOCKED, if the model has one: what `mkwrite play` replays a counterexample
    /// against beside the new VM.
    fn conversion(&self) -> Option<&'static str> {
        None
    }

    /// Whether two blocks per page, the partial truncate and `--initial-extent` are modelled
    /// for it (the buffer profile only).
    fn partial_page(&self) -> bool {
        false
    }

    /// Its own safeguards, in the order of `Config::ablated`'s bits (at most 8).
    fn safeguards(&self) -> &'static [Safeguard] {
        &[]
    }

    // ---- its per-page state ----

    /// The page's private state at the start (`--page clean|dirty`, `--initial-extent`).
    fn init(&self, cfg: &Config) -> FsBits;

    /// The fields of its state, for traces (`name`, `value`).
    fn fields(&self, w: &World) -> Vec<(String, String)>;

    /// Its state in the one-line form of a world.
    fn display(&self, w: &World) -> String;

    /// The page carries the per-page state a dirty page needs before it can be written.
    fn tracked(&self, cfg: &Config, w: &World) -> bool;

    /// Whether the page clear_page_dirty_for_io hands to ->writepage is tracked (INV-2): as
    /// `tracked`, unless per-block state asks only about the blocks that hold data.
    fn tracked_for_io(&self, cfg: &Config, w: &World) -> bool {
        self.tracked(cfg, w)
    }

    /// Whether the page has private data (PagePrivate): buffers, a request, an extent mapping.
    fn page_private(&self, cfg: &Config, w: &World) -> bool {
        let _ = (cfg, w);
        false
    }

    /// The owner of a lock of the filesystem's own that its state stores (fb_defio's mutex).
    fn lock_owner(&self, w: &World) -> Option<Tid> {
        let _ = w;
        None
    }

    /// Rename that owner (the writers' symmetry).
    fn rename_lock_owner(&self, w: &mut World, f: &dyn Fn(Option<Tid>) -> Option<Tid>) {
        let _ = (w, f);
    }

    /// The other threads a step of its hooks reads and writes, beyond the page and its own
    /// state (for the footprints): a lock shared with truncate, a work queue. (threads read,
    /// threads written), as thread ids of `w`.
    fn hook_threads(&self, cfg: &Config, w: &World, pc: Pc) -> (Vec<Tid>, Vec<Tid>) {
        let _ = (cfg, w, pc);
        (Vec::new(), Vec::new())
    }

    /// Whether `model::footprint` declares its steps one by one (the seed filesystem) rather
    /// than widening the seed's by what a hook may touch.
    fn exact_footprints(&self) -> bool {
        false
    }

    // ---- vm_operations_struct ----

    /// Whether the mapping has a ->page_mkwrite at all (the VM's
    /// `vma->vm_ops->page_mkwrite`).
    fn has_page_mkwrite(&self) -> bool {
        true
    }

    /// Whether ->page_mkwrite returns with the page locked (VM_FAULT_LOCKED) beside the new
    /// VM (the old one does not know VM_FAULT_LOCKED; `returns_locked` applies that).
    fn locked_return(&self) -> bool;

    /// Whether ->page_mkwrite answers a truncated page with VM_FAULT_NOPAGE, not SIGBUS.
    fn nopage_on_truncate(&self, cfg: &Config) -> bool {
        let _ = cfg;
        true
    }

    /// Whether ->page_mkwrite can fail for lack of space (`--enospc`).
    fn mkwrite_can_fail(&self, cfg: &Config) -> bool {
        let _ = cfg;
        false
    }

    /// Whether ->page_mkwrite dirties the page itself, on some path to a successful return
    /// (not every path need: ext4 2.6.29's fast path returns a mapped page clean).
    fn mkwrite_dirties(&self) -> bool {
        true
    }

    /// The first step of ->page_mkwrite, called by do_wp_page (WP4) and __do_fault (DF4).
    fn page_mkwrite_entry(&self, cfg: &Config) -> MkPc {
        let _ = cfg;
        MkPc::LockPage
    }

    /// One step of ->page_mkwrite.
    fn page_mkwrite(&self, cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
        let _ = (cfg, w, me);
        panic!("model bug: {} has no ->page_mkwrite step {pc:?}", self.id())
    }

    /// The description of a ->page_mkwrite step.
    fn page_mkwrite_info(&self, cfg: &Config, w: &World, me: Tid, pc: MkPc) -> StepInfo {
        let _ = (cfg, w, me);
        StepInfo {
            id: "?",
            function: "(none)",
            anchor: "",
            what: {
                let _ = pc;
                "no ->page_mkwrite"
            },
        }
    }

    /// Whether truncate must wait for a ->page_mkwrite before it starts (a lock the two
    /// share: ext4's i_alloc_sem, OCFS2's cluster lock, GFS2's glock).
    fn truncate_waits(&self, cfg: &Config, w: &World) -> bool {
        let _ = (cfg, w);
        false
    }

    /// Whether its truncate writes the file back before it changes i_size (NFS's setattr).
    fn truncate_flushes(&self) -> bool {
        false
    }

    // ---- address_space_operations ----

    /// The first half of ->set_page_dirty, up to and including TestSetPageDirty; whether the
    /// page was newly dirtied (so that `set_page_dirty_account` follows). The default is
    /// __set_page_dirty_nobuffers'.
    fn set_page_dirty_begin(&self, cfg: &Config, w: &mut World) -> bool {
        let _ = cfg;
        test_set_page_dirty(w)
    }

    /// The second half, under tree_lock: page->mapping rechecked, NR_FILE_DIRTY and the radix
    /// DIRTY tag (__set_page_dirty_nobuffers').
    fn set_page_dirty_account(&self, cfg: &Config, w: &mut World) {
        let _ = cfg;
        account_page_dirtied(w)
    }

    /// ->set_page_dirty whole (both halves): whether the page was newly dirtied.
    fn set_page_dirty(&self, cfg: &Config, w: &mut World) -> bool {
        let newly = self.set_page_dirty_begin(cfg, w);
        if newly {
            self.set_page_dirty_account(cfg, w);
        }
        newly
    }

    /// Whether set_page_dirty accounts the page in NR_FILE_DIRTY and tags it (a page in no
    /// radix tree does not).
    fn accounts_dirty(&self) -> bool {
        true
    }

    /// Whether writeback collects the page's inode at all (write_cache_pages always does).
    fn writeback_collects(&self, cfg: &Config, w: &World) -> bool {
        let _ = (cfg, w);
        true
    }

    /// Whether its writer can ever write the page from the configuration's start.
    fn page_ever_written(&self, cfg: &Config) -> bool {
        let _ = cfg;
        true
    }

    /// The checks its own ->writepages makes on the locked, dirty page before
    /// clear_page_dirty_for_io (write_cache_pages has none of its own).
    fn writeback_check(&self, cfg: &Config, w: &mut World) -> WbCheck {
        let _ = (cfg, w);
        WbCheck::Go
    }

    /// The description of the step that makes those checks, where they decide something.
    fn writeback_check_info(&self, cfg: &Config, w: &World, id: &'static str) -> Option<StepInfo> {
        let _ = (cfg, w, id);
        None
    }

    /// ->writepage for the page `me` holds locked after clear_page_dirty_for_io returned 1.
    /// Like the kernel's, it unlocks the page (or hands the lock to the I/O it submits).
    fn writepage(&self, cfg: &Config, w: &mut World, me: Tid, ctx: WbCtx) -> Writepage;

    /// The description of ->writepage in the current state, for its caller (`ctx`: the
    /// flusher, fsync, or reclaim's pageout).
    fn writepage_info(&self, cfg: &Config, w: &World, ctx: WbCtx) -> StepInfo;

    /// try_to_release_page for a locked page with private data: ->releasepage, or
    /// try_to_free_buffers. Whether the private data is gone.
    fn releasepage(&self, cfg: &Config, w: &mut World) -> bool {
        let _ = (cfg, w);
        true
    }

    /// Whether reclaim's try_to_release_page can succeed for its private data.
    fn private_releasable(&self, cfg: &Config) -> bool {
        let _ = cfg;
        false
    }

    /// The state of a page just read from disk (page_cache_read after reclaim freed the old
    /// one).
    fn readpage(&self, cfg: &Config, w: &mut World) {
        let _ = (cfg, w);
    }

    /// truncate_complete_page's ->invalidatepage(page, 0) (only if the page has private
    /// data). Whether it is done: `false` means it waits for an RPC and changed nothing.
    fn invalidatepage(&self, cfg: &Config, w: &mut World) -> bool {
        let _ = (cfg, w);
        true
    }

    /// ->invalidatepage(page, offset) at the block boundary inside the page (a partial
    /// truncate; only the profiles with `partial_page`).
    fn invalidatepage_partial(&self, cfg: &Config, w: &mut World) {
        let _ = (cfg, w);
        panic!("model bug: a partial truncate on fs {}", self.id())
    }

    /// Its ->truncate work after a partial truncate: free the blocks wholly past the new EOF.
    fn free_blocks_past_eof(&self, cfg: &Config, w: &mut World) {
        let _ = (cfg, w);
        panic!("model bug: a partial truncate on fs {}", self.id())
    }

    // ---- I/O, ->write_inode, ->fsync ----

    /// I/O completion of the write ->writepage submitted (before end_page_writeback): by
    /// default the data is on disk.
    fn end_io(&self, cfg: &Config, w: &mut World, v: u8) {
        let _ = cfg;
        w.data.disk = v;
    }

    /// The description of its write completion, where it does more than the disk write.
    fn end_io_info(&self, cfg: &Config) -> Option<StepInfo> {
        let _ = cfg;
        None
    }

    /// An RPC of its own other than the page's write is in flight (an NFS COMMIT).
    fn rpc_pending(&self, w: &World) -> bool {
        let _ = w;
        false
    }

    /// The completion of that RPC.
    fn complete_rpc(&self, w: &mut World) {
        let _ = w;
    }

    /// The description of that completion.
    fn rpc_info(&self, w: &World) -> StepInfo {
        let _ = w;
        StepInfo {
            id: "RPC",
            function: "(none)",
            anchor: "",
            what: "no RPC of the filesystem's own",
        }
    }

    /// Whether the flusher calls ->write_inode after its pass.
    fn has_write_inode(&self) -> bool {
        false
    }

    /// Start of a flusher pass over the inode: __sync_single_inode's snapshot of I_DIRTY.
    fn pass_start(&self, cfg: &Config, w: &mut World) -> bool {
        let _ = (cfg, w);
        false
    }

    /// ->write_inode after the pass, if the inode was I_DIRTY_DATASYNC at its start.
    fn write_inode(&self, cfg: &Config, w: &mut World) {
        let _ = (cfg, w);
    }

    /// The description of ->write_inode.
    fn write_inode_info(&self) -> StepInfo {
        StepInfo {
            id: "WI",
            function: "->write_inode",
            anchor: "",
            what: "nothing of the filesystem's",
        }
    }

    /// Whether its ->fsync does more than the VM's writeback.
    fn has_fsync(&self) -> bool {
        false
    }

    /// One step of ->fsync.
    fn fsync(&self, cfg: &Config, w: &mut World) -> Fsync {
        let _ = (cfg, w);
        Fsync::Done
    }

    /// The description of a step of ->fsync.
    fn fsync_info(&self, cfg: &Config, w: &World) -> StepInfo {
        let _ = (cfg, w);
        StepInfo {
            id: "SY",
            function: "->fsync",
            anchor: "",
            what: "nothing beyond the VM's writeback",
        }
    }

    /// Whether a returned fsync promises that the data has reached its destination.
    fn fsync_is_durable(&self) -> bool {
        true
    }

    // ---- a worker thread of its own ----

    /// Whether it has a worker thread (`X0`).
    fn has_worker(&self) -> bool {
        false
    }

    /// One step of the worker thread.
    fn worker_step(&self, cfg: &Config, w: &mut World, me: Tid, pc: XPc) -> Step {
        let _ = (cfg, w, me);
        panic!("model bug: {} has no worker step {pc:?}", self.id())
    }

    /// The description of a step of the worker thread.
    fn worker_info(&self, cfg: &Config, w: &World, pc: XPc) -> StepInfo {
        let _ = (cfg, w, pc);
        StepInfo {
            id: "X",
            function: "(none)",
            anchor: "",
            what: "no worker",
        }
    }

    /// Whether the worker has work queued.
    fn worker_pending(&self, w: &World) -> bool {
        let _ = w;
        false
    }
}

/// Return from ->page_mkwrite to its caller with `ret`; checks INV-5c.
pub fn mkwrite_return(w: &mut World, me: Tid, ret: MkwriteRet) -> Step {
    let owns = w.page.locked_by == Some(me);
    let consistent = match ret {
        MkwriteRet::Locked => owns,
        MkwriteRet::NoPage | MkwriteRet::SigBus => !owns,
        MkwriteRet::Ok | MkwriteRet::None => true,
    };
    if !consistent {
        w.fire(Inv::PageMkwriteReturnMatchesLock);
    }
    let l = w.local(me);
    l.mkwrite = ret;
    if matches!(ret, MkwriteRet::Ok | MkwriteRet::Locked) {
        l.dirtying = Dirtying::Mkwrote;
    }
    Step::Next(Pc::Fault(match l.caller {
        Caller::Wp => FaultPc::WpAfterMkwrite,
        Caller::Df | Caller::NoMkwrite => FaultPc::DfAfterMkwrite,
    }))
}

/// Some writer is inside ->page_mkwrite past its first step (which took the filesystem's lock
/// that excludes truncate).
pub fn writer_in_mkwrite_body(w: &World) -> bool {
    w.threads.iter().any(|t| {
        matches!(
            t.role,
            crate::contract::Role::Writer | crate::contract::Role::Dma
        ) && matches!(
            t.pc,
            Pc::Fault(FaultPc::Mkwrite(
                MkPc::LockPage | MkPc::Attach | MkPc::Unlock
            ))
        )
    })
}

/// Whether a 6.12 ->page_mkwrite must wait in `folio_wait_stable` (mm/page-writeback.c:3236-3240)
/// before its step under the folio lock completes: the mapping requires stable writes, the
/// folio is under writeback I/O, and the 6.12 ablation has not cut the wait.
///
/// Model: the kernel waits after its folio_mark_dirty (fs/buffer.c:2665-2666,
/// mm/filemap.c:3742-3743, fs/iomap/buffered-io.c:1518, 1544); the model waits before the step
/// that dirties and returns. The wait holds the folio lock either way, so the threads that read
/// PG_dirty meanwhile (writeback, truncate, reclaim, a freeze's sync) reach it only after
/// taking that lock, and I/O completion, the one thread that runs during the wait, does not
/// read PG_dirty: no other thread can tell the two orders apart.
pub fn waits_stable(cfg: &crate::config::Config, w: &World) -> bool {
    cfg.stable_writes && cfg.protocol.keeps(crate::contract::Cut612::WaitStable) && w.page.writeback
}

/// A truncate is under way: past its first step, not finished (it holds that lock). NFS's
/// flush before it takes no lock a ->page_mkwrite takes.
pub fn truncate_running(w: &World) -> bool {
    use crate::world::TruncPc;
    w.threads.iter().any(|t| {
        matches!(t.pc, Pc::Truncate(pc)
            if !matches!(pc, TruncPc::SetSize | TruncPc::Done | TruncPc::FlushWrite(_)
                | TruncPc::FlushNfs(_)))
    })
}

/// The footprint of a lock that ->page_mkwrite's body and truncate share (ext4's i_alloc_sem
/// before 3.1, OCFS2's cluster lock and ip_alloc_sem, GFS2's inode glock), for
/// `FsOps::hook_threads`: a ->page_mkwrite step reads where the truncate thread is, and
/// truncate's first step reads where the writers are (`truncate_running`,
/// `writer_in_mkwrite_body`).
pub fn truncate_lock_threads(w: &World, pc: Pc) -> (Vec<Tid>, Vec<Tid>) {
    use crate::contract::Role;
    match pc {
        Pc::Fault(FaultPc::Mkwrite(_)) => (threads_of(w, Role::Truncate), Vec::new()),
        Pc::Truncate(crate::world::TruncPc::SetSize) => {
            let mut faulting = threads_of(w, Role::Writer);
            faulting.extend(threads_of(w, Role::Dma));
            (faulting, Vec::new())
        }
        _ => (Vec::new(), Vec::new()),
    }
}

/// The thread ids of every thread with `role`.
pub fn threads_of(w: &World, role: crate::contract::Role) -> Vec<Tid> {
    w.threads
        .iter()
        .enumerate()
        .filter(|(_, t)| t.role == role)
        .map(|(i, _)| i as Tid)
        .collect()
}

/// A per-page state packed into the World's [`FsBits`] and back: each profile's `State`
/// implements it. The packing must be injective (two different states, two different bit
/// patterns), so that the checker's states are the same with the bits as with the state.
pub trait PackedState: Copy {
    /// The state as bits.
    fn pack(&self) -> u64;
    /// The state of these bits.
    fn unpack(bits: u64) -> Self;
}

/// Writes fields into bits, low bits first.
#[derive(Default)]
pub struct Packer {
    bits: u64,
    at: u32,
}

impl Packer {
    /// Append `v`, which fits in `width` bits.
    pub fn put(mut self, v: u64, width: u32) -> Packer {
        debug_assert!(
            width == 64 || v < 1 << width,
            "model bug: {v} wider than {width} bits"
        );
        self.bits |= v << self.at;
        self.at += width;
        assert!(
            self.at <= 64,
            "model bug: a filesystem state wider than 64 bits"
        );
        self
    }

    /// Append a flag.
    pub fn flag(self, b: bool) -> Packer {
        self.put(u64::from(b), 1)
    }

    /// The bits.
    pub fn done(self) -> u64 {
        self.bits
    }
}

/// Reads fields out of bits, in the order a [`Packer`] wrote them.
pub struct Unpacker {
    bits: u64,
}

impl Unpacker {
    /// Read from `bits`.
    pub fn new(bits: u64) -> Unpacker {
        Unpacker { bits }
    }

    /// The next `width` bits.
    pub fn take(&mut self, width: u32) -> u64 {
        let v = if width == 64 {
            self.bits
        } else {
            self.bits & ((1 << width) - 1)
        };
        self.bits = self.bits.checked_shr(width).unwrap_or(0);
        v
    }

    /// The next flag.
    pub fn flag(&mut self) -> bool {
        self.take(1) == 1
    }
}

/// A profile's state out of a world.
pub fn state<S: PackedState>(w: &World) -> S {
    S::unpack(w.fs.0)
}

/// Store a profile's state into a world.
pub fn set_state<S: PackedState>(w: &mut World, s: S) {
    w.fs = FsBits(s.pack());
}
