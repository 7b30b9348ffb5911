//! The filesystem registry: every profile the model knows, by id, and the seam through which
//! the VM (`mm/`) calls them. A profile is one file of this directory implementing the ops
//! table, [`FsOps`] (`ops.rs`): its hooks, its per-page state, its facts. Nothing here is
//! specific to one filesystem; adding one is a file and a line of [`REGISTRY`].
//!
//! Each filesystem defines what "tracked" means for it: the per-page state a dirty page needs
//! before writeback can write it without allocating (`FsOps::tracked`). INV-1 and INV-2
//! consult it.

pub mod bh;
pub mod btrfs;
pub mod buffer;
pub mod ceph;
pub mod cowfs;
pub mod ext4;
pub mod ext4_612;
pub mod fb_defio;
pub mod generic_612;
pub mod gfs2;
pub mod nfs;
pub mod nilfs2;
pub mod ocfs2;
pub mod ops;
pub mod seed;
pub mod ubifs;
pub mod xfs_612;

pub use crate::contract::FsId;
pub use ops::{
    mkwrite_return, truncate_running, waits_stable, writer_in_mkwrite_body, Era, FsInfo, FsOps,
    Fsync, Safeguard, WbCheck, WbCtx, Window, Writepage,
};
/// The filesystem type of `Config::fs`: a profile's id in the registry.
pub type Fs = FsId;
pub use crate::world::MkPc;

use crate::config::{Config, ConfigError, InitialExtent, MAX_WRITEBACK, MAX_WRITERS};
use crate::contract::{Inv, Protocol, Scenario};
use crate::world::{MkwriteRet, Pc, Step, StepInfo, Tid, World};
use std::fmt;
use std::sync::OnceLock;

/// Every profile and era, in display order. Its index is the profile's [`FsId`]; the seed
/// filesystem's three conventions come first (`FsId::UNLOCKED`, `LOCKED`, `NONE`, which the
/// contract names).
pub static REGISTRY: &[&dyn FsOps] = &[
    &seed::UNLOCKED,
    &seed::LOCKED,
    &seed::NONE,
    &buffer::XFS,
    &nfs::NFS,
    &nfs::NFS_CONVERTED,
    &ceph::CEPH,
    &btrfs::BTRFS,
    &btrfs::BTRFS_CONVERTED,
    &fb_defio::FB_DEFIO,
    &fb_defio::FB_DEFIO_CONVERTED,
    &ubifs::UBIFS,
    &ext4::EXT4,
    &ext4::EXT4_CONVERTED,
    &ocfs2::OCFS2,
    &gfs2::GFS2,
    &nilfs2::NILFS2,
    &ext4_612::EXT4_612,
    &xfs_612::XFS_612,
    &generic_612::GENERIC_612,
    &ext4_612::EXT4_612_NODELALLOC,
];

impl FsId {
    /// XFS on buffer_heads (`buffer`).
    pub const BUFFER: FsId = FsId(3);
    /// NFS before its own conversion (`nfs`).
    pub const NFS: FsId = FsId(4);
    /// NFS after 7fdf5230676 (`nfs@7fdf5230676`).
    pub const NFS_CONVERTED: FsId = FsId(5);
    /// ceph at its first release (`ceph`).
    pub const CEPH: FsId = FsId(6);
    /// btrfs before its conversion (`btrfs`).
    pub const BTRFS: FsId = FsId(7);
    /// btrfs with 50a9b214bc6's return (`btrfs@50a9b214bc6`).
    pub const BTRFS_CONVERTED: FsId = FsId(8);
    /// fb_defio before its conversion (`fb_defio`).
    pub const FB_DEFIO: FsId = FsId(9);
    /// fb_defio after d6d03f91585 (`fb_defio@d6d03f91585`).
    pub const FB_DEFIO_CONVERTED: FsId = FsId(10);
    /// UBIFS (`ubifs`).
    pub const UBIFS: FsId = FsId(11);
    /// ext4 before 9ea7df534ed2 (`ext4`).
    pub const EXT4: FsId = FsId(12);
    /// ext4 after 9ea7df534ed2 (`ext4@9ea7df534ed2`).
    pub const EXT4_CONVERTED: FsId = FsId(13);
    /// OCFS2 on one node (`ocfs2`).
    pub const OCFS2: FsId = FsId(14);
    /// GFS2 on one node (`gfs2`).
    pub const GFS2: FsId = FsId(15);
    /// nilfs2 (`nilfs2`).
    pub const NILFS2: FsId = FsId(16);
    // `FsId::EXT4_V612` (17) is named in the contract: `--protocol v6.12`'s default.
    /// XFS through iomap in 6.12.118 (`xfs@6.12`).
    pub const XFS_V612: FsId = FsId(18);
    /// A filesystem whose ->page_mkwrite is filemap_page_mkwrite, in 6.12.118
    /// (`generic@6.12`).
    pub const GENERIC_V612: FsId = FsId(19);
    /// ext4 mounted nodelalloc in 6.12.118 (`ext4@6.12-nodelalloc`).
    pub const EXT4_V612_NODELALLOC: FsId = FsId(20);

    /// The profile's ops table.
    ///
    /// # Panics
    ///
    /// For an id that is neither in [`REGISTRY`] nor given out by [`register`] (a model bug).
    pub fn ops(self) -> &'static dyn FsOps {
        match REGISTRY.get(self.0 as usize) {
            Some(p) => *p,
            None => extra(self.0 as usize - REGISTRY.len())
                .unwrap_or_else(|| panic!("model bug: no filesystem profile {}", self.0)),
        }
    }

    /// Id used on the CLI, in labels and in JSON.
    pub fn id(self) -> &'static str {
        self.ops().id()
    }

    /// The profile's name without its era (`nfs` for `nfs@7fdf5230676`; the seed filesystem's
    /// conventions are `unlocked`, `locked`, `none`).
    pub fn name(self) -> &'static str {
        let id = self.id();
        id.split('@').next().unwrap_or(id)
    }

    /// Whether this is one of the seed filesystem's conventions.
    pub fn is_seed(self) -> bool {
        self.ops().convention().is_some()
    }

    /// The seed convention, if this is the seed filesystem.
    pub fn convention(self) -> Option<crate::contract::FsConvention> {
        self.ops().convention()
    }

    /// What `mkwrite filesystems` says of it.
    pub fn info(self) -> FsInfo {
        self.ops().info()
    }

    /// When its code ran.
    pub fn era(self) -> Option<Era> {
        self.ops().era()
    }

    /// Every profile and era, in display order (those `register` added last).
    pub fn all() -> Vec<FsId> {
        let extras = EXTRA.iter().take_while(|e| e.get().is_some()).count();
        (0..(REGISTRY.len() + extras) as u8).map(FsId).collect()
    }

    /// Parse a CLI/JSON id or alias, in any case; `seed` is the seed filesystem with the
    /// protocol's default convention, which the caller resolves (`None` here means
    /// "unknown").
    pub fn parse(s: &str) -> Option<FsId> {
        FsId::all().into_iter().find(|f| {
            f.id().eq_ignore_ascii_case(s)
                || f.ops().aliases().iter().any(|a| a.eq_ignore_ascii_case(s))
        })
    }
}

impl fmt::Debug for FsId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = self.0 as usize;
        match REGISTRY
            .get(i)
            .copied()
            .or_else(|| extra(i - REGISTRY.len()))
        {
            Some(p) => f.write_str(p.id()),
            None => write!(f, "FsId({})", self.0),
        }
    }
}

/// Profiles added at run time, after [`REGISTRY`]'s: a profile kept out of the tree's tables
/// (the worked example of docs/your-filesystem.md, which its test registers), or one of a crate
/// that builds on this one. Each slot is written once.
static EXTRA: [OnceLock<&'static dyn FsOps>; 4] = [const { OnceLock::new() }; 4];

fn extra(i: usize) -> Option<&'static dyn FsOps> {
    EXTRA.get(i).and_then(|e| e.get().copied())
}

/// Add a profile outside [`REGISTRY`] for the rest of the process, and give its id; a profile
/// whose `id()` is registered already gets that one's id back. An error when its id is one of
/// the registry's, or when the four slots are taken.
pub fn register(ops: &'static dyn FsOps) -> Result<FsId, ConfigError> {
    if REGISTRY.iter().any(|p| p.id() == ops.id()) {
        return Err(ConfigError(format!(
            "fs {}: the registry has a profile of that id",
            ops.id()
        )));
    }
    for (i, slot) in EXTRA.iter().enumerate() {
        let id = FsId((REGISTRY.len() + i) as u8);
        match slot.get() {
            Some(p) if p.id() == ops.id() => return Ok(id),
            Some(_) => {}
            None => {
                // Another thread may fill the slot first: then look at it again.
                let p = *slot.get_or_init(|| ops);
                if p.id() == ops.id() {
                    return Ok(id);
                }
            }
        }
    }
    Err(ConfigError(format!(
        "fs {}: no room for another profile outside the registry",
        ops.id()
    )))
}

/// Whether the configuration removes the profile's safeguard `id` (`Config::ablated`).
///
/// # Panics
///
/// When the safeguard asked about is removed and the profile declares no safeguard `id` (a
/// model bug: the code and the declaration disagree).
pub fn removed(cfg: &Config, id: &str) -> bool {
    if cfg.ablated == 0 {
        return false;
    }
    let list = of(cfg).safeguards();
    match list.iter().position(|s| s.id == id) {
        Some(i) => cfg.ablated & (1 << i) != 0,
        None => panic!("model bug: fs {} declares no safeguard {id}", cfg.fs.id()),
    }
}

/// The bit of `Config::ablated` that removes the safeguard `id` of `fs`, if it has one.
pub fn safeguard_bit(fs: FsId, id: &str) -> Option<u8> {
    fs.ops()
        .safeguards()
        .iter()
        .take(8)
        .position(|s| s.id.eq_ignore_ascii_case(id))
        .map(|i| 1 << i)
}

/// The ids of the safeguards a configuration removes.
pub fn removed_ids(cfg: &Config) -> Vec<&'static str> {
    of(cfg)
        .safeguards()
        .iter()
        .enumerate()
        .filter(|(i, _)| *i < 8 && cfg.ablated & (1 << i) != 0)
        .map(|(_, s)| s.id)
        .collect()
}

/// The ops table of a configuration's filesystem.
pub fn of(cfg: &Config) -> &'static dyn FsOps {
    cfg.fs.ops()
}

/// The ops table of the filesystem whose page a world is.
pub fn of_world(w: &World) -> &'static dyn FsOps {
    w.profile.ops()
}

impl Config {
    /// The configuration of a textbook scenario.
    ///
    /// # Panics
    ///
    /// When the scenario names a filesystem the registry does not know (a model bug).
    pub fn from_scenario(s: &Scenario) -> Config {
        let fs = FsId::parse(s.fs)
            .unwrap_or_else(|| panic!("model bug: scenario {} names fs {}", s.race, s.fs));
        Config {
            fs,
            writers: s.writers,
            writeback: s.writeback,
            truncate: s.truncate,
            pte_ro: s.pte_ro,
            late_writeback: s.late_writeback,
            stores: s.stores,
            enospc: s.enospc,
            blocks: s.blocks,
            truncate_partial: s.truncate_partial,
            extend: s.extend,
            ..Config::new(s.protocol)
        }
    }

    /// The configuration of the scenario called `name`.
    pub fn scenario(name: &str) -> Result<Config, ConfigError> {
        crate::contract::scenario(name)
            .map(Config::from_scenario)
            .ok_or_else(|| ConfigError(format!("unknown scenario '{name}'")))
    }

    /// Reject configurations that do not exist.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if (self.writers == 0 && !self.dio) || self.writers > MAX_WRITERS {
            let lo = if self.dio {
                "0 (beside a DMA thread)"
            } else {
                "1"
            };
            return Err(ConfigError(format!(
                "writers must be {lo} to {MAX_WRITERS}, not {}",
                self.writers
            )));
        }
        if self.writeback > MAX_WRITEBACK {
            return Err(ConfigError(format!(
                "writeback passes must be 0 to {MAX_WRITEBACK}, not {}",
                self.writeback
            )));
        }
        if self.fs == FsId::LOCKED && matches!(self.protocol, Protocol::Old | Protocol::Pre2007) {
            // Under the old VM a ->page_mkwrite must return with the page unlocked; the
            // VM_FAULT_LOCKED convention does not exist yet.
            return Err(ConfigError(format!(
                "protocol {} has no VM_FAULT_LOCKED convention: its filesystem returns unlocked \
                 (fs unlocked)",
                self.protocol.id()
            )));
        }
        if self.protocol.is_v612() != of(self).v612() {
            // The 6.12 VM and the 2.6.29 VM each run only their own release's filesystems.
            return Err(ConfigError(format!(
                "fs {} does not run beside protocol {}: {}",
                self.fs.id(),
                self.protocol.id(),
                if self.protocol.is_v612() {
                    "6.12 runs the 6.12 profiles (ext4@6.12, xfs@6.12, generic@6.12)"
                } else {
                    "the 6.12 profiles run beside --protocol v6.12 only"
                }
            )));
        }
        if self.stable_writes && !self.protocol.is_v612() {
            return Err(ConfigError(
                "stable writes (--stable-writes) are modelled beside --protocol v6.12 only".into(),
            ));
        }
        if self.freeze && !self.protocol.is_v612() {
            return Err(ConfigError(
                "a freeze (Z0) is modelled beside --protocol v6.12 only".into(),
            ));
        }
        let n = of(self).safeguards().len().min(8);
        if u16::from(self.ablated) >> n != 0 {
            return Err(ConfigError(format!(
                "fs {}: it has {n} safeguards to remove",
                self.fs.id()
            )));
        }
        if let Some(what) = of(self).unsupported(self) {
            return Err(ConfigError(format!("fs {}: {what}", self.fs.id())));
        }
        if self.dio && !self.shared_mm && usize::from(self.writers) >= crate::world::MAX_PTES {
            return Err(ConfigError(format!(
                "a DMA thread (dio) maps the page in an mm of its own: at most {} writers beside it",
                crate::world::MAX_PTES - 1
            )));
        }
        if self.gup_era != crate::config::GupEra::V2629 && !self.dio {
            return Err(ConfigError(format!(
                "gup era {} is about a DMA thread: it needs dio",
                self.gup_era.id()
            )));
        }
        if self.dio && self.protocol.is_v612() && !self.gup_era.pins() {
            return Err(ConfigError(format!(
                "gup era {}: beside --protocol v6.12, D0 pins (--gup-era pin-skip or longterm)",
                self.gup_era.id()
            )));
        }
        if self.dio && self.freeze {
            return Err(ConfigError(
                "a DMA thread (dio) beside a freeze (Z0) is not modelled".into(),
            ));
        }
        if self.gup_era >= crate::config::GupEra::Ext4Bug && self.fs.id() == "ext4" {
            return Err(ConfigError(format!(
                "gup era {}: the later ext4 is modelled on its 3.1 code (fs ext4@9ea7df534ed2); \
                 2.6.29's fast path dirties a page without buffers that it can rebuild",
                self.gup_era.id()
            )));
        }
        if self.shared_mm && self.writers < 2 {
            return Err(ConfigError("a shared mm needs 2 or 3 writers".into()));
        }
        if !(1..=2).contains(&self.stores) {
            return Err(ConfigError(format!(
                "stores per writer must be 1 or 2, not {}",
                self.stores
            )));
        }
        if !(1..=2).contains(&self.blocks) {
            return Err(ConfigError(format!(
                "blocks per page must be 1 or 2, not {}",
                self.blocks
            )));
        }
        let buffer = of(self).partial_page();
        if self.blocks == 2 && !buffer {
            return Err(ConfigError(format!(
                "fs {}: 2 blocks per page is modelled for the buffer profile only",
                self.fs.id()
            )));
        }
        if self.truncate_partial && !(buffer && self.blocks == 2 && self.truncate) {
            return Err(ConfigError(
                "a partial truncate needs the buffer profile, 2 blocks per page and a truncate"
                    .into(),
            ));
        }
        if self.extend && !self.truncate_partial {
            return Err(ConfigError(
                "an extension follows a partial truncate (truncate to partial)".into(),
            ));
        }
        match self.initial_extent {
            InitialExtent::Real => {}
            _ if !buffer || self.blocks != 1 => {
                return Err(ConfigError(format!(
                    "initial extent {}: modelled for the buffer profile with one block per page",
                    self.initial_extent.id()
                )))
            }
            InitialExtent::Hole if self.page_dirty => {
                return Err(ConfigError(
                    "initial extent hole: a dirty page over a hole has no reservation (write(2) \
                     makes it delalloc: use initial extent delalloc)"
                        .into(),
                ))
            }
            InitialExtent::Delalloc if !self.page_dirty => {
                return Err(ConfigError(
                    "initial extent delalloc: a delayed allocation holds data not yet written \
                     (use page dirty)"
                        .into(),
                ))
            }
            _ => {}
        }
        Ok(())
    }

    /// A short label: `old/unlocked w1 wb2 t0 pte=ro page=clean strict`.
    pub fn label(&self) -> String {
        let strictness = match (self.fs.convention(), self.strict) {
            (None, _) => "",
            (Some(_), true) => " strict",
            (Some(_), false) => " lenient",
        };
        format!(
            "{}/{} w{}{} wb{} t{} pte={} page={}{strictness}",
            self.protocol.id(),
            self.fs.id(),
            self.writers,
            if self.shared_mm { " shared-mm" } else { "" },
            self.writeback,
            u8::from(self.truncate),
            if self.pte_ro { "ro" } else { "none" },
            if self.page_dirty { "dirty" } else { "clean" },
        ) + if counterfactual(self) {
            " counterfactual"
        } else {
            ""
        } + if self.stores > 1 { " stores2" } else { "" }
            + if self.reclaim { " reclaim" } else { "" }
            + if self.enospc { " enospc" } else { "" }
            + if self.late_writeback { " late-wb" } else { "" }
            + if self.blocks > 1 { " bpp2" } else { "" }
            + if self.truncate_partial {
                " to-partial"
            } else {
                ""
            }
            + if self.extend { " extend" } else { "" }
            + if self.dio { " dio" } else { "" }
            + if self.gup_era != crate::config::GupEra::V2629 {
                format!(" gup={}", self.gup_era.id())
            } else {
                String::new()
            }
            .as_str()
            + if self.freeze { " freeze" } else { "" }
            + if self.stable_writes { " stable" } else { "" }
            + match self.initial_extent {
                InitialExtent::Real => "",
                InitialExtent::Hole => " extent=hole",
                InitialExtent::Delalloc => " extent=delalloc",
            }
            + &removed_ids(self)
                .iter()
                .map(|id| format!(" without={id}"))
                .collect::<String>()
    }
}

// ---- the seam: what the VM asks of the configuration's filesystem ----

/// Whether the mapping has a ->page_mkwrite at all (the VM's `vma->vm_ops->page_mkwrite`).
pub fn has_page_mkwrite(cfg: &Config) -> bool {
    of(cfg).has_page_mkwrite()
}

/// Whether the mapping has a ->writepage that reclaim's pageout can call (6.12's ext4 and XFS
/// have none: mm/vmscan.c:673-674).
pub fn has_writepage(cfg: &Config) -> bool {
    of(cfg).has_writepage()
}

/// The page carries the per-page state a dirty page needs before it can be written.
pub fn tracked(cfg: &Config, w: &World) -> bool {
    of(cfg).tracked(cfg, w)
}

/// Whether the page clear_page_dirty_for_io hands to ->writepage is tracked (INV-2).
pub fn tracked_for_io(cfg: &Config, w: &World) -> bool {
    of(cfg).tracked_for_io(cfg, w)
}

/// The first step of ->page_mkwrite, called by do_wp_page (WP4) and __do_fault (DF4).
pub fn page_mkwrite_entry(cfg: &Config) -> MkPc {
    of(cfg).page_mkwrite_entry(cfg)
}

/// Whether ->page_mkwrite returns with the page locked (VM_FAULT_LOCKED) in this
/// configuration: the code's own convention beside the new VM; beside the old VM, which does
/// not know VM_FAULT_LOCKED, every filesystem returns unlocked (a converted era is then
/// counterfactual).
pub fn returns_locked(cfg: &Config) -> bool {
    cfg.protocol.patched() && of(cfg).locked_return()
}

/// Whether the configuration runs a filesystem's code beside a VM it never ran beside.
pub fn counterfactual(cfg: &Config) -> bool {
    of(cfg).counterfactual(cfg)
}

/// Whether ->page_mkwrite answers a truncated page with VM_FAULT_NOPAGE.
pub fn nopage_on_truncate(cfg: &Config) -> bool {
    has_page_mkwrite(cfg) && of(cfg).nopage_on_truncate(cfg)
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

/// Whether truncate must wait for a ->page_mkwrite before it starts.
pub fn truncate_waits(cfg: &Config, w: &World) -> bool {
    of(cfg).truncate_waits(cfg, w)
}

/// The other threads a step of the filesystem's hooks reads and writes (for the footprints).
pub fn hook_threads(cfg: &Config, w: &World, pc: Pc) -> (Vec<Tid>, Vec<Tid>) {
    of(cfg).hook_threads(cfg, w, pc)
}

/// Whether the filesystem's truncate writes the file back before it changes i_size.
pub fn truncate_flushes(cfg: &Config) -> bool {
    of(cfg).truncate_flushes()
}

/// Whether ->page_mkwrite can fail for lack of space (`--enospc`).
pub fn mkwrite_can_fail(cfg: &Config) -> bool {
    has_page_mkwrite(cfg) && of(cfg).mkwrite_can_fail(cfg)
}

/// What a violation of `inv` means for this configuration's filesystem.
pub fn meaning(cfg: &Config, inv: Inv) -> &'static str {
    of(cfg).meaning(cfg, inv)
}

/// Whether a successful ->page_mkwrite dirties the page itself.
pub fn mkwrite_dirties(cfg: &Config) -> bool {
    has_page_mkwrite(cfg) && of(cfg).mkwrite_dirties()
}

/// Whether writeback collects the page's inode at all.
pub fn writeback_collects(cfg: &Config, w: &World) -> bool {
    of(cfg).writeback_collects(cfg, w)
}

/// Whether the filesystem's writer can ever write the page from the configuration's start.
pub fn page_ever_written(cfg: &Config) -> bool {
    of(cfg).page_ever_written(cfg)
}

/// Whether set_page_dirty accounts the page in NR_FILE_DIRTY and tags it.
pub fn accounts_dirty(cfg: &Config) -> bool {
    of(cfg).accounts_dirty()
}

/// Whether a returned fsync promises that the data has reached its destination.
pub fn fsync_is_durable(cfg: &Config) -> bool {
    of(cfg).fsync_is_durable()
}

/// One step of ->page_mkwrite.
pub fn page_mkwrite(cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
    of(cfg).page_mkwrite(cfg, w, me, pc)
}

/// The description of a ->page_mkwrite step.
pub fn page_mkwrite_info(cfg: &Config, w: &World, me: Tid, pc: MkPc) -> StepInfo {
    of(cfg).page_mkwrite_info(cfg, w, me, pc)
}

/// The first half of the filesystem's ->set_page_dirty, up to and including TestSetPageDirty.
/// Returns whether the page was newly dirtied, in which case `set_page_dirty_account` must
/// follow (at once when the caller holds the page lock, as a step of its own when it does not).
pub fn set_page_dirty_begin(cfg: &Config, w: &mut World) -> bool {
    of(cfg).set_page_dirty_begin(cfg, w)
}

/// The second half, under tree_lock: the "race with truncate?" recheck of page->mapping, the
/// accounting and the radix DIRTY tag.
pub fn set_page_dirty_account(cfg: &Config, w: &mut World) {
    of(cfg).set_page_dirty_account(cfg, w)
}

/// The checks a filesystem's own ->writepages makes on the locked, dirty page before it calls
/// clear_page_dirty_for_io.
pub fn writeback_check(cfg: &Config, w: &mut World) -> WbCheck {
    of(cfg).writeback_check(cfg, w)
}

/// The description of the step that makes those checks, where they decide something.
pub fn writeback_check_info(cfg: &Config, w: &World, id: &'static str) -> Option<StepInfo> {
    of(cfg).writeback_check_info(cfg, w, id)
}

/// ->writepage for the page `me` holds locked after clear_page_dirty_for_io returned 1.
pub fn writepage(cfg: &Config, w: &mut World, me: Tid, ctx: WbCtx) -> Writepage {
    of(cfg).writepage(cfg, w, me, ctx)
}

/// try_to_release_page for a locked page with private data. Whether the private data is gone.
pub fn releasepage(cfg: &Config, w: &mut World) -> bool {
    of(cfg).releasepage(cfg, w)
}

/// Whether the page has private data (PagePrivate).
pub fn page_private(cfg: &Config, w: &World) -> bool {
    of(cfg).page_private(cfg, w)
}

/// The state of a page just read from disk.
pub fn readpage(cfg: &Config, w: &mut World) {
    of(cfg).readpage(cfg, w)
}

/// The description of ->writepage in the current state, for its caller.
pub fn writepage_info(cfg: &Config, w: &World, ctx: WbCtx) -> StepInfo {
    of(cfg).writepage_info(cfg, w, ctx)
}

/// truncate_complete_page's ->invalidatepage(page, 0). Whether it is done.
pub fn invalidatepage(cfg: &Config, w: &mut World) -> bool {
    of(cfg).invalidatepage(cfg, w)
}

/// ->invalidatepage(page, offset) for the partial truncate's offset.
pub fn invalidatepage_partial(cfg: &Config, w: &mut World) {
    of(cfg).invalidatepage_partial(cfg, w)
}

/// The filesystem's ->truncate work after a partial truncate.
pub fn free_blocks_past_eof(cfg: &Config, w: &mut World) {
    of(cfg).free_blocks_past_eof(cfg, w)
}

/// I/O completion of the write ->writepage submitted (before end_page_writeback).
pub fn end_io(cfg: &Config, w: &mut World, v: u8) {
    of(cfg).end_io(cfg, w, v)
}

/// A filesystem RPC other than the page's write is in flight (an NFS COMMIT).
pub fn rpc_pending(w: &World) -> bool {
    of_world(w).rpc_pending(w)
}

/// The completion of that RPC.
pub fn complete_rpc(w: &mut World) {
    of_world(w).complete_rpc(w)
}

/// The description of ->write_inode.
pub fn write_inode_info(cfg: &Config) -> StepInfo {
    of(cfg).write_inode_info()
}

/// Whether reclaim's try_to_release_page can succeed for this filesystem's private data.
pub fn private_releasable(cfg: &Config) -> bool {
    of(cfg).private_releasable(cfg)
}

/// Whether the flusher calls ->write_inode after its pass.
pub fn has_write_inode(cfg: &Config) -> bool {
    of(cfg).has_write_inode()
}

/// Start of a flusher pass over the inode: __sync_single_inode's snapshot of I_DIRTY.
pub fn pass_start(cfg: &Config, w: &mut World) -> bool {
    of(cfg).pass_start(cfg, w)
}

/// ->write_inode after the pass, if the inode was I_DIRTY_DATASYNC at its start.
pub fn write_inode(cfg: &Config, w: &mut World) {
    of(cfg).write_inode(cfg, w)
}

/// The description of the completion of the filesystem's own RPC.
pub fn rpc_info(w: &World) -> StepInfo {
    of_world(w).rpc_info(w)
}

/// The description of the filesystem's write completion, where it does more than the disk
/// write (`None`: the VM's end_page_writeback alone).
pub fn end_io_info(cfg: &Config) -> Option<StepInfo> {
    of(cfg).end_io_info(cfg)
}

/// The description of a step of ->fsync.
pub fn fsync_info(cfg: &Config, w: &World) -> StepInfo {
    of(cfg).fsync_info(cfg, w)
}

/// Whether the filesystem's ->fsync does more than the VM's writeback.
pub fn has_fsync(cfg: &Config) -> bool {
    of(cfg).has_fsync()
}

/// Whether the filesystem has a worker thread of its own (`X0`).
pub fn has_worker(cfg: &Config) -> bool {
    of(cfg).has_worker()
}

/// One step of the filesystem's worker thread.
pub fn worker_step(cfg: &Config, w: &mut World, me: Tid, pc: crate::world::XPc) -> Step {
    of(cfg).worker_step(cfg, w, me, pc)
}

/// The description of a step of the worker thread.
pub fn worker_info(cfg: &Config, w: &World, pc: crate::world::XPc) -> StepInfo {
    of(cfg).worker_info(cfg, w, pc)
}

/// Whether the worker thread has work queued.
pub fn worker_pending(w: &World) -> bool {
    of_world(w).worker_pending(w)
}

/// One step of ->fsync.
pub fn fsync(cfg: &Config, w: &mut World) -> Fsync {
    of(cfg).fsync(cfg, w)
}

/// The fields of the filesystem's state, for traces (`name`, `value`).
pub fn fields(w: &World) -> Vec<(String, String)> {
    of_world(w).fields(w)
}

/// The filesystem's state in the one-line form of a world.
pub fn display(w: &World) -> String {
    of_world(w).display(w)
}
