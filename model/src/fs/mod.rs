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

pub mod bh;
pub mod btrfs;
pub mod buffer;
pub mod ceph;
pub mod ext4;
pub mod fb_defio;
pub mod gfs2;
pub mod nfs;
pub mod nilfs2;
pub mod ocfs2;
pub mod seed;
pub mod ubifs;

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
    /// btrfs; `converted`: 2.6.29.4's btrfs with the return of 50a9b214bc6 "Btrfs: fix btrfs
    /// page_mkwrite to return locked page" (a hybrid: 2.6.32's own ordered-page tracking is not
    /// modelled).
    Btrfs {
        /// After the filesystem's own conversion to VM_FAULT_LOCKED.
        converted: bool,
    },
    /// Framebuffer deferred I/O; `converted`: after d6d03f91585 "fb_defio: redo fix for
    /// non-dirty ptes".
    FbDefio {
        /// After the driver's own conversion to VM_FAULT_LOCKED.
        converted: bool,
    },
    /// UBIFS as in 2.6.27-3.14 (before its own fix).
    Ubifs,
    /// ext4 with delayed allocation; `converted`: after 9ea7df534ed2 "ext4: Rewrite
    /// ext4_page_mkwrite() to use generic helpers" (3.1).
    Ext4 {
        /// After the filesystem's own conversion to VM_FAULT_LOCKED.
        converted: bool,
    },
    /// OCFS2 on one node, 2.6.23-3.1 (before 5cffff9e2986).
    Ocfs2,
    /// GFS2 on one node, 2.6.25-3.1 (before its 3.2 conversion).
    Gfs2,
    /// nilfs2, 2.6.30-rc1 to 2.6.38.2 (before 34094537943).
    Nilfs2,
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
            Fs::FbDefio { converted: false } => "fb_defio",
            Fs::FbDefio { converted: true } => "fb_defio@d6d03f91585",
            Fs::Ubifs => "ubifs",
            Fs::Ext4 { converted: false } => "ext4",
            Fs::Ext4 { converted: true } => "ext4@9ea7df534ed2",
            Fs::Ocfs2 => "ocfs2",
            Fs::Gfs2 => "gfs2",
            Fs::Nilfs2 => "nilfs2",
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
            Fs::FbDefio { converted: false },
            Fs::FbDefio { converted: true },
            Fs::Ubifs,
            Fs::Ext4 { converted: false },
            Fs::Ext4 { converted: true },
            Fs::Ocfs2,
            Fs::Gfs2,
            Fs::Nilfs2,
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
                old_vm: "0, page unlocked; truncated: 2.6.29.3's -EINVAL (SIGBUS)",
                new_vm: "VM_FAULT_LOCKED (the patch's hunk H7)",
                tracked: "every block inside i_size that can be stored into is delalloc or real, not a hole",
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
                old_vm: "0, page unlocked; truncated: 2.6.29.3's -EINVAL (SIGBUS)",
                new_vm: "0, page unlocked (not converted yet: the R5 window)",
                tracked: "the range is delalloc paid for by a reservation, or ordered",
                files: "fs/btrfs/inode.c, extent_io.c, file.c, ordered-data.c",
            },
            Fs::Btrfs { converted: true } => FsInfo {
                id: "btrfs@50a9b214bc6",
                profile: "btrfs",
                code: "hybrid: 2.6.29.4's EXTENT_ORDERED machinery, 50a9b214bc6's locked return; \
                       not 2.6.32",
                old_vm: "0, page unlocked (counterfactual)",
                new_vm: "VM_FAULT_LOCKED (counterfactual: a hybrid no release ran)",
                tracked: "the range is delalloc paid for by a reservation, or ordered",
                files: "fs/btrfs/inode.c, extent_io.c, file.c, ordered-data.c",
            },
            Fs::FbDefio { converted: false } => FsInfo {
                id: "fb_defio",
                profile: "framebuffer deferred I/O",
                code: "2.6.29.4 (the same in the old and the new tree)",
                old_vm: "0, page unlocked",
                new_vm: "0, page unlocked (not converted yet: the R5 window)",
                tracked: "on the defio pagelist, not yet write-protected by the pass",
                files: "drivers/video/fb_defio.c",
            },
            Fs::FbDefio { converted: true } => FsInfo {
                id: "fb_defio@d6d03f91585",
                profile: "framebuffer deferred I/O",
                code: "after d6d03f91585 (2.6.35-rc2), read in 2.6.36",
                old_vm: "0, page unlocked (counterfactual)",
                new_vm: "VM_FAULT_LOCKED",
                tracked: "on the defio pagelist, not yet write-protected by the pass",
                files: "drivers/video/fb_defio.c",
            },
            Fs::Ubifs => FsInfo {
                id: "ubifs",
                profile: "UBIFS",
                code: "2.6.29.4 (the same in the old and the new tree; so until 3.14)",
                old_vm: "0, page unlocked",
                new_vm: "0, page unlocked (not converted until 3.15/3.16: the R5 window)",
                tracked: "PagePrivate: the page is dirty and its flash space budgeted",
                files: "fs/ubifs/file.c",
            },
            Fs::Ext4 { converted: false } => FsInfo {
                id: "ext4",
                profile: "ext4 with delayed allocation",
                code: "2.6.29.4 (the same in the old and the new tree)",
                old_vm: "0, page unlocked",
                new_vm: "0, page unlocked (not converted until 3.0/3.1: the R5 window)",
                tracked: "the block is delayed (reserved) or allocated",
                files: "fs/ext4/inode.c, fs/buffer.c, fs/attr.c",
            },
            Fs::Ext4 { converted: true } => FsInfo {
                id: "ext4@9ea7df534ed2",
                profile: "ext4 with delayed allocation",
                code: "after 9ea7df534ed2, read in a 3.1 release tree (a bracket, not history)",
                old_vm: "0, page unlocked (counterfactual)",
                new_vm: "VM_FAULT_LOCKED",
                tracked: "the block is delayed (reserved) or allocated",
                files: "fs/ext4/inode.c, fs/buffer.c (3.1)",
            },
            Fs::Ocfs2 => FsInfo {
                id: "ocfs2",
                profile: "OCFS2 on one node",
                code: "2.6.29.4 (the same in the old and the new tree; 2.6.23-3.1 at the \
                       positions modelled)",
                old_vm: "0, page unlocked",
                new_vm: "0, page unlocked (not converted until 3.2: the R5 window)",
                tracked: "the page's cluster is allocated in the extent tree",
                files: "fs/ocfs2/mmap.c, aops.c, file.c",
            },
            Fs::Gfs2 => FsInfo {
                id: "gfs2",
                profile: "GFS2 on one node",
                code: "2.6.29.4 (the same in the old and the new tree; so until 3.1)",
                old_vm: "0, page unlocked",
                new_vm: "0, page unlocked (not converted until 3.2: the R5 window)",
                tracked: "the page's blocks are allocated on disk",
                files: "fs/gfs2/ops_file.c, ops_address.c",
            },
            Fs::Nilfs2 => FsInfo {
                id: "nilfs2",
                profile: "nilfs2",
                code: "2.6.36 (the same from 2.6.30-rc1 to 2.6.38.2)",
                old_vm: "0, page unlocked (counterfactual: only 2.6.30-rc1..rc4 ran it)",
                new_vm: "0 (mapped), or block_page_mkwrite's VM_FAULT_LOCKED (a hole)",
                tracked: "a dirty page's inode is queued for the segment constructor",
                files: "fs/nilfs2/file.c, inode.c, segment.c",
            },
        }
    }
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

const fn w(from: &'static str, to: Option<&'static str>) -> Option<Window> {
    Some(Window { from, to })
}

impl Fs {
    /// When this profile's code ran. The seed filesystem is abstract and ran nowhere.
    pub const fn era(self) -> Option<Era> {
        match self {
            Fs::Seed(_) => None,
            Fs::Buffer => Some(Era {
                family: "XFS",
                old_vm: w("2.6.23", Some("2.6.29.3")),
                new_vm: w("2.6.29.4", None),
                source: "4f57dbc6b5b (2.6.23) wires XFS to block_page_mkwrite; the patch itself \
                         makes block_page_mkwrite return locked",
            }),
            Fs::Nfs { converted: false } => Some(Era {
                family: "NFS",
                old_vm: w("2.6.24", Some("2.6.29.3")),
                new_vm: None,
                source: "94387fb1aa1 (2.6.24) adds nfs_vm_page_mkwrite; 7fdf5230676 converted it \
                         in the same release as the VM fix (2.6.30-rc5, and 2.6.29.4 as \
                         5da3b37d5eb), so no release ran it beside the new VM",
            }),
            Fs::Nfs { converted: true } => Some(Era {
                family: "NFS",
                old_vm: None,
                new_vm: w("2.6.29.4", None),
                source: "7fdf5230676 (2.6.30-rc5), 5da3b37d5eb in 2.6.29.4",
            }),
            Fs::Ceph => Some(Era {
                family: "ceph",
                old_vm: None,
                new_vm: w("2.6.34", None),
                source: "ceph merged in 2.6.34 returning VM_FAULT_LOCKED",
            }),
            Fs::Btrfs { converted: false } => Some(Era {
                family: "btrfs",
                old_vm: w("2.6.29", Some("2.6.29.3")),
                new_vm: w("2.6.29.4", Some("2.6.31")),
                source: "btrfs merged in 2.6.29; 50a9b214bc6 (2.6.32-rc1) converted it",
            }),
            Fs::Btrfs { converted: true } => Some(Era {
                family: "btrfs",
                old_vm: None,
                new_vm: None,
                source: "50a9b214bc6 (2.6.32-rc1) made btrfs_page_mkwrite return locked, after \
                         8b62b72b26b (2.6.32-rc1 too, its ancestor) had replaced the \
                         EXTENT_ORDERED test of the writepage start hook and the fixup worker \
                         with PagePrivate2; the profile keeps 2.6.29.4's machinery, so no release \
                         ran it: a hybrid, counterfactual beside either VM",
            }),
            Fs::FbDefio { converted: false } => Some(Era {
                family: "fb_defio",
                old_vm: w("2.6.25", Some("2.6.29.3")),
                new_vm: w("2.6.29.4", Some("2.6.34")),
                source: "60b59beafba (2.6.22-rc1) added fb_defio, but its fault handler set no \
                         page->mapping, so the worker's page_mkclean did nothing (a different \
                         failure) until de7c6d15e35 (2.6.25-rc7); the code modelled is \
                         2.6.29.4's, its ->page_mkwrite and worker unchanged since d847471d063 \
                         (2.6.27-rc5); 2.6.25-2.6.26 had no set_page_dirty of their own \
                         (d847471d063) and, before f31ad92f349 (2.6.26), listed a page twice \
                         when two mms faulted it; d6d03f91585 (2.6.35-rc2) converted it",
            }),
            Fs::FbDefio { converted: true } => Some(Era {
                family: "fb_defio",
                old_vm: None,
                new_vm: w("2.6.35", None),
                source: "d6d03f91585 (2.6.35-rc2)",
            }),
            Fs::Ubifs => Some(Era {
                family: "UBIFS",
                old_vm: w("2.6.27", Some("2.6.29.3")),
                new_vm: w("2.6.29.4", Some("3.14")),
                source: "1e51764a3c2 (2.6.27) merged UBIFS; its fix (VM_FAULT_LOCKED from \
                         ubifs_vm_page_mkwrite) is absent from a 3.14.1 tree and present in \
                         3.15.5 and 3.16.0 trees: a release bracket, not a commit",
            }),
            Fs::Ext4 { converted: false } => Some(Era {
                family: "ext4",
                old_vm: w("2.6.29", Some("2.6.29.3")),
                new_vm: w("2.6.29.4", Some("2.6.39")),
                source: "the code modelled is 2.6.29.4's (ext4 had a ->page_mkwrite from \
                         2e9ee850355, 2.6.27-rc1; 2.6.27-2.6.28 were not read); a827eaffff0 \
                         (2.6.32-rc1) only locks around the buffer walk; 0e499890c1f (3.0-rc1) \
                         returns VM_FAULT_LOCKED from every path, relocking after write_end on \
                         the hole path (read in 3.0.8, fs/ext4/inode.c:5863, 5935-5938)",
            }),
            Fs::Ext4 { converted: true } => Some(Era {
                family: "ext4",
                old_vm: None,
                new_vm: w("3.1", None),
                source: "9ea7df534ed2: absent from a 3.0.8 tree, present in a 3.1 tree",
            }),
            Fs::Ocfs2 => Some(Era {
                family: "OCFS2",
                old_vm: w("2.6.23", Some("2.6.29.3")),
                new_vm: w("2.6.29.4", Some("3.1")),
                source: "7307de80510 (2.6.23-rc1) added ocfs2_page_mkwrite (the code modelled \
                         is 2.6.29.4's). Before 4c1bbf1ba63 (2.6.28-rc5) O3 answered a page no \
                         longer in the mapping with -EINVAL (SIGBUS), not 0; the model never \
                         reaches O3 (a page leaves the mapping only by a truncate, which O1 \
                         waits out and whose i_size 0 O2 sees first), so 2.6.23-2.6.27 run as \
                         modelled. f63afdb2c32 (2.6.36-rc4) rewrote O2's arithmetic, with the \
                         same outcome at the positions modelled. 5cffff9e2986 returns \
                         VM_FAULT_LOCKED: absent from a 3.1.10 tree, present in a 3.2.7 tree",
            }),
            Fs::Gfs2 => Some(Era {
                family: "GFS2",
                old_vm: w("2.6.25", Some("2.6.29.3")),
                new_vm: w("2.6.29.4", Some("3.1")),
                source: "3cc3f710ce0 (2.6.25-rc1) added gfs2_page_mkwrite (the code modelled \
                         is 2.6.29.4's); the conversion (commit not identified) is absent from \
                         a 3.1.10 tree and present in a 3.2.7 tree",
            }),
            Fs::Nilfs2 => Some(Era {
                family: "nilfs2",
                old_vm: None,
                new_vm: w("2.6.30", Some("2.6.38.2")),
                source: "f183ff4f053 and 9ff05123e3b (2.6.30-rc1) added fs/nilfs2, four release \
                         candidates before the VM fix (b827e496c893, 2.6.30-rc5): 2.6.30-rc1 to \
                         -rc4 ran this code beside the old VM (no release); 34094537943 \
                         (2.6.39-rc2; in 2.6.38.3 as the stable backport, commit 5d2a4a244e8 \
                         of a 2.6.38.y history) queues the inode and returns VM_FAULT_LOCKED",
            }),
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
    /// fb_defio's pagelist, mutex and work item.
    Defio(fb_defio::State),
    /// UBIFS's PagePrivate and budget.
    Ubifs(ubifs::State),
    /// ext4's block and buffer.
    Ext4(ext4::State),
    /// OCFS2's cluster and buffer.
    Ocfs2(ocfs2::State),
    /// GFS2's blocks and buffer.
    Gfs2(gfs2::State),
    /// nilfs2's block, buffer and inode queueing.
    Nilfs2(nilfs2::State),
}

/// The state of a page as the configuration starts it (`--page clean|dirty`).
pub fn init(cfg: &Config) -> FsState {
    match cfg.fs {
        Fs::Seed(_) => FsState::Seed(seed::init(cfg)),
        Fs::Buffer => FsState::Buffer(buffer::init(cfg)),
        Fs::Nfs { .. } => FsState::Nfs(nfs::init(cfg)),
        Fs::Ceph => FsState::Ceph(ceph::init(cfg)),
        Fs::Btrfs { .. } => FsState::Btrfs(btrfs::init(cfg)),
        Fs::FbDefio { .. } => FsState::Defio(fb_defio::init(cfg)),
        Fs::Ubifs => FsState::Ubifs(ubifs::init(cfg)),
        Fs::Ext4 { .. } => FsState::Ext4(ext4::init(cfg)),
        Fs::Ocfs2 => FsState::Ocfs2(ocfs2::init(cfg)),
        Fs::Gfs2 => FsState::Gfs2(gfs2::init(cfg)),
        Fs::Nilfs2 => FsState::Nilfs2(nilfs2::init(cfg)),
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
        Fs::FbDefio { .. } => fb_defio::tracked(w),
        Fs::Ubifs => ubifs::tracked(w),
        Fs::Ext4 { .. } => ext4::tracked(w),
        Fs::Ocfs2 => ocfs2::tracked(w),
        Fs::Gfs2 => gfs2::tracked(w),
        Fs::Nilfs2 => nilfs2::tracked(w),
    }
}

/// Whether the page clear_page_dirty_for_io hands to ->writepage is tracked (INV-2): as
/// `tracked`, except that buffer.c's per-block form asks only about the blocks that hold data.
pub fn tracked_for_io(cfg: &Config, w: &World) -> bool {
    match cfg.fs {
        Fs::Buffer => buffer::tracked_for_io(cfg, w),
        _ => tracked(cfg, w),
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
    /// Wait, unlocked, for an ordered extent over the page to complete (btrfs); wait for
    /// writeback before returning (nilfs2's `mapped:`).
    WaitOrdered,
    /// A second locked section (nilfs2's hole path: the transaction and block_page_mkwrite's
    /// lock_page).
    FillLock,
    /// The work of that second section (nilfs2: block_page_mkwrite's fill).
    Fill,
}

/// The first step of ->page_mkwrite, called by do_wp_page (WP4) and __do_fault (DF4).
pub fn page_mkwrite_entry(cfg: &Config) -> MkPc {
    match cfg.fs {
        Fs::Ceph => ceph::entry(),
        Fs::Btrfs { .. } => btrfs::entry(),
        Fs::FbDefio { .. } => fb_defio::entry(cfg),
        Fs::Ubifs => ubifs::entry(),
        Fs::Ext4 { .. } => ext4::entry(cfg),
        Fs::Ocfs2 => ocfs2::entry(),
        Fs::Gfs2 => gfs2::entry(),
        Fs::Nilfs2 => nilfs2::entry(),
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
        Fs::Nfs { converted }
        | Fs::Btrfs { converted }
        | Fs::FbDefio { converted }
        | Fs::Ext4 { converted } => converted,
        Fs::Ubifs | Fs::Ocfs2 | Fs::Gfs2 | Fs::Nilfs2 => false,
    }
}

/// Whether the configuration runs a filesystem's code beside a VM it never ran beside in a
/// release: a filesystem that returns VM_FAULT_LOCKED (ceph from its first commit, a converted
/// era) under the old VM, with its return made unlocked; one that no release ran beside the
/// old VM (nilfs2: only 2.6.30-rc1 to -rc4), with the old block_page_mkwrite under it; or a
/// hybrid no release ran at all (`btrfs@50a9b214bc6`: 2.6.29.4's machinery with 2.6.32's
/// return), beside either VM.
pub fn counterfactual(cfg: &Config) -> bool {
    cfg.fs == (Fs::Btrfs { converted: true })
        || !cfg.protocol.patched()
            && matches!(
                cfg.fs,
                Fs::Ceph
                    | Fs::Nfs { converted: true }
                    | Fs::Btrfs { converted: true }
                    | Fs::FbDefio { converted: true }
                    | Fs::Ext4 { converted: true }
                    | Fs::Nilfs2
            )
}

/// Whether ->page_mkwrite answers a truncated page with VM_FAULT_NOPAGE (NFS in 2.6.29, UBIFS
/// and ext4 before 3.1, OCFS2 and GFS2 say VM_FAULT_SIGBUS; fb_defio has no truncate).
/// block_page_mkwrite (XFS) and 2.6.29's btrfs_page_mkwrite return NOPAGE from c34ee8b240f
/// (56a76f8275c) on, which came with the VM fix: beside the old VM the releases
/// (2.6.23-2.6.29.3) returned -EINVAL, and the old VM's do_wp_page and __do_fault turn any
/// negative return into VM_FAULT_SIGBUS (2.6.29.3 mm/memory.c:1954-1955, 2102-2104,
/// 2649-2652), so there they say SIGBUS too.
pub fn nopage_on_truncate(cfg: &Config) -> bool {
    let released_einval =
        !cfg.protocol.patched() && matches!(cfg.fs, Fs::Buffer | Fs::Btrfs { converted: false });
    has_page_mkwrite(cfg)
        && !released_einval
        && !matches!(
            cfg.fs,
            Fs::Nfs { .. }
                | Fs::Ubifs
                | Fs::FbDefio { .. }
                | Fs::Ext4 { converted: false }
                | Fs::Ocfs2
                | Fs::Gfs2
        )
}

/// What a ->page_mkwrite that finds its page truncated returns, for the filesystems whose
/// answer depends on the VM beside them (`nopage_on_truncate`).
pub fn truncated_return(cfg: &Config) -> MkwriteRet {
    if nopage_on_truncate(cfg) {
        MkwriteRet::NoPage
    } else {
        MkwriteRet::SigBus
    }
}

/// Whether truncate must wait for a ->page_mkwrite before it starts: a lock the filesystem's
/// ->page_mkwrite and its truncate both take (ext4's i_alloc_sem, OCFS2's cluster inode lock
/// and ip_alloc_sem, GFS2's inode glock).
pub fn truncate_waits(cfg: &Config, w: &World) -> bool {
    // 3.1's ext4_page_mkwrite no longer takes i_alloc_sem.
    matches!(cfg.fs, Fs::Ext4 { converted: false } | Fs::Ocfs2 | Fs::Gfs2)
        && writer_in_mkwrite_body(w)
}

/// The other threads a step of this filesystem's hooks reads or writes, beside the page and
/// its own state (for the footprints): the ->page_mkwrite of ext4 (before 3.1), OCFS2 and GFS2
/// takes a lock truncate holds (i_alloc_sem, ip_alloc_sem, the glock), modelled as the
/// truncate thread's position, and truncate waits for the writers inside that section; btrfs's
/// writeback queues its fixup worker with a page reference the worker then holds. Returns
/// (threads read, threads written), as thread ids of `w`.
pub fn hook_threads(cfg: &Config, w: &World, pc: Pc) -> (Vec<Tid>, Vec<Tid>) {
    let of_role = |r: crate::contract::Role| -> Vec<Tid> {
        w.threads
            .iter()
            .enumerate()
            .filter(|(_, t)| t.role == r)
            .map(|(i, _)| i as Tid)
            .collect()
    };
    use crate::contract::Role;
    let truncate_lock = matches!(cfg.fs, Fs::Ext4 { converted: false } | Fs::Ocfs2 | Fs::Gfs2);
    match pc {
        Pc::Fault(FaultPc::Mkwrite(_)) if truncate_lock => (of_role(Role::Truncate), Vec::new()),
        Pc::Truncate(crate::world::TruncPc::SetSize) if truncate_lock => {
            (of_role(Role::Writer), Vec::new())
        }
        Pc::Writeback(_) | Pc::Reclaim(_) if matches!(cfg.fs, Fs::Btrfs { .. }) => {
            (Vec::new(), of_role(Role::FsWorker))
        }
        _ => (Vec::new(), Vec::new()),
    }
}

/// Some writer is inside ->page_mkwrite past its first step (which took the filesystem's lock
/// that excludes truncate).
pub(crate) fn writer_in_mkwrite_body(w: &World) -> bool {
    w.threads.iter().any(|t| {
        t.role == crate::contract::Role::Writer
            && matches!(
                t.pc,
                Pc::Fault(FaultPc::Mkwrite(
                    MkPc::LockPage | MkPc::Attach | MkPc::Unlock
                ))
            )
    })
}

/// A truncate is under way: past its first step, not finished (it holds that lock). NFS's
/// flush before it takes no lock a ->page_mkwrite takes.
pub(crate) fn truncate_running(w: &World) -> bool {
    use crate::world::TruncPc;
    w.threads.iter().any(|t| {
        matches!(t.pc, Pc::Truncate(pc)
            if !matches!(pc, TruncPc::SetSize | TruncPc::Done | TruncPc::FlushWrite(_)
                | TruncPc::FlushNfs(_)))
    })
}

/// Whether the filesystem's truncate writes the file back before it changes i_size: NFS's
/// nfs_setattr runs filemap_write_and_wait and nfs_wb_all (fs/nfs/inode.c:372-376) before the
/// SETATTR whose reply truncates (`mm::truncate`, TF1-TF2).
pub fn truncate_flushes(cfg: &Config) -> bool {
    matches!(cfg.fs, Fs::Nfs { .. })
}

/// Whether ->page_mkwrite can fail for lack of space (`--enospc`): ceph's allocation happens
/// on the OSDs, not at fault time.
pub fn mkwrite_can_fail(cfg: &Config) -> bool {
    // The buffer profile's blocks are allocated already (real extents, by default), so
    // block_prepare_write allocates (reserves a delayed allocation) only from a hole: the
    // initial one of `--initial-extent hole`, or the block a partial truncate freed and an
    // extension brought back inside i_size; NFS and ceph allocate on the server.
    has_page_mkwrite(cfg)
        && (cfg.fs == Fs::Buffer
            && (cfg.extend || cfg.initial_extent == crate::config::InitialExtent::Hole)
            || matches!(
                cfg.fs,
                Fs::Seed(_)
                    | Fs::Btrfs { .. }
                    | Fs::Ubifs
                    | Fs::Ext4 { .. }
                    | Fs::Ocfs2
                    | Fs::Gfs2
                    | Fs::Nilfs2
            ))
}

/// The threads a profile's code cannot meet, as the error `Config::validate` gives.
pub fn unsupported(cfg: &Config) -> Option<&'static str> {
    if !matches!(cfg.fs, Fs::FbDefio { .. }) {
        return None;
    }
    if cfg.truncate {
        Some("a framebuffer is a character device: there is no truncate (use --truncate 0)")
    } else if cfg.reclaim {
        Some("the framebuffer's pages are not on the LRU: reclaim never sees them")
    } else if cfg.enospc {
        Some("fb_defio allocates nothing: there is no ENOSPC to model")
    } else if cfg.page_dirty {
        Some("no write(2) dirties a framebuffer page: start it clean (--page clean)")
    } else {
        None
    }
}

/// What a violation of `inv` means for this configuration's filesystem, where it differs from
/// the general meaning (fb_defio's "disk" is the display, and its fsync promises nothing).
pub fn meaning(cfg: &Config, inv: Inv) -> &'static str {
    match (cfg.fs, inv) {
        (Fs::FbDefio { .. }, Inv::NoStoreLostSilently) => {
            "every thread has stopped and the display does not show the user's last store: a \
             lost display update"
        }
        (Fs::FbDefio { .. }, Inv::WritablePteHasFsMetadata) => {
            "a writable pte maps a page no deferred-I/O pass will report: later stores never \
             reach the display"
        }
        (Fs::Buffer, Inv::WritablePteHasFsMetadata) if cfg.blocks > 1 => {
            "a writable pte maps a block inside i_size with no space behind it: a store lands \
             without ->page_mkwrite, and writeback must allocate"
        }
        (Fs::Buffer, Inv::CleanedPageHadFsMetadata) if cfg.blocks > 1 => {
            "writeback cleaned a page whose stored-into block is a hole: ->writepage must \
             allocate it, and at ENOSPC the data is lost"
        }
        _ => inv.meaning(),
    }
}

/// Whether a successful ->page_mkwrite dirties the page itself (GFS2's only allocates: the
/// page stays clean until the fault's own set_page_dirty).
pub fn mkwrite_dirties(cfg: &Config) -> bool {
    has_page_mkwrite(cfg) && cfg.fs != Fs::Gfs2
}

/// Whether writeback collects the page's inode at all (nilfs2's segment constructor only
/// collects queued inodes; nilfs_writepages ignores the flusher's WB_SYNC_NONE).
pub fn writeback_collects(cfg: &Config, w: &World) -> bool {
    cfg.fs != Fs::Nilfs2 || nilfs2::queued(w)
}

/// Whether the filesystem's writer can ever write the page from the configuration's start. Not
/// nilfs2 from a clean, sparse page: the hole path dirties the page without queueing the inode,
/// so its only writer (the segment constructor) never collects it, and nothing is written,
/// cleaned, stripped or freed once the fault has dirtied it (the bug 34094537943 fixed).
pub fn page_ever_written(cfg: &Config) -> bool {
    cfg.fs != Fs::Nilfs2 || cfg.page_dirty
}

/// Whether set_page_dirty accounts the page in NR_FILE_DIRTY and tags it in the radix tree
/// (fb_defio's pages are in no radix tree and its ->set_page_dirty only sets PG_dirty).
/// Model: for fb_defio `page.mapping` is the page->mapping its fault sets, not membership in
/// the page cache; no truncate runs, so it never changes.
pub fn accounts_dirty(cfg: &Config) -> bool {
    !matches!(cfg.fs, Fs::FbDefio { .. })
}

/// Whether a returned fsync promises that the data has reached its destination. Not for
/// fb_defio: fb_deferred_io_fsync (drivers/video/fb_defio.c:70) only reschedules the work with
/// no delay; its data reaches the display once every thread has stopped, or never.
pub fn fsync_is_durable(cfg: &Config) -> bool {
    !matches!(cfg.fs, Fs::FbDefio { .. })
}

/// The owner of a lock of the filesystem's own that the state stores (fb_defio's mutex).
pub fn lock_owner(w: &World) -> Option<Tid> {
    match w.fs {
        FsState::Defio(s) => s.mutex,
        _ => None,
    }
}

/// Rename that owner (the writers' symmetry).
pub fn rename_lock_owner(w: &mut World, f: impl Fn(Option<Tid>) -> Option<Tid>) {
    if let FsState::Defio(mut s) = w.fs {
        s.mutex = f(s.mutex);
        w.fs = FsState::Defio(s);
    }
}

/// One step of ->page_mkwrite.
pub fn page_mkwrite(cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
    match cfg.fs {
        Fs::Seed(_) => seed::page_mkwrite(cfg, w, me, pc),
        Fs::Buffer => buffer::page_mkwrite(cfg, w, me, pc),
        Fs::Nfs { .. } => nfs::page_mkwrite(cfg, w, me, pc),
        Fs::Ceph => ceph::page_mkwrite(cfg, w, me, pc),
        Fs::Btrfs { .. } => btrfs::page_mkwrite(cfg, w, me, pc),
        Fs::FbDefio { .. } => fb_defio::page_mkwrite(cfg, w, me, pc),
        Fs::Ubifs => ubifs::page_mkwrite(w, me, pc),
        Fs::Ext4 { .. } => ext4::page_mkwrite(cfg, w, me, pc),
        Fs::Ocfs2 => ocfs2::page_mkwrite(w, me, pc),
        Fs::Gfs2 => gfs2::page_mkwrite(w, me, pc),
        Fs::Nilfs2 => nilfs2::page_mkwrite(cfg, w, me, pc),
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
        Fs::FbDefio { .. } => fb_defio::page_mkwrite_info(cfg, pc),
        Fs::Ubifs => ubifs::page_mkwrite_info(w, pc),
        Fs::Ext4 { .. } => ext4::page_mkwrite_info(cfg, w, pc),
        Fs::Ocfs2 => ocfs2::page_mkwrite_info(w, pc),
        Fs::Gfs2 => gfs2::page_mkwrite_info(w, pc),
        Fs::Nilfs2 => nilfs2::page_mkwrite_info(cfg, w, pc),
    }
}

/// The first half of the filesystem's ->set_page_dirty, up to and including TestSetPageDirty
/// (under `private_lock` for buffer.c). Returns whether the page was newly dirtied, in which
/// case `set_page_dirty_account` must follow (at once when the caller holds the page lock, as
/// a step of its own when it does not).
pub fn set_page_dirty_begin(cfg: &Config, w: &mut World) -> bool {
    match cfg.fs {
        Fs::Seed(_) | Fs::Nfs { .. } | Fs::Ceph | Fs::Btrfs { .. } | Fs::FbDefio { .. } => {
            crate::kernel::test_set_page_dirty(w)
        }
        Fs::Buffer => buffer::set_page_dirty_begin(w),
        Fs::Ubifs => ubifs::set_page_dirty_begin(w),
        Fs::Ext4 { .. } => ext4::set_page_dirty_begin(w),
        Fs::Ocfs2 => ocfs2::set_page_dirty_begin(w),
        Fs::Gfs2 => gfs2::set_page_dirty_begin(w),
        Fs::Nilfs2 => nilfs2::set_page_dirty_begin(w),
    }
}

/// The second half, under tree_lock: the "race with truncate?" recheck of page->mapping, the
/// accounting and the radix DIRTY tag (and whatever the filesystem stores there).
pub fn set_page_dirty_account(cfg: &Config, w: &mut World) {
    match cfg.fs {
        Fs::Ceph => ceph::set_page_dirty_account(w),
        // fb_deferred_io_set_page_dirty (drivers/video/fb_defio.c:133): SetPageDirty only.
        Fs::FbDefio { .. } => {}
        Fs::Seed(_)
        | Fs::Buffer
        | Fs::Nfs { .. }
        | Fs::Btrfs { .. }
        | Fs::Ubifs
        | Fs::Ext4 { .. }
        | Fs::Ocfs2
        | Fs::Gfs2
        | Fs::Nilfs2 => crate::kernel::account_page_dirtied(w),
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

/// What the filesystem's ->writepages does with a page it has locked and found dirty, before
/// clear_page_dirty_for_io (`fs::writeback_check`).
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

/// The checks a filesystem's own ->writepages makes on the locked, dirty page before it calls
/// clear_page_dirty_for_io (after write_cache_pages' own W2-W5, which every loop shares):
/// ceph's EOF skip and snap context; nilfs2's collection, which takes only dirty buffers.
pub fn writeback_check(cfg: &Config, w: &mut World) -> WbCheck {
    match cfg.fs {
        Fs::Ceph => ceph::writepages_check(w),
        Fs::Nilfs2 => nilfs2::collect(w),
        _ => WbCheck::Go,
    }
}

/// The description of the step that makes those checks, where they decide something
/// (`None`: the VM's own description).
pub fn writeback_check_info(cfg: &Config, w: &World, id: &'static str) -> Option<StepInfo> {
    match cfg.fs {
        Fs::Ceph => ceph::writepages_check_info(w, id),
        Fs::Nilfs2 => nilfs2::collect_info(w, id),
        _ => None,
    }
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
        Fs::Ubifs => ubifs::writepage(w, me, ctx),
        Fs::Ext4 { .. } => ext4::writepage(w, me, ctx),
        Fs::Ocfs2 => ocfs2::writepage(w, me, ctx),
        Fs::Gfs2 => gfs2::writepage(w, me, ctx),
        Fs::Nilfs2 => nilfs2::writepage(w, me, ctx),
        Fs::FbDefio { .. } => {
            panic!("model bug: ->writepage on a framebuffer page (it is in no radix tree)")
        }
    }
}

/// try_to_release_page (mm/filemap.c:2471) for a locked page with private data: ->releasepage
/// (or try_to_free_buffers). Whether the private data is gone.
pub fn releasepage(cfg: &Config, w: &mut World) -> bool {
    match cfg.fs {
        Fs::Seed(_) => true,
        Fs::Buffer => buffer::releasepage(cfg, w),
        Fs::Nfs { .. } | Fs::Ceph | Fs::FbDefio { .. } => false,
        Fs::Btrfs { .. } => btrfs::releasepage(w),
        Fs::Ubifs => ubifs::releasepage(w),
        // ext4_releasepage (fs/ext4/inode.c:3133) and ocfs2_releasepage (fs/ocfs2/aops.c:661)
        // call jbd2_journal_try_to_free_buffers (fs/jbd2/transaction.c:1616), which calls
        // try_to_free_buffers (1648): data buffers carry no journal_head in 2.6.29's
        // inode-based ordered mode, so it refuses exactly what try_to_free_buffers refuses
        // (ext4 keeps a delayed page, whose buffer is dirty besides). gfs2_releasepage calls
        // try_to_free_buffers after its own checks (fs/gfs2/ops_address.c:1080), and nilfs2 has
        // no ->releasepage, so try_to_release_page calls it directly: a dirty buffer or a page
        // under writeback stays.
        Fs::Ext4 { .. } => bh::release(w, ext4::delayed(w)),
        Fs::Ocfs2 | Fs::Gfs2 | Fs::Nilfs2 => bh::release(w, false),
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
        Fs::FbDefio { .. } => false,
        Fs::Ubifs => ubifs::page_private(w),
        Fs::Ext4 { .. } | Fs::Ocfs2 | Fs::Gfs2 | Fs::Nilfs2 => bh::page_private(w),
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
        Fs::FbDefio { .. } => {}
        Fs::Ubifs => ubifs::readpage(w),
        Fs::Ext4 { .. } => ext4::readpage(w),
        // A page read again has no buffers; the cluster (OCFS2) or blocks (GFS2) are the
        // inode's.
        Fs::Ocfs2 | Fs::Gfs2 => bh::discard(w),
        Fs::Nilfs2 => nilfs2::readpage(w),
    }
}

/// The description of ->writepage in the current state.
pub fn writepage_info(cfg: &Config, w: &World) -> StepInfo {
    match cfg.fs {
        Fs::Seed(_) => seed::writepage_info(cfg, w),
        Fs::Buffer => buffer::writepage_info(cfg, w),
        Fs::Nfs { .. } => nfs::writepage_info(w),
        Fs::Ceph => ceph::writepage_info(),
        Fs::Btrfs { .. } => btrfs::writepage_info(w),
        Fs::Ubifs => ubifs::writepage_info(w),
        Fs::Ext4 { .. } => ext4::writepage_info(w),
        Fs::Ocfs2 => ocfs2::writepage_info(w),
        Fs::Gfs2 => gfs2::writepage_info(w),
        Fs::Nilfs2 => nilfs2::writepage_info(w),
        Fs::FbDefio { .. } => StepInfo {
            id: "W8",
            function: "(none)",
            anchor: "drivers/video/fb_defio.c:140",
            what: "fb_defio has no ->writepage",
        },
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
        Fs::Ubifs => ubifs::invalidatepage(w),
        Fs::Ext4 { .. } => ext4::invalidatepage(w),
        // OCFS2's jbd2_journal_invalidatepage and gfs2_invalidatepage: the buffers go.
        Fs::Ocfs2 | Fs::Gfs2 => bh::discard(w),
        Fs::Nilfs2 => nilfs2::invalidatepage(w),
        Fs::FbDefio { .. } => {}
    }
    true
}

/// ->invalidatepage(page, offset) for the partial truncate's offset, the block boundary inside
/// the page: the buffers wholly past it are discarded (only the buffer.c profile has blocks
/// smaller than the page; `Config::validate` refuses a partial truncate elsewhere).
pub fn invalidatepage_partial(cfg: &Config, w: &mut World) {
    match cfg.fs {
        Fs::Buffer => buffer::invalidatepage_partial(w),
        _ => panic!("model bug: a partial truncate on fs {}", cfg.fs.id()),
    }
}

/// The filesystem's ->truncate work after a partial truncate: free the blocks wholly past the
/// new EOF.
pub fn free_blocks_past_eof(cfg: &Config, w: &mut World) {
    match cfg.fs {
        Fs::Buffer => buffer::free_blocks_past_eof(w),
        _ => panic!("model bug: a partial truncate on fs {}", cfg.fs.id()),
    }
}

/// I/O completion of the write ->writepage submitted (before end_page_writeback): the
/// filesystem's own bookkeeping; by default the data is on disk.
pub fn end_io(cfg: &Config, w: &mut World, v: u8) {
    match cfg.fs {
        Fs::Nfs { .. } => nfs::end_io(w, v),
        Fs::Ceph => ceph::end_io(w, v),
        Fs::Btrfs { .. } => btrfs::end_io(w, v),
        Fs::Seed(_)
        | Fs::Buffer
        | Fs::FbDefio { .. }
        | Fs::Ubifs
        | Fs::Ext4 { .. }
        | Fs::Ocfs2
        | Fs::Gfs2
        | Fs::Nilfs2 => w.data.disk = v,
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
        anchor: "fs/nfs/inode.c:87",
        what: "the inode was I_DIRTY_DATASYNC at the pass's start: COMMIT the requests on the \
               commit list (asynchronously: sync=0, nfs_commit_inode at 96)",
    }
}

/// Whether reclaim's try_to_release_page can succeed for this filesystem's private data
/// (buffers, btrfs's extent mapping; NFS's request and ceph's snap context are refused).
/// UBIFS's PagePrivate is on a clean page only when writeback left a page beyond i_size to
/// truncate (ubifs_writepage, fs/ubifs/file.c:994-997); ubifs_releasepage then asserts that
/// this "should not happen" and drops it without releasing the budget (file.c:1426-1430).
pub fn private_releasable(cfg: &Config) -> bool {
    matches!(
        cfg.fs,
        Fs::Buffer | Fs::Btrfs { .. } | Fs::Ext4 { .. } | Fs::Ocfs2 | Fs::Gfs2 | Fs::Nilfs2
    ) || (cfg.fs == Fs::Ubifs && cfg.truncate)
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
            anchor: "fs/ceph/addr.c:485",
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

/// Whether the filesystem has a worker thread of its own (`X0`: btrfs's fixup worker,
/// fb_defio's deferred work).
pub fn has_worker(cfg: &Config) -> bool {
    matches!(cfg.fs, Fs::Btrfs { .. } | Fs::FbDefio { .. })
}

/// One step of the filesystem's worker thread.
pub fn worker_step(w: &mut World, me: Tid, pc: crate::world::XPc) -> Step {
    match w.fs {
        FsState::Defio(_) => fb_defio::worker_step(w, me, pc),
        _ => btrfs::fixup_step(w, me, pc),
    }
}

/// The description of a step of the worker thread.
pub fn worker_info(cfg: &Config, w: &World, pc: crate::world::XPc) -> StepInfo {
    match w.fs {
        FsState::Defio(_) => fb_defio::worker_info(cfg, w, pc),
        _ => btrfs::fixup_info(w, pc),
    }
}

/// Whether the worker thread has work queued.
pub fn worker_pending(w: &World) -> bool {
    match w.fs {
        FsState::Defio(_) => fb_defio::pending(w),
        _ => btrfs::fixup_pending(w),
    }
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
        FsState::Defio(s) => fb_defio::fields(s),
        FsState::Ubifs(s) => ubifs::fields(s),
        FsState::Ext4(s) => ext4::fields(s),
        FsState::Ocfs2(s) => ocfs2::fields(s),
        FsState::Gfs2(s) => gfs2::fields(s),
        FsState::Nilfs2(s) => nilfs2::fields(s),
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
        FsState::Defio(s) => fb_defio::display(s),
        FsState::Ubifs(s) => ubifs::display(s),
        FsState::Ext4(s) => ext4::display(s),
        FsState::Ocfs2(s) => ocfs2::display(s),
        FsState::Gfs2(s) => gfs2::display(s),
        FsState::Nilfs2(s) => nilfs2::display(s),
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
