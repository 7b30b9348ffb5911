//! `ext4@6.12`: ext4 with delayed allocation (the default mount) in Linux 6.12.118, beside the
//! 6.12 VM (`--protocol v6.12`).
//!
//! | slot | function | anchor (6.12.118) |
//! |---|---|---|
//! | `->page_mkwrite` | `ext4_page_mkwrite`: `sb_start_pagefault` (6274), `file_update_time` (6275), `filemap_invalidate_lock_shared` (6277); delalloc: `block_page_mkwrite(ext4_da_get_block_prep)` (6293-6300): `folio_lock` (fs/buffer.c:2645), mapping or `folio_pos >= i_size` → -EFAULT (2646-2651), `__block_write_begin_int` reserves a hole (2659), `__block_commit_write` dirties the buffers and the folio (2663), `folio_mark_dirty` (2665), `folio_wait_stable` (2666), return 0 locked; `vmf_fs_error` makes 0 VM_FAULT_LOCKED and -EFAULT NOPAGE (6378-6379); unlock the invalidate lock, `sb_end_pagefault` (6380-6382) | fs/ext4/inode.c:6256 |
//! | `->dirty_folio` | `ext4_dirty_folio` → `block_dirty_folio` | fs/ext4/inode.c:3584 |
//! | `->writepages` | `ext4_writepages` → `ext4_do_writepages`: maps the delayed blocks (allocation), submits; a dirty folio without buffers is warned about, cleaned and skipped (`mpage_prepare_extent_to_map`, 2525-2530) | fs/ext4/inode.c:2825 |
//! | `->writepage` | none: reclaim's `pageout` activates a dirty folio (mm/vmscan.c:673-674) | |
//! | `->invalidate_folio` | `ext4_invalidate_folio`: the buffers go, a delayed block's reservation is given back | |
//! | `->release_folio` | `ext4_release_folio` → `try_to_free_buffers`, which refuses dirty buffers | fs/buffer.c:2961 |
//! | truncate | `ext4_setattr` holds `invalidate_lock` exclusive from before i_size changes to after `truncate_pagecache` (5567-5661) | fs/ext4/inode.c:5451 |
//!
//! "Tracked" is "the block is delayed (reserved) or allocated", as for 2.6.29's ext4.
//!
//! Model: data=ordered with delalloc only; `nodelalloc` (whose fast path returns
//! VM_FAULT_LOCKED without dirtying the folio, 6322-6330), data=journal, inline data and the
//! journal handles are left out. The ENOSPC retry loop (6298-6299) is one attempt: a full
//! filesystem in the model stays full. Immutable files (6271) are not modelled.
//!
//! Model: the step `Prepare` is 6EM1-6EM3 (freeze protection, file_update_time, the
//! invalidate lock); `Attach` is block_page_mkwrite's work under the folio lock together with
//! the release of the invalidate lock and freeze protection after it: the fault does nothing
//! else in between, and no other thread's step there needs the folio lock, so the releases
//! commute with them.

use super::ext4::Block;
use super::ops::{window as w, Era, FsInfo, FsOps, PackedState, Packer, Unpacker};
use super::{mkwrite_return, MkPc, WbCtx, Writepage};
use crate::config::Config;
use crate::contract::Cut612;
use crate::kernel::{fs_work_outside_page_lock, lock_page, unlock_page, Acquire};
use crate::world::FsBits;
use crate::world::{FaultPc, MkwriteRet, Pc, Tid, World};
use crate::world::{Step, StepInfo};

/// The folio's block and buffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct State {
    /// The block behind the folio.
    pub block: Block,
    /// buffer_heads attached (folio private).
    pub buffers: bool,
}

fn state(w: &World) -> State {
    super::ops::state(w)
}

fn set(w: &mut World, s: State) {
    super::ops::set_state(w, s);
}

fn block_name(b: Block) -> &'static str {
    match b {
        Block::Hole => "hole",
        Block::Delayed => "delayed",
        Block::Allocated => "allocated",
    }
}

/// The block's 2-bit code (shared with `xfs@6.12`).
pub fn block_bits(b: Block) -> u64 {
    match b {
        Block::Hole => 0,
        Block::Delayed => 1,
        Block::Allocated => 2,
    }
}

/// The block of a 2-bit code.
pub fn block_of(b: u64) -> Block {
    match b {
        0 => Block::Hole,
        1 => Block::Delayed,
        _ => Block::Allocated,
    }
}

impl PackedState for State {
    fn pack(&self) -> u64 {
        Packer::default()
            .put(block_bits(self.block), 2)
            .flag(self.buffers)
            .done()
    }
    fn unpack(bits: u64) -> State {
        let mut u = Unpacker::new(bits);
        State {
            block: block_of(u.take(2)),
            buffers: u.flag(),
        }
    }
}

/// The first step of a 6.12 ->page_mkwrite that takes the invalidate lock: freeze
/// protection (no freeze is modelled), file_update_time, then the invalidate lock shared,
/// asleep while a truncate holds it exclusive. Goes on to `folio_lock`, or (ablation: the
/// filesystem neither locks nor rechecks) straight to its work.
pub fn prepare_with_invalidate_lock(cfg: &Config, w: &mut World, me: Tid) -> Step {
    // sb_start_pagefault: asleep while a freeze is at SB_FREEZE_PAGEFAULT or beyond.
    if cfg.protocol.keeps(Cut612::SbStartPagefault) && w.freeze_level() >= 2 {
        return Step::Blocked;
    }
    if cfg.protocol.keeps(Cut612::InvalidateLock) && super::truncate_running(w) {
        return Step::Blocked;
    }
    fs_work_outside_page_lock(w, me);
    Step::Next(Pc::Fault(FaultPc::Mkwrite(
        if cfg.protocol.keeps(Cut612::MkwriteLocksAndRechecks) {
            MkPc::LockPage
        } else {
            MkPc::Attach
        },
    )))
}

/// `folio_lock` inside ->page_mkwrite.
pub fn lock(w: &mut World, me: Tid) -> Step {
    match lock_page(w, me) {
        Acquire::Blocked => Step::Blocked,
        Acquire::SelfDeadlock => Step::Next(Pc::Fault(FaultPc::Hung)),
        Acquire::Got => Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Attach))),
    }
}

/// The work under the folio lock of a delalloc ->page_mkwrite (block_page_mkwrite here,
/// iomap_page_mkwrite for XFS): the truncate check, the reservation of a hole (`buffers`:
/// attach buffer_heads), the folio dirty; VM_FAULT_LOCKED, NOPAGE or SIGBUS. Under the
/// ablation `MkwriteLocksAndRechecks` the same work without the lock and the check, returning
/// 0.
pub fn delalloc_attach(cfg: &Config, w: &mut World, me: Tid, buffers: bool) -> Step {
    let locks = cfg.protocol.keeps(Cut612::MkwriteLocksAndRechecks);
    if locks && (!w.page.mapping || !w.isize_covers_page) {
        unlock_page(w, me);
        return mkwrite_return(w, me, MkwriteRet::NoPage);
    }
    let mut s: State = super::ops::state(w);
    // folio_wait_stable (fs/buffer.c:2666; iomap: fs/iomap/buffered-io.c:1544) on the way to
    // VM_FAULT_LOCKED; an ENOSPC returns before it.
    if !(s.block == Block::Hole && w.fs_full) && super::waits_stable(cfg, w) {
        return Step::Blocked;
    }
    if s.block == Block::Hole {
        if w.fs_full {
            if locks {
                unlock_page(w, me);
            }
            return mkwrite_return(w, me, MkwriteRet::SigBus);
        }
        s.block = Block::Delayed;
    }
    s.buffers |= buffers;
    super::ops::set_state(w, s);
    super::of(cfg).set_page_dirty(cfg, w);
    if locks {
        mkwrite_return(w, me, MkwriteRet::Locked)
    } else {
        mkwrite_return(w, me, MkwriteRet::Ok)
    }
}

/// One step of ext4_page_mkwrite.
pub fn page_mkwrite(cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
    match pc {
        MkPc::Prepare => prepare_with_invalidate_lock(cfg, w, me),
        MkPc::LockPage => lock(w, me),
        MkPc::Attach if cfg.fs.id().ends_with("nodelalloc") => nodelalloc_attach(cfg, w, me),
        MkPc::Attach => delalloc_attach(cfg, w, me, true),
        _ => panic!("model bug: 6.12's ext4_page_mkwrite has no {pc:?} step"),
    }
}

fn page_mkwrite_info(cfg: &Config, w: &World, pc: MkPc) -> StepInfo {
    let s = |id, anchor, what| StepInfo {
        id,
        function: "ext4_page_mkwrite",
        anchor,
        what,
    };
    let locks = cfg.protocol.keeps(Cut612::MkwriteLocksAndRechecks);
    match pc {
        MkPc::Prepare if !cfg.protocol.keeps(Cut612::InvalidateLock) => s(
            "6EM1-6EM2 (ablation)",
            "fs/ext4/inode.c:6256",
            "sb_start_pagefault, file_update_time; no invalidate_lock",
        ),
        MkPc::Prepare => s(
            "6EM1-6EM3",
            "fs/ext4/inode.c:6256",
            "sb_start_pagefault, file_update_time, filemap_invalidate_lock_shared (asleep \
             while truncate holds it)",
        ),
        MkPc::LockPage if cfg.fs.id().ends_with("nodelalloc") => {
            s("6EN1", "fs/ext4/inode.c:6256", "folio_lock")
        }
        MkPc::Attach if cfg.fs.id().ends_with("nodelalloc") => {
            let st = state(w);
            if !w.page.mapping || !w.isize_covers_page {
                s(
                    "6EN1",
                    "fs/ext4/inode.c:6256",
                    "truncated: folio_unlock, NOPAGE; drop the invalidate lock",
                )
            } else if st.buffers
                && st.block == Block::Allocated
                && !cfg.protocol.keeps(Cut612::WaitStable)
            {
                s(
                    "6EN2 (ablation)",
                    "fs/ext4/inode.c:6256",
                    "fast path: every buffer mapped: no folio_wait_stable, VM_FAULT_LOCKED \
                     without dirtying the folio; drop the invalidate lock, sb_end_pagefault",
                )
            } else if st.buffers && st.block == Block::Allocated {
                s(
                    "6EN2",
                    "fs/ext4/inode.c:6256",
                    "fast path: every buffer mapped: folio_wait_stable, VM_FAULT_LOCKED without \
                     dirtying the folio; drop the invalidate lock, sb_end_pagefault",
                )
            } else {
                s(
                    "6EN3-6EN6",
                    "fs/ext4/inode.c:6256",
                    "block_page_mkwrite(ext4_get_block): allocate the block, buffers and folio \
                     dirty; VM_FAULT_LOCKED; drop the invalidate lock, sb_end_pagefault",
                )
            }
        }
        MkPc::LockPage => s("6BM1", "fs/buffer.c:2636", "block_page_mkwrite: folio_lock"),
        MkPc::Attach if locks && (!w.page.mapping || !w.isize_covers_page) => s(
            "6BM2",
            "fs/buffer.c:2636",
            "truncated (mapping or i_size): folio_unlock, -EFAULT = NOPAGE; drop the \
             invalidate lock",
        ),
        MkPc::Attach if state(w).block == Block::Hole && w.fs_full => s(
            "6BM3",
            "fs/buffer.c:2636",
            "ext4_da_get_block_prep: no space to reserve the hole (ENOSPC): SIGBUS",
        ),
        MkPc::Attach if !locks => s(
            "6BM3-6BM5 (ablation)",
            "fs/buffer.c:2636",
            "without the folio lock or a recheck: reserve the hole, buffers and folio dirty; \
             return 0",
        ),
        _ if !cfg.protocol.keeps(Cut612::WaitStable) => s(
            "6BM3-6EM6 (ablation)",
            "fs/buffer.c:2636",
            "reserve the hole (delalloc), buffers and folio dirty, no folio_wait_stable; \
             VM_FAULT_LOCKED; drop the invalidate lock, sb_end_pagefault",
        ),
        _ => s(
            "6BM3-6EM6",
            "fs/buffer.c:2636",
            "reserve the hole (delalloc), buffers and folio dirty, folio_wait_stable; \
             VM_FAULT_LOCKED; drop the invalidate lock, sb_end_pagefault",
        ),
    }
}

/// ext4_writepages for the locked folio folio_clear_dirty_for_io just cleaned.
fn writepage(w: &mut World, me: Tid) -> Writepage {
    let mut s = state(w);
    if !w.isize_covers_page {
        // Model: a folio wholly past EOF (between truncate's i_size change and its removal)
        // is left unwritten and unlocked; truncate removes it next.
        unlock_page(w, me);
        return Writepage::Done;
    }
    if !s.buffers {
        // mpage_prepare_extent_to_map (2423): a dirty folio without buffers gets
        // ext4_warning_inode "does not have buffers attached", PG_dirty cleared, unlock, skip
        // (2525-2530): nothing is written and no error is recorded.
        // Model: the kernel clears PG_dirty with folio_clear_dirty before
        // folio_clear_dirty_for_io; here the VM's test-and-clear has already cleared it when
        // this runs, so the folio ends clean and unwritten either way. Unlike the kernel's raw
        // clear, the model's test-and-clear has write-protected the ptes first, so a later
        // store faults again instead of landing unseen through a writable pte: the model can
        // miss a later loss, never report one the kernel does not have.
        unlock_page(w, me);
        return Writepage::Done;
    }
    if s.block == Block::Hole && w.fs_full {
        // A dirty hole with no reservation on a full filesystem: the allocation fails, the
        // error goes to the mapping.
        unlock_page(w, me);
        return Writepage::Failed;
    }
    // mpage_map_and_submit_extent: a delayed (or hole) block is allocated, the folio
    // submitted: PG_writeback, the buffers clean, unlock.
    s.block = Block::Allocated;
    set(w, s);
    crate::kernel::set_page_writeback(w);
    unlock_page(w, me);
    Writepage::Done
}

fn writepage_info(w: &World) -> StepInfo {
    let s = state(w);
    let what = if !w.isize_covers_page {
        "the folio lies past EOF: nothing written; unlock"
    } else if !s.buffers {
        "a dirty folio without buffers: ext4_warning_inode \"does not have buffers attached\", \
         PG_dirty cleared, unlock, skip (2525-2530): nothing written, no error"
    } else if s.block == Block::Hole && w.fs_full {
        "a dirty hole with no reservation and a full filesystem: ENOSPC; unlock"
    } else if s.block == Block::Hole {
        "a dirty hole with no reservation: allocate it anyway, submit, PG_writeback, unlock"
    } else if s.block == Block::Delayed {
        "allocate the delayed block from its reservation, submit, PG_writeback, unlock"
    } else {
        "the block is allocated: submit, PG_writeback, unlock"
    };
    StepInfo {
        id: "6E5-6E8",
        function: "ext4_writepages",
        anchor: "fs/ext4/inode.c:2825",
        what,
    }
}

/// ext4 in 6.12.118: delalloc (the default mount) or `-o nodelalloc`.
pub struct Ext4V612 {
    /// Mounted `nodelalloc` (`ext4@6.12-nodelalloc`).
    pub nodelalloc: bool,
}

/// `--fs ext4@6.12`.
pub static EXT4_612: Ext4V612 = Ext4V612 { nodelalloc: false };
/// `--fs ext4@6.12-nodelalloc`.
pub static EXT4_612_NODELALLOC: Ext4V612 = Ext4V612 { nodelalloc: true };

/// `-o nodelalloc`'s ext4_page_mkwrite under the folio lock (6303-6351): the truncate check
/// (`folio_pos > size`, 6306); the fast path when the folio has buffers and all are mapped
/// (6322-6330): folio_wait_stable and VM_FAULT_LOCKED, the folio not dirtied; otherwise
/// block_page_mkwrite(ext4_get_block) allocates a real block and dirties the folio.
///
/// Model: the slow path's folio_unlock (6332), journal start (6339) and block_page_mkwrite's
/// folio_lock again (fs/buffer.c:2645) are one step under the lock: the window between the
/// unlock and the relock is left out (it removes runs; a violation found is a kernel run).
fn nodelalloc_attach(cfg: &Config, w: &mut World, me: Tid) -> Step {
    // Under the ablation `MkwriteLocksAndRechecks`: no lock, no check, return 0.
    let locks = cfg.protocol.keeps(Cut612::MkwriteLocksAndRechecks);
    let ok = if locks {
        MkwriteRet::Locked
    } else {
        MkwriteRet::Ok
    };
    if locks && (!w.page.mapping || !w.isize_covers_page) {
        unlock_page(w, me);
        return mkwrite_return(w, me, MkwriteRet::NoPage);
    }
    let mut s = state(w);
    // folio_wait_stable: on the fast path (6327) and in block_page_mkwrite (fs/buffer.c:2666);
    // an ENOSPC returns before it.
    if !(s.block == Block::Hole && w.fs_full) && super::waits_stable(cfg, w) {
        return Step::Blocked;
    }
    if s.buffers && s.block == Block::Allocated {
        return mkwrite_return(w, me, ok);
    }
    if s.block == Block::Hole {
        if w.fs_full {
            if locks {
                unlock_page(w, me);
            }
            return mkwrite_return(w, me, MkwriteRet::SigBus);
        }
        s.block = Block::Allocated;
    }
    s.buffers = true;
    set(w, s);
    super::of(cfg).set_page_dirty(cfg, w);
    mkwrite_return(w, me, ok)
}

impl FsOps for Ext4V612 {
    fn id(&self) -> &'static str {
        if self.nodelalloc {
            "ext4@6.12-nodelalloc"
        } else {
            "ext4@6.12"
        }
    }

    fn v612(&self) -> bool {
        true
    }

    fn cut_anchor(&self, cut: Cut612) -> &'static str {
        match cut {
            Cut612::InvalidateLock => "inode.c:6277",
            Cut612::MkwriteLocksAndRechecks if self.nodelalloc => "inode.c:6303",
            Cut612::MkwriteLocksAndRechecks => "buffer.c:2645",
            Cut612::DirtyBeforeUnlock => "memory.c:3200",
            Cut612::PteSame => "memory.c:3520",
            Cut612::SbStartPagefault => "inode.c:6274",
            Cut612::WaitStable if self.nodelalloc => "inode.c:6327",
            Cut612::WaitStable => "buffer.c:2666",
        }
    }

    fn has_writepage(&self) -> bool {
        false
    }

    fn info(&self) -> FsInfo {
        FsInfo {
            id: self.id(),
            profile: if self.nodelalloc {
                "ext4 mounted nodelalloc, Linux 6.12"
            } else {
                "ext4 with delayed allocation, Linux 6.12"
            },
            code: "6.12.118 (Debian linux-source-6.12)",
            old_vm: "(does not run beside 2.6.29)",
            new_vm: "VM_FAULT_LOCKED, under invalidate_lock (beside the 6.12 VM)",
            tracked: if self.nodelalloc {
                "the block is allocated"
            } else {
                "the block is delayed (reserved) or allocated"
            },
            files: "fs/ext4/inode.c, fs/buffer.c, mm/memory.c, mm/page-writeback.c (6.12.118)",
        }
    }

    fn era(&self) -> Option<Era> {
        Some(Era {
            family: "ext4",
            old_vm: None,
            new_vm: w("5.15", None),
            source: "the invalidate lock in ext4_page_mkwrite since d4f5258eae7b (v5.15, with \
                     730633f0b7f9); the code modelled is 6.12.118's",
        })
    }

    /// Delalloc: a clean folio over a hole, a dirty one over a delayed block. nodelalloc: the
    /// file was written and flushed before, so the folio keeps mapped buffers over an
    /// allocated block (what the fast path needs).
    fn init(&self, cfg: &Config) -> FsBits {
        FsBits(
            if self.nodelalloc {
                State {
                    block: Block::Allocated,
                    buffers: true,
                }
            } else if cfg.page_dirty {
                State {
                    block: Block::Delayed,
                    buffers: true,
                }
            } else {
                State::default()
            }
            .pack(),
        )
    }

    fn fields(&self, w: &World) -> Vec<(String, String)> {
        let s = state(w);
        vec![
            ("ext4.block".to_string(), block_name(s.block).to_string()),
            (
                "buffers".to_string(),
                if s.buffers { "yes" } else { "no" }.to_string(),
            ),
        ]
    }

    fn display(&self, w: &World) -> String {
        let s = state(w);
        format!(
            "ext4:{}{}",
            block_name(s.block),
            if s.buffers { " buffers" } else { "" }
        )
    }

    fn tracked(&self, _: &Config, w: &World) -> bool {
        state(w).block != Block::Hole
    }

    fn page_private(&self, _: &Config, w: &World) -> bool {
        state(w).buffers
    }

    fn hook_threads(&self, _: &Config, w: &World, pc: Pc) -> (Vec<Tid>, Vec<Tid>) {
        super::ops::truncate_lock_threads(w, pc)
    }

    fn locked_return(&self) -> bool {
        true
    }

    fn mkwrite_can_fail(&self, _: &Config) -> bool {
        true
    }

    /// nodelalloc's fast path leaves the folio clean (the dirtying is the VM's).
    fn mkwrite_dirties(&self) -> bool {
        !self.nodelalloc
    }

    fn page_mkwrite_entry(&self, _: &Config) -> MkPc {
        MkPc::Prepare
    }

    fn page_mkwrite(&self, cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
        page_mkwrite(cfg, w, me, pc)
    }

    fn page_mkwrite_info(&self, cfg: &Config, w: &World, _: Tid, pc: MkPc) -> StepInfo {
        page_mkwrite_info(cfg, w, pc)
    }

    /// ext4_setattr takes the invalidate lock exclusive (5567), which the mkwrite body holds
    /// shared.
    fn truncate_waits(&self, cfg: &Config, w: &World) -> bool {
        cfg.protocol.keeps(Cut612::InvalidateLock) && super::writer_in_mkwrite_body(w)
    }

    fn writepage(&self, _: &Config, w: &mut World, me: Tid, _: WbCtx) -> Writepage {
        writepage(w, me)
    }

    fn writepage_info(&self, _: &Config, w: &World, _: WbCtx) -> StepInfo {
        writepage_info(w)
    }

    /// try_to_free_buffers (fs/buffer.c:2961), reclaim holding the folio locked, not under
    /// writeback: it refuses while a buffer is busy (dirty or locked, 2904-2908, 2918-2919).
    /// Model: a dirty folio's buffers are dirty here (block_page_mkwrite's
    /// __block_commit_write and block_dirty_folio mark them with it), so a dirty folio keeps
    /// its buffers. Unmodified 6.12 dirties only under the folio lock, which reclaim holds
    /// from its dirty test on; only the lock-and-recheck ablation dirties under reclaim.
    fn releasepage(&self, _: &Config, w: &mut World) -> bool {
        if w.page.dirty {
            return false;
        }
        let mut s = state(w);
        s.buffers = false;
        set(w, s);
        true
    }

    fn private_releasable(&self, _: &Config) -> bool {
        true
    }

    fn readpage(&self, _: &Config, w: &mut World) {
        let mut s = state(w);
        s.buffers = false;
        set(w, s);
    }

    /// ext4_invalidate_folio: the buffers go; a delayed block's reservation is given back.
    fn invalidatepage(&self, _: &Config, w: &mut World) -> bool {
        let mut s = state(w);
        if s.block == Block::Delayed {
            s.block = Block::Hole;
        }
        s.buffers = false;
        set(w, s);
        true
    }
}
