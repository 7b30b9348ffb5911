//! `xfs@6.12`: XFS through iomap in Linux 6.12.118, beside the 6.12 VM (`--protocol v6.12`).
//!
//! | slot | function | anchor (6.12.118) |
//! |---|---|---|
//! | `->page_mkwrite` | `xfs_write_fault`: `sb_start_pagefault` (1453), `file_update_time` (1454), MMAPLOCK shared, which is the invalidate lock (1461; fs/xfs/xfs_inode.c:155-160); `iomap_page_mkwrite` (fs/iomap/buffered-io.c:1524): `folio_lock` (1533), `folio_mkwrite_check_truncate` (1534-1536: truncated or past EOF → -EFAULT → NOPAGE), `iomap_iter` → `xfs_buffered_write_iomap_begin` reserves a hole as delalloc (ENOSPC → SIGBUS), `iomap_folio_mkwrite_iter` marks the folio dirty, `folio_wait_stable`, VM_FAULT_LOCKED (1544-1545); MMAPLOCK unlock, `sb_end_pagefault` (1472-1474) | fs/xfs/xfs_file.c:1443 |
//! | `->dirty_folio` | `iomap_dirty_folio` → `filemap_dirty_folio` | fs/iomap/buffered-io.c:682 |
//! | `->writepages` | `xfs_vm_writepages` → `iomap_writepages`: a folio past EOF is left (`iomap_writepage_handle_eof`, 2001-2004); `xfs_map_blocks` converts delalloc to a real extent; a HOLE is skipped silently (1900-1901) | fs/iomap/buffered-io.c:2071 |
//! | `->writepage` | none: reclaim's `pageout` activates a dirty folio (mm/vmscan.c:673-674) | |
//! | truncate | `xfs_setattr_size` under MMAPLOCK exclusive (the invalidate lock), `truncate_setsize` | |
//!
//! "Tracked" is "the block is delayed (reserved) or allocated". Untracked and dirty, a folio
//! over a hole is skipped by writeback and its data dropped without an error (the XFS form of
//! INV-2/INV-3c).
//!
//! Model: one block per folio, so iomap allocates no `ifs` and the folio has no private data.
//! Reflink's exclusive MMAPLOCK (XFS_IREMAPPING, 1462-1466), DAX and the COW fork are left
//! out. The step `Attach` merges iomap_page_mkwrite's work with the unlocks after it, as for
//! `ext4@6.12`.

use super::ext4::Block;
use super::ext4_612::{delalloc_attach, lock, prepare_with_invalidate_lock, State};
use super::ops::{window as w, Era, FsInfo, FsOps, PackedState};
use super::{MkPc, WbCtx, Writepage};
use crate::config::Config;
use crate::contract::Cut612;
use crate::kernel::unlock_page;
use crate::world::FsBits;
use crate::world::{Pc, Tid, World};
use crate::world::{Step, StepInfo};

fn state(w: &World) -> State {
    super::ops::state(w)
}

fn set(w: &mut World, s: State) {
    super::ops::set_state(w, s);
}

fn block_name(b: Block) -> &'static str {
    match b {
        Block::Hole => "hole",
        Block::Delayed => "delalloc",
        Block::Allocated => "real",
    }
}

/// XFS in 6.12.118, iomap buffered I/O.
pub struct XfsV612;

/// `--fs xfs@6.12`.
pub static XFS_612: XfsV612 = XfsV612;

impl FsOps for XfsV612 {
    fn id(&self) -> &'static str {
        "xfs@6.12"
    }

    fn v612(&self) -> bool {
        true
    }

    fn cut_anchor(&self, cut: Cut612) -> &'static str {
        match cut {
            Cut612::InvalidateLock => "xfs_file.c:1461",
            Cut612::MkwriteLocksAndRechecks => "buffered-io.c:1533",
            Cut612::DirtyBeforeUnlock => "memory.c:3200",
            Cut612::PteSame => "memory.c:3520",
            Cut612::SbStartPagefault => "xfs_file.c:1453",
            Cut612::WaitStable => "buffered-io.c:1544",
        }
    }

    fn has_writepage(&self) -> bool {
        false
    }

    fn info(&self) -> FsInfo {
        FsInfo {
            id: "xfs@6.12",
            profile: "XFS through iomap, Linux 6.12",
            code: "6.12.118 (Debian linux-source-6.12)",
            old_vm: "(does not run beside 2.6.29)",
            new_vm: "VM_FAULT_LOCKED, under MMAPLOCK = invalidate_lock (beside the 6.12 VM)",
            tracked: "the block is delalloc (reserved) or real",
            files: "fs/xfs/xfs_file.c, fs/iomap/buffered-io.c, fs/xfs/xfs_iomap.c (6.12.118)",
        }
    }

    fn era(&self) -> Option<Era> {
        Some(Era {
            family: "XFS",
            old_vm: None,
            new_vm: w("5.15", None),
            source: "MMAPLOCK became the invalidate lock with 730633f0b7f9's series (v5.15); \
                     the code modelled is 6.12.118's",
        })
    }

    fn init(&self, cfg: &Config) -> FsBits {
        FsBits(
            if cfg.page_dirty {
                State {
                    block: Block::Delayed,
                    buffers: false,
                }
            } else {
                State::default()
            }
            .pack(),
        )
    }

    fn fields(&self, w: &World) -> Vec<(String, String)> {
        vec![(
            "xfs.extent".to_string(),
            block_name(state(w).block).to_string(),
        )]
    }

    fn display(&self, w: &World) -> String {
        format!("xfs:{}", block_name(state(w).block))
    }

    fn tracked(&self, _: &Config, w: &World) -> bool {
        state(w).block != Block::Hole
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

    fn page_mkwrite_entry(&self, _: &Config) -> MkPc {
        MkPc::Prepare
    }

    fn page_mkwrite(&self, cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
        match pc {
            MkPc::Prepare => prepare_with_invalidate_lock(cfg, w, me),
            MkPc::LockPage => lock(w, me),
            MkPc::Attach => delalloc_attach(cfg, w, me, false),
            _ => panic!("model bug: xfs_write_fault has no {pc:?} step"),
        }
    }

    fn page_mkwrite_info(&self, cfg: &Config, w: &World, _: Tid, pc: MkPc) -> StepInfo {
        let locks = cfg.protocol.keeps(Cut612::MkwriteLocksAndRechecks);
        let (id, function, anchor, what) = match pc {
            MkPc::Prepare if !cfg.protocol.keeps(Cut612::InvalidateLock) => (
                "6XM1-6XM2 (ablation)",
                "xfs_write_fault",
                "fs/xfs/xfs_file.c:1443",
                "sb_start_pagefault, file_update_time; no MMAPLOCK",
            ),
            MkPc::Prepare => (
                "6XM1-6XM3",
                "xfs_write_fault",
                "fs/xfs/xfs_file.c:1443",
                "sb_start_pagefault, file_update_time, MMAPLOCK shared (asleep while truncate \
                 holds it)",
            ),
            MkPc::LockPage => (
                "6XM4",
                "iomap_page_mkwrite",
                "fs/iomap/buffered-io.c:1524",
                "folio_lock",
            ),
            MkPc::Attach if locks && (!w.page.mapping || !w.isize_covers_page) => (
                "6XM5",
                "iomap_page_mkwrite",
                "fs/iomap/buffered-io.c:1524",
                "folio_mkwrite_check_truncate: truncated: folio_unlock, NOPAGE; MMAPLOCK \
                 unlock",
            ),
            MkPc::Attach if state(w).block == Block::Hole && w.fs_full => (
                "6XM6",
                "iomap_page_mkwrite",
                "fs/iomap/buffered-io.c:1524",
                "xfs_buffered_write_iomap_begin: no space for the delalloc reservation: \
                 folio_unlock, SIGBUS",
            ),
            MkPc::Attach if !locks => (
                "6XM6-6XM7 (ablation)",
                "iomap_page_mkwrite",
                "fs/iomap/buffered-io.c:1524",
                "without the folio lock or a recheck: reserve delalloc, folio dirty; return 0",
            ),
            _ if !cfg.protocol.keeps(Cut612::WaitStable) => (
                "6XM6-6XM9 (ablation)",
                "iomap_page_mkwrite",
                "fs/iomap/buffered-io.c:1524",
                "reserve a hole as delalloc, folio_mark_dirty, no folio_wait_stable; \
                 VM_FAULT_LOCKED; MMAPLOCK unlock, sb_end_pagefault",
            ),
            _ => (
                "6XM6-6XM9",
                "iomap_page_mkwrite",
                "fs/iomap/buffered-io.c:1524",
                "reserve a hole as delalloc, folio_mark_dirty, folio_wait_stable; \
                 VM_FAULT_LOCKED; MMAPLOCK unlock, sb_end_pagefault",
            ),
        };
        StepInfo {
            id,
            function,
            anchor,
            what,
        }
    }

    /// xfs_setattr_size holds MMAPLOCK (the invalidate lock) exclusive.
    fn truncate_waits(&self, cfg: &Config, w: &World) -> bool {
        cfg.protocol.keeps(Cut612::InvalidateLock) && super::writer_in_mkwrite_body(w)
    }

    fn writepage(&self, _: &Config, w: &mut World, me: Tid, _: WbCtx) -> Writepage {
        let mut s = state(w);
        if !w.isize_covers_page || s.block == Block::Hole {
            // iomap_writepage_handle_eof (2001-2004): past EOF, unlock and return 0; or
            // xfs_map_blocks found a HOLE, which iomap_writepage_map_blocks skips
            // (1900-1901): nothing is written, the folio stays clean.
            unlock_page(w, me);
            return Writepage::Done;
        }
        // xfs_map_blocks: delalloc converted to a real extent; the folio submitted.
        s.block = Block::Allocated;
        set(w, s);
        crate::kernel::set_page_writeback(w);
        unlock_page(w, me);
        Writepage::Done
    }

    fn writepage_info(&self, _: &Config, w: &World, _: WbCtx) -> StepInfo {
        let s = state(w);
        let what = if !w.isize_covers_page {
            "iomap_writepage_handle_eof: the folio lies past EOF: unlock, nothing written"
        } else if s.block == Block::Hole {
            "xfs_map_blocks finds a HOLE: skipped silently, nothing written; unlock"
        } else if s.block == Block::Delayed {
            "xfs_map_blocks converts delalloc to a real extent; submit, PG_writeback, unlock"
        } else {
            "the extent is real: submit, PG_writeback, unlock"
        };
        StepInfo {
            id: "6W6",
            function: "iomap_writepages",
            anchor: "fs/iomap/buffered-io.c:2071",
            what,
        }
    }

    fn readpage(&self, _: &Config, _: &mut World) {}

    /// The folio leaves the cache; xfs_setattr_size frees the delalloc extent past EOF.
    /// Model: done here, with the folio's removal; no later step looks at the block of a
    /// folio beyond EOF.
    fn invalidatepage(&self, _: &Config, w: &mut World) -> bool {
        let mut s = state(w);
        if s.block == Block::Delayed {
            s.block = Block::Hole;
        }
        set(w, s);
        true
    }
}
