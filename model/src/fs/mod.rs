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
        }
    }

    /// Every profile and era, in display order.
    pub fn all() -> Vec<Fs> {
        vec![Fs::UNLOCKED, Fs::LOCKED, Fs::NONE]
    }

    /// Parse a CLI/JSON id; `seed` is the seed filesystem with the protocol's default
    /// convention, which the caller resolves (`None` here means "unknown").
    pub fn parse(s: &str) -> Option<Fs> {
        Fs::all().into_iter().find(|f| f.id() == s)
    }

    /// The seed convention, if this is the seed filesystem.
    pub const fn convention(self) -> Option<FsConvention> {
        match self {
            Fs::Seed(c) => Some(c),
        }
    }
}

/// A filesystem's private per-page state (buffers, an NFS request, a delalloc range, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FsState {
    /// The seed filesystem's metadata.
    Seed(seed::State),
}

/// The state of a page as the configuration starts it (`--page clean|dirty`).
pub fn init(cfg: &Config) -> FsState {
    match cfg.fs {
        Fs::Seed(_) => FsState::Seed(seed::init(cfg)),
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
    }
}

/// The steps of a ->page_mkwrite: each filesystem gives them its own meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MkPc {
    /// Take the page lock.
    LockPage,
    /// The filesystem's work under the page lock (checks, attaching its state, PG_dirty).
    Attach,
    /// Unlock and return 0 (the unlocked convention).
    Unlock,
}

/// The first step of ->page_mkwrite, called by do_wp_page (WP4) and __do_fault (DF4).
pub fn page_mkwrite_entry(_cfg: &Config) -> MkPc {
    MkPc::LockPage
}

/// One step of ->page_mkwrite.
pub fn page_mkwrite(cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
    match cfg.fs {
        Fs::Seed(_) => seed::page_mkwrite(cfg, w, me, pc),
    }
}

/// The description of a ->page_mkwrite step.
pub fn page_mkwrite_info(cfg: &Config, w: &World, pc: MkPc) -> StepInfo {
    match cfg.fs {
        Fs::Seed(_) => seed::page_mkwrite_info(cfg, w, pc),
    }
}

/// The first half of the filesystem's ->set_page_dirty, up to and including TestSetPageDirty
/// (under `private_lock` for buffer.c). Returns whether the page was newly dirtied, in which
/// case `set_page_dirty_account` must follow (at once when the caller holds the page lock, as
/// a step of its own when it does not).
pub fn set_page_dirty_begin(cfg: &Config, w: &mut World) -> bool {
    match cfg.fs {
        Fs::Seed(_) => crate::kernel::test_set_page_dirty(w),
    }
}

/// The second half, under tree_lock: the "race with truncate?" recheck of page->mapping, the
/// accounting and the radix DIRTY tag (and whatever the filesystem stores there).
pub fn set_page_dirty_account(cfg: &Config, w: &mut World) {
    match cfg.fs {
        Fs::Seed(_) => crate::kernel::account_page_dirtied(w),
    }
}

/// What ->writepage did with the page it was handed (locked, PG_dirty just cleared).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writepage {
    /// The write was submitted (PG_writeback set) or nothing needed writing; page unlocked.
    Done,
    /// ->writepage failed: the error is returned, and write_cache_pages' caller records it.
    Failed,
}

/// ->writepage for the page `me` holds locked after clear_page_dirty_for_io returned 1.
pub fn writepage(cfg: &Config, w: &mut World, me: Tid) -> Writepage {
    match cfg.fs {
        Fs::Seed(_) => seed::writepage(cfg, w, me),
    }
}

/// The description of ->writepage in the current state.
pub fn writepage_info(cfg: &Config, w: &World) -> StepInfo {
    match cfg.fs {
        Fs::Seed(_) => seed::writepage_info(cfg, w),
    }
}

/// truncate_complete_page's ->invalidatepage(page, 0) (only if the page has private data).
pub fn invalidatepage(cfg: &Config, w: &mut World) {
    match cfg.fs {
        Fs::Seed(_) => seed::invalidatepage(w),
    }
}

/// The fields of the filesystem's state, for traces (`name`, `value`).
pub fn fields(w: &World) -> Vec<(String, String)> {
    match w.fs {
        FsState::Seed(s) => seed::fields(s),
    }
}

/// The filesystem's state in the one-line form of a world.
pub fn display(w: &World) -> String {
    match w.fs {
        FsState::Seed(s) => seed::display(s),
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
