//! loom and shuttle: the same threaded runner (`threaded_body.rs`) compiled against each tool's
//! `Mutex`, `Condvar` and `thread`, exploring interleavings of the model's own steps on real
//! threads. Verdicts are per invariant and comparable with stateright's: every execution keeps
//! stepping after a violation, as stateright keeps expanding violating states.

use mkwrite_model::{Config, Guard, Inv, Tid};
use shuttle::scheduler::{
    DfsScheduler, PctScheduler, RandomScheduler, Schedule, Scheduler, Task, TaskId,
};
use shuttle_engine::scheduler::serialization::serialize_schedule;
use shuttle_engine::scheduler::ScheduleStep;
use std::collections::{BTreeMap, BTreeSet};
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
    /// The `sometimes` guards some world of this execution satisfied.
    pub guards: BTreeSet<Guard>,
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
    /// The `sometimes` guards some execution reached.
    pub guards: BTreeSet<Guard>,
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
            guards: BTreeSet::new(),
        }
    }

    fn add(&mut self, e: Execution, schedule: Option<String>) {
        self.executions += 1;
        self.guards.extend(e.guards);
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

thread_local! {
    /// Set while this thread runs shuttle: its panics are caught and reported as errors.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// shuttle installs a process-wide panic hook on its first run (once) that assumes every
/// later panic happens inside a shuttle execution: it prints a schedule for any panic, and a
/// loom run after it in the same process fails in it (measured). So, once per process, the
/// hook is taken over: a first, empty shuttle run installs shuttle's, which is then replaced
/// by the hook that was there before, silenced on a thread that is running shuttle.
fn disarm_shuttle_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let saved = std::panic::take_hook();
        let mut config = shuttle::Config::new();
        config.silence_warnings = true;
        shuttle::Runner::new(RandomScheduler::new_from_seed(0, 1), config).run(|| {});
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                saved(info);
            }
        }));
    });
}

/// Run `f`, a shuttle run, on this thread with its panics silenced and caught: a panic (a
/// model bug, or one of shuttle's own checks) becomes its message's first line, never a
/// backtrace. Callers must not run loom concurrently with this in one process.
fn shuttle_quietly(f: impl FnOnce()) -> Result<(), String> {
    disarm_shuttle_hook();
    QUIET.with(|q| q.set(true));
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    run.map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown panic".into());
        msg.lines().next().unwrap_or_default().to_string()
    })
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
    let run = shuttle_quietly(|| {
        let mut config = shuttle::Config::new();
        config.silence_warnings = true;
        shuttle::Runner::new(rec, config).run(move || {
            let e = on_shuttle::run_once(cfg, None, None);
            // shuttle wraps its schedules at 76 columns; one token is what a person can paste.
            let schedule: String = serialize_schedule(&current.lock().unwrap())
                .split_whitespace()
                .collect();
            acc2.lock().unwrap().add(e, Some(schedule));
        });
    });
    if let Err(e) = run {
        panic!("shuttle stopped an execution: {e}");
    }
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

/// The first byte of shuttle's schedule encoding (version 2).
const SCHEDULE_MAGIC: u8 = 0x91;

/// Read one LEB128 varint (shuttle's encoding of the header fields).
fn read_varint(bytes: &mut &[u8], what: &str) -> Result<u64, String> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = bytes
            .split_first()
            .ok_or_else(|| format!("the schedule ends inside its {what}"))?;
        *bytes = rest;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(format!("the schedule's {what} is longer than 64 bits"))
}

/// Decode a schedule printed by shuttle (any whitespace, line breaks included, is ignored).
/// shuttle's own decoder panics on truncated or corrupted input; this one checks every field
/// and returns a one-line reason instead. The format: magic byte 0x91, then varints for the
/// task-id width in bits, the number of steps and the seed, then the steps packed LSB first,
/// each a 0 bit and a task id or a 1 bit for a random choice, zero-padded to a byte.
pub fn parse_schedule(s: &str) -> Result<Schedule, String> {
    let hex: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if hex.is_empty() {
        return Err("the schedule is empty".into());
    }
    if let Some(c) = hex.iter().find(|b| !b.is_ascii_hexdigit()) {
        return Err(format!(
            "a shuttle schedule is hex digits, not '{}'",
            char::from(*c)
        ));
    }
    if hex.len() % 2 == 1 {
        return Err(format!(
            "a shuttle schedule has an even number of hex digits, not {} (cut short?)",
            hex.len()
        ));
    }
    let nibble = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
    let bytes: Vec<u8> = hex
        .chunks(2)
        .map(|p| nibble(p[0]) << 4 | nibble(p[1]))
        .collect();
    let (&magic, mut rest) = bytes
        .split_first()
        .ok_or_else(|| "the schedule is empty".to_string())?;
    if magic != SCHEDULE_MAGIC {
        return Err(format!(
            "not a shuttle schedule: it starts with {magic:02x}, not {SCHEDULE_MAGIC:02x}"
        ));
    }
    let width = read_varint(&mut rest, "task-id width")?;
    if !(1..=16).contains(&width) {
        return Err(format!(
            "the schedule's task ids are {width} bits wide (expected 1 to 16)"
        ));
    }
    let len = read_varint(&mut rest, "length")?;
    let seed = read_varint(&mut rest, "seed")?;
    let bits = rest.len() * 8;
    if len > bits as u64 {
        return Err(format!(
            "the schedule says {len} steps but holds at most {bits} (cut short?)"
        ));
    }
    let bit = |i: usize| rest[i / 8] >> (i % 8) & 1 == 1;
    let mut steps = Vec::with_capacity(len as usize);
    let mut at = 0usize;
    for n in 0..len {
        if at >= bits {
            return Err(format!(
                "the schedule ends at step {n} of the {len} it announces (cut short?)"
            ));
        }
        if bit(at) {
            steps.push(ScheduleStep::Random);
            at += 1;
        } else {
            let w = width as usize;
            if at + 1 + w > bits {
                return Err(format!(
                    "the schedule ends inside step {} of {len} (cut short?)",
                    n + 1
                ));
            }
            let id = (0..w).fold(0usize, |id, k| id | usize::from(bit(at + 1 + k)) << k);
            steps.push(ScheduleStep::Task(TaskId::from(id)));
            at += 1 + w;
        }
    }
    if rest.len() != at.div_ceil(8) {
        return Err(format!(
            "the schedule has {} bytes after its {len} steps",
            rest.len() - at.div_ceil(8)
        ));
    }
    Ok(Schedule { seed, steps })
}

/// Where a replayed schedule parted from the execution.
#[derive(Default)]
struct ReplayState {
    used: usize,
    error: Option<String>,
}

/// shuttle's replay, checked: it follows the schedule step by step and, where the schedule
/// names a task that cannot run, asks for a random number the model never draws (or the
/// reverse), or ends before the execution does, stops the execution and records why, instead
/// of panicking as shuttle's `ReplayScheduler` does.
struct CheckedReplay {
    steps: Vec<ScheduleStep>,
    state: StdArc<StdMutex<ReplayState>>,
    started: bool,
}

impl CheckedReplay {
    fn fail(&self, why: String) {
        let mut st = self.state.lock().unwrap();
        st.error.get_or_insert(why);
    }
}

impl Scheduler for CheckedReplay {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.started {
            return None;
        }
        self.started = true;
        Some(Schedule::new(0))
    }

    fn next_task(&mut self, runnable: &[&Task], _: Option<TaskId>, _: bool) -> Option<TaskId> {
        let used = self.state.lock().unwrap().used;
        if self.state.lock().unwrap().error.is_some() {
            return None;
        }
        let ids: Vec<usize> = runnable.iter().map(|t| usize::from(t.id())).collect();
        match self.steps.get(used) {
            // The schedule was recorded when the model's run ended: past its end only
            // shuttle's own teardown remains, which is stopped here. Whether the run had
            // ended is judged after it (`shuttle_replay`).
            None => None,
            Some(ScheduleStep::Random) => {
                self.fail(format!(
                    "step {} of the schedule is a random choice, but here the execution \
                     switches threads (runnable tasks: {ids:?})",
                    used + 1
                ));
                None
            }
            Some(ScheduleStep::Task(t)) if !ids.contains(&usize::from(*t)) => {
                self.fail(format!(
                    "step {} of the schedule runs task {}, which cannot run there (runnable \
                     tasks: {ids:?})",
                    used + 1,
                    usize::from(*t)
                ));
                None
            }
            Some(ScheduleStep::Task(t)) => {
                self.state.lock().unwrap().used += 1;
                Some(*t)
            }
        }
    }

    fn next_u64(&mut self) -> u64 {
        let used = self.state.lock().unwrap().used;
        match self.steps.get(used) {
            Some(ScheduleStep::Random) => self.state.lock().unwrap().used += 1,
            _ => self.fail(format!(
                "step {} of the schedule is not the random choice the execution makes there",
                used + 1
            )),
        }
        0
    }
}

/// Replay one execution on shuttle from a schedule printed by `shuttle_*`. Any schedule that
/// is not one of this configuration's executions, to the step, is an error saying where it
/// parts from the execution; nothing panics.
pub fn shuttle_replay(cfg: &Config, schedule: &str) -> Result<Execution, String> {
    let schedule = parse_schedule(schedule)?;
    let total = schedule.steps.len();
    let state = StdArc::new(StdMutex::new(ReplayState::default()));
    let e = run_with(
        cfg,
        None,
        None,
        CheckedReplay {
            steps: schedule.steps,
            state: StdArc::clone(&state),
            started: false,
        },
    );
    let st = state.lock().unwrap();
    if let Some(why) = &st.error {
        return Err(why.clone());
    }
    let e = e.map_err(|_| {
        format!("the schedule ends after its {total} steps, before the execution does (cut short?)")
    })?;
    if st.used != total {
        return Err(format!(
            "the execution ended after {} of the schedule's {total} steps (not this \
             configuration's schedule?)",
            st.used
        ));
    }
    Ok(e)
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
    shuttle_quietly(|| {
        let mut config = shuttle::Config::new();
        config.silence_warnings = true;
        shuttle::Runner::new(scheduler, config).run(move || {
            *out2.lock().unwrap() = Some(on_shuttle::run_once(cfg, turn.clone(), hook.clone()));
        });
    })
    .map_err(|e| format!("shuttle stopped the execution: {e}"))?;
    let e = out.lock().unwrap().take();
    e.ok_or_else(|| "the execution did not finish".to_string())
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
