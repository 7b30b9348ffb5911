//! A configuration: which protocol, which filesystem convention, which threads, which initial
//! page and pte. Every check runs one configuration.

use crate::contract::{Fixes, FsId, Protocol};
use std::fmt;

/// The largest number of writers (`F0`, `F1`, `F2`).
pub const MAX_WRITERS: u8 = 3;
/// The largest number of WB_SYNC_NONE writeback passes of `W0`.
pub const MAX_WRITEBACK: u8 = 3;

/// The extent behind the buffer profile's page at the start (`--initial-extent`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum InitialExtent {
    /// A real, allocated extent (the file was written and flushed before).
    #[default]
    Real,
    /// A hole (a sparse file): the page is read as zeros and has no buffers; ->page_mkwrite
    /// must reserve a delayed allocation, which fails at ENOSPC.
    Hole,
    /// A delayed allocation (write(2) reserved it; the page is dirty and not yet written).
    Delalloc,
}

impl InitialExtent {
    /// The id on the CLI, in labels and in trace files.
    pub const fn id(self) -> &'static str {
        match self {
            InitialExtent::Real => "real",
            InitialExtent::Hole => "hole",
            InitialExtent::Delalloc => "delalloc",
        }
    }

    /// Parse a CLI or trace-file id.
    pub fn parse(s: &str) -> Option<InitialExtent> {
        [
            InitialExtent::Real,
            InitialExtent::Hole,
            InitialExtent::Delalloc,
        ]
        .into_iter()
        .find(|e| e.id() == s)
    }
}

/// What the kernel does about a page that a get_user_pages holder dirties (`--gup-era`): the
/// fixes of 2018-2023, each a switch on the 2.6.29 VM, cumulative in this order. Only D0
/// (`--dio 1`) and the profiles they name look at it; the 6.12 VM itself is not this model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum GupEra {
    /// 2.6.29: no pin tracking; ext4 rebuilds the buffers of a dirty page that has none.
    #[default]
    V2629,
    /// ext4 BUGs on a dirty page without buffers (2.6.36's mpage_put_bnr_to_bhs; 3.x-5.17
    /// page_buffers() from mpage_prepare_extent_to_map and ext4_writepage).
    Ext4Bug,
    /// cc5095747edf (5.18): ext4 warns "does not have buffers attached", clears PG_dirty and
    /// skips the page instead.
    Ext4Warn,
    /// d824ec2a1546 (6.4) with direct I/O pinning its pages (a7e689dd1c06, 6.5): reclaim
    /// keeps a pinned page before it releases the filesystem's private data.
    PinSkip,
    /// 8ac268436e6d + a6e79df92e4a (6.5), with D0 a FOLL_LONGTERM holder (RDMA-like):
    /// get_user_pages refuses a writable long-term pin of a dirty-tracked file mapping.
    Longterm,
}

impl GupEra {
    /// Every era, in order.
    pub const ALL: [GupEra; 5] = [
        GupEra::V2629,
        GupEra::Ext4Bug,
        GupEra::Ext4Warn,
        GupEra::PinSkip,
        GupEra::Longterm,
    ];

    /// The id on the CLI, in labels and in trace files.
    pub const fn id(self) -> &'static str {
        match self {
            GupEra::V2629 => "2.6.29",
            GupEra::Ext4Bug => "ext4-bug",
            GupEra::Ext4Warn => "ext4-warn",
            GupEra::PinSkip => "pin-skip",
            GupEra::Longterm => "longterm",
        }
    }

    /// Parse a CLI or trace-file id.
    pub fn parse(s: &str) -> Option<GupEra> {
        GupEra::ALL.into_iter().find(|e| e.id() == s)
    }

    /// D0 pins the page (FOLL_PIN, `folio_maybe_dma_pinned`), and reclaim skips a pinned page.
    pub fn pins(self) -> bool {
        self >= GupEra::PinSkip
    }
}

/// One configuration of the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Config {
    /// The protocol (its id is reported; the behaviour comes from `fixes`).
    pub protocol: Protocol,
    /// The parts of the patch that are applied.
    pub fixes: Fixes,
    /// The filesystem (a profile and its era; for the seed filesystem, its convention).
    pub fs: FsId,
    /// Number of writer threads, 1 to 3.
    pub writers: u8,
    /// The writers (two or three) are threads of one mm and share one pte (`true`), or each
    /// maps the page in its own mm (`false`, the default).
    pub shared_mm: bool,
    /// Number of WB_SYNC_NONE writeback passes of `W0` (0 = no `W0` thread).
    pub writeback: u8,
    /// Whether `T0` truncates the file to 0 bytes.
    pub truncate: bool,
    /// Initial pte of every writer: present read-only (`true`) or none (`false`).
    pub pte_ro: bool,
    /// Initial page: dirty with metadata attached, as after write(2) (`true`), or clean.
    pub page_dirty: bool,
    /// Strict filesystem: ->writepage cannot write a page without attached metadata (ENOSPC of
    /// a delalloc filesystem). `false` is `--lenient-fs`.
    pub strict: bool,
    /// Stores each writer makes, 1 or 2 (`--stores`): after its fault a writer stores again
    /// through its writable pte without faulting, unless the pte was write-protected meanwhile.
    pub stores: u8,
    /// Whether a reclaim thread `R0` (kswapd) makes one shrink_page_list pass (`--reclaim 1`).
    pub reclaim: bool,
    /// The filesystem can run out of space (`--enospc`): an environment thread `E0` takes the
    /// last free blocks at some moment, after which ->page_mkwrite's allocation fails with
    /// ENOSPC (VM_FAULT_SIGBUS) and so does an allocation in ->writepage.
    pub enospc: bool,
    /// A scenario constraint, not kernel behaviour (`--late-writeback`): writeback may take
    /// the page lock only while no fault is between a successful ->page_mkwrite and its pte
    /// install. It closes the R1/R3 window so that the shortest counterexample left is R2's
    /// or R4's, whose window opens after the pte.
    pub late_writeback: bool,
    /// Blocks per page, 1 or 2 (`--blocks-per-page`): with 2 the block size is half the page
    /// size, so i_size can end inside the page, on the boundary between its two blocks. The
    /// buffer.c profile only.
    pub blocks: u8,
    /// `T0` truncates to the block boundary inside the page (`--truncate-to partial`) instead
    /// of to 0 bytes: the page straddles the new EOF and stays in the page cache and mapped.
    pub truncate_partial: bool,
    /// After its partial truncate `T0` truncates the file up again (`--extend`), past the
    /// block it dropped, as ftruncate(2) to a larger size does.
    pub extend: bool,
    /// The extent behind the page at the start (`--initial-extent`): a real extent (the
    /// default), a hole, or a delayed allocation. The buffer profile only.
    pub initial_extent: InitialExtent,
    /// A DMA thread `D0` (`--dio 1`): an O_DIRECT read into the mapping, which takes the page
    /// with get_user_pages(FOLL_WRITE), lets the device write it and dirties it with
    /// set_page_dirty_lock (`crate::mm::gup`). It maps the page through a pte of its own mm,
    /// after the writers' (`pte_of(writers)`), or the writers' one with `shared_mm`.
    pub dio: bool,
    /// The era of the fixes for D0's door (`--gup-era`; only with `dio`).
    pub gup_era: GupEra,
    /// A filesystem freeze `Z0` runs (`--freeze`, 6.12 only): freeze_super's levels, its
    /// sync, the frozen state, then thaw_super.
    pub freeze: bool,
    /// The profile's own safeguards removed (`mkwrite ablate --fs NAME`): bit `i` removes
    /// `FsOps::safeguards()[i]`, so that the profile's code behaves as if it lacked that lock
    /// or check. 0, the default, removes nothing.
    pub ablated: u8,
    /// The mapping requires stable writes (`--stable-writes`, 6.12 only): AS_STABLE_WRITES is
    /// set (include/linux/pagemap.h:307-320), so folio_wait_stable in ->page_mkwrite waits
    /// for PG_writeback (mm/page-writeback.c:3236-3240).
    pub stable_writes: bool,
}

/// A configuration that cannot be run, with the one-line reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Config {
    /// The default configuration of a protocol: one writer, one writeback pass, no truncate,
    /// read-only pte, clean page, strict filesystem, the protocol's default convention.
    pub fn new(protocol: Protocol) -> Config {
        Config {
            protocol,
            fixes: protocol.fixes(),
            fs: protocol.default_fs(),
            writers: 1,
            shared_mm: false,
            writeback: 1,
            truncate: false,
            pte_ro: true,
            page_dirty: false,
            strict: true,
            stores: 1,
            reclaim: false,
            enospc: false,
            late_writeback: false,
            blocks: 1,
            truncate_partial: false,
            extend: false,
            initial_extent: InitialExtent::Real,
            dio: false,
            gup_era: GupEra::V2629,
            freeze: false,
            ablated: 0,
            stable_writes: false,
        }
    }

    /// Number of ptes mapping the page: one per writer, or one shared by both.
    pub fn ptes(&self) -> usize {
        if self.shared_mm {
            1
        } else {
            self.writers as usize + usize::from(self.dio)
        }
    }

    /// The pte (index into `World::ptes`) that writer `index` stores through.
    pub fn pte_of(&self, writer_index: u8) -> usize {
        if self.shared_mm {
            0
        } else {
            writer_index as usize
        }
    }

    /// Whether truncate removes the page from the file (a truncate to 0 bytes), rather than
    /// leaving it straddling the new EOF (`--truncate-to partial`).
    pub fn removes_page(&self) -> bool {
        self.truncate && !self.truncate_partial
    }
}
