//! Checking one configuration with stateright: every invariant decided in one exhaustive DFS
//! over both cores, then, for each violated invariant, a single-threaded BFS with that
//! invariant alone for its shortest counterexample.

use crate::sr::{Checked, Props};
use mkwrite_model::invariants::Guard;
use mkwrite_model::{Config, Inv, Tid, World};
use stateright::report::{ReportData, ReportDiscovery, Reporter};
use stateright::{Checker, HasDiscoveries, Model};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// Progress on stderr for runs longer than two seconds: states, states/s, depth.
struct Progress {
    last: Duration,
}

impl Reporter<Checked> for Progress {
    fn report_checking(&mut self, d: ReportData) {
        if d.done || d.duration < self.last + Duration::from_secs(2) {
            return;
        }
        self.last = d.duration;
        let secs = d.duration.as_secs_f64();
        eprintln!(
            "checking: {} states, {:.0} states/s, depth {}, {:.0} s",
            d.unique_states,
            d.unique_states as f64 / secs,
            d.max_depth,
            secs
        );
    }

    fn report_discoveries(
        &mut self,
        _: &Checked,
        _: BTreeMap<&'static str, ReportDiscovery<Checked>>,
    ) {
    }

    fn delay(&self) -> Duration {
        Duration::from_millis(20)
    }
}

/// The verdict of one invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The invariant.
    pub inv: Inv,
    /// Its shortest counterexample (thread ids from the initial state), if violated.
    pub trace: Option<Vec<Tid>>,
}

impl Verdict {
    /// Whether the invariant is violated.
    pub fn violated(&self) -> bool {
        self.trace.is_some()
    }
}

/// Whether a guard applies to the configuration and whether the search reached it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuardResult {
    /// The guard.
    pub guard: Guard,
    /// It needs threads the configuration has.
    pub applicable: bool,
    /// Some reachable state satisfies it.
    pub reached: bool,
}

/// Everything a check of one configuration found.
#[derive(Clone, Debug)]
pub struct Report {
    /// The configuration.
    pub cfg: Config,
    /// Unique states of the exhaustive run.
    pub states: usize,
    /// Longest path explored.
    pub depth: usize,
    /// Wall time of all runs, in seconds.
    pub seconds: f64,
    /// One verdict per invariant, in `Inv::ALL` order.
    pub verdicts: Vec<Verdict>,
    /// One result per guard, in `Guard::ALL` order.
    pub guards: Vec<GuardResult>,
}

impl Report {
    /// The violated invariants.
    pub fn violated(&self) -> Vec<Inv> {
        self.verdicts
            .iter()
            .filter(|v| v.violated())
            .map(|v| v.inv)
            .collect()
    }

    /// The verdict of `inv`.
    pub fn verdict(&self, inv: Inv) -> &Verdict {
        &self.verdicts[Inv::ALL.iter().position(|i| *i == inv).unwrap_or(0)]
    }

    /// An upper bound on the probability that two of the run's states shared a 64-bit
    /// fingerprint, which would silently merge them (stateright stores fingerprints, not
    /// states): the birthday bound n(n-1)/2^65.
    pub fn collision_probability(&self) -> f64 {
        let n = self.states as f64;
        n * (n - 1.0) / 2f64.powi(65)
    }

    /// Applicable guards that were not reached: a pass would be vacuous for them.
    pub fn unreached_guards(&self) -> Vec<Guard> {
        self.guards
            .iter()
            .filter(|g| g.applicable && !g.reached)
            .map(|g| g.guard)
            .collect()
    }
}

/// The most states one deciding run may generate, counted as stateright counts them: every
/// successor, repeats included (about four per unique state here). stateright stops a run
/// that reaches it (`target_state_count`), so reaching it is a failure, named, never a
/// silently partial "holds": a model change that makes the space explode (a counter that
/// never wraps back, say) ends there instead of filling memory. The largest configuration
/// measured (5.7 million unique states) generates about 26 million.
pub const STATE_BUDGET: usize = 200_000_000;

/// The exhaustive deciding run: every property, DFS, `threads` worker threads, with symmetry
/// reduction between two writers (`World::writers_canonical`). Never stops early (an empty
/// `AnyOf` is never satisfied), so the state count is that of the whole reduced space.
///
/// # Panics
///
/// When the run generated [`STATE_BUDGET`] states: it stopped before the end (a model bug,
/// named).
pub fn decide(
    cfg: &Config,
    threads: usize,
    progress: bool,
) -> (usize, usize, BTreeSet<&'static str>) {
    let model = Checked::new(*cfg, Props::Recorded);
    let mut builder = model.clone().checker().threads(threads);
    // Only writers of one mm are reduced (World::writers_canonical); elsewhere the reduction is
    // the identity, and leaving it out saves stateright a clone and a second fingerprint per
    // state.
    if cfg.shared_mm {
        builder = builder.symmetry_fn(World::writers_canonical);
    }
    let checker = builder
        .finish_when(HasDiscoveries::AnyOf(BTreeSet::new()))
        .target_state_count(STATE_BUDGET)
        .spawn_dfs();
    let checker = if progress {
        checker.join_and_report(&mut Progress {
            last: Duration::ZERO,
        })
    } else {
        checker.join()
    };
    let found = model.recorded();
    let states = checker.unique_state_count();
    assert!(
        checker.state_count() < STATE_BUDGET,
        "state budget exceeded: {} generated {STATE_BUDGET} states and was stopped before \
         the end (a model bug?)",
        cfg.label()
    );
    (states, checker.max_depth(), found)
}

/// The shortest counterexample of `inv`: single-threaded BFS with `inv` alone, optionally
/// limited to paths of fewer than `max_depth` states (used to prove shortness).
pub fn shortest(cfg: &Config, inv: Inv, max_depth: Option<usize>) -> Option<Vec<Tid>> {
    let mut model = Checked::new(*cfg, Props::Only(inv));
    model.labels = false;
    let mut b = model.checker().threads(1);
    if let Some(d) = max_depth {
        b = b.target_max_depth(d);
    }
    b.spawn_bfs()
        .join()
        .discovery(inv.name())
        .map(|p| p.into_actions().into_iter().map(|m| m.tid).collect())
}

/// Check one configuration: decide every invariant, then find each violation's shortest trace.
/// With `progress`, runs longer than two seconds report on stderr.
pub fn check(cfg: &Config, progress: bool) -> Report {
    let start = Instant::now();
    let (states, depth, found) = decide(cfg, 2, progress);
    let verdicts = Inv::ALL
        .iter()
        .map(|&inv| Verdict {
            inv,
            trace: if found.contains(inv.name()) {
                shortest(cfg, inv, None)
            } else {
                None
            },
        })
        .collect();
    let guards = Guard::ALL
        .iter()
        .map(|&guard| GuardResult {
            guard,
            applicable: guard.applicable(cfg),
            reached: found.contains(guard.name()),
        })
        .collect();
    Report {
        cfg: *cfg,
        states,
        depth,
        seconds: start.elapsed().as_secs_f64(),
        verdicts,
        guards,
    }
}

/// The cross-check of the symmetry reduction: the same exhaustive run as [`decide`], but BFS
/// on one thread and without symmetry. Returns unique states and the discovered properties.
pub fn decide_without_symmetry(cfg: &Config) -> (usize, BTreeSet<&'static str>) {
    let checker = Checked::new(*cfg, Props::All)
        .checker()
        .threads(1)
        .finish_when(HasDiscoveries::AnyOf(BTreeSet::new()))
        .spawn_bfs()
        .join();
    let found = checker.discoveries().keys().copied().collect();
    (checker.unique_state_count(), found)
}

/// The exit codes of `mkwrite`, one table for every subcommand.
pub mod exit {
    use super::Report;

    /// Every invariant holds and every applicable guard was reached (or the command ran).
    pub const HOLDS: u8 = 0;
    /// Some invariant is violated.
    pub const VIOLATED: u8 = 1;
    /// Bad input: a one-line message on stderr.
    pub const BAD_INPUT: u8 = 2;
    /// Every invariant holds but an applicable `sometimes` guard was not reached: the pass may
    /// be vacuous and is not reported as one.
    pub const VACUOUS: u8 = 3;

    /// The exit code of a set of reports: violated, else vacuous, else holds.
    pub fn of(reports: &[&Report]) -> u8 {
        if reports.iter().any(|r| !r.violated().is_empty()) {
            VIOLATED
        } else if reports.iter().any(|r| !r.unreached_guards().is_empty()) {
            VACUOUS
        } else {
            HOLDS
        }
    }
}

/// The shortest-witness depth of every guard the deciding run reached in `r`: the length of
/// the shortest path from the initial state to a state where the guard holds, found by a
/// breadth-first search over the model's own steps (no symmetry reduction, so the depth is
/// exact). The search stops once every reached guard has its depth. A guard made weaker or
/// stronger by a model change moves its depth, which the guard golden file then shows.
pub fn guard_depths(r: &Report) -> Vec<(Guard, usize)> {
    use std::collections::HashSet;
    let cfg = &r.cfg;
    let wanted: Vec<Guard> = r
        .guards
        .iter()
        .filter(|g| g.reached)
        .map(|g| g.guard)
        .collect();
    let mut found: Vec<(Guard, usize)> = Vec::new();
    let init = World::init(cfg);
    let mut seen: HashSet<World> = HashSet::from([init]);
    let mut frontier = vec![init];
    let mut depth = 0;
    while !frontier.is_empty() && found.len() < wanted.len() {
        for g in &wanted {
            if !found.iter().any(|(f, _)| f == g) && frontier.iter().any(|w| g.holds(cfg, w)) {
                found.push((*g, depth));
            }
        }
        let mut next = Vec::new();
        for w in &frontier {
            for t in 0..w.threads.len() as Tid {
                if let Some(n) = mkwrite_model::step(cfg, w, t) {
                    if seen.insert(n) {
                        next.push(n);
                    }
                }
            }
        }
        frontier = next;
        depth += 1;
    }
    found.sort();
    found
}
