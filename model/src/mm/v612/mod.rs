//! Linux 6.12.118's VM: the write fault in its own file (`memory.rs`), and the anchors of the
//! writeback, truncate and reclaim steps as 6.12 names them.
//!
//! Writeback, truncate and reclaim run the 2.6.29 model's steps (`mm::page_writeback`,
//! `mm::truncate`, `mm::vmscan`), described here with 6.12's functions and lines:
//!
//! | 2.6.29 step | 6.12.118 | what is the same |
//! |---|---|---|
//! | W1 lookup by the DIRTY tag | `writeback_iter` (mm/page-writeback.c:2536) → `filemap_get_folios_tag` (2493-2494) | a lock-free lookup by tag and a folio reference |
//! | W2-W5 lock, mapping, PG_dirty, PG_writeback | `writeback_iter` `folio_lock` (2500), `folio_prepare_writeback` (2437-2467) | mapping changed or not dirty: skip; under writeback: WB_SYNC_NONE skips, WB_SYNC_ALL waits with the lock held |
//! | W6a page_mkclean, one PTL section per pte | `folio_clear_dirty_for_io` (2991) → `folio_mkclean` (mm/rmap.c:1102) → `page_vma_mkclean_one` (1021) | each pte write-protected and cleaned under its PTL, `i_mmap_rwsem` over the walk |
//! | W6b set_page_dirty if a pte was cleaned | `folio_mark_dirty` (page-writeback.c:3028-3029) | |
//! | W6c TestClearPageDirty | `folio_test_clear_dirty` and NR_FILE_DIRTY (3038-3047) | the DIRTY tag is left |
//! | W8 ->writepage | the profile's `->writepages` for one folio (ext4_writepages, iomap_writepages) | start writeback, unlock |
//! | W9 end_page_writeback | `folio_end_writeback` (mm/filemap.c:1614) | |
//! | T1-T3 vmtruncate | the filesystem's setattr under `invalidate_lock` (ext4_setattr 5567-5661), `truncate_pagecache` (mm/truncate.c:737): `unmap_mapping_range` (mm/memory.c:3868), `truncate_inode_pages_range` (mm/truncate.c:329) → `truncate_inode_folio` (172) → `truncate_cleanup_folio` (155), `filemap_remove_folio` (mm/filemap.c:249) | i_size first, unmap without the folio lock, then lock, wait for writeback, unmap again if mapped, invalidate, cancel dirty, remove |
//! | RC1-RC6 shrink_page_list | `shrink_folio_list` (mm/vmscan.c:1049): trylock 1079, writeback 1180, `try_to_unmap` 1326, dirty 1347-1373 and `pageout` 638 (no ->writepage: PAGE_ACTIVATE, 673-674), `filemap_release_folio` 1455 (mm/filemap.c:4227), `__remove_mapping` 720 | |
//!
//! Model: reusing those steps is sound because each 6.12 function takes the same locks in the
//! same order over the same state as the 2.6.29 step it is matched with: the folio lock where
//! the page lock was, the PTL per pte, i_mmap_rwsem where i_mmap_lock was, the xa_lock where
//! tree_lock was. What 6.12 adds is in the profiles, which the reused steps call: the
//! invalidate lock (ext4 and XFS, `FsOps::truncate_waits` and their ->page_mkwrite's first
//! step), and the missing ->writepage (`FsOps::has_writepage`, which makes reclaim's pageout
//! activate a dirty folio). A step's `what` keeps the 2.6.29 words where 6.12 does the same
//! (`lock_page` for `folio_lock`, `set_page_dirty` for `folio_mark_dirty`, `tree_lock` for the
//! xa_lock).
//!
//! The freeze is `--freeze` (`freeze.rs`). Stable writes are `--stable-writes`: the mapping
//! has AS_STABLE_WRITES (include/linux/pagemap.h:307-310), and `folio_wait_stable`
//! (mm/page-writeback.c:3236-3240), which every 6.12 ->page_mkwrite calls under the folio
//! lock, waits for PG_writeback to clear (`fs::waits_stable`); without the flag it is a no-op.

pub mod freeze;
pub mod memory;

use crate::config::Config;
use crate::contract::Protocol;
use crate::world::StepInfo;
use crate::world::{FaultPc, Pc, Tid, World};

/// 2.6.29 function → (6.12.118 function, its file:line). Every line read in the 6.12.118 tree.
const TABLE: &[(&str, &str, &str)] = &[
    ("handle_pte_fault", "handle_pte_fault", "mm/memory.c:5765"),
    ("filemap_fault", "filemap_fault", "mm/filemap.c:3305"),
    ("__lock_page", "__folio_lock", "mm/filemap.c:1648"),
    (
        "__set_page_dirty_nobuffers",
        "__folio_mark_dirty",
        "mm/page-writeback.c:2793",
    ),
    (
        "write_cache_pages",
        "writeback_iter",
        "mm/page-writeback.c:2536",
    ),
    (
        "clear_page_dirty_for_io",
        "folio_clear_dirty_for_io",
        "mm/page-writeback.c:2991",
    ),
    ("page_mkclean", "folio_mkclean", "mm/rmap.c:1102"),
    ("page_mkclean_one", "page_vma_mkclean_one", "mm/rmap.c:1021"),
    (
        "end_page_writeback",
        "folio_end_writeback",
        "mm/filemap.c:1614",
    ),
    ("vfs_fsync", "vfs_fsync", "fs/sync.c:199"),
    (
        "filemap_fdatawait",
        "__filemap_fdatawait_range",
        "mm/filemap.c:502",
    ),
    ("vmtruncate", "truncate_pagecache", "mm/truncate.c:737"),
    (
        "unmap_mapping_range",
        "unmap_mapping_range",
        "mm/memory.c:3868",
    ),
    (
        "truncate_inode_pages_range",
        "truncate_inode_pages_range",
        "mm/truncate.c:329",
    ),
    (
        "truncate_complete_page",
        "truncate_cleanup_folio",
        "mm/truncate.c:155",
    ),
    (
        "remove_from_page_cache",
        "filemap_remove_folio",
        "mm/filemap.c:249",
    ),
    ("shrink_page_list", "shrink_folio_list", "mm/vmscan.c:1049"),
    ("try_to_unmap_one", "try_to_unmap_one", "mm/rmap.c:1642"),
    ("pageout", "pageout", "mm/vmscan.c:638"),
];

/// The 6.12 name and anchor of a step described in 2.6.29's words. A 2.6.29 mm function with
/// no 6.12 counterpart in the table gets the anchor `?`, which the docs test reports.
fn translate(mut i: StepInfo) -> StepInfo {
    if let Some((_, f, a)) = TABLE.iter().find(|(old, _, _)| *old == i.function) {
        i.function = f;
        i.anchor = a;
    } else if i.anchor.starts_with("mm/") || i.anchor.starts_with("fs/buffer.c") {
        // A 2.6.29 mm anchor the table does not know.
        if !i.anchor.contains("6.12") {
            i.anchor = "?";
        }
    }
    i
}

/// The configuration as the 2.6.29 describers see it: the new VM's step texts.
pub fn as_new(cfg: &Config) -> Config {
    Config {
        protocol: Protocol::New,
        ..*cfg
    }
}

/// The description of the step thread `t` takes next, under the 6.12 VM; `base` describes
/// a step in 2.6.29's words for a configuration (`step::info` for `as_new(cfg)`).
pub fn info(cfg: &Config, w: &World, t: Tid, base: &dyn Fn(&Config) -> StepInfo) -> StepInfo {
    let th = w.thread(t);
    match th.pc {
        Pc::Fault(pc) => writer_info(cfg, w, t, pc),
        Pc::Gup(pc) => crate::mm::gup::info_612(cfg, w, t, pc),
        Pc::Reclaim(crate::world::RcPc::Pageout) if !crate::fs::has_writepage(cfg) => StepInfo {
            id: "6R4",
            function: "shrink_folio_list",
            anchor: "mm/vmscan.c:1049",
            what: "the folio is dirty: kswapd activates it (no ->writepage: pageout would \
                   return PAGE_ACTIVATE); unlock, put back",
        },
        // The profile's own hooks (writepages, end_io) name 6.12 functions already; the
        // mm steps are translated.
        _ => translate(base(&as_new(cfg))),
    }
}

/// The description of a writer's step under the 6.12 VM.
pub fn writer_info(cfg: &Config, w: &World, me: Tid, pc: FaultPc) -> StepInfo {
    if memory::owns(pc) {
        return memory::info(cfg, w, me, pc);
    }
    match pc {
        FaultPc::Mkwrite(m) => crate::fs::page_mkwrite_info(cfg, w, me, m),
        FaultPc::AccountPageDirtied => StepInfo {
            id: "SPD",
            function: "__folio_mark_dirty",
            anchor: "mm/page-writeback.c:2793",
            what: "under the xa_lock: folio->mapping still set? account NR_FILE_DIRTY, tag \
                   dirty",
        },
        _ => {
            let c = as_new(cfg);
            translate(crate::mm::memory::info(&c, w, me, pc))
        }
    }
}
