//! The filesystem side, behind the kernel's own seam: the VM (`mm/`) calls a filesystem only
//! through the functions of this module, which play the part of `vm_operations_struct`
//! (`->page_mkwrite`) and `address_space_operations` (`->set_page_dirty`, `->writepage`,
//! `->invalidatepage`, `->releasepage`) plus the filesystem's I/O completion, ->fsync and
//! private per-page state. Each filesystem is one file that opens with the ops table it models;
//! the `match` in each function below is that table. Adding a filesystem touches this directory
//! and nothing in `mm/`.
//!
//! Each filesystem defines what "tracked" means for it: the per-page state a dirty page needs
//! before writeback can write it without allocating (`tracked`). INV-1 and INV-2 consult it.

pub mod btrfs;
pub mod buffer;
pub mod ceph;
pub mod nfs;
pub mod seed;

use crate::config::Config;
use crate::contract::{FsConvention, Inv};
use crate::step::{Step, StepInfo};
use crate::world::{Caller, Dirtying, FaultPc, MkwriteRet, Pc, Tid, World};

/// A filesystem profile and the era of its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fs {
    /// The seed's abstract filesystem (fsblock's case: metadata attached only in
    /// ->page_mkwrite, released when writeback cleans the page; ->set_page_dirty cannot
    /// allocate), with one of its three ->page_mkwrite conventions.
    Seed(FsConvention),
    /// XFS on buffer.c (block_page_mkwrite, __set_page_dirty_buffers, xfs_vm_writepage), the
    /// code of the tree being modelled (block_page_mkwrite returns locked from the patch on).
    Buffer,
    /// NFS; `converted`: after 7fdf5230676 "NFS: Close page_mkwrite() races".
    Nfs {
        /// After the filesystem's own conversion to VM_FAULT_LOCKED.
        converted: bool,
    },
    /// ceph at its first release, 2.6.34 (VM_FAULT_LOCKED from the start).
    Ceph,
    /// btrfs; `converted`: after 50a9b214bc6 "Btrfs: fix btrfs page_mkwrite to return locked
    /// page".
    Btrfs {
        /// After the filesystem's own conversion to VM_FAULT_LOCKED.
        converted: bool,
    },
}

impl Fs {
    /// The seed filesystem, returning unlocked.
    pub const UNLOCKED: Fs = Fs::Seed(FsConvention::Unlocked);
    /// The seed filesystem, returning VM_FAULT_LOCKED.
    pub const LOCKED: Fs = Fs::Seed(FsConvention::Locked);
    /// The seed filesystem without ->page_mkwrite.
    pub const NONE: Fs = Fs::Seed(FsConvention::None);

    /// Id used on the CLI, in labels and in JSON: the seed's conventions keep their names
    /// (`unlocked`, `locked`, `none`); a profile is its name, and `NAME@COMMIT` for the era
    /// after the commit that converted it.
    pub const fn id(self) -> &'static str {
        match self {
            Fs::Seed(c) => c.id(),
            Fs::Buffer => "buffer",
            Fs::Nfs { converted: false } => "nfs",
            Fs::Nfs { converted: true } => "nfs@7fdf5230676",
            Fs::Ceph => "ceph",
            Fs::Btrfs { converted: false } => "btrfs",
            Fs::Btrfs { converted: true } => "btrfs@50a9b214bc6",
        }
    }

    /// Every profile and era, in display order.
    pub fn all() -> Vec<Fs> {
        vec![
            Fs::UNLOCKED,
            Fs::LOCKED,
            Fs::NONE,
            Fs::Buffer,
            Fs::Nfs { converted: false },
            Fs::Nfs { converted: true },
            Fs::Ceph,
            Fs::Btrfs { converted: false },
            Fs::Btrfs { converted: true },
        ]
    }

    /// Parse a CLI/JSON id; `seed` is the seed filesystem with the protocol's default
    /// convention, which the caller resolves (`None` here means "unknown").
    pub fn parse(s: &str) -> Option<Fs> {
        Fs::all()
            .into_iter()
            .find(|f| f.id().eq_ignore_ascii_case(s))
    }

    /// The seed convention, if this is the seed filesystem.
    pub const fn convention(self) -> Option<FsConvention> {
        match self {
            Fs::Seed(c) => Some(c),
            _ => None,
        }
    }
}

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

impl Fs {
    /// The description of this profile and era.
    pub const fn info(self) -> FsInfo {
        let seed = FsInfo {
            id: "",
            profile: "the seed filesystem",
            code: "abstract: the patch's own description (fsblock's case)",
            old_vm: "0, page unlocked",
            new_vm: "0, page unlocked",
            tracked: "the metadata ->page_mkwrite allocated is attached and dirty",
            files: "model/src/fs/seed.rs",
        };
        match self {
            Fs::Seed(FsConvention::Unlocked) => FsInfo {
                id: "unlocked",
                ..seed
            },
            Fs::Seed(FsConvention::Locked) => FsInfo {
                id: "locked",
                old_vm: "(rejected: the old VM has no VM_FAULT_LOCKED)",
                new_vm: "VM_FAULT_LOCKED",
                ..seed
            },
            Fs::Seed(FsConvention::None) => FsInfo {
                id: "none",
                old_vm: "(no ->page_mkwrite)",
                new_vm: "(no ->page_mkwrite)",
                tracked: "(nothing is attached; INV-1 and INV-2 do not apply)",
                ..seed
            },
            Fs::Buffer => FsInfo {
                id: "buffer",
                profile: "XFS on buffer_heads",
                code: "2.6.29.4: e58fcb489af^ beside the old VM, e58fcb489af beside the new",
                old_vm: "0, page unlocked (block_page_mkwrite before the patch)",
                new_vm: "VM_FAULT_LOCKED (the patch's hunk H7)",
                tracked: "every block inside i_size is backed by a delalloc or real extent",
                files: "fs/buffer.c, fs/xfs/linux-2.6/xfs_aops.c, xfs_file.c, fs/mpage.c",
            },
            Fs::Nfs { converted: false } => FsInfo {
                id: "nfs",
                profile: "the NFS client",
                code: "2.6.29.3's behaviour beside the old VM, e58fcb489af beside the new",
                old_vm: "0, page unlocked",
                new_vm: "0, page unlocked (not converted yet: the R5 window)",
                tracked: "the page has a dirty nfs_page request",
                files: "fs/nfs/file.c, fs/nfs/write.c, fs/nfs/inode.c",
            },
            Fs::Nfs { converted: true } => FsInfo {
                id: "nfs@7fdf5230676",
                profile: "the NFS client",
                code: "after 7fdf5230676 (2.6.30-rc5; 5da3b37d5eb in 2.6.29.4)",
                old_vm: "0, page unlocked (counterfactual)",
                new_vm: "VM_FAULT_LOCKED",
                tracked: "the page has a dirty nfs_page request",
                files: "fs/nfs/file.c, fs/nfs/write.c, fs/nfs/inode.c",
            },
            Fs::Ceph => FsInfo {
                id: "ceph",
                profile: "the ceph client",
                code: "2.6.34, its first release (after 4af6b2257ee), read in 2.6.36",
                old_vm: "0, page unlocked (counterfactual: ceph came after the fix)",
                new_vm: "VM_FAULT_LOCKED",
                tracked: "a snap context is attached in page->private",
                files: "fs/ceph/addr.c",
            },
            Fs::Btrfs { converted: false } => FsInfo {
                id: "btrfs",
                profile: "btrfs",
                code: "2.6.29.4 (the same in the old and the new tree)",
                old_vm: "0, page unlocked",
                new_vm: "0, page unlocked (not converted yet: the R5 window)",
                tracked: "the range is delalloc paid for by a reservation, or ordered",
                files: "fs/btrfs/inode.c, extent_io.c, file.c, ordered-data.c",
            },
            Fs::Btrfs { converted: true } => FsInfo {
                id: "btrfs@50a9b214bc6",
                profile: "btrfs",
                code: "after 50a9b214bc6 (2.6.32)",
                old_vm: "0, page unlocked (counterfactual)",
                new_vm: "VM_FAULT_LOCKED",
                tracked: "the range is delalloc paid for by a reservation, or ordered",
                files: "fs/btrfs/inode.c, extent_io.c, file.c, ordered-data.c",
            },
        }
    }
}

/// A filesystem's private per-page state (buffers, an NFS request, a delalloc range, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FsState {
    /// The seed filesystem's metadata.
    Seed(seed::State),
    /// buffer_heads and extents.
    Buffer(buffer::State),
    /// The NFS write request.
    Nfs(nfs::State),
    /// ceph's snap context.
    Ceph(ceph::State),
    /// btrfs's range state and reservations.
    Btrfs(btrfs::State),
}

/// The state of a page as the configuration starts it (`--page clean|dirty`).
pub fn init(cfg: &Config) -> FsState {
    match cfg.fs {
        Fs::Seed(_) => FsState::Seed(seed::init(cfg)),
        Fs::Buffer => FsState::Buffer(buffer::init(cfg)),
        Fs::Nfs { .. } => FsState::Nfs(nfs::init(cfg)),
        Fs::Ceph => FsState::Ceph(ceph::init(cfg)),
        Fs::Btrfs { .. } => FsState::Btrfs(btrfs::init(cfg)),
    }
}

/// Whether the mapping has a ->page_mkwrite at all (the VM's `vma->vm_ops->page_mkwrite`).
pub fn has_page_mkwrite(cfg: &Config) -> bool {
    cfg.fs != Fs::NONE
}

/// The page carries the per-page state a dirty page needs before it can be written.
pub fn tracked(cfg: &Config, w: &World) -> bool {
    match cfg.fs {
        Fs::Seed(_) => seed::tracked(w),
        Fs::Buffer => buffer::tracked(cfg, w),
        Fs::Nfs { .. } => nfs::tracked(w),
        Fs::Ceph => ceph::tracked(w),
        Fs::Btrfs { .. } => btrfs::tracked(w),
    }
}

/// The steps of a ->page_mkwrite: each filesystem gives them its own meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MkPc {
    /// Work before the page lock (btrfs's space reservation, ceph's i_size read).
    Prepare,
    /// Take the page lock.
    LockPage,
    /// The filesystem's work under the page lock (checks, attaching its state, PG_dirty).
    Attach,
    /// Unlock and return 0 (the unlocked convention).
    Unlock,
    /// Wait, unlocked, for an ordered extent over the page to complete (btrfs).
    WaitOrdered,
}

/// The first step of ->page_mkwrite, called by do_wp_page (WP4) and __do_fault (DF4).
pub fn page_mkwrite_entry(cfg: &Config) -> MkPc {
    match cfg.fs {
        Fs::Ceph => ceph::entry(),
        Fs::Btrfs { .. } => btrfs::entry(),
        _ => MkPc::LockPage,
    }
}

/// Whether ->page_mkwrite returns with the page locked (VM_FAULT_LOCKED) in this
/// configuration: the code's own convention beside the new VM; beside the old VM, which does
/// not know VM_FAULT_LOCKED, every filesystem returns unlocked (a converted era is then
/// counterfactual).
pub fn returns_locked(cfg: &Config) -> bool {
    if !cfg.protocol.patched() {
        return false;
    }
    match cfg.fs {
        Fs::Seed(c) => c == FsConvention::Locked,
        Fs::Buffer | Fs::Ceph => true,
        Fs::Nfs { converted } | Fs::Btrfs { converted } => converted,
    }
}

/// Whether the configuration runs a filesystem's code beside a VM it never ran beside: a
/// filesystem that returns VM_FAULT_LOCKED (ceph from its first commit, a converted era) under
/// the old VM, with its return made unlocked.
pub fn counterfactual(cfg: &Config) -> bool {
    !cfg.protocol.patched()
        && matches!(
            cfg.fs,
            Fs::Ceph | Fs::Nfs { converted: true } | Fs::Btrfs { converted: true }
        )
}

/// Whether ->page_mkwrite answers a truncated page with VM_FAULT_NOPAGE (NFS in 2.6.29 says
/// VM_FAULT_SIGBUS).
pub fn nopage_on_truncate(cfg: &Config) -> bool {
    has_page_mkwrite(cfg) && !matches!(cfg.fs, Fs::Nfs { .. })
}

/// Whether ->page_mkwrite can fail for lack of space (`--enospc`): ceph's allocation happens
/// on the OSDs, not at fault time.
pub fn mkwrite_can_fail(cfg: &Config) -> bool {
    // The buffer profile's block is allocated already (a real extent), so block_prepare_write
    // never allocates; NFS and ceph allocate on the server.
    has_page_mkwrite(cfg) && matches!(cfg.fs, Fs::Seed(_) | Fs::Btrfs { .. })
}

/// One step of ->page_mkwrite.
pub fn page_mkwrite(cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
    match cfg.fs {
        Fs::Seed(_) => seed::page_mkwrite(cfg, w, me, pc),
        Fs::Buffer => buffer::page_mkwrite(cfg, w, me, pc),
        Fs::Nfs { .. } => nfs::page_mkwrite(cfg, w, me, pc),
        Fs::Ceph => ceph::page_mkwrite(cfg, w, me, pc),
        Fs::Btrfs { .. } => btrfs::page_mkwrite(cfg, w, me, pc),
    }
}

/// The description of a ->page_mkwrite step.
pub fn page_mkwrite_info(cfg: &Config, w: &World, me: Tid, pc: MkPc) -> StepInfo {
    match cfg.fs {
        Fs::Seed(_) => seed::page_mkwrite_info(cfg, w, pc),
        Fs::Buffer => buffer::page_mkwrite_info(cfg, w, pc),
        Fs::Nfs { .. } => nfs::page_mkwrite_info(cfg, w, pc),
        Fs::Ceph => ceph::page_mkwrite_info(cfg, w, me, pc),
        Fs::Btrfs { .. } => btrfs::page_mkwrite_info(cfg, w, pc),
    }
}

/// The first half of the filesystem's ->set_page_dirty, up to and including TestSetPageDirty
/// (under `private_lock` for buffer.c). Returns whether the page was newly dirtied, in which
/// case `set_page_dirty_account` must follow (at once when the caller holds the page lock, as
/// a step of its own when it does not).
pub fn set_page_dirty_begin(cfg: &Config, w: &mut World) -> bool {
    match cfg.fs {
        Fs::Seed(_) | Fs::Nfs { .. } | Fs::Ceph | Fs::Btrfs { .. } => {
            crate::kernel::test_set_page_dirty(w)
        }
        Fs::Buffer => buffer::set_page_dirty_begin(w),
    }
}

/// The second half, under tree_lock: the "race with truncate?" recheck of page->mapping, the
/// accounting and the radix DIRTY tag (and whatever the filesystem stores there).
pub fn set_page_dirty_account(cfg: &Config, w: &mut World) {
    match cfg.fs {
        Fs::Ceph => ceph::set_page_dirty_account(w),
        Fs::Seed(_) | Fs::Buffer | Fs::Nfs { .. } | Fs::Btrfs { .. } => {
            crate::kernel::account_page_dirtied(w)
        }
    }
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

/// Who calls ->writepage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WbCtx {
    /// WB_SYNC_ALL (the final fsync) rather than WB_SYNC_NONE.
    pub sync: bool,
    /// Reclaim's pageout (`wbc->for_reclaim`, PF_MEMALLOC).
    pub reclaim: bool,
}

/// ->writepage for the page `me` holds locked after clear_page_dirty_for_io returned 1. Like
/// the kernel's, it unlocks the page (or hands the lock to the I/O it submits).
pub fn writepage(cfg: &Config, w: &mut World, me: Tid, ctx: WbCtx) -> Writepage {
    match cfg.fs {
        Fs::Seed(_) => seed::writepage(cfg, w, me, ctx),
        Fs::Buffer => buffer::writepage(cfg, w, me, ctx),
        Fs::Nfs { .. } => nfs::writepage(w, me, ctx),
        Fs::Ceph => ceph::writepage(w, me, ctx),
        Fs::Btrfs { .. } => btrfs::writepage(w, me, ctx),
    }
}

/// try_to_release_page (mm/filemap.c:2471) for a locked page with private data: ->releasepage
/// (or try_to_free_buffers). Whether the private data is gone.
pub fn releasepage(cfg: &Config, w: &mut World) -> bool {
    match cfg.fs {
        Fs::Seed(_) => true,
        Fs::Buffer => buffer::releasepage(cfg, w),
        Fs::Nfs { .. } | Fs::Ceph => false,
        Fs::Btrfs { .. } => btrfs::releasepage(w),
    }
}

/// Whether the page has private data (PagePrivate): buffers, a request, an extent mapping.
pub fn page_private(cfg: &Config, w: &World) -> bool {
    match cfg.fs {
        Fs::Seed(_) => false,
        Fs::Buffer => buffer::page_private(w),
        Fs::Nfs { .. } => nfs::page_private(w),
        Fs::Ceph => ceph::page_private(w),
        Fs::Btrfs { .. } => true,
    }
}

/// The state of a page just read from disk (page_cache_read after reclaim freed the old one).
pub fn readpage(cfg: &Config, w: &mut World) {
    match cfg.fs {
        Fs::Seed(_) => w.fs = FsState::Seed(seed::State { meta_dirty: false }),
        Fs::Buffer => buffer::readpage(w),
        Fs::Nfs { .. } => nfs::readpage(w),
        Fs::Ceph => ceph::readpage(w),
        Fs::Btrfs { .. } => btrfs::readpage(w),
    }
}

/// The description of ->writepage in the current state.
pub fn writepage_info(cfg: &Config, w: &World) -> StepInfo {
    match cfg.fs {
        Fs::Seed(_) => seed::writepage_info(cfg, w),
        Fs::Buffer => buffer::writepage_info(cfg, w),
        Fs::Nfs { .. } => nfs::writepage_info(w),
        Fs::Ceph => ceph::writepage_info(w),
        Fs::Btrfs { .. } => btrfs::writepage_info(w),
    }
}

/// truncate_complete_page's ->invalidatepage(page, 0) (only if the page has private data).
/// Whether it is done: `false` means it waits for an RPC and changed nothing.
pub fn invalidatepage(cfg: &Config, w: &mut World) -> bool {
    match cfg.fs {
        Fs::Seed(_) => seed::invalidatepage(w),
        Fs::Buffer => buffer::invalidatepage(w),
        Fs::Nfs { .. } => return nfs::invalidatepage(w),
        Fs::Ceph => ceph::invalidatepage(w),
        Fs::Btrfs { .. } => btrfs::invalidatepage(w),
    }
    true
}

/// I/O completion of the write ->writepage submitted (before end_page_writeback): the
/// filesystem's own bookkeeping; by default the data is on disk.
pub fn end_io(cfg: &Config, w: &mut World, v: u8) {
    match cfg.fs {
        Fs::Nfs { .. } => nfs::end_io(w, v),
        Fs::Ceph => ceph::end_io(w, v),
        Fs::Btrfs { .. } => btrfs::end_io(w, v),
        Fs::Seed(_) | Fs::Buffer => w.data.disk = v,
    }
}

/// A filesystem RPC other than the page's write is in flight (an NFS COMMIT).
pub fn rpc_pending(w: &World) -> bool {
    match w.fs {
        FsState::Nfs(_) => nfs::rpc_pending(w),
        _ => false,
    }
}

/// The completion of that RPC.
pub fn complete_rpc(w: &mut World) {
    if let FsState::Nfs(_) = w.fs {
        nfs::complete_rpc(w)
    }
}

/// The description of ->write_inode (NFS's, the only one modelled).
pub fn write_inode_info() -> StepInfo {
    StepInfo {
        id: "WI",
        function: "nfs_write_inode",
        anchor: "fs/nfs/inode.c:96",
        what: "the inode was I_DIRTY_DATASYNC at the pass's start: COMMIT the requests on the \
               commit list (asynchronously: sync=0)",
    }
}

/// Whether reclaim's try_to_release_page can succeed for this filesystem's private data
/// (buffers, btrfs's extent mapping; NFS's request and ceph's snap context are refused).
pub fn private_releasable(cfg: &Config) -> bool {
    matches!(cfg.fs, Fs::Buffer | Fs::Btrfs { .. })
}

/// Whether the flusher calls ->write_inode after its pass (NFS: nfs_write_inode's COMMIT).
pub fn has_write_inode(cfg: &Config) -> bool {
    matches!(cfg.fs, Fs::Nfs { .. })
}

/// Start of a flusher pass over the inode: __sync_single_inode's snapshot of I_DIRTY.
pub fn pass_start(cfg: &Config, w: &mut World) -> bool {
    match cfg.fs {
        Fs::Nfs { .. } => nfs::pass_start(w),
        _ => false,
    }
}

/// ->write_inode after the pass, if the inode was I_DIRTY_DATASYNC at its start.
pub fn write_inode(cfg: &Config, w: &mut World) {
    if let Fs::Nfs { .. } = cfg.fs {
        nfs::commit(w);
    }
}

/// The description of the completion of the filesystem's own RPC.
pub fn rpc_info(w: &World) -> StepInfo {
    let _ = w;
    StepInfo {
        id: "CM",
        function: "nfs_commit_release",
        anchor: "fs/nfs/write.c",
        what: "the COMMIT's reply: the server's copy is stable, the request is freed",
    }
}

/// The description of the filesystem's write completion, where it does more than the disk
/// write (`None`: the VM's end_page_writeback alone).
pub fn end_io_info(cfg: &Config) -> Option<StepInfo> {
    match cfg.fs {
        Fs::Ceph => Some(StepInfo {
            id: "W9",
            function: "writepages_finish",
            anchor: "fs/ceph/addr.c:499",
            what: "the OSD's reply: the snap context dropped, page->private cleared, \
                   end_page_writeback, unlock_page",
        }),
        Fs::Btrfs { .. } => Some(StepInfo {
            id: "W9",
            function: "btrfs_finish_ordered_io",
            anchor: "fs/btrfs/inode.c:1499",
            what: "the write is done: EXTENT_ORDERED cleared, the ordered extent finished; \
                   end_page_writeback",
        }),
        Fs::Nfs { .. } => Some(StepInfo {
            id: "W9",
            function: "nfs_writeback_release_full",
            anchor: "fs/nfs/write.c:1048",
            what: "the WRITE's reply: UNSTABLE puts the request on the commit list (PG_CLEAN), \
                   FILE_SYNC frees it; end_page_writeback",
        }),
        _ => None,
    }
}

/// The description of a step of ->fsync.
pub fn fsync_info(cfg: &Config, w: &World) -> StepInfo {
    let _ = w;
    if let Fs::Btrfs { .. } = cfg.fs {
        return StepInfo {
            id: "SY",
            function: "btrfs_wait_ordered_range",
            anchor: "fs/btrfs/ordered-data.c:401",
            what: "wait for writeback and ordered extents; write again while the range is \
                   delalloc",
        };
    }
    StepInfo {
        id: "SY",
        function: "nfs_wb_all",
        anchor: "fs/nfs/write.c:1446",
        what: "nfs_sync_mapping_wait: wait for busy requests, COMMIT the unstable ones",
    }
}

/// Whether the filesystem's ->fsync does more than the VM's writeback (NFS: COMMIT; btrfs:
/// waiting for ordered extents).
pub fn has_fsync(cfg: &Config) -> bool {
    matches!(cfg.fs, Fs::Nfs { .. } | Fs::Btrfs { .. })
}

/// Whether the filesystem has a worker thread of its own (btrfs's fixup worker, `X0`).
pub fn has_worker(cfg: &Config) -> bool {
    matches!(cfg.fs, Fs::Btrfs { .. })
}

/// One step of the filesystem's worker thread.
pub fn worker_step(w: &mut World, me: Tid, pc: crate::world::XPc) -> Step {
    btrfs::fixup_step(w, me, pc)
}

/// The description of a step of the worker thread.
pub fn worker_info(w: &World, pc: crate::world::XPc) -> StepInfo {
    btrfs::fixup_info(w, pc)
}

/// Whether the worker thread has work queued.
pub fn worker_pending(w: &World) -> bool {
    btrfs::fixup_pending(w)
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

/// One step of ->fsync.
pub fn fsync(cfg: &Config, w: &mut World) -> Fsync {
    match cfg.fs {
        Fs::Nfs { .. } => nfs::fsync(w),
        Fs::Btrfs { .. } => btrfs::fsync(w),
        _ => Fsync::Done,
    }
}

/// The fields of the filesystem's state, for traces (`name`, `value`).
pub fn fields(w: &World) -> Vec<(String, String)> {
    match w.fs {
        FsState::Seed(s) => seed::fields(s),
        FsState::Buffer(s) => buffer::fields(s),
        FsState::Nfs(s) => nfs::fields(s),
        FsState::Ceph(s) => ceph::fields(s),
        FsState::Btrfs(s) => btrfs::fields(s),
    }
}

/// The filesystem's state in the one-line form of a world.
pub fn display(w: &World) -> String {
    match w.fs {
        FsState::Seed(s) => seed::display(s),
        FsState::Buffer(s) => buffer::display(s),
        FsState::Nfs(s) => nfs::display(s),
        FsState::Ceph(s) => ceph::display(s),
        FsState::Btrfs(s) => btrfs::display(s),
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
