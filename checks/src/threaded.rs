//! loom and shuttle beside stateright: the verdicts of the exhaustive runs (`crate::explore`),
//! labelled by what they covered, and shuttle's sampling schedulers (PCT, random) over the
//! Condvar runner of `threaded_body.rs`, which `bench-pct` measures. Verdicts are per invariant
//! and comparable with stateright's: every execution keeps stepping after a violation, as
//! stateright keeps expanding violating states.

use crate::explore::engine::Mode;
use crate::explore::{self, on_loom, on_shuttle, Budget};
use mkwrite_model::{Config, Guard, Inv, Tid, World};
use shuttle::scheduler::{PctScheduler, RandomScheduler, Schedule, Scheduler, Task, TaskId};
use shuttle_engine::scheduler::serialization::serialize_schedule;
use shuttle_engine::scheduler::ScheduleStep;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Arc as StdArc, Mutex as StdMutex};

/// The sampling runner on shuttle's primitives (PCT and random schedules: any scheduler may
/// pick any task, so a thread that cannot step waits on its Condvar).
pub mod sampled {
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

/// loom allows 5 threads including the main thread, which runs the final sync `S`.
pub const LOOM_MAX_SPAWNED: usize = on_loom::MAX_SPAWNED;

/// The verdicts of one threaded checker over one configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct ThreadedVerdict {
    /// `loom` or `shuttle`.
    pub checker: &'static str,
    /// `exhaustive` (finished, and passed through every state stateright reaches),
    /// `incomplete` (a budget stopped it), `traces` (shuttle's source sets: one execution per
    /// Mazurkiewicz trace, not every intermediate state), `sampled:N` (N random or PCT
    /// executions), `partial` (finished without every state: a bug of the runner), or
    /// `skipped (…)`.
    pub coverage: String,
    /// The search (loom's token runner; shuttle's engine mode; the sampler).
    pub mode: String,
    /// States of stateright's the run passed through, and stateright's count (exhaustive
    /// runs).
    pub states: Option<(usize, usize)>,
    /// Wall time, seconds.
    pub seconds: f64,
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
            mode: String::new(),
            states: None,
            seconds: 0.0,
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

    /// Whether the verdicts cover every state stateright reaches.
    pub fn exhaustive(&self) -> bool {
        self.coverage == "exhaustive"
    }

    /// Whether a budget stopped the run before its verdict was complete.
    pub fn incomplete(&self) -> bool {
        self.coverage == "incomplete"
    }

    /// Whether the configuration was not run at all.
    pub fn skipped(&self) -> bool {
        self.coverage.starts_with("skipped")
    }
}

/// The label of an exhaustive run: `exhaustive` only when it finished within its budget and
/// passed through exactly the states stateright reaches.
fn label(
    v: &mut ThreadedVerdict,
    cfg: &Config,
    capped: bool,
    visited: &HashSet<World>,
    reference: &HashSet<World>,
) {
    let (hit, off) = explore::compare_states(cfg, visited, reference);
    v.states = Some((hit, reference.len()));
    v.coverage = if capped {
        "incomplete".into()
    } else if off == 0 {
        "exhaustive".into()
    } else {
        "partial".into()
    };
}

fn from_records(v: &mut ThreadedVerdict, rec: &explore::Records) {
    v.violations = rec.violations.clone();
    v.first_found = rec.first_found.clone();
    v.guards = rec.guards.clone();
}

/// loom over `cfg` within `budget`, compared with stateright's states `reference`
/// (`explore::reference_states`).
pub fn loom_check(cfg: &Config, budget: Budget, reference: &HashSet<World>) -> ThreadedVerdict {
    let n = on_loom::spawned(cfg);
    if n > LOOM_MAX_SPAWNED {
        return ThreadedVerdict::new(
            "loom",
            format!("skipped ({n} threads beside main; loom allows {LOOM_MAX_SPAWNED})"),
        );
    }
    let mut v = ThreadedVerdict::new("loom", String::new());
    v.mode = "token, state cut".into();
    match on_loom::explore(cfg, budget) {
        Ok(r) => {
            from_records(&mut v, &r.rec);
            v.executions = r.executions;
            v.seconds = r.seconds;
            label(&mut v, cfg, r.capped, &r.rec.visited, reference);
        }
        Err(e) => v.coverage = format!("skipped ({e})"),
    }
    v
}

/// shuttle over `cfg` with the engine in `mode` within `budget`, compared with stateright's
/// states `reference`.
pub fn shuttle_check(
    cfg: &Config,
    mode: Mode,
    budget: Budget,
    reference: &HashSet<World>,
) -> ThreadedVerdict {
    let mut v = ThreadedVerdict::new("shuttle", String::new());
    v.mode = mode.name().into();
    match on_shuttle::explore(cfg, mode, budget) {
        Ok(r) => {
            from_records(&mut v, &r.rec);
            v.schedules = r.schedules;
            v.executions = r.stats.executions;
            v.seconds = r.seconds;
            label(&mut v, cfg, r.capped, &r.rec.visited, reference);
            if mode == Mode::Source && v.coverage == "partial" {
                v.coverage = "traces".into();
            }
        }
        Err(e) => v.coverage = format!("skipped ({e})"),
    }
    v
}

/// loom with the command line's budget ([`Budget::DEFAULT`]).
pub fn loom_default(cfg: &Config) -> ThreadedVerdict {
    loom_check(cfg, Budget::DEFAULT, &explore::reference_states(cfg))
}

/// shuttle with the command line's budget: depth-first over states with sleep sets.
pub fn shuttle_default(cfg: &Config) -> ThreadedVerdict {
    shuttle_check(
        cfg,
        Mode::StateSleep,
        Budget::DEFAULT,
        &explore::reference_states(cfg),
    )
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
pub(crate) fn shuttle_quietly(f: impl FnOnce()) -> Result<(), String> {
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
            let e = sampled::run_once(cfg, None, None);
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

/// Replay one execution on shuttle from a schedule an exhaustive shuttle run printed. Any
/// schedule that is not one of this configuration's executions, to the task, is an error saying
/// where it parts from the execution; nothing panics.
pub fn shuttle_replay(cfg: &Config, schedule: &str) -> Result<Execution, String> {
    let schedule = parse_schedule(schedule)?;
    let e = on_shuttle::replay(cfg, &schedule)?;
    Ok(Execution {
        violations: e.violations,
        order: e.order,
        guards: BTreeSet::new(),
    })
}

/// Directed replay of a stateright counterexample on shuttle's tasks: the model threads take
/// their steps in the order of `order`. Returns the execution, whose `order` is `order` when the
/// trace is realisable.
pub fn directed_replay(cfg: &Config, order: &[Tid]) -> Result<Execution, String> {
    let e = on_shuttle::directed(cfg, order)
        .map_err(|e| format!("the trace is not realisable on threads: {e}"))?;
    Ok(Execution {
        violations: e.violations,
        order: e.order,
        guards: BTreeSet::new(),
    })
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
