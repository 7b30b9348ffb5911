//! The interface every checker uses: `step`, `enabled`, `threads_enabled`, and the description
//! of each step (`info`). Nothing outside `model/` knows the protocol.

use crate::config::Config;
use crate::contract::Role;
use crate::mm;
use crate::world::{EnvPc, Pc, Tid, World};

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
    /// The step id of docs/protocol.md (WP5a, DF12', W6c, T3, ST, HPF, FF1…).
    pub id: &'static str,
    /// The kernel function.
    pub function: &'static str,
    /// The function's anchor, file:line in the modelled tree.
    pub anchor: &'static str,
    /// What the step does, in our words.
    pub what: &'static str,
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
        Pc::Io => mm::page_writeback::io_complete(cfg, w),
        Pc::Env(pc) => env_step(w, pc),
        Pc::Reclaim(pc) => mm::vmscan::step(cfg, w, t, pc),
        Pc::FsWorker(pc) => crate::fs::worker_step(w, t, pc),
    }
}

/// E0: the rest of the system takes the filesystem's last free blocks.
fn env_step(w: &mut World, pc: EnvPc) -> Step {
    match pc {
        EnvPc::FillsUp => {
            w.fs_full = true;
            Step::Next(Pc::Env(EnvPc::Done))
        }
        EnvPc::Done => Step::Blocked,
    }
}

/// The final sync starts only when every writer, W0 and T0 have finished (IO and E0 may still
/// run).
fn others_finished(w: &World) -> bool {
    w.threads
        .iter()
        .filter(|t| t.role.waited_for_by_sync())
        .all(|t| t.finished(w))
}

/// The state after thread `t` takes its next step, or `None` if it is blocked or finished.
pub fn step(cfg: &Config, w: &World, t: Tid) -> Option<World> {
    if w.thread(t).finished(w) && w.thread(t).role != Role::Io {
        return None;
    }
    let mut next = *w;
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
        Pc::Writeback(pc) => mm::page_writeback::info(cfg, w, pc, th.role == Role::Sync),
        Pc::Truncate(pc) => mm::truncate::info(cfg, w, pc),
        Pc::Io => mm::page_writeback::io_info(cfg, w),
        Pc::Reclaim(pc) => mm::vmscan::info(cfg, w, pc),
        Pc::FsWorker(pc) => crate::fs::worker_info(cfg, w, pc),
        Pc::Env(_) => StepInfo {
            id: "ENV",
            function: "(another writer)",
            anchor: "elsewhere",
            what: "the filesystem's last free blocks are taken: allocations now fail with ENOSPC",
        },
    }
}
