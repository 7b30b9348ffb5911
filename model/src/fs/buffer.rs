//! `buffer`: XFS on buffer_heads, as in 2.6.29 (its only in-tree user of block_page_mkwrite).
//!
//! | slot | function | anchor |
//! |---|---|---|
//! | `->page_mkwrite` | `xfs_vm_page_mkwrite` → `block_page_mkwrite(vma, vmf, xfs_get_blocks)` | fs/xfs/linux-2.6/xfs_file.c:235, fs/buffer.c:2468 |
//! | `->set_page_dirty` | none: `set_page_dirty` falls back to `__set_page_dirty_buffers` | fs/buffer.c:809 |
//! | `->writepage` | `xfs_vm_writepage` → `xfs_page_state_convert` | fs/xfs/linux-2.6/xfs_aops.c:1222, 964 |
//! | `->releasepage` | `xfs_vm_releasepage` → `try_to_free_buffers` | xfs_aops.c:1317, fs/buffer.c:3188/3190 |
//! | `->invalidatepage` | `xfs_vm_invalidatepage` → `block_invalidatepage` | xfs_aops.c:1604, fs/buffer.c:1580 |
//! | `->readpage` | `xfs_vm_readpage` → `mpage_readpage` (no buffers attached) | xfs_aops.c:1586, fs/mpage.c:409 |
//!
//! block_page_mkwrite returns unlocked in the old tree and VM_FAULT_LOCKED in the new (hunk H7
//! of the patch), so `--fs buffer` follows the VM it runs beside.
//!
//! Unlike __block_write_full_page (ext4, OCFS2, GFS2, nilfs2: `fs::bh`), XFS 2.6.29 decides
//! what to write by each buffer's delay/unwritten/mapped/uptodate state, not by BH_Dirty
//! (xfs_page_state_convert, xfs_aops.c:1058-1060, 1118): a clean mapped buffer of a dirty page
//! is written all the same, so the model's writepage ignores BH_Dirty.
//!
//! The page's blocks live in the inode's extent map: a hole, a delayed allocation (space
//! reserved by xfs_iomap_write_delay when block_prepare_write's xfs_get_blocks maps it), or a
//! real extent. The buffer_heads attached to the page cache that mapping and carry BH_Dirty.
//! "Tracked" is "every block inside i_size is backed by an extent (delalloc or real)": then
//! xfs_vm_writepage can write the page without a new allocation. Buffers that reclaim stripped
//! do not break it: writepage attaches new ones and maps them by looking the extent up.
//!
//! With `--blocks-per-page 2` (R7) the block size is half the page and i_size can end between
//! the two blocks (a partial truncate): block_page_mkwrite prepares and commits only the
//! blocks inside i_size (`end = size & ~PAGE_CACHE_MASK` for the last page, fs/buffer.c:
//! 2487-2494), xfs_page_state_convert writes only those (end_offset, xfs_aops.c:1016-1033) and
//! allocates an unmapped one at writeback (1058-1078), and the partial truncate discards block
//! 1's buffer (block_invalidatepage at the offset, fs/buffer.c:1580-1614) and frees its extent.
//! INV-1's "tracked" is then per block: no block the program may store into is a hole.
//!
//! Model: BH_Uptodate and PG_uptodate are not modelled (with two blocks: every buffer of the
//! page counts as uptodate, as block_prepare_write makes the buffers it does not map when the
//! page is uptodate, fs/buffer.c:1938-1942, and discard_buffer leaves BH_Uptodate; so an
//! unmapped buffer inside EOF is one xfs_page_state_convert allocates) (the page is read whole, and a failed
//! write's ClearPageUptodate only makes a later fault read the page again, after the error has
//! been recorded on the mapping). Unwritten extents are not modelled (XFS creates them for
//! preallocation and direct I/O, neither of which is part of the race). The delalloc
//! reservation cannot fail in XFS's writeback: xfs_iomap_write_allocate allocates from it.

use super::ops::{window as w, Era, FsInfo, FsOps, PackedState, Packer, Unpacker};
use super::{mkwrite_return, MkPc, WbCtx, Writepage};
use crate::config::{Config, InitialExtent};
use crate::contract::Inv;
use crate::kernel::{lock_page, test_set_page_dirty, unlock_page, Acquire};
use crate::world::FsBits;
use crate::world::{FaultPc, MkwriteRet, Pc, Tid, World};
use crate::world::{Step, StepInfo};

/// Where a block of the page lives in the inode's extent map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Extent {
    /// No disk block: writing it needs an allocation.
    #[default]
    Hole,
    /// A delayed allocation: space reserved, block not yet chosen.
    Delalloc,
    /// A real, allocated extent.
    Real,
}

/// One block of the page: its extent and its buffer's BH_Dirty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Block {
    /// The extent backing the block.
    pub extent: Extent,
    /// BH_Dirty of the block's buffer_head (meaningful while buffers are attached).
    pub dirty: bool,
}

/// The page's buffers and the extents behind them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct State {
    /// buffer_heads attached (PagePrivate).
    pub attached: bool,
    /// Blocks per page (1 or 2).
    pub nblocks: u8,
    /// The page's blocks (only the first `nblocks` are used).
    pub blocks: [Block; 2],
}

/// Blocks per page (`--blocks-per-page`).
fn nblocks(cfg: &Config) -> usize {
    cfg.blocks as usize
}

impl State {
    fn used(&self) -> &[Block] {
        &self.blocks[..self.nblocks as usize]
    }
}

fn state(w: &World) -> State {
    super::ops::state(w)
}

fn set(w: &mut World, s: State) {
    super::ops::set_state(w, s);
}

/// By default the file's block is allocated (it was written before), and a dirty page has dirty
/// buffers, as after write(2). `--initial-extent hole`: a sparse file, whose page
/// do_mpage_readpage zeroed without attaching buffers (fs/mpage.c:278-283); `--initial-extent
/// delalloc`: a page write(2) dirtied over a hole, so its block is a delayed allocation
/// (xfs_iomap_write_delay reserved it) and its buffers are dirty.
pub fn init(cfg: &Config) -> State {
    let (extent, attached) = match cfg.initial_extent {
        InitialExtent::Real => (Extent::Real, true),
        InitialExtent::Hole => (Extent::Hole, false),
        InitialExtent::Delalloc => (Extent::Delalloc, true),
    };
    let block = Block {
        extent,
        dirty: attached && cfg.page_dirty,
    };
    State {
        attached,
        nblocks: nblocks(cfg) as u8,
        blocks: [block; 2],
    }
}

/// Tracked, for a writable pte (INV-1): every block the program may store into next is backed
/// by a delalloc or real extent, so a store lands on space xfs_vm_writepage need not allocate.
/// The blocks it may store into are those inside i_size, except the block an extension is
/// adding while that ftruncate has not returned (see `memory::store_block`).
pub fn tracked(cfg: &Config, w: &World) -> bool {
    let s = state(w);
    let storable = |b: usize| w.block_in_eof(b) && !(b == 1 && w.extending());
    (0..nblocks(cfg)).all(|b| !storable(b) || s.blocks[b].extent != Extent::Hole)
}

/// Tracked, for a page clear_page_dirty_for_io hands to ->writepage (INV-2): every block inside
/// i_size that holds data is backed. A hole that holds zeros (a block a partial truncate
/// cleared and an extension brought back, not stored into since) holds no data the page owes:
/// a hole reads as zeros.
///
/// Model: 2.6.29's xfs_page_state_convert allocates such a block all the same (an unmapped
/// buffer of an uptodate page inside EOF), so at ENOSPC the page's write fails; that is
/// writeback's own allocation, not a store the filesystem failed to prepare for, and the
/// data invariants (INV-3c/3d) judge what it costs.
pub fn tracked_for_io(cfg: &Config, w: &World) -> bool {
    let s = state(w);
    (0..nblocks(cfg)).all(|b| {
        !w.block_in_eof(b)
            || s.blocks[b].extent != Extent::Hole
            || crate::world::block_version(w.data.mem, b) == 0
    })
}

/// mark_buffer_dirty (fs/buffer.c:1245): a buffer that was clean becomes dirty, and only then
/// is the page dirtied (TestSetPageDirty, then __set_page_dirty's accounting and tag).
fn mark_buffer_dirty(w: &mut World, b: usize) {
    let mut s = state(w);
    if s.blocks[b].dirty {
        return;
    }
    s.blocks[b].dirty = true;
    set(w, s);
    if test_set_page_dirty(w) {
        crate::kernel::account_page_dirtied(w);
    }
}

/// One step of block_page_mkwrite.
pub fn page_mkwrite(cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
    match pc {
        MkPc::LockPage => match lock_page(w, me) {
            // BM1: lock_page; i_size is read right after, in the next step.
            Acquire::Blocked => Step::Blocked,
            Acquire::SelfDeadlock => Step::Next(Pc::Fault(FaultPc::Hung)),
            Acquire::Got => Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Attach))),
        },
        MkPc::Attach => {
            // BM2: truncated or beyond i_size: unlock_page, VM_FAULT_NOPAGE; beside the old
            // VM the releases' -EINVAL (2.6.29.3 fs/buffer.c:2474, 2478-2481), which the old
            // VM turns into VM_FAULT_SIGBUS (`fs::nopage_on_truncate`).
            if (!w.page.mapping || !w.isize_covers_page) && !super::removed(cfg, "truncate-check") {
                unlock_page(w, me);
                return mkwrite_return(w, me, super::truncated_return(cfg));
            }
            // BM4: block_prepare_write: create_empty_buffers if there are none (their BH_Dirty
            // copies PG_dirty); xfs_get_blocks(create=1) maps each block inside i_size, a hole
            // through xfs_iomap_write_delay, which reserves space for a delayed allocation and
            // fails with ENOSPC once the filesystem is full.
            // Model: i_size read, check, prepare and commit are one step, under the page lock.
            let mut s = state(w);
            if !s.attached {
                s.attached = true;
                for b in 0..nblocks(cfg) {
                    s.blocks[b].dirty = w.page.dirty;
                }
            }
            for b in (0..nblocks(cfg)).filter(|&b| w.block_in_eof(b)) {
                if s.blocks[b].extent == Extent::Hole {
                    if w.fs_full {
                        // BM6: -ENOSPC -> VM_FAULT_SIGBUS, after unlock_page. The blocks
                        // mapped before this one keep their reservation.
                        set(w, s);
                        unlock_page(w, me);
                        return mkwrite_return(w, me, MkwriteRet::SigBus);
                    }
                    s.blocks[b].extent = Extent::Delalloc;
                }
            }
            set(w, s);
            // BM5: block_commit_write: every buffer in range uptodate and mark_buffer_dirty.
            for b in 0..nblocks(cfg) {
                if w.block_in_eof(b) {
                    mark_buffer_dirty(w, b);
                }
            }
            if super::returns_locked(cfg) {
                // BM7 (new): return VM_FAULT_LOCKED with the page locked.
                mkwrite_return(w, me, MkwriteRet::Locked)
            } else {
                Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Unlock)))
            }
        }
        MkPc::Unlock => {
            // BM7 (old): unlock_page, return 0.
            unlock_page(w, me);
            mkwrite_return(w, me, MkwriteRet::Ok)
        }
        MkPc::Prepare | MkPc::WaitOrdered | MkPc::FillLock | MkPc::Fill => {
            panic!("model bug: block_page_mkwrite has no {pc:?} step")
        }
    }
}

/// The description of a block_page_mkwrite step.
pub fn page_mkwrite_info(cfg: &Config, w: &World, pc: MkPc) -> StepInfo {
    let s = |id, what| StepInfo {
        id,
        function: "block_page_mkwrite",
        anchor: crate::anchors::anchor("block_page_mkwrite", crate::anchors::Tree::of(cfg)),
        what,
    };
    let needs_space = must_allocate(cfg, w);
    match pc {
        MkPc::LockPage => s("BM1", "lock_page"),
        MkPc::Attach
            if (!w.page.mapping || !w.isize_covers_page) && !super::nopage_on_truncate(cfg) =>
        {
            s(
                "BM2",
                "the page was truncated: unlock_page, return -EINVAL (2.6.29.3): the old VM \
                 answers VM_FAULT_SIGBUS",
            )
        }
        MkPc::Attach if !w.page.mapping || !w.isize_covers_page => s(
            "BM2",
            "the page was truncated: unlock_page, return VM_FAULT_NOPAGE",
        ),
        MkPc::Attach if needs_space && w.fs_full => s(
            "BM2-BM4,BM6",
            "block_prepare_write: xfs_get_blocks cannot reserve a delayed allocation (ENOSPC): \
             unlock_page, return VM_FAULT_SIGBUS",
        ),
        MkPc::Attach if super::returns_locked(cfg) => s(
            "BM2-BM5,BM7",
            "block_prepare_write maps the blocks (a hole gets a delalloc reservation), \
             block_commit_write dirties the buffers and the page; return VM_FAULT_LOCKED",
        ),
        MkPc::Attach => s(
            "BM2-BM5",
            "block_prepare_write maps the blocks (a hole gets a delalloc reservation), \
             block_commit_write dirties the buffers and the page",
        ),
        MkPc::Unlock => s("BM7", "unlock_page, return 0"),
        MkPc::Prepare | MkPc::WaitOrdered | MkPc::FillLock | MkPc::Fill => s("?", "?"),
    }
}

/// The buffer profile's own safeguards (`mkwrite ablate --fs buffer`).
pub static SAFEGUARDS: [super::ops::Safeguard; 2] = [
    super::ops::Safeguard {
        id: "dirty-buffers",
        function: "__set_page_dirty_buffers",
        anchor: "fs/buffer.c:818-826",
        protects: "a page dirtied again gets its attached buffers dirty again, so that the next write of the page writes them",
        guard: "writeback_reaches_lock_in_mkwrite_window",
    },
    super::ops::Safeguard {
        id: "truncate-check",
        function: "block_page_mkwrite",
        anchor: "fs/buffer.c:2479-2484",
        protects: "no block is reserved or dirtied for a page that truncate took out of the file or cut off",
        guard: "truncate_removes_page_under_fault",
    },
];

/// __set_page_dirty_buffers (fs/buffer.c:809), first half, under private_lock: every attached
/// buffer gets BH_Dirty (mapped or not: it maps nothing), then TestSetPageDirty.
pub fn set_page_dirty_begin(cfg: &Config, w: &mut World) -> bool {
    let mut s = state(w);
    if s.attached && !super::removed(cfg, "dirty-buffers") {
        for b in s.blocks.iter_mut() {
            b.dirty = true;
        }
        set(w, s);
    }
    test_set_page_dirty(w)
}

/// Whether some block inside i_size is a hole: block_page_mkwrite must reserve it, and
/// xfs_vm_writepage must allocate it (the BMAPI_WRITE|BMAPI_MMAP path of
/// xfs_page_state_convert, through xfs_iomap_write_direct, which has no reservation).
fn must_allocate(cfg: &Config, w: &World) -> bool {
    let s = state(w);
    (0..nblocks(cfg)).any(|b| w.block_in_eof(b) && s.blocks[b].extent == Extent::Hole)
}

/// xfs_vm_writepage for the locked page whose PG_dirty clear_page_dirty_for_io just cleared:
/// a page wholly beyond EOF is left alone; buffers are attached if there are none; each block
/// inside i_size is converted to a real extent (delalloc from its reservation, a hole by a new
/// allocation that fails with ENOSPC on a full filesystem) and written; the buffers end clean,
/// PG_writeback is set and the page unlocked. On an allocation failure the data is dropped
/// (the page is not redirtied) and the error returned.
pub fn writepage(cfg: &Config, w: &mut World, me: Tid, _: WbCtx) -> Writepage {
    if !w.isize_covers_page {
        // xfs_page_state_convert: a page wholly beyond EOF is unlocked and left (990-1001).
        unlock_page(w, me);
        return Writepage::Done;
    }
    let failed = must_allocate(cfg, w) && w.fs_full;
    let mut s = state(w);
    if !s.attached {
        // create_empty_buffers(page, blocksize, 0): clean buffers.
        s.attached = true;
        for b in s.blocks.iter_mut() {
            b.dirty = false;
        }
    }
    if failed {
        // The error path of xfs_page_state_convert (1184-1198): the ioend is cancelled, the
        // page stays clean; xfs_vm_writepage unlocks and returns the error.
        set(w, s);
        if !w.page.dirty {
            w.page.tagged_dirty = false;
        }
        unlock_page(w, me);
        return Writepage::Failed;
    }
    for b in (0..nblocks(cfg)).filter(|&b| w.block_in_eof(b)) {
        s.blocks[b].extent = Extent::Real;
        s.blocks[b].dirty = false;
    }
    set(w, s);
    // xfs_start_page_writeback: set_page_writeback (the DIRTY tag goes if PG_dirty is clear),
    // unlock_page; the bios are submitted.
    crate::kernel::set_page_writeback(w);
    if nblocks(cfg) > 1 && !w.block_in_eof(1) {
        // A block past EOF is not written (xfs_page_state_convert stops at the last block
        // inside i_size): the write in flight leaves the disk's copy of it as it is.
        if let Some(v) = w.data.in_flight {
            let kept = crate::world::block_version(w.data.disk, 1);
            w.data.in_flight = Some(crate::world::with_block_version(v, 1, kept));
        }
    }
    unlock_page(w, me);
    Writepage::Done
}

/// The description of xfs_vm_writepage in the current state.
pub fn writepage_info(cfg: &Config, w: &World) -> StepInfo {
    let s = |what| StepInfo {
        id: "W8,W10",
        function: "xfs_vm_writepage",
        anchor: "fs/xfs/linux-2.6/xfs_aops.c:1222",
        what,
    };
    if !w.isize_covers_page {
        s("the page lies beyond EOF: unlock it, write nothing; put_page")
    } else if must_allocate(cfg, w) && w.fs_full {
        s(
            "a block inside i_size is a hole and the filesystem is full: -ENOSPC, the data is \
           dropped; unlock; put_page",
        )
    } else if must_allocate(cfg, w) {
        s(
            "a block inside i_size is a hole: allocate it now (xfs_iomap_write_direct), \
           submit, PG_writeback, unlock; put_page",
        )
    } else if !state(w).attached {
        s(
            "no buffers: attach clean ones, map them by looking the extent up, submit, \
           PG_writeback, unlock; put_page",
        )
    } else {
        s("delalloc to real extents, submit, buffers clean, PG_writeback, unlock; put_page")
    }
}

/// ->invalidatepage(page, 0): block_invalidatepage discards every buffer and releases them.
pub fn invalidatepage(w: &mut World) {
    let mut s = state(w);
    s.attached = false;
    for b in s.blocks.iter_mut() {
        b.dirty = false;
    }
    set(w, s);
}

/// ->invalidatepage(page, offset) with the offset at block 1: block_invalidatepage discards
/// block 1's buffer (discard_buffer: BH_Dirty and BH_Mapped cleared) and, the offset not being
/// 0, keeps the buffers attached.
///
/// Model: BH_Mapped is not kept: a buffer is mapped exactly when it has been looked up against
/// a delalloc or real extent, and the extent is what decides whether writeback must allocate.
/// The discarded buffer's extent is freed by T5 (`free_blocks_past_eof`) while the block lies
/// past EOF, where neither block_page_mkwrite nor xfs_vm_writepage looks at it.
pub fn invalidatepage_partial(w: &mut World) {
    let mut s = state(w);
    s.blocks[1].dirty = false;
    set(w, s);
}

/// xfs_itruncate_finish after a partial truncate: block 1's extent (delayed or real) is freed:
/// a hole, reading as zeros. A write in flight does not cover the block (it lay past EOF when
/// submitted), so its ghost copy of the block follows the disk's.
pub fn free_blocks_past_eof(w: &mut World) {
    let mut s = state(w);
    s.blocks[1].extent = Extent::Hole;
    set(w, s);
    w.data.disk = crate::world::with_block_version(w.data.disk, 1, 0);
    if let Some(v) = w.data.in_flight {
        w.data.in_flight = Some(crate::world::with_block_version(v, 1, 0));
    }
}

/// xfs_vm_releasepage: no page with a delalloc block is stripped; try_to_free_buffers refuses
/// any dirty buffer; otherwise the buffers go, and with them PG_dirty (cancel_dirty_page).
pub fn releasepage(cfg: &Config, w: &mut World) -> bool {
    let mut s = state(w);
    let busy =
        (0..nblocks(cfg)).any(|b| s.blocks[b].extent == Extent::Delalloc || s.blocks[b].dirty);
    if busy {
        return false;
    }
    s.attached = false;
    set(w, s);
    crate::kernel::test_clear_page_dirty_accounted(w);
    true
}

/// Buffers are the page's private data.
pub fn page_private(w: &World) -> bool {
    state(w).attached
}

/// mpage_readpage reads a mapped page without attaching buffers; the extents are the inode's.
/// The part of a straddling page past EOF is zeroed, not read.
pub fn readpage(w: &mut World) {
    let mut s = state(w);
    s.attached = false;
    for b in s.blocks.iter_mut() {
        b.dirty = false;
    }
    set(w, s);
    if !w.block_in_eof(1) {
        w.data.mem = crate::world::with_block_version(w.data.mem, 1, 0);
    }
}

fn extent_name(e: Extent) -> &'static str {
    match e {
        Extent::Hole => "hole",
        Extent::Delalloc => "delalloc",
        Extent::Real => "real",
    }
}

fn block_name(s: &State, b: &Block) -> String {
    let dirty = if s.attached && b.dirty { "+dirty" } else { "" };
    format!("{}{dirty}", extent_name(b.extent))
}

/// Trace fields.
pub fn fields(s: State) -> Vec<(String, String)> {
    let mut f = vec![(
        "bh".to_string(),
        if s.attached { "attached" } else { "none" }.to_string(),
    )];
    for (i, b) in s.used().iter().enumerate() {
        f.push((format!("block{i}"), block_name(&s, b)));
    }
    f
}

/// One-line form.
pub fn display(s: State) -> String {
    let blocks: Vec<String> = s.used().iter().map(|b| block_name(&s, b)).collect();
    format!(
        "bh:{} blocks:{}",
        if s.attached { "attached" } else { "none" },
        blocks.join(",")
    )
}

// ---- the ops table ----

fn extent_bits(e: Extent) -> u64 {
    match e {
        Extent::Hole => 0,
        Extent::Delalloc => 1,
        Extent::Real => 2,
    }
}

fn extent_of(b: u64) -> Extent {
    match b {
        0 => Extent::Hole,
        1 => Extent::Delalloc,
        _ => Extent::Real,
    }
}

impl PackedState for State {
    fn pack(&self) -> u64 {
        let mut p = Packer::default()
            .flag(self.attached)
            .put(u64::from(self.nblocks), 2);
        // Model: a block past `nblocks` does not exist; it packs as a default block, so two
        // states that differ only in it (set_page_dirty_begin marks both slots) are one state.
        for (i, b) in self.blocks.iter().enumerate() {
            let b = if i < usize::from(self.nblocks) {
                *b
            } else {
                Block::default()
            };
            p = p.put(extent_bits(b.extent), 2).flag(b.dirty);
        }
        p.done()
    }
    fn unpack(bits: u64) -> State {
        let mut u = Unpacker::new(bits);
        let attached = u.flag();
        let nblocks = u.take(2) as u8;
        let mut blocks = [Block::default(); 2];
        for b in &mut blocks {
            b.extent = extent_of(u.take(2));
            b.dirty = u.flag();
        }
        State {
            attached,
            nblocks,
            blocks,
        }
    }
}

/// XFS on buffer.c: block_page_mkwrite, __set_page_dirty_buffers, xfs_vm_writepage.
pub struct Xfs;

/// `--fs buffer` (also `xfs`).
pub static XFS: Xfs = Xfs;

impl FsOps for Xfs {
    fn id(&self) -> &'static str {
        "buffer"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["xfs"]
    }

    fn safeguards(&self) -> &'static [super::ops::Safeguard] {
        &SAFEGUARDS
    }

    fn info(&self) -> FsInfo {
        FsInfo {
            id: "buffer",
            profile: "XFS on buffer_heads",
            code: "2.6.29.4: e58fcb489af^ beside the old VM, e58fcb489af beside the new",
            old_vm: "0, page unlocked; truncated: 2.6.29.3's -EINVAL (SIGBUS)",
            new_vm: "VM_FAULT_LOCKED (the patch's hunk H7)",
            tracked:
                "every block inside i_size that can be stored into is delalloc or real, not a hole",
            files: "fs/buffer.c, fs/xfs/linux-2.6/xfs_aops.c, xfs_file.c, fs/mpage.c",
        }
    }

    fn era(&self) -> Option<Era> {
        Some(Era {
            family: "XFS",
            old_vm: w("2.6.23", Some("2.6.29.3")),
            new_vm: w("2.6.29.4", None),
            source: "4f57dbc6b5b (2.6.23) wires XFS to block_page_mkwrite; the patch itself \
                     makes block_page_mkwrite return locked",
        })
    }

    fn meaning(&self, cfg: &Config, inv: Inv) -> &'static str {
        match inv {
            Inv::WritablePteHasFsMetadata if cfg.blocks > 1 => {
                "a writable pte maps a block inside i_size with no space behind it: a store lands \
                 without ->page_mkwrite, and writeback must allocate"
            }
            Inv::CleanedPageHadFsMetadata if cfg.blocks > 1 => {
                "writeback cleaned a page whose stored-into block is a hole: ->writepage must \
                 allocate it, and at ENOSPC the data is lost"
            }
            _ => inv.meaning(),
        }
    }

    fn partial_page(&self) -> bool {
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

    fn tracked(&self, cfg: &Config, w: &World) -> bool {
        tracked(cfg, w)
    }

    fn tracked_for_io(&self, cfg: &Config, w: &World) -> bool {
        tracked_for_io(cfg, w)
    }

    fn page_private(&self, _: &Config, w: &World) -> bool {
        page_private(w)
    }

    fn locked_return(&self) -> bool {
        true
    }

    fn nopage_on_truncate(&self, cfg: &Config) -> bool {
        // Beside the old VM the releases (2.6.23-2.6.29.3) returned -EINVAL, i.e. SIGBUS.
        cfg.protocol.patched()
    }

    fn mkwrite_can_fail(&self, cfg: &Config) -> bool {
        // The blocks are allocated already (real extents, by default), so block_prepare_write
        // allocates (reserves a delayed allocation) only from a hole: the initial one of
        // `--initial-extent hole`, or the block a partial truncate freed and an extension
        // brought back inside i_size.
        cfg.extend || cfg.initial_extent == crate::config::InitialExtent::Hole
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

    fn writepage(&self, cfg: &Config, w: &mut World, me: Tid, ctx: WbCtx) -> Writepage {
        writepage(cfg, w, me, ctx)
    }

    fn writepage_info(&self, cfg: &Config, w: &World, _: WbCtx) -> StepInfo {
        writepage_info(cfg, w)
    }

    fn releasepage(&self, cfg: &Config, w: &mut World) -> bool {
        releasepage(cfg, w)
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

    fn invalidatepage_partial(&self, _: &Config, w: &mut World) {
        invalidatepage_partial(w)
    }

    fn free_blocks_past_eof(&self, _: &Config, w: &mut World) {
        free_blocks_past_eof(w)
    }
}
