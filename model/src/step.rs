//! The interface every checker uses: the initial world (`World::init`), `step`, `enabled`,
//! `threads_enabled`, whether a thread has finished, the writers' symmetry, and the
//! description of each step (`info`). Nothing outside `model/` knows the protocol.
//!
//! The world's type (`world.rs`) knows no filesystem; what needs the configuration's profile
//! (its initial per-page state, its worker and RPCs, its own lock) is completed here, above the
//! filesystem registry and the VM's paths.

use crate::config::Config;
use crate::contract::Role;
use crate::mm;
use crate::world::{
    Data, EnvPc, FaultPc, GupPc, Inline, Local, Page, Pc, Pte, RcPc, Thread, Tid, TruncPc, WbPc,
    World, XPc, MAX_PTES,
};

pub use crate::world::{Step, StepInfo};

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
        Pc::FsWorker(pc) => crate::fs::worker_step(cfg, w, t, pc),
        Pc::Gup(pc) => mm::gup::step(cfg, w, t, pc),
        Pc::Freeze(pc) => mm::v612::freeze::step(cfg, w, t, pc),
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
    if cfg.protocol.is_v612() {
        return mm::v612::info(cfg, w, t, &|c| info_of(c, w, t));
    }
    info_of(cfg, w, t)
}

fn info_of(cfg: &Config, w: &World, t: Tid) -> StepInfo {
    let th = w.thread(t);
    match th.pc {
        Pc::Fault(pc) => mm::memory::info(cfg, w, t, pc),
        Pc::Writeback(pc) => mm::page_writeback::info(cfg, w, pc, th.role == Role::Sync),
        Pc::Truncate(pc) => mm::truncate::info(cfg, w, pc),
        Pc::Io => mm::page_writeback::io_info(cfg, w),
        Pc::Reclaim(pc) => mm::vmscan::info(cfg, w, pc),
        Pc::FsWorker(pc) => crate::fs::worker_info(cfg, w, pc),
        Pc::Gup(pc) => mm::gup::info(cfg, w, t, pc),
        Pc::Freeze(pc) => {
            mm::v612::freeze::info(pc, &|wb| mm::page_writeback::info(cfg, w, wb, true))
        }
        Pc::Env(_) => StepInfo {
            id: "ENV",
            function: "(another writer)",
            anchor: "elsewhere",
            what: "the filesystem's last free blocks are taken: allocations now fail with ENOSPC",
        },
    }
}

impl World {
    /// The initial state of a configuration.
    pub fn init(cfg: &Config) -> World {
        let mut ptes = Inline::new(Pte::default());
        for _ in 0..cfg.ptes() {
            ptes.push(Pte {
                present: cfg.pte_ro,
                write: false,
                dirty: false,
            });
        }
        let mapped = ptes.iter().filter(|p| p.present).count() as u8;
        let mut threads = Inline::new(Thread {
            role: Role::Sync,
            index: 0,
            pc: Pc::Io,
            local: Local::default(),
        });
        let mut add = |role, index, pc| {
            threads.push(Thread {
                role,
                index,
                pc,
                local: Local::default(),
            })
        };
        for i in 0..cfg.writers {
            add(Role::Writer, i, Pc::Fault(FaultPc::Store));
        }
        if cfg.dio {
            // D0's index is its pte (`Config::pte_of`): the one after the writers'.
            add(Role::Dma, cfg.writers, Pc::Gup(GupPc::FollowPage));
        }
        if cfg.writeback > 0 {
            add(Role::Writeback, 0, Pc::Writeback(WbPc::Lookup));
        }
        if cfg.truncate {
            add(
                Role::Truncate,
                0,
                Pc::Truncate(crate::mm::truncate::first(cfg)),
            );
        }
        if cfg.reclaim {
            add(Role::Reclaim, 0, Pc::Reclaim(RcPc::Isolate));
        }
        if cfg.enospc {
            add(Role::Env, 0, Pc::Env(EnvPc::FillsUp));
        }
        if cfg.freeze {
            add(Role::Freeze, 0, Pc::Freeze(crate::world::FzPc::Write));
        }
        if crate::fs::of(cfg).has_worker() {
            add(Role::FsWorker, 0, Pc::FsWorker(XPc::Wait));
        }
        add(Role::Io, 0, Pc::Io);
        add(Role::Sync, 0, Pc::Writeback(WbPc::NotStarted));
        World {
            page: Page {
                locked_by: None,
                dirty: cfg.page_dirty,
                writeback: false,
                tagged_dirty: cfg.page_dirty,
                mapping: true,
                refcount: 1 + mapped,
            },
            ptes,
            isize_covers_page: true,
            isize_partial: false,
            i_mmap_lock: None,
            mapping_error: false,
            fs_full: false,
            evicted: false,
            fs: crate::fs::of(cfg).init(cfg),
            profile: cfg.fs,
            nr_file_dirty: i8::from(cfg.page_dirty),
            data: Data {
                stored: u8::from(cfg.page_dirty),
                mem: u8::from(cfg.page_dirty),
                disk: 0,
                in_flight: None,
            },
            threads,
            fired: 0,
            events: 0,
            bug: None,
        }
    }

    /// The representative of this state under the symmetry between writers that share one mm
    /// (`--shared-mm`, two or three writers): they run the same program on the same pte, so a
    /// state and the state with their roles permuted have the same futures up to that
    /// permutation. The representative sorts the writers by (program counter, locals, whether
    /// it holds the page lock, whether it holds the filesystem's own lock) and renames the
    /// owners of the page lock, of i_mmap_lock and of a filesystem's own lock (fb_defio's
    /// mutex), the only thread ids stored in the state. Every invariant and guard treats the
    /// writers alike, so checking representatives only (stateright's DFS `symmetry_fn`)
    /// decides the same verdicts. Writers whose keys are equal are identical, so the order
    /// among them does not matter: the representative is unique.
    ///
    /// Writers in separate mms are not reduced: page_mkclean and unmap_mapping_range visit
    /// their ptes in a fixed order (pte 0, then pte 1), so exchanging the writers is not a
    /// symmetry of the model. (Reducing them anyway was tried: the verdicts still agreed, but
    /// the state counts changed from run to run, the sign of a representative that merges
    /// states with different futures.)
    ///
    /// Takes no configuration (stateright's `symmetry_fn` is a plain `fn`): the writers are
    /// the first threads, and one pte for several writers means they share an mm.
    pub fn writers_canonical(&self) -> World {
        let n = self
            .threads
            .iter()
            .take_while(|t| t.role == Role::Writer)
            .count();
        if n < 2 || self.ptes.len() != 1 {
            return *self;
        }
        // The key includes lock ownership: two writers equal in everything else but the lock
        // owner must still map to one representative.
        let lock = crate::fs::of_world(self).lock_owner(self);
        let key = |i: usize| {
            let t = &self.threads[i];
            (
                t.pc,
                t.local,
                self.page.locked_by == Some(i as Tid),
                lock == Some(i as Tid),
            )
        };
        // order[p] = the writer that moves to position p.
        let mut order = [0usize; MAX_PTES];
        for (p, o) in order.iter_mut().enumerate().take(n) {
            *o = p;
        }
        order[..n].sort_by_key(|&i| key(i));
        if order[..n].iter().enumerate().all(|(p, &o)| p == o) {
            return *self;
        }
        let mut w = *self;
        for (p, &o) in order[..n].iter().enumerate() {
            w.threads[p].pc = self.threads[o].pc;
            w.threads[p].local = self.threads[o].local;
        }
        let rename = |t: Option<Tid>| match t {
            Some(o) if (o as usize) < n => order[..n]
                .iter()
                .position(|&x| x == o as usize)
                .map(|p| p as Tid),
            other => other,
        };
        w.page.locked_by = rename(self.page.locked_by);
        w.i_mmap_lock = rename(self.i_mmap_lock);
        crate::fs::of_world(self).rename_lock_owner(&mut w, &rename);
        w
    }
}

impl Thread {
    /// Whether the thread has nothing left to do. `IO` is finished when no write is in flight.
    pub fn finished(&self, w: &World) -> bool {
        match self.pc {
            Pc::Fault(pc) => matches!(pc, FaultPc::Done | FaultPc::SigBus),
            Pc::Writeback(pc) => matches!(pc, WbPc::Done | WbPc::Stopped),
            Pc::Truncate(pc) => matches!(
                pc,
                TruncPc::Done
                    | TruncPc::FlushWrite(WbPc::Stopped)
                    | TruncPc::FlushNfs(WbPc::Stopped)
            ),
            Pc::Io => w.data.in_flight.is_none() && !crate::fs::of_world(w).rpc_pending(w),
            Pc::Env(pc) => pc == EnvPc::Done,
            Pc::Reclaim(pc) => pc == RcPc::Done,
            Pc::FsWorker(pc) => pc == XPc::Wait && !crate::fs::of_world(w).worker_pending(w),
            Pc::Gup(pc) => matches!(pc, GupPc::Done | GupPc::Failed),
            Pc::Freeze(pc) => pc == crate::world::FzPc::Done,
        }
    }
}
