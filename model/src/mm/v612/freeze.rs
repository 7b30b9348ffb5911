//! `--freeze`: a filesystem freeze, `Z0`, as freeze_super (fs/super.c:2066, 6.12.118) does it,
//! then thaw_super.
//!
//! | step | kernel | what |
//! |---|---|---|
//! | 6Z1 | 2106-2109 | `frozen = SB_FREEZE_WRITE`; sb_wait_write waits for sb_start_write holders (a truncate under way) |
//! | 6Z2 | 2113-2114 | `frozen = SB_FREEZE_PAGEFAULT`; wait for sb_start_pagefault holders (faults inside ->page_mkwrite) |
//! | 6Z3 | 2117 | sync_filesystem: a WB_SYNC_ALL writeback pass over the file (folio_mkclean write-protects every pte of a dirty folio) and the wait for its I/O |
//! | 6Z4-6Z5 | 2127-2147 | `frozen = SB_FREEZE_FS`, ->freeze_fs, `frozen = SB_FREEZE_COMPLETE` |
//! | 6Z6 | thaw_super | `frozen = SB_UNFROZEN` |
//!
//! The freeze level is where `Z0` stands (`World::freeze_level`); the rule it enforces is
//! FREEZE (`frozen_fs_has_no_dirty_page`): while the filesystem is frozen, no pte maps the
//! folio writable and PG_dirty is clear (ea13a86463fd's rule: a fault dirties the folio under
//! its lock before it can pass the freeze check, so that the freeze's writeback finds it).
//!
//! Model: setting a level and waiting for its holders are one step, taken when no holder is
//! left: a holder that would start after the level is set is blocked in the kernel, and one
//! that starts before the step in the model is waited for; the interleavings are the same.
//! sync_filesystem's first, WB_SYNC_NONE pass (writeback_inodes_sb) is left out: the
//! WB_SYNC_ALL pass after it writes everything it would. ->freeze_fs (ext4's journal flush)
//! touches nothing the model has.

use crate::config::Config;
use crate::world::{FzPc, Pc, Tid, WbPc, World};
use crate::world::{Step, StepInfo};

fn next(pc: FzPc) -> Step {
    Step::Next(Pc::Freeze(pc))
}

/// Whether a fault is inside sb_start_pagefault .. sb_end_pagefault: in a 6.12
/// ->page_mkwrite past its first step.
pub fn fault_in_pagefault_section(cfg: &Config, w: &World) -> bool {
    cfg.protocol
        .keeps(crate::contract::Cut612::SbStartPagefault)
        && crate::fs::writer_in_mkwrite_body(w)
}

/// One step of Z0.
pub fn step(cfg: &Config, w: &mut World, me: Tid, pc: FzPc) -> Step {
    match pc {
        FzPc::Write => {
            if crate::fs::truncate_running(w) {
                return Step::Blocked;
            }
            next(FzPc::Pagefault)
        }
        FzPc::Pagefault => {
            if fault_in_pagefault_section(cfg, w) {
                return Step::Blocked;
            }
            next(FzPc::Sync(WbPc::Lookup))
        }
        FzPc::Sync(wb) => match crate::mm::page_writeback::step(cfg, w, me, wb, true) {
            Step::Blocked => Step::Blocked,
            Step::Next(Pc::Writeback(WbPc::Done)) => next(FzPc::Complete),
            Step::Next(Pc::Writeback(n)) => next(FzPc::Sync(n)),
            Step::Next(other) => panic!("model bug: a writeback step went to {other:?}"),
        },
        FzPc::Complete => next(FzPc::Frozen),
        FzPc::Frozen => next(FzPc::Done),
        FzPc::Done => Step::Blocked,
    }
}

/// The description of a step of Z0; `wb` describes a writeback step in 6.12's words.
pub fn info(pc: FzPc, wb: &dyn Fn(WbPc) -> StepInfo) -> StepInfo {
    let s = |id, what| StepInfo {
        id,
        function: "freeze_super",
        anchor: "fs/super.c:2066",
        what,
    };
    match pc {
        FzPc::Write => s(
            "6Z1",
            "frozen = SB_FREEZE_WRITE; wait for sb_start_write holders (truncate)",
        ),
        FzPc::Pagefault => s(
            "6Z2",
            "frozen = SB_FREEZE_PAGEFAULT; wait for faults inside sb_start_pagefault",
        ),
        FzPc::Sync(n) => StepInfo { id: "6Z3", ..wb(n) },
        FzPc::Complete => s(
            "6Z4-6Z5",
            "frozen = SB_FREEZE_FS, ->freeze_fs, frozen = SB_FREEZE_COMPLETE",
        ),
        FzPc::Frozen => StepInfo {
            id: "6Z6",
            function: "thaw_super",
            anchor: "fs/super.c:2225",
            what: "the filesystem is frozen; thaw it: frozen = SB_UNFROZEN",
        },
        FzPc::Done => s("-", "thawed"),
    }
}
