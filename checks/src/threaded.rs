//! loom and shuttle: the same threaded runner (`threaded_body.rs`) compiled against each tool's
//! `Mutex`, `Condvar` and `thread`, exploring interleavings of the model's own steps on real
//! threads. Verdicts are per invariant and comparable with stateright's: every execution keeps
//! stepping after a violation, as stateright keeps expanding violating states.

use mkwrite_model::{Config, Inv, Tid};
use shuttle::scheduler::{
    DfsScheduler, PctScheduler, RandomScheduler, ReplayScheduler, Schedule, Scheduler, Task, TaskId,
};
use shuttle_engine::scheduler::serialization::{deserialize_schedule, serialize_schedule};
use std::collections::BTreeMap;
use std::sync::{Arc as StdArc, Mutex as StdMutex};

/// The runner on loom's primitives.
pub mod on_loom {
    use loom::sync::{Arc, Condvar, Mutex};
    use loom::thread;
    include!("threaded_body.rs");
}

/// The runner on shuttle's primitives.
pub mod on_shuttle {
    use shuttle::sync::{Condvar, Mutex};
    use shuttle::thread;
    use std::sync::Arc;
    include!("threaded_body.rs");
}

/// What one execution on real threads found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Execution {
    /// Each violated invariant with the step order that first reached a violating state.
    pub violations: BTreeMap<Inv, Vec<Tid>>,
    /// Every step taken, in order (model thread ids).
    pub order: Vec<Tid>,
}

/// What the runner tells an observer (the directed shuttle scheduler) as it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Model thread `t` starts running on the calling real thread.
    ThreadStart(Tid),
    /// `n` steps have been taken in all.
    Stepped(usize),
}

/// An observer of `Event`s, called with the world locked.
pub type Hook = std::sync::Arc<dyn Fn(Event) + Send + Sync>;

/// loom allows 5 threads including the model's main thread.
pub const LOOM_MAX_SPAWNED: usize = 4;

/// The verdicts of one threaded checker over one configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadedVerdict {
    /// `loom` or `shuttle`.
    pub checker: &'static str,
    /// `exhaustive`, `bounded:N` (loom's preemption bound) or `sampled:N` (executions), or
    /// `skipped (…)`.
    pub coverage: String,
    /// Executions run.
    pub executions: usize,
    /// Each violated invariant with the step order of the first execution that violated it.
    pub violations: BTreeMap<Inv, Vec<Tid>>,
    /// shuttle: for each violated invariant, the replay schedule of that execution.
    pub schedules: BTreeMap<Inv, String>,
    /// For each violated invariant, the 1-based number of the first execution that violated it.
    pub first_found: BTreeMap<Inv, usize>,
}

impl ThreadedVerdict {
    fn new(checker: &'static str, coverage: String) -> Self {
        ThreadedVerdict {
            checker,
            coverage,
            executions: 0,
            violations: BTreeMap::new(),
            schedules: BTreeMap::new(),
            first_found: BTreeMap::new(),
        }
    }

    fn add(&mut self, e: Execution, schedule: Option<String>) {
        self.executions += 1;
        for (inv, order) in e.violations {
            if let std::collections::btree_map::Entry::Vacant(v) = self.violations.entry(inv) {
                v.insert(order);
                self.first_found.insert(inv, self.executions);
                if let Some(s) = &schedule {
                    self.schedules.insert(inv, s.clone());
                }
            }
        }
    }

    /// Whether the verdicts cover every interleaving (of loom's or shuttle's yield points).
    pub fn exhaustive(&self) -> bool {
        self.coverage == "exhaustive"
    }

    /// Whether the configuration was not run at all.
    pub fn skipped(&self) -> bool {
        self.coverage.starts_with("skipped")
    }
}

/// loom over `cfg`: exhaustive when `preemption_bound` is `None`, else bounded.
pub fn loom_check(cfg: &Config, preemption_bound: Option<usize>) -> ThreadedVerdict {
    if on_loom::spawned_threads(cfg) > LOOM_MAX_SPAWNED {
        return ThreadedVerdict::new("loom", "skipped (loom allows 4 threads)".into());
    }
    let coverage = preemption_bound.map_or("exhaustive".to_string(), |b| format!("bounded:{b}"));
    let acc = StdArc::new(StdMutex::new(ThreadedVerdict::new("loom", coverage)));
    let mut b = loom::model::Builder::new();
    b.preemption_bound = preemption_bound;
    b.max_branches = 100_000;
    let (cfg, acc2) = (*cfg, StdArc::clone(&acc));
    b.check(move || {
        let e = on_loom::run_once(cfg, None, None);
        acc2.lock().unwrap().add(e, None);
    });
    let v = acc.lock().unwrap().clone();
    v
}

/// Run shuttle, then put back the panic hook that was there before. shuttle installs a
/// process-wide hook (once) that assumes every later panic happens inside a shuttle execution;
/// a loom run after it in the same process then fails in that hook (measured). Our runner
/// never panics on a violation, so the hook's schedule printing is not needed: schedules are
/// recorded by `Recording`. Callers must not run loom concurrently with this in one process.
fn without_shuttle_panic_hook(f: impl FnOnce()) {
    let saved = std::panic::take_hook();
    f();
    std::panic::set_hook(saved);
}

/// A scheduler that records the choices of the inner one, so that the current execution's
/// schedule can be printed and replayed.
struct Recording<S> {
    inner: S,
    current: StdArc<StdMutex<Schedule>>,
}

impl<S: Scheduler> Scheduler for Recording<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        let s = self.inner.new_execution()?;
        *self.current.lock().unwrap() = Schedule::new(0);
        Some(s)
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        let t = self.inner.next_task(runnable, current, is_yielding)?;
        self.current.lock().unwrap().push_task(t);
        Some(t)
    }

    fn next_u64(&mut self) -> u64 {
        self.current.lock().unwrap().push_random();
        self.inner.next_u64()
    }
}

fn shuttle_run<S: Scheduler + 'static>(
    cfg: &Config,
    scheduler: S,
    coverage: String,
) -> ThreadedVerdict {
    let acc = StdArc::new(StdMutex::new(ThreadedVerdict::new("shuttle", coverage)));
    let current = StdArc::new(StdMutex::new(Schedule::new(0)));
    let rec = Recording {
        inner: scheduler,
        current: StdArc::clone(&current),
    };
    let (cfg, acc2) = (*cfg, StdArc::clone(&acc));
    without_shuttle_panic_hook(|| {
        let mut config = shuttle::Config::new();
        config.silence_warnings = true;
        shuttle::Runner::new(rec, config).run(move || {
            let e = on_shuttle::run_once(cfg, None, None);
            let schedule = serialize_schedule(&current.lock().unwrap());
            acc2.lock().unwrap().add(e, Some(schedule));
        });
    });
    let v = acc.lock().unwrap().clone();
    v
}

/// shuttle's PCT scheduler: `iterations` executions, bug depth `depth`, fixed `seed`.
pub fn shuttle_pct(cfg: &Config, iterations: usize, depth: usize, seed: u64) -> ThreadedVerdict {
    shuttle_run(
        cfg,
        PctScheduler::new_from_seed(seed, depth, iterations),
        format!("sampled:{iterations}"),
    )
}

/// shuttle's random scheduler: `iterations` executions from `seed`.
pub fn shuttle_random(cfg: &Config, iterations: usize, seed: u64) -> ThreadedVerdict {
    shuttle_run(
        cfg,
        RandomScheduler::new_from_seed(seed, iterations),
        format!("sampled:{iterations}"),
    )
}

/// shuttle's DFS (no reduction): `exhaustive` if it ends before `cap` executions, else
/// `sampled:cap`.
pub fn shuttle_dfs(cfg: &Config, cap: usize) -> ThreadedVerdict {
    let mut v = shuttle_run(cfg, DfsScheduler::new(Some(cap), false), String::new());
    v.coverage = if v.executions < cap {
        "exhaustive".into()
    } else {
        format!("sampled:{cap}")
    };
    v
}

/// Check a replay schedule's syntax (shuttle's own replay panics on a malformed one).
pub fn parse_schedule(s: &str) -> Result<Schedule, String> {
    let trimmed: String = s.split_whitespace().collect();
    if trimmed.is_empty() || !trimmed.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err("a shuttle schedule is a string of hex digits".into());
    }
    deserialize_schedule(&trimmed).ok_or_else(|| "not a shuttle schedule".to_string())
}

/// Replay one execution on shuttle from a schedule printed by `shuttle_*`.
pub fn shuttle_replay(cfg: &Config, schedule: &str) -> Result<Execution, String> {
    let schedule = parse_schedule(schedule)?;
    run_with(cfg, None, None, {
        let mut r = ReplayScheduler::new_from_schedule(schedule);
        r.set_allow_incomplete();
        r
    })
}

/// What the directed scheduler knows of the run: which shuttle task runs which model thread,
/// and how many steps have been taken (kept current by the runner's hook).
#[derive(Default)]
struct Progress {
    tasks: BTreeMap<Tid, TaskId>,
    steps: usize,
}

/// A scheduler of our own for directed replay: it runs the task of the model thread whose turn
/// it is whenever that task is runnable, and otherwise the current task (or the first
/// runnable one), which is then on its way to releasing what the next thread needs. The
/// runner's turn gate keeps a thread from stepping out of turn, so a wrong choice costs a
/// detour, never a different order. One execution.
struct Directed {
    order: Vec<Tid>,
    progress: StdArc<StdMutex<Progress>>,
    started: bool,
}

impl Scheduler for Directed {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.started {
            return None;
        }
        self.started = true;
        Some(Schedule::new(0))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        _: bool,
    ) -> Option<TaskId> {
        let want = {
            let p = self.progress.lock().unwrap();
            self.order
                .get(p.steps)
                .and_then(|t| p.tasks.get(t).copied())
        };
        let ids: Vec<TaskId> = runnable.iter().map(|t| t.id()).collect();
        want.filter(|w| ids.contains(w))
            .or(current.filter(|c| ids.contains(c)))
            .or(ids.first().copied())
    }

    fn next_u64(&mut self) -> u64 {
        0
    }
}

fn run_with<S: Scheduler + 'static>(
    cfg: &Config,
    turn: Option<Vec<Tid>>,
    hook: Option<Hook>,
    scheduler: S,
) -> Result<Execution, String> {
    let out = StdArc::new(StdMutex::new(None));
    let (cfg, out2) = (*cfg, StdArc::clone(&out));
    without_shuttle_panic_hook(|| {
        let mut config = shuttle::Config::new();
        config.silence_warnings = true;
        shuttle::Runner::new(scheduler, config).run(move || {
            *out2.lock().unwrap() = Some(on_shuttle::run_once(cfg, turn.clone(), hook.clone()));
        });
    });
    let e = out.lock().unwrap().take();
    e.ok_or_else(|| "the replay ran no execution".to_string())
}

/// Directed replay of a stateright counterexample on shuttle's real threads: the threads take
/// their steps in the order of `order`. Returns the execution, whose `order` starts with
/// `order` when the trace is realisable.
pub fn directed_replay(cfg: &Config, order: &[Tid]) -> Result<Execution, String> {
    let progress = StdArc::new(StdMutex::new(Progress::default()));
    let p2 = StdArc::clone(&progress);
    let hook: Hook = StdArc::new(move |e| {
        let mut p = p2.lock().unwrap();
        match e {
            Event::ThreadStart(t) => {
                p.tasks.insert(t, shuttle::current::me());
            }
            Event::Stepped(n) => p.steps = n,
        }
    });
    let e = run_with(
        cfg,
        Some(order.to_vec()),
        Some(hook),
        Directed {
            order: order.to_vec(),
            progress,
            started: false,
        },
    )?;
    if e.order.len() < order.len() || e.order[..order.len()] != *order {
        return Err(format!(
            "the trace is not realisable on threads: ran {:?}",
            e.order
        ));
    }
    Ok(e)
}

/// loom with this project's budget, from release-build measurements on 2 cores: exhaustive
/// with two spawned threads (one writer and `IO`: about 2 s; three threads unbounded did not
/// finish in 500 s), preemption bound 2 with three (1-3 s), bound 1 with four (bound 2 took
/// 70-210 s there), skipped past loom's four.
pub fn loom_default(cfg: &Config) -> ThreadedVerdict {
    match on_loom::spawned_threads(cfg) {
        0..=2 => loom_check(cfg, None),
        3 => loom_check(cfg, Some(2)),
        _ => loom_check(cfg, Some(1)),
    }
}

/// shuttle with this project's budget: 1000 PCT executions (depth 3) and 1000 random ones,
/// fixed seeds, merged.
pub fn shuttle_default(cfg: &Config) -> ThreadedVerdict {
    let mut v = shuttle_pct(cfg, 1000, 3, 0);
    let r = shuttle_random(cfg, 1000, 0);
    for (inv, order) in r.violations {
        if let std::collections::btree_map::Entry::Vacant(e) = v.violations.entry(inv) {
            e.insert(order);
            if let Some(s) = r.schedules.get(&inv) {
                v.schedules.insert(inv, s.clone());
            }
        }
    }
    v.executions += r.executions;
    v.coverage = format!("sampled:{}", v.executions);
    v
}

/// Where a threaded checker disagrees with stateright: an exhaustive checker must violate
/// exactly stateright's invariants; no checker may violate one stateright proves holds. A
/// bounded or sampled "holds" is never a disagreement.
pub fn disagreements(stateright_violated: &[Inv], v: &ThreadedVerdict) -> Vec<Inv> {
    if v.skipped() {
        return Vec::new();
    }
    Inv::ALL
        .iter()
        .copied()
        .filter(|inv| {
            let sr = stateright_violated.contains(inv);
            let th = v.violations.contains_key(inv);
            (th && !sr) || (v.exhaustive() && sr && !th)
        })
        .collect()
}
