//! `generic@6.12`: a filesystem whose ->page_mkwrite is `filemap_page_mkwrite`
//! (mm/filemap.c:3723, Linux 6.12.118), the generic helper of `generic_file_vm_ops`
//! (3749-3769), beside the 6.12 VM (`--protocol v6.12`).
//!
//! | slot | function | anchor (6.12.118) |
//! |---|---|---|
//! | `->page_mkwrite` | `filemap_page_mkwrite`: `sb_start_pagefault` (3729), `file_update_time` (3730), `folio_lock` (3731), mapping changed → unlock, NOPAGE (3732-3736), `folio_mark_dirty` (3742: early, so that a freeze's writeback write-protects it again), `folio_wait_stable` (3743), `sb_end_pagefault` (3745), VM_FAULT_LOCKED. No invalidate lock, no i_size check | mm/filemap.c:3723 |
//! | `->dirty_folio` | `filemap_dirty_folio` | mm/page-writeback.c:2827 |
//! | `->writepages` | the filesystem's own; nothing to allocate in the model | |
//! | `->writepage` | none assumed: reclaim activates a dirty folio | |
//!
//! "Tracked" is always true: the folio needs nothing from the filesystem before it can be
//! written (no blocks to reserve), so INV-1 and INV-2 hold trivially and the profile checks the
//! VM's own invariants (INV-3a/3c, INV-4, INV-5*, INV-6, INV-7, ACCT, BUG, DEADLOCK).
//!
//! Model: the filesystem's truncate takes no invalidate lock (exfat's does not), so a fault
//! can run between truncate's i_size change and the folio's removal.

use super::ops::{window as w, Era, FsInfo, FsOps};
use super::{mkwrite_return, MkPc, WbCtx, Writepage};
use crate::config::Config;
use crate::contract::Cut612;
use crate::kernel::{fs_work_outside_page_lock, lock_page, unlock_page, Acquire};
use crate::world::FsBits;
use crate::world::{FaultPc, MkwriteRet, Pc, Tid, World};
use crate::world::{Step, StepInfo};

/// filemap_page_mkwrite's users in 6.12.118.
pub struct GenericV612;

/// `--fs generic@6.12`.
pub static GENERIC_612: GenericV612 = GenericV612;

impl FsOps for GenericV612 {
    fn id(&self) -> &'static str {
        "generic@6.12"
    }

    fn v612(&self) -> bool {
        true
    }

    /// filemap_page_mkwrite takes no invalidate lock: that cut has no place here.
    fn cut_anchor(&self, cut: Cut612) -> &'static str {
        match cut {
            Cut612::InvalidateLock => "",
            Cut612::MkwriteLocksAndRechecks => "filemap.c:3731",
            Cut612::DirtyBeforeUnlock => "memory.c:3200",
            Cut612::PteSame => "memory.c:3520",
            Cut612::SbStartPagefault => "filemap.c:3729",
            Cut612::WaitStable => "filemap.c:3743",
        }
    }

    fn has_writepage(&self) -> bool {
        false
    }

    fn info(&self) -> FsInfo {
        FsInfo {
            id: "generic@6.12",
            profile: "filemap_page_mkwrite (generic_file_vm_ops), Linux 6.12",
            code: "6.12.118 (Debian linux-source-6.12)",
            old_vm: "(does not run beside 2.6.29)",
            new_vm: "VM_FAULT_LOCKED, dirtied early, no invalidate lock (beside the 6.12 VM)",
            tracked: "always (nothing to reserve)",
            files: "mm/filemap.c, mm/memory.c, mm/page-writeback.c (6.12.118)",
        }
    }

    fn era(&self) -> Option<Era> {
        Some(Era {
            family: "generic",
            old_vm: None,
            new_vm: w("3.6", None),
            source: "filemap_page_mkwrite's freeze protection and early dirtying since \
                     14da9200140f (2012); the code modelled is 6.12.118's",
        })
    }

    fn init(&self, _: &Config) -> FsBits {
        FsBits(0)
    }

    fn fields(&self, _: &World) -> Vec<(String, String)> {
        Vec::new()
    }

    fn display(&self, _: &World) -> String {
        "generic".to_string()
    }

    fn tracked(&self, _: &Config, _: &World) -> bool {
        true
    }

    fn locked_return(&self) -> bool {
        true
    }

    fn page_mkwrite_entry(&self, _: &Config) -> MkPc {
        MkPc::Prepare
    }

    fn page_mkwrite(&self, cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
        let locks = cfg.protocol.keeps(Cut612::MkwriteLocksAndRechecks);
        match pc {
            MkPc::Prepare => {
                // 6FM1-6FM2: sb_start_pagefault (asleep while a freeze is at
                // SB_FREEZE_PAGEFAULT or beyond), file_update_time.
                if cfg.protocol.keeps(Cut612::SbStartPagefault) && w.freeze_level() >= 2 {
                    return Step::Blocked;
                }
                fs_work_outside_page_lock(w, me);
                Step::Next(Pc::Fault(FaultPc::Mkwrite(if locks {
                    MkPc::LockPage
                } else {
                    MkPc::Attach
                })))
            }
            MkPc::LockPage => match lock_page(w, me) {
                // 6FM3: folio_lock.
                Acquire::Blocked => Step::Blocked,
                Acquire::SelfDeadlock => Step::Next(Pc::Fault(FaultPc::Hung)),
                Acquire::Got => Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Attach))),
            },
            MkPc::Attach => {
                // 6FM4: the mapping changed: unlock, NOPAGE. No i_size check.
                if locks && !w.page.mapping {
                    unlock_page(w, me);
                    return mkwrite_return(w, me, MkwriteRet::NoPage);
                }
                // 6FM5-6FM7: folio_mark_dirty, folio_wait_stable (mm/filemap.c:3743),
                // sb_end_pagefault.
                if super::waits_stable(cfg, w) {
                    return Step::Blocked;
                }
                super::of(cfg).set_page_dirty(cfg, w);
                mkwrite_return(
                    w,
                    me,
                    if locks {
                        MkwriteRet::Locked
                    } else {
                        MkwriteRet::Ok
                    },
                )
            }
            _ => panic!("model bug: filemap_page_mkwrite has no {pc:?} step"),
        }
    }

    fn page_mkwrite_info(&self, cfg: &Config, w: &World, _: Tid, pc: MkPc) -> StepInfo {
        let locks = cfg.protocol.keeps(Cut612::MkwriteLocksAndRechecks);
        let (id, what) = match pc {
            MkPc::Prepare => ("6FM1-6FM2", "sb_start_pagefault, file_update_time"),
            MkPc::LockPage => ("6FM3", "folio_lock"),
            MkPc::Attach if locks && !w.page.mapping => (
                "6FM4",
                "the mapping changed (truncated): folio_unlock, NOPAGE",
            ),
            MkPc::Attach if !locks => (
                "6FM5 (ablation)",
                "without the folio lock or a recheck: folio_mark_dirty; return 0",
            ),
            _ if !cfg.protocol.keeps(Cut612::WaitStable) => (
                "6FM4-6FM7 (ablation)",
                "mapping unchanged: folio_mark_dirty, no folio_wait_stable, sb_end_pagefault; \
                 VM_FAULT_LOCKED",
            ),
            _ => (
                "6FM4-6FM7",
                "mapping unchanged: folio_mark_dirty, folio_wait_stable, sb_end_pagefault; \
                 VM_FAULT_LOCKED",
            ),
        };
        StepInfo {
            id,
            function: "filemap_page_mkwrite",
            anchor: "mm/filemap.c:3723",
            what,
        }
    }

    fn writepage(&self, _: &Config, w: &mut World, me: Tid, _: WbCtx) -> Writepage {
        if w.isize_covers_page {
            crate::kernel::set_page_writeback(w);
        }
        unlock_page(w, me);
        Writepage::Done
    }

    fn writepage_info(&self, _: &Config, w: &World, _: WbCtx) -> StepInfo {
        StepInfo {
            id: "6W6",
            function: "->writepages",
            anchor: "mm/page-writeback.c:2536",
            what: if w.isize_covers_page {
                "submit the folio: PG_writeback, unlock"
            } else {
                "the folio lies past EOF: nothing written; unlock"
            },
        }
    }
}
