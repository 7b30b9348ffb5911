//! Checking one configuration with stateright: every invariant decided in one exhaustive DFS
//! over both cores, then, for each violated invariant, a single-threaded BFS with that
//! invariant alone for its shortest counterexample.

use crate::progress::{count, duration, Progress};
use crate::sr::{Checked, Props};
use mkwrite_model::invariants::Guard;
use mkwrite_model::{Config, Inv, Tid, World};
use stateright::report::{ReportData, ReportDiscovery, Reporter};
use stateright::{Checker, HasDiscoveries, Model};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The reporter of every search: stops the search at its budget of unique states (by
/// raising the model's `stop` flag, after which no successor is within bounds and the
/// search drains), and shows progress (states, states/s, depth, how far to the budget).
struct Watch<'a> {
    stop: Arc<AtomicBool>,
    budget: usize,
    progress: &'a Progress,
    what: String,
    /// The estimated size of the whole space, if one was made before the start.
    estimate: Option<Estimate>,
    /// The states, depth and seconds of the latest report.
    seen: (usize, usize, f64),
}

impl Reporter<Checked> for Watch<'_> {
    fn report_checking(&mut self, d: ReportData) {
        let secs = d.duration.as_secs_f64();
        self.seen = (d.unique_states, d.max_depth, secs);
        self.progress.record(d.unique_states);
        if d.unique_states >= self.budget {
            self.stop.store(true, Ordering::Relaxed);
        }
        if d.done || !self.progress.enabled() {
            return;
        }
        let rate = d.unique_states as f64 / secs.max(1e-3);
        let target = self
            .estimate
            .map_or(self.budget, |e| e.high.min(self.budget));
        let left = target.saturating_sub(d.unique_states) as f64 / rate.max(1.0);
        let goal = match self.estimate {
            Some(e) if e.high < self.budget => format!("about {} expected", count(e.mid())),
            _ => format!("budget {}", count(self.budget)),
        };
        self.progress.show(&format!(
            "{}: {} states, {}/s, depth {}, {}; {goal}, {} to go",
            self.what,
            count(d.unique_states),
            count(rate as usize),
            d.max_depth,
            duration(secs),
            duration(left)
        ));
    }

    fn report_discoveries(
        &mut self,
        _: &Checked,
        _: BTreeMap<&'static str, ReportDiscovery<Checked>>,
    ) {
    }

    /// How long stateright's watcher sleeps between reports. The search's end waits for the
    /// watcher's sleep to end (stateright joins it), so a fixed 20 ms cost every search that
    /// much, most of the time of a small one: 1 ms while the search is young, 20 ms once it has
    /// run for a second.
    fn delay(&self) -> Duration {
        if self.seen.2 < 1.0 {
            Duration::from_millis(1)
        } else {
            Duration::from_millis(20)
        }
    }
}

/// A search the state budget stopped before it was complete: no verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct Incomplete {
    /// The configuration.
    pub cfg: Config,
    /// Unique states found when it stopped.
    pub states: usize,
    /// The deepest path explored.
    pub depth: usize,
    /// The budget, in unique states.
    pub budget: usize,
    /// Seconds the search ran.
    pub seconds: f64,
    /// The invariants already seen violated (real violations; the others are undecided).
    pub violated: Vec<Inv>,
}

impl Incomplete {
    /// The flags that make the configuration smaller, the most effective first.
    pub fn smaller(&self) -> Vec<String> {
        let c = &self.cfg;
        let mut v = Vec::new();
        if c.writers > 1 {
            v.push(format!("--writers {}", c.writers - 1));
        }
        if c.reclaim {
            v.push("--reclaim 0".into());
        }
        if c.writeback > 1 {
            v.push(format!("--writeback {}", c.writeback - 1));
        }
        if c.writers > 1 && !c.shared_mm {
            v.push("--shared-mm".to_string());
        }
        if c.stores > 1 {
            v.push("--stores 1".into());
        }
        if c.truncate && !c.truncate_partial {
            v.push("--truncate 0".into());
        }
        v
    }

    /// The one line that says what was explored, that there is no verdict, the flags that
    /// make the configuration smaller and how to raise the budget: the longest form that fits
    /// `width` columns after `prefix`.
    pub fn message(&self, prefix: &str, width: usize) -> String {
        let found = if self.violated.is_empty() {
            String::new()
        } else {
            let ids: Vec<&str> = self.violated.iter().map(|i| i.id()).collect();
            format!(" ({} violated already)", ids.join(" "))
        };
        let smaller = self.smaller();
        let mut forms = Vec::new();
        for k in (0..=smaller.len().min(2)).rev() {
            let try_ = if k == 0 {
                String::new()
            } else {
                format!(" or try {}", smaller[..k].join(" "))
            };
            for f in [found.as_str(), ""] {
                forms.push(format!(
                    "{prefix}incomplete: no verdict at {} states{f}; raise --max-states N{try_}",
                    count(self.states)
                ));
            }
        }
        forms
            .iter()
            .find(|m| m.chars().count() <= width)
            .unwrap_or(&forms[forms.len() - 1])
            .clone()
    }
}

/// The expected number of unique states of a configuration, estimated before its search: the
/// exact count of its one-writer form (a small search) carried over by the growth measured
/// when writers are added ([`GROWTH`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Estimate {
    /// The low end.
    pub low: usize,
    /// The high end.
    pub high: usize,
}

impl Estimate {
    /// The geometric middle.
    pub fn mid(&self) -> usize {
        ((self.low as f64) * (self.high as f64)).sqrt() as usize
    }
}

/// How the unique states of `n` writers (in their own mms, or sharing one) grow with those of
/// the one-writer form `s1`: `c * s1^k`, times `low` to `high`. Fitted (least squares on the
/// logarithms) to 192 configurations of the seed filesystem: old, and new with either
/// convention; writeback 0-3 (three writers in their own mms: 0-1); truncate, initial pte and
/// page, with and without reclaim. `low` and `high` are the smallest and the largest ratio of a
/// measured count to the fit.
pub const GROWTH: [(u8, bool, Growth); 4] = [
    (
        2,
        false,
        Growth {
            c: 2.48,
            k: 1.353,
            low: 0.58,
            high: 1.78,
        },
    ),
    (
        3,
        false,
        Growth {
            c: 7.57,
            k: 1.687,
            low: 0.38,
            high: 2.15,
        },
    ),
    (
        2,
        true,
        Growth {
            c: 2.46,
            k: 1.279,
            low: 0.54,
            high: 2.2,
        },
    ),
    (
        3,
        true,
        Growth {
            c: 5.47,
            k: 1.5,
            low: 0.31,
            high: 3.86,
        },
    ),
];

/// One row of [`GROWTH`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Growth {
    /// The factor.
    pub c: f64,
    /// The exponent.
    pub k: f64,
    /// The smallest measured ratio to the fit.
    pub low: f64,
    /// The largest measured ratio to the fit.
    pub high: f64,
}

/// The budget of the one-writer search an estimate makes (the largest one-writer
/// configurations have tens of thousands of states).
pub const ESTIMATE_BUDGET: usize = 2_000_000;

/// Estimate the unique states of `cfg` before searching it (see [`Estimate`]); exact for one
/// writer. `None` if even the one-writer form exceeds [`ESTIMATE_BUDGET`].
pub fn estimate(cfg: &Config) -> Option<Estimate> {
    let one = Config {
        writers: 1,
        shared_mm: false,
        ..*cfg
    };
    let s1 = decide_within(&one, 1, ESTIMATE_BUDGET, &Progress::off(), None)
        .ok()?
        .states;
    let Some((_, _, g)) = GROWTH
        .iter()
        .find(|(w, shared, _)| *w == cfg.writers && *shared == cfg.shared_mm)
    else {
        return Some(Estimate { low: s1, high: s1 });
    };
    let fit = g.c * (s1 as f64).powf(g.k);
    Some(Estimate {
        low: (fit * g.low) as usize,
        high: (fit * g.high) as usize,
    })
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

/// The default state budget of the command line, in unique states (`--max-states`): the
/// heaviest configuration measured (three writers in their own mms, two writeback passes,
/// 13.6 million states) is far inside it, a run to it takes a minute or a few on two cores
/// and about 1 GiB, and a configuration beyond it stops with "incomplete" instead of filling
/// memory.
pub const STATE_BUDGET: usize = 40_000_000;

/// The budget of library callers that check configurations known to be small (the matrix,
/// the profiles, the tests): far above any of them, so that reaching it is a model bug and
/// named as one (see [`check`]).
pub const INTERNAL_BUDGET: usize = 50_000_000;

/// What a complete deciding run found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decided {
    /// Unique states.
    pub states: usize,
    /// Longest path explored.
    pub depth: usize,
    /// The invariants seen violated and the guards seen reached, by name.
    pub found: BTreeSet<&'static str>,
}

/// The exhaustive deciding run: every property, DFS, `threads` worker threads, with symmetry
/// reduction between writers of one mm (`World::writers_canonical`). Never stops early (an
/// empty `AnyOf` is never satisfied) unless it finds `budget` unique states: then the search
/// is stopped and the result is [`Incomplete`], never a partial "holds". `estimate`, if
/// made, is shown beside the progress.
pub fn decide_within(
    cfg: &Config,
    threads: usize,
    budget: usize,
    progress: &Progress,
    estimate: Option<Estimate>,
) -> Result<Decided, Incomplete> {
    let model = Checked::new(*cfg, Props::Recorded);
    let what = format!("checking {}", cfg.label());
    let (states, depth) = search_within(&model, threads, budget, progress, estimate, what)?;
    Ok(Decided {
        states,
        depth,
        found: model.recorded(),
    })
}

/// The exhaustive DFS of `model` within `budget` unique states: unique states and depth, or
/// `Incomplete` (with the invariants `model` recorded violated so far).
fn search_within(
    model: &Checked,
    threads: usize,
    budget: usize,
    progress: &Progress,
    estimate: Option<Estimate>,
    what: String,
) -> Result<(usize, usize), Incomplete> {
    let cfg = &model.cfg;
    let start = Instant::now();
    let stop = Arc::clone(&model.stop);
    let mut builder = model.clone().checker().threads(threads);
    // Only writers of one mm are reduced (World::writers_canonical); elsewhere the reduction is
    // the identity, and leaving it out saves stateright a clone and a second fingerprint per
    // state.
    if cfg.shared_mm {
        builder = builder.symmetry_fn(World::writers_canonical);
    }
    let mut watch = Watch {
        stop: Arc::clone(&stop),
        budget,
        progress,
        what,
        estimate,
        seen: (0, 0, 0.0),
    };
    let checker = builder
        .finish_when(HasDiscoveries::AnyOf(BTreeSet::new()))
        .spawn_dfs()
        .join_and_report(&mut watch);
    let states = checker.unique_state_count();
    if stop.load(Ordering::Relaxed) {
        let found = model.recorded();
        return Err(Incomplete {
            cfg: *cfg,
            states,
            depth: checker.max_depth(),
            budget,
            seconds: start.elapsed().as_secs_f64(),
            violated: Inv::ALL
                .iter()
                .copied()
                .filter(|i| found.contains(i.name()))
                .collect(),
        });
    }
    Ok((states, checker.max_depth()))
}

/// The worlds stateright reaches for `cfg` (canonical representatives where it reduces writers
/// sharing an mm), within `budget` unique states: the reference a loom or shuttle run must
/// equal to be labelled exhaustive.
pub fn reference_within(
    cfg: &Config,
    budget: usize,
    progress: &Progress,
) -> Result<std::collections::HashSet<World>, Incomplete> {
    let model = Checked::new(*cfg, Props::Collect);
    let what = format!("stateright's states of {}", cfg.label());
    search_within(&model, 2, budget, progress, None, what)?;
    Ok(model.collected())
}

/// [`decide_within`] for callers whose configurations are known to be small: every property,
/// `threads` threads, [`INTERNAL_BUDGET`]; returns unique states, depth and what was found.
///
/// # Panics
///
/// When the run reached [`INTERNAL_BUDGET`]: a configuration of the library's own sets that
/// big is a model bug, named.
pub fn decide(
    cfg: &Config,
    threads: usize,
    progress: bool,
) -> (usize, usize, BTreeSet<&'static str>) {
    let p = Progress::new(!progress);
    match decide_within(cfg, threads, INTERNAL_BUDGET, &p, None) {
        Ok(d) => (d.states, d.depth, d.found),
        Err(i) => panic!("{}", i.message("a model bug? ", usize::MAX)),
    }
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

/// [`shortest`] within a budget of unique states: `Err` when the budget stopped the search
/// before it found a counterexample or finished.
pub fn shortest_within(
    cfg: &Config,
    inv: Inv,
    budget: usize,
    progress: &Progress,
) -> Result<Option<Vec<Tid>>, Incomplete> {
    reach_within(cfg, &Origin::initial(), inv, budget, progress).map(|r| r.path)
}

/// Where a search starts and which threads it moves: the initial state and every thread
/// ([`Origin::initial`]), or a state reached along some path, or a subset of the threads.
#[derive(Clone, Copy, Debug, Default)]
pub struct Origin {
    /// The state to start from (`None`: the configuration's initial state).
    pub start: Option<World>,
    /// The threads that may move, bit `t` for thread `t` (`None`: every thread).
    pub movable: Option<u32>,
}

impl Origin {
    /// The initial state, every thread.
    pub fn initial() -> Origin {
        Origin::default()
    }
}

/// What a search for one invariant's violation found from a state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reach {
    /// The shortest path (thread ids) from the start to a state that violates the invariant,
    /// or `None` when no state reachable from the start violates it.
    pub path: Option<Vec<Tid>>,
    /// The unique states the search found.
    pub states: usize,
}

/// Whether a state that violates `inv` is reachable from `from` (moving only its movable
/// threads), and the shortest path to one: stateright's single-threaded BFS with `inv` alone,
/// within `budget` unique states; `Err` when the budget stopped it before it found a violation
/// or finished.
pub fn reach_within(
    cfg: &Config,
    from: &Origin,
    inv: Inv,
    budget: usize,
    progress: &Progress,
) -> Result<Reach, Incomplete> {
    let start = Instant::now();
    let mut model = Checked::new(*cfg, Props::Only(inv));
    model.labels = false;
    model.start = from.start;
    model.movable = from.movable;
    let stop = Arc::clone(&model.stop);
    let mut watch = Watch {
        stop: Arc::clone(&stop),
        budget,
        progress,
        what: format!("shortest {} trace", inv.id()),
        estimate: None,
        seen: (0, 0, 0.0),
    };
    let checker = model
        .checker()
        .threads(1)
        .spawn_bfs()
        .join_and_report(&mut watch);
    let path: Option<Vec<Tid>> = checker
        .discovery(inv.name())
        .map(|p| p.into_actions().into_iter().map(|m| m.tid).collect());
    if path.is_none() && stop.load(Ordering::Relaxed) {
        return Err(Incomplete {
            cfg: *cfg,
            states: checker.unique_state_count(),
            depth: checker.max_depth(),
            budget,
            seconds: start.elapsed().as_secs_f64(),
            violated: Vec::new(),
        });
    }
    Ok(Reach {
        path,
        states: checker.unique_state_count(),
    })
}

/// Check one configuration: decide every invariant, then find each violation's shortest trace.
/// With `progress`, a progress line while stderr is a terminal. For configurations known to be
/// small (the library's sets, the tests).
///
/// # Panics
///
/// When the configuration reaches [`INTERNAL_BUDGET`] states (a model bug, named); the command
/// line uses [`check_within`].
pub fn check(cfg: &Config, progress: bool) -> Report {
    let p = Progress::new(!progress);
    match check_within(cfg, INTERNAL_BUDGET, &p, None) {
        Ok(r) => r,
        Err(i) => panic!("{}", i.message("a model bug? ", usize::MAX)),
    }
}

/// Check one configuration within a budget of unique states: decide every invariant, then
/// find each violation's shortest trace; [`Incomplete`] when the budget stopped a search.
pub fn check_within(
    cfg: &Config,
    budget: usize,
    progress: &Progress,
    estimate: Option<Estimate>,
) -> Result<Report, Incomplete> {
    let start = Instant::now();
    let d = decide_within(cfg, 2, budget, progress, estimate)?;
    let mut verdicts = Vec::new();
    for &inv in Inv::ALL.iter() {
        let trace = if d.found.contains(inv.name()) {
            shortest_within(cfg, inv, budget, progress)?
        } else {
            None
        };
        verdicts.push(Verdict { inv, trace });
    }
    let guards = Guard::ALL
        .iter()
        .map(|&guard| GuardResult {
            guard,
            applicable: guard.applicable(cfg),
            reached: d.found.contains(guard.name()),
        })
        .collect();
    progress.done();
    Ok(Report {
        cfg: *cfg,
        states: d.states,
        depth: d.depth,
        seconds: start.elapsed().as_secs_f64(),
        verdicts,
        guards,
    })
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
    /// A budget stopped the run before its verdict was complete (`--max-states`; a sampled
    /// or bounded checker's "holds"): neither a pass nor bad input.
    pub const INCOMPLETE: u8 = 4;

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

/// Every state reachable in `cfg`, breadth first from `World::init`, each once: the plain walk
/// the tests that look at every state (footprints, descriptions) share. No budget: for the
/// small configurations those tests choose.
pub fn reachable(cfg: &Config) -> Vec<World> {
    use std::collections::{HashSet, VecDeque};
    let w0 = World::init(cfg);
    let mut seen: HashSet<World> = [w0].into();
    let mut queue: VecDeque<World> = [w0].into();
    let mut out = Vec::new();
    while let Some(w) = queue.pop_front() {
        out.push(w);
        for t in 0..w.threads.len() as Tid {
            if let Some(n) = mkwrite_model::step(cfg, &w, t) {
                if seen.insert(n) {
                    queue.push_back(n);
                }
            }
        }
    }
    out
}
