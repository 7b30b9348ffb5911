//! `seed`: the abstract filesystem of the patch's own description, the case it was written
//! for (Nick Piggin's fsblock): the per-page metadata writeback needs is allocated in
//! ->page_mkwrite and released when writeback has cleaned the page, and ->set_page_dirty
//! cannot allocate it again because it can neither block nor fail.
//!
//! | slot | what fills it |
//! |---|---|
//! | `->page_mkwrite` | lock_page, the truncate check, allocate and attach the metadata dirty, set PG_dirty; return 0 after unlock_page (`--fs unlocked`) or VM_FAULT_LOCKED (`--fs locked`); `--fs none` has no ->page_mkwrite |
//! | `->set_page_dirty` | `__set_page_dirty_nobuffers`: PG_dirty, the tag and the accounting only |
//! | `->writepage` | writes a page whose metadata is attached and moves it to clean; without it a strict filesystem (the default) cannot write the page (ENOSPC, recorded on the mapping), a lenient one (`--lenient-fs`) allocates at writeback time |
//! | `->invalidatepage` | drops the metadata |
//!
//! "Tracked" is "the metadata is attached and dirty".
//!
//! The steps follow block_page_mkwrite's shape (fs/buffer.c:2468): lock, check, prepare,
//! unlock. Model: the allocation fails with ENOSPC only under `--enospc` (once `E0` has filled
//! the filesystem), and only when the metadata is not attached already.

use super::ops::{FsInfo, FsOps, PackedState, Packer, Unpacker};
use super::{mkwrite_return, MkPc, Writepage};
use crate::config::Config;
use crate::contract::FsConvention;
use crate::kernel::{lock_page, unlock_page, Acquire};
use crate::world::FsBits;
use crate::world::{FaultPc, MkwriteRet, Pc, Tid, World};
use crate::world::{Step, StepInfo};

/// The seed filesystem's per-page state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct State {
    /// The metadata is attached and dirty (`false`: released, or written and clean).
    pub meta_dirty: bool,
}

const ANCHOR: &str = "seed fs (abstract)";

fn state(w: &World) -> State {
    super::ops::state(w)
}

/// Attach (`true`) or release the page's metadata.
pub fn set_meta(w: &mut World, dirty: bool) {
    super::ops::set_state(w, State { meta_dirty: dirty });
}

/// A clean page's metadata was released by its last writeout; a dirty one's is attached.
pub fn init(cfg: &Config) -> State {
    State {
        meta_dirty: cfg.page_dirty,
    }
}

/// Tracked: the metadata is attached and dirty.
pub fn tracked(w: &World) -> bool {
    state(w).meta_dirty
}

fn convention(cfg: &Config) -> FsConvention {
    cfg.fs.convention().unwrap_or(FsConvention::Unlocked)
}

/// One step of the seed filesystem's ->page_mkwrite.
pub fn page_mkwrite(cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
    match pc {
        MkPc::LockPage => match lock_page(w, me) {
            // PM1: lock_page; i_size is read right after, in the next step.
            Acquire::Blocked => Step::Blocked,
            Acquire::SelfDeadlock => Step::Next(Pc::Fault(FaultPc::Hung)),
            Acquire::Got => Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Attach))),
        },
        MkPc::Attach => {
            // PM2: truncated (mapping NULL) or the page starts beyond i_size: unlock_page and
            // return VM_FAULT_NOPAGE.
            if !w.page.mapping || !w.isize_covers_page {
                unlock_page(w, me);
                return mkwrite_return(w, me, MkwriteRet::NoPage);
            }
            // PM2: the allocation fails once the filesystem is full: unlock_page, return
            // VM_FAULT_SIGBUS. Metadata still attached and dirty needs no allocation.
            if w.fs_full && !tracked(w) {
                unlock_page(w, me);
                return mkwrite_return(w, me, MkwriteRet::SigBus);
            }
            // PM2: allocate and attach the metadata dirty, set PG_dirty (and the tag).
            // Model: i_size read, check, allocation and dirtying are one step; all run under
            // the page lock, and the only lock-free writers of what they touch (i_size_write,
            // a zap's set_page_dirty) commute with them.
            set_meta(w, true);
            super::of(cfg).set_page_dirty(cfg, w);
            match convention(cfg) {
                FsConvention::Locked => mkwrite_return(w, me, MkwriteRet::Locked),
                // Not reached with `none`: without ->page_mkwrite the fault paths never call it.
                FsConvention::Unlocked | FsConvention::None => {
                    Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Unlock)))
                }
            }
        }
        MkPc::Unlock => {
            // PM3 (unlocked convention): unlock_page, return 0.
            unlock_page(w, me);
            mkwrite_return(w, me, MkwriteRet::Ok)
        }
        MkPc::Prepare | MkPc::WaitOrdered | MkPc::FillLock | MkPc::Fill => {
            panic!("model bug: the seed ->page_mkwrite has no {pc:?} step")
        }
    }
}

/// The description of a step of the seed filesystem's ->page_mkwrite.
pub fn page_mkwrite_info(cfg: &Config, w: &World, pc: MkPc) -> StepInfo {
    let s = |id, what| StepInfo {
        id,
        function: "->page_mkwrite",
        anchor: ANCHOR,
        what,
    };
    match pc {
        MkPc::LockPage => s("PM1", "lock_page"),
        MkPc::Attach if !w.page.mapping || !w.isize_covers_page => s(
            "PM2",
            "the page was truncated: unlock_page, return VM_FAULT_NOPAGE",
        ),
        MkPc::Attach if w.fs_full && !tracked(w) => s(
            "PM2",
            "allocating the metadata fails with ENOSPC: unlock_page, return VM_FAULT_SIGBUS",
        ),
        MkPc::Attach if convention(cfg) == FsConvention::Locked => s(
            "PM2",
            "allocate the metadata, attach it dirty, set PG_dirty; return VM_FAULT_LOCKED",
        ),
        MkPc::Attach => s(
            "PM2",
            "allocate the metadata, attach it dirty, set PG_dirty",
        ),
        MkPc::Unlock => s("PM3", "unlock_page, return 0"),
        MkPc::Prepare | MkPc::WaitOrdered | MkPc::FillLock | MkPc::Fill => s("?", "?"),
    }
}

/// Whether ->writepage can write a page without attached metadata: a lenient filesystem (or
/// one without ->page_mkwrite) allocates now, unless the filesystem is full.
fn can_allocate(cfg: &Config, w: &World) -> bool {
    (!cfg.strict || convention(cfg) == FsConvention::None) && !w.fs_full
}

/// ->writepage, called with the page locked after clear_page_dirty_for_io returned 1: submit
/// the page's data and move the metadata to clean, set PG_writeback (clearing the DIRTY tag if
/// PG_dirty is still clear), unlock. A page that cannot be written is dropped from writeback
/// (it stays clean) and ->writepage returns -ENOSPC.
pub fn writepage(cfg: &Config, w: &mut World, me: Tid, _: super::WbCtx) -> Writepage {
    let can_write = tracked(w) || can_allocate(cfg, w);
    set_meta(w, false);
    if can_write {
        w.page.writeback = true;
        w.data.in_flight = Some(w.data.mem);
    }
    // test_set_page_writeback: the DIRTY tag goes when PG_dirty is clear. On the failure path
    // the page is marked for writeback and ended at once, with the same effect on the tag.
    // Model: that immediate end_page_writeback is merged into this step.
    if !w.page.dirty {
        w.page.tagged_dirty = false;
    }
    unlock_page(w, me);
    if can_write {
        Writepage::Done
    } else {
        Writepage::Failed
    }
}

/// The description of ->writepage.
pub fn writepage_info(cfg: &Config, w: &World) -> StepInfo {
    StepInfo {
        id: "W8,W10",
        function: "->writepage",
        anchor: ANCHOR,
        what: if tracked(w) {
            "submit the data, metadata clean, PG_writeback, unlock; put_page"
        } else if can_allocate(cfg, w) {
            "no metadata: allocate it now (lenient), submit, PG_writeback, unlock; put_page"
        } else {
            "no metadata and nothing to allocate with: -ENOSPC, the data is dropped; unlock; \
             put_page"
        },
    }
}

/// ->invalidatepage(page, 0): the metadata goes with the page.
pub fn invalidatepage(w: &mut World) {
    set_meta(w, false);
}

/// Trace fields.
pub fn fields(s: State) -> Vec<(String, String)> {
    vec![(
        "fs.meta".to_string(),
        if s.meta_dirty { "dirty" } else { "clean" }.to_string(),
    )]
}

/// One-line form.
pub fn display(s: State) -> String {
    format!("fs.meta:{}", if s.meta_dirty { "dirty" } else { "clean" })
}

// ---- the ops table ----

impl PackedState for State {
    fn pack(&self) -> u64 {
        Packer::default().flag(self.meta_dirty).done()
    }
    fn unpack(bits: u64) -> State {
        let mut u = Unpacker::new(bits);
        State {
            meta_dirty: u.flag(),
        }
    }
}

/// The seed filesystem with one of its three ->page_mkwrite conventions.
pub struct Seed(pub FsConvention);

/// `--fs unlocked`.
pub static UNLOCKED: Seed = Seed(FsConvention::Unlocked);
/// `--fs locked`.
pub static LOCKED: Seed = Seed(FsConvention::Locked);
/// `--fs none`.
pub static NONE: Seed = Seed(FsConvention::None);

impl FsOps for Seed {
    fn id(&self) -> &'static str {
        self.0.id()
    }

    fn conversion(&self) -> Option<&'static str> {
        (self.0 == FsConvention::Unlocked).then_some("locked")
    }

    fn info(&self) -> FsInfo {
        let seed = FsInfo {
            id: "",
            profile: "the seed filesystem",
            code: "abstract: the patch's own description (fsblock's case)",
            old_vm: "0, page unlocked",
            new_vm: "0, page unlocked",
            tracked: "the metadata ->page_mkwrite allocated is attached and dirty",
            files: "model/src/fs/seed.rs",
        };
        match self.0 {
            FsConvention::Unlocked => FsInfo {
                id: "unlocked",
                ..seed
            },
            FsConvention::Locked => FsInfo {
                id: "locked",
                old_vm: "(rejected: the old VM has no VM_FAULT_LOCKED)",
                new_vm: "VM_FAULT_LOCKED",
                ..seed
            },
            FsConvention::None => FsInfo {
                id: "none",
                old_vm: "(no ->page_mkwrite)",
                new_vm: "(no ->page_mkwrite)",
                tracked: "(nothing is attached; INV-1 and INV-2 do not apply)",
                ..seed
            },
        }
    }

    fn convention(&self) -> Option<FsConvention> {
        Some(self.0)
    }

    fn exact_footprints(&self) -> bool {
        true
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

    fn has_page_mkwrite(&self) -> bool {
        self.0 != FsConvention::None
    }

    fn locked_return(&self) -> bool {
        self.0 == FsConvention::Locked
    }

    fn mkwrite_can_fail(&self, _: &Config) -> bool {
        true
    }

    fn page_mkwrite(&self, cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
        page_mkwrite(cfg, w, me, pc)
    }

    fn page_mkwrite_info(&self, cfg: &Config, w: &World, _: Tid, pc: MkPc) -> StepInfo {
        page_mkwrite_info(cfg, w, pc)
    }

    fn writepage(&self, cfg: &Config, w: &mut World, me: Tid, ctx: super::WbCtx) -> Writepage {
        writepage(cfg, w, me, ctx)
    }

    fn writepage_info(&self, cfg: &Config, w: &World, _: super::WbCtx) -> StepInfo {
        writepage_info(cfg, w)
    }

    fn readpage(&self, _: &Config, w: &mut World) {
        set_meta(w, false);
    }

    fn invalidatepage(&self, _: &Config, w: &mut World) -> bool {
        invalidatepage(w);
        true
    }
}
