//! The interface every checker uses: `step`, `enabled`, `threads_enabled`, and the description
//! of each step (`info`). Nothing outside `model/` knows the protocol.

use crate::config::Config;
use crate::contract::{Fix, Role};
use crate::mm;
use crate::world::{Pc, Tid, World};

/// The outcome of trying one step: the next program counter, or "this thread sleeps".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The step ran; the thread continues at this pc.
    Next(Pc),
    /// The thread is blocked; nothing was mutated.
    Blocked,
}

/// Where a step stands in the kernel, for traces and the Explorer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepInfo {
    /// The reference's step id (WP5a, DF12', W6c, T3…) or one of ours (ST, HPF, FF1…).
    pub id: &'static str,
    /// The kernel function.
    pub function: &'static str,
    /// The function's anchor, file:line in the modelled tree.
    pub anchor: &'static str,
    /// What the step does, in our words.
    pub what: &'static str,
}

/// Function anchors. mm/memory.c lines differ between the two trees: the new ones are the
/// reference's (2.6.29.4, e58fcb489af); the old ones are derived from the patch's hunk headers
/// (do_wp_page precedes every hunk; after its hunks the file is 33 lines longer, after
/// __do_fault's 44).
pub fn anchor(function: &str, old: bool) -> &'static str {
    match (function, old) {
        ("do_wp_page", _) => "mm/memory.c:1890",
        ("__do_fault", false) => "mm/memory.c:2623",
        ("__do_fault", true) => "mm/memory.c:2590",
        ("handle_pte_fault", false) => "mm/memory.c:2852",
        ("handle_pte_fault", true) => "mm/memory.c:2808",
        ("unmap_mapping_range", false) => "mm/memory.c:2314",
        ("unmap_mapping_range", true) => "mm/memory.c:2281",
        ("vmtruncate", false) => "mm/memory.c:2365",
        ("vmtruncate", true) => "mm/memory.c:2332",
        ("zap_pte_range", _) => "mm/memory.c:761",
        ("filemap_fault", _) => "mm/filemap.c:1451",
        ("block_page_mkwrite", _) => "fs/buffer.c:2468",
        ("write_cache_pages", _) => "mm/page-writeback.c:932",
        ("clear_page_dirty_for_io", _) => "mm/page-writeback.c:1321",
        ("set_page_dirty", _) => "mm/page-writeback.c:1266",
        ("page_mkclean", _) => "mm/rmap.c:567",
        ("truncate_inode_pages_range", _) => "mm/truncate.c:161",
        ("truncate_complete_page", _) => "mm/truncate.c:97",
        ("block_write_full_page", _) => "fs/buffer.c",
        ("end_page_writeback", _) => "mm/filemap.c",
        ("filemap_fdatawait", _) => "mm/filemap.c",
        ("store", _) => "user space",
        _ => "?",
    }
}

/// Whether `cfg` runs the old mm/memory.c (for its line anchors): no fix of the patch applied.
pub fn is_old_memory_c(cfg: &Config) -> bool {
    !cfg.fixes.has(Fix::WpRelockAfterMkwrite) && !cfg.fixes.has(Fix::DfDirtyBeforeUnlock)
}

/// Run one step of thread `t` on `w`. `Blocked` leaves `w` untouched.
pub fn step_in_place(cfg: &Config, w: &mut World, t: Tid) -> Step {
    let th = *w.thread(t);
    match th.pc {
        Pc::Fault(pc) => mm::memory::step(cfg, w, t, pc),
        Pc::Writeback(pc) => {
            let sync = th.role == Role::Sync;
            if sync && !others_finished(w) {
                return Step::Blocked;
            }
            mm::page_writeback::step(cfg, w, t, pc, sync)
        }
        Pc::Truncate(pc) => mm::truncate::step(cfg, w, t, pc),
        Pc::Io => mm::page_writeback::end_page_writeback(w),
    }
}

/// The final sync starts only when every writer, W0 and T0 have finished (IO may still run).
fn others_finished(w: &World) -> bool {
    w.threads
        .iter()
        .filter(|t| !matches!(t.role, Role::Sync | Role::Io))
        .all(|t| t.finished(w))
}

/// The state after thread `t` takes its next step, or `None` if it is blocked or finished.
pub fn step(cfg: &Config, w: &World, t: Tid) -> Option<World> {
    if w.thread(t).finished(w) && w.thread(t).role != Role::Io {
        return None;
    }
    let mut next = w.clone();
    match step_in_place(cfg, &mut next, t) {
        Step::Blocked => None,
        Step::Next(pc) => {
            next.thread_mut(t).pc = pc;
            Some(next)
        }
    }
}

/// Whether thread `t` can take a step.
pub fn enabled(cfg: &Config, w: &World, t: Tid) -> bool {
    step(cfg, w, t).is_some()
}

/// The threads that can take a step, in thread order.
pub fn threads_enabled(cfg: &Config, w: &World) -> Vec<Tid> {
    (0..w.threads.len() as Tid)
        .filter(|t| enabled(cfg, w, *t))
        .collect()
}

/// The description of the step thread `t` takes next in `w`.
pub fn info(cfg: &Config, w: &World, t: Tid) -> StepInfo {
    let th = w.thread(t);
    match th.pc {
        Pc::Fault(pc) => mm::memory::info(cfg, w, t, pc),
        Pc::Writeback(pc) => mm::page_writeback::info(w, pc, th.role == Role::Sync),
        Pc::Truncate(pc) => mm::truncate::info(cfg, w, pc),
        Pc::Io => mm::page_writeback::io_info(),
    }
}
