//! Exhaustive exploration on loom and on shuttle: every state stateright reaches, through the
//! model's own steps on real (loom or shuttle) threads.
//!
//! - [`on_loom`]: a runner whose only loom operation that loom may reorder is one lock of one
//!   token per model step, taken only by threads whose step the model enables; everything else
//!   (parking a blocked thread, gathering woken ones) happens while loom is told not to explore.
//!   An execution is cut (`loom::skip_branch`) at a world an earlier execution reached.
//! - [`on_shuttle`]: a scheduler of our own behind shuttle's `Scheduler` trait, driving
//!   [`engine`]: depth-first over states with sleep sets over the declared footprints (the
//!   default), or source sets and sleep sets (stateless, one execution per Mazurkiewicz trace).
//! - [`toy`]: small programs with brute-force counts, on which the engine is tested alone.
//!
//! A run is labelled `exhaustive` only when it finished within its budget and the set of worlds
//! it passed through equals the set stateright reaches for the configuration (after
//! stateright's canonicalisation of writers sharing an mm): [`reference_states`].

pub mod engine;
pub mod on_loom;
pub mod on_shuttle;
pub mod toy;

use engine::{Ev, System};
use mkwrite_model::footprint::{self, Obj};
use mkwrite_model::invariants::{check_fn, Guard};
use mkwrite_model::{step, Config, Inv, Tid, World};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::Duration;

/// The model as a system the engine explores: the model's `step`, and each step's footprint as
/// `footprint::of` declares it (with the stepping thread's own object written).
#[derive(Clone, Copy, Debug)]
pub struct ModelSystem {
    /// The configuration.
    pub cfg: Config,
}

impl System for ModelSystem {
    type State = World;

    fn init(&self) -> World {
        World::init(&self.cfg)
    }

    fn threads(&self) -> usize {
        World::init(&self.cfg).threads.len()
    }

    fn step(&self, s: &World, t: Tid) -> Option<World> {
        step(&self.cfg, s, t)
    }

    fn footprint(&self, s: &World, t: Tid) -> Ev {
        model_ev(&self.cfg, s, t)
    }

    fn finished(&self, s: &World, t: Tid) -> bool {
        leaves(s, t)
    }
}

/// The footprint of thread `t`'s next step in `w`, as the engine's bit sets.
pub fn model_ev(cfg: &Config, w: &World, t: Tid) -> Ev {
    let f = footprint::of(cfg, w.thread(t));
    Ev {
        t,
        reads: u64::from(f.reads.0),
        writes: u64::from(f.writes.with(Obj::Thread(t)).0),
    }
}

/// Whether thread `t` is done for good: it leaves the run. A thread that serves others (`IO`, a
/// filesystem worker) stays until every thread has finished, since more work may come.
pub fn leaves(w: &World, t: Tid) -> bool {
    use mkwrite_model::contract::Role;
    if matches!(w.thread(t).role, Role::Io | Role::FsWorker) {
        w.threads.iter().all(|th| th.finished(w))
    } else {
        w.thread(t).finished(w)
    }
}

/// What one exhaustive run found, across all its executions.
#[derive(Clone, Debug, Default)]
pub struct Records {
    /// Every world some execution passed through.
    pub visited: HashSet<World>,
    /// Each violated invariant with the step order that first reached a violating world.
    pub violations: BTreeMap<Inv, Vec<Tid>>,
    /// For each violated invariant, the 1-based number of the execution that first found it.
    pub first_found: BTreeMap<Inv, usize>,
    /// The `sometimes` guards some world satisfied.
    pub guards: BTreeSet<Guard>,
}

impl Records {
    /// Note world `w`, reached by `order` in execution `execution`: the invariants and guards
    /// are evaluated the first time a world is seen. Returns whether it was new.
    pub fn note(&mut self, cfg: &Config, w: &World, order: &[Tid], execution: usize) -> bool {
        if !self.visited.insert(*w) {
            return false;
        }
        for g in Guard::ALL {
            if !self.guards.contains(&g) && g.holds(cfg, w) {
                self.guards.insert(g);
            }
        }
        for inv in Inv::ALL {
            if !self.violations.contains_key(&inv) && !check_fn(inv)(cfg, w) {
                self.violations.insert(inv, order.to_vec());
                self.first_found.insert(inv, execution);
            }
        }
        true
    }
}

/// Limits of one exhaustive run: past either, it stops and is labelled incomplete.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Executions.
    pub executions: usize,
    /// Wall time.
    pub time: Duration,
}

impl Budget {
    /// The command line's default: a minute (about the largest configuration loom finishes
    /// with three spawned threads, with room), and executions far beyond what that allows.
    pub const DEFAULT: Budget = Budget {
        executions: 50_000_000,
        time: Duration::from_secs(60),
    };
}

/// The worlds stateright reaches for `cfg`: its exhaustive search, recording every state it
/// checks (canonical representatives where it reduces writers sharing an mm). For the
/// library's own, small configurations (a budget far above them; see
/// `run::reference_within` for a user's).
///
/// # Panics
///
/// When the configuration exceeds `run::INTERNAL_BUDGET` states (a model bug for these).
pub fn reference_states(cfg: &Config) -> HashSet<World> {
    let quiet = crate::progress::Progress::new(true);
    crate::run::reference_within(cfg, crate::run::INTERNAL_BUDGET, &quiet)
        .unwrap_or_else(|i| panic!("{}", i.message("a model bug? ", usize::MAX)))
}

/// Whether `visited` covers exactly the worlds stateright reaches (`reference`), comparing
/// canonical representatives where stateright reduces writers sharing an mm. Returns the number
/// of reference states reached and the number missed.
pub fn compare_states(
    cfg: &Config,
    visited: &HashSet<World>,
    reference: &HashSet<World>,
) -> (usize, usize) {
    let canon: HashSet<World> = if cfg.shared_mm {
        visited.iter().map(World::writers_canonical).collect()
    } else {
        visited.clone()
    };
    let hit = reference.iter().filter(|w| canon.contains(w)).count();
    let extra = canon.len() - hit;
    (hit, reference.len() - hit + extra)
}
