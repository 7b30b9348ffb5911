//! shuttle, exhaustive: one shuttle task per model thread, and a scheduler of our own that
//! decides, at each step, which enabled model thread moves next ([`super::engine`]).
//!
//! A task loops: it marks itself poised, calls `shuttle::thread::yield_now` (its only
//! scheduling point), and when resumed takes its model thread's next step on the shared world.
//! It never blocks on a shuttle primitive: a model thread that cannot step (the kernel would
//! sleep) simply is not chosen. The scheduler runs every task that is not poised first
//! (spawning, leaving, the main task), so that at each decision every live model thread is
//! poised and the decision sees the whole world; it then asks the engine, offering exactly the
//! model threads whose step `step` enables, each with its footprint. One decision is one model
//! step; a schedule of these decisions replays with shuttle's own replay format.

use super::engine::{Engine, Ev, Mode, Stats};
use super::{leaves, model_ev, Budget, Records};
use mkwrite_model::{step, Config, Inv, Tid, World};
use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
use shuttle_engine::scheduler::ScheduleStep;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The longest execution: far beyond any path of the model (the longest shortest
/// counterexample is under 100 steps). A stateless mode on a cyclic configuration would not
/// end otherwise.
pub const STEP_BUDGET: usize = 10_000;

/// One execution's world and the tasks' positions, shared by the tasks and the scheduler
/// (shuttle runs one task at a time, so the lock is never contended).
struct Side {
    cfg: Config,
    world: World,
    /// Model thread `t` waits at its yield for a decision.
    poised: Vec<bool>,
    /// The shuttle task of each model thread.
    task_of: Vec<Option<TaskId>>,
    /// Steps taken in this execution.
    order: Vec<Tid>,
    /// The execution is over (the engine ended it, or a step went wrong).
    stop: bool,
    /// Executions begun.
    execution: usize,
    /// What all executions found.
    rec: Records,
    /// A scheduled thread could not step (only a replayed schedule can do this), or an
    /// execution ran past the step budget.
    error: Option<String>,
    /// The tasks chosen so far in this execution (shuttle's schedule).
    schedule: Schedule,
    /// For each violated invariant, the schedule of the execution that first reached it, up to
    /// that point.
    schedules: BTreeMap<Inv, Schedule>,
}

impl Side {
    fn new(cfg: Config) -> Side {
        let world = World::init(&cfg);
        let n = world.threads.len();
        Side {
            cfg,
            world,
            poised: vec![false; n],
            task_of: vec![None; n],
            order: Vec::new(),
            stop: false,
            execution: 0,
            rec: Records::default(),
            error: None,
            schedule: Schedule::new(0),
            schedules: BTreeMap::new(),
        }
    }

    fn reset(&mut self) {
        self.world = World::init(&self.cfg);
        self.poised.iter_mut().for_each(|p| *p = false);
        self.task_of.iter_mut().for_each(|p| *p = None);
        self.order.clear();
        self.stop = false;
        self.execution += 1;
        let (cfg, w, n) = (self.cfg, self.world, self.execution);
        self.rec.note(&cfg, &w, &[], n);
    }

    fn tid_of(&self, id: TaskId) -> Option<Tid> {
        self.task_of
            .iter()
            .position(|x| *x == Some(id))
            .map(|t| t as Tid)
    }
}

type SideRef = Arc<Mutex<Side>>;

fn lock(side: &SideRef) -> std::sync::MutexGuard<'_, Side> {
    side.lock().unwrap_or_else(|e| e.into_inner())
}

/// A model thread's task.
fn task(side: &SideRef, t: Tid) {
    lock(side).task_of[t as usize] = Some(shuttle::current::me());
    loop {
        {
            let mut s = lock(side);
            if s.stop || leaves(&s.world, t) {
                s.poised[t as usize] = false;
                return;
            }
            s.poised[t as usize] = true;
        }
        shuttle::thread::yield_now();
        let mut s = lock(side);
        let s = &mut *s;
        s.poised[t as usize] = false;
        if s.stop || leaves(&s.world, t) {
            return;
        }
        match step(&s.cfg, &s.world, t) {
            Some(next) => {
                s.world = next;
                s.order.push(t);
                let n = s.execution;
                let before = s.rec.violations.len();
                s.rec.note(&s.cfg, &next, &s.order, n);
                if s.rec.violations.len() > before {
                    let new: Vec<Inv> = s
                        .rec
                        .violations
                        .keys()
                        .filter(|i| !s.schedules.contains_key(i))
                        .copied()
                        .collect();
                    for inv in new {
                        s.schedules.insert(inv, s.schedule.clone());
                    }
                }
                if s.order.len() > STEP_BUDGET {
                    s.error = Some(format!(
                        "an execution took more than {STEP_BUDGET} steps (a cycle the mode \
                         cannot leave?)"
                    ));
                    s.stop = true;
                }
            }
            None => {
                let name = s.world.thread(t).name();
                s.error = Some(format!(
                    "step {} runs {name}, which cannot step there",
                    s.order.len() + 1
                ));
                s.stop = true;
            }
        }
    }
}

/// One execution: spawn a task per model thread and wait for them.
fn program(side: &SideRef) {
    let n = {
        let mut s = lock(side);
        s.reset();
        s.world.threads.len()
    };
    let handles: Vec<_> = (0..n as Tid)
        .map(|t| {
            let side = Arc::clone(side);
            shuttle::thread::spawn(move || task(&side, t))
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
}

/// What the scheduler sees of a decision: run a task at once (it is not at a decision), or
/// decide among these enabled model threads, or the execution cannot go on.
enum Seen {
    Run(TaskId),
    Decide(Box<World>, Vec<Ev>),
    Deadlock,
}

fn look(side: &SideRef, runnable: &[&Task]) -> Seen {
    let s = lock(side);
    let mut poised: Vec<(Tid, TaskId)> = Vec::new();
    for task in runnable {
        let id = task.id();
        match s.tid_of(id) {
            Some(t) if s.poised[t as usize] => poised.push((t, id)),
            _ => return Seen::Run(id),
        }
    }
    if let Some(&(_, id)) = poised.iter().find(|(t, _)| s.stop || leaves(&s.world, *t)) {
        return Seen::Run(id);
    }
    poised.sort_by_key(|p| p.0);
    let enabled: Vec<Ev> = poised
        .iter()
        .filter(|(t, _)| step(&s.cfg, &s.world, *t).is_some())
        .map(|(t, _)| model_ev(&s.cfg, &s.world, *t))
        .collect();
    if enabled.is_empty() {
        Seen::Deadlock
    } else {
        Seen::Decide(Box::new(s.world), enabled)
    }
}

/// The next steps of the model threads that have not left but cannot move.
fn blocked(side: &SideRef) -> Vec<Ev> {
    let s = lock(side);
    (0..s.world.threads.len() as Tid)
        .filter(|&t| !leaves(&s.world, t) && step(&s.cfg, &s.world, t).is_none())
        .map(|t| model_ev(&s.cfg, &s.world, t))
        .collect()
}

/// How decisions are made.
enum Policy {
    /// The engine's search.
    Explore(Box<Engine<World>>),
    /// A recorded schedule, task by task.
    Replay(Vec<ScheduleStep>),
    /// The model threads in this order, one per decision.
    Directed(Vec<Tid>),
}

/// The scheduler: tasks that are not at a decision run at once; decisions follow the policy.
/// Every task chosen is recorded in the execution's schedule.
struct Decider {
    side: SideRef,
    policy: Policy,
    /// Executions begun.
    executions: usize,
    /// The current execution was reported to the engine as ended.
    ended: bool,
    /// Position in a replayed schedule; decisions taken in a directed run.
    at: usize,
    budget: Budget,
    start: Instant,
    /// The budget stopped the search.
    capped: bool,
    /// Shared with the caller: the engine's counters and the capped flag, kept current.
    out: Arc<Mutex<(Stats, bool)>>,
}

impl Decider {
    fn stop(&mut self, complete: bool) -> Option<TaskId> {
        if let Policy::Explore(e) = &mut self.policy {
            if !self.ended {
                e.end(complete, &blocked(&self.side));
            }
        }
        self.ended = true;
        lock(&self.side).stop = true;
        None
    }

    fn fail(&mut self, why: String) -> Option<TaskId> {
        let mut s = lock(&self.side);
        s.error.get_or_insert(why);
        s.stop = true;
        None
    }

    fn publish(&self) {
        if let (Policy::Explore(e), Ok(mut o)) = (&self.policy, self.out.lock()) {
            *o = (e.stats, self.capped);
        }
    }

    fn choose(&mut self, runnable: &[&Task]) -> Option<TaskId> {
        if let Policy::Replay(steps) = &self.policy {
            // A recorded schedule names every task shuttle ran, decisions or not.
            let ids: Vec<usize> = runnable.iter().map(|t| usize::from(t.id())).collect();
            let k = self.at;
            return match steps.get(k).cloned() {
                None => self.stop(false),
                Some(ScheduleStep::Random) => self.fail(format!(
                    "step {} of the schedule is a random choice; these runs draw none",
                    k + 1
                )),
                Some(ScheduleStep::Task(t)) if !ids.contains(&usize::from(t)) => {
                    self.fail(format!(
                        "step {} of the schedule runs task {}, which cannot run there \
                         (runnable tasks: {ids:?})",
                        k + 1,
                        usize::from(t)
                    ))
                }
                Some(ScheduleStep::Task(t)) => {
                    self.at += 1;
                    Some(t)
                }
            };
        }
        match look(&self.side, runnable) {
            Seen::Run(id) => Some(id),
            Seen::Deadlock => self.stop(true),
            Seen::Decide(w, enabled) => {
                let pick = match &mut self.policy {
                    Policy::Explore(e) => e.choose(&w, &enabled),
                    Policy::Directed(order) => match order.get(self.at).copied() {
                        None => None,
                        Some(t) if enabled.iter().any(|e| e.t == t) => Some(t),
                        Some(t) => {
                            let who = w
                                .threads
                                .get(t as usize)
                                .map_or(format!("thread {t}"), |th| th.name());
                            let why = format!(
                                "step {} of the trace runs {who}, which cannot step there",
                                self.at + 1
                            );
                            return self.fail(why);
                        }
                    },
                    Policy::Replay(_) => None,
                };
                match pick {
                    Some(t) => {
                        self.at += 1;
                        lock(&self.side).task_of[t as usize]
                    }
                    None => self.stop(false),
                }
            }
        }
    }
}

impl Scheduler for Decider {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.executions > 0 {
            if !self.ended {
                if let Policy::Explore(e) = &mut self.policy {
                    e.end(true, &[]);
                }
            }
            if !matches!(self.policy, Policy::Explore(_)) {
                return None;
            }
        }
        self.publish();
        if lock(&self.side).error.is_some() {
            return None;
        }
        if let Policy::Explore(e) = &mut self.policy {
            if e.stats.executions >= self.budget.executions
                || self.start.elapsed() >= self.budget.time
            {
                self.capped = true;
                self.publish();
                return None;
            }
            if !e.begin() {
                return None;
            }
        }
        self.executions += 1;
        self.ended = false;
        self.at = 0;
        // The schedule starts here: shuttle asks for the first task (the main one) before the
        // program runs.
        lock(&self.side).schedule = Schedule::new(0);
        Some(Schedule::new(0))
    }

    fn next_task(&mut self, runnable: &[&Task], _: Option<TaskId>, _: bool) -> Option<TaskId> {
        let id = self.choose(runnable)?;
        lock(&self.side).schedule.push_task(id);
        Some(id)
    }

    fn next_u64(&mut self) -> u64 {
        0
    }
}

/// What an exhaustive shuttle run found.
#[derive(Debug)]
pub struct ShuttleRun {
    /// The search mode.
    pub mode: Mode,
    /// What the executions found.
    pub rec: Records,
    /// For each violated invariant, the replayable schedule of the execution that first
    /// reached it (one hex token).
    pub schedules: BTreeMap<Inv, String>,
    /// The engine's counters (executions, complete, cached, sleep-blocked, steps).
    pub stats: Stats,
    /// The budget stopped it before the end.
    pub capped: bool,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// One schedule as one hex token (shuttle wraps its own at 76 columns).
fn token(s: &Schedule) -> String {
    shuttle_engine::scheduler::serialization::serialize_schedule(s)
        .split_whitespace()
        .collect()
}

fn run(cfg: &Config, policy: Policy, budget: Budget) -> Result<(Side, Stats, bool, f64), String> {
    let side: SideRef = Arc::new(Mutex::new(Side::new(*cfg)));
    let start = Instant::now();
    let out = Arc::new(Mutex::new((Stats::default(), false)));
    let sched = Decider {
        side: Arc::clone(&side),
        policy,
        executions: 0,
        ended: true,
        at: 0,
        budget,
        start,
        capped: false,
        out: Arc::clone(&out),
    };
    let side2 = Arc::clone(&side);
    crate::threaded::shuttle_quietly(move || {
        let mut config = shuttle::Config::new();
        config.silence_warnings = true;
        shuttle::Runner::new(sched, config).run(move || program(&side2));
    })
    .map_err(|e| format!("shuttle stopped an execution: {e}"))?;
    let seconds = start.elapsed().as_secs_f64();
    let (stats, capped) = *out.lock().unwrap_or_else(|e| e.into_inner());
    let mut s = lock(&side);
    let side = std::mem::replace(&mut *s, Side::new(*cfg));
    Ok((side, stats, capped, seconds))
}

/// Explore `cfg` on shuttle with the engine in `mode`, within `budget`. An error is a model or
/// runner bug (a nondeterministic step, an execution past the step budget), as one line.
pub fn explore(cfg: &Config, mode: Mode, budget: Budget) -> Result<ShuttleRun, String> {
    let stepper: super::engine::Stepper<World> = {
        let cfg = *cfg;
        Box::new(move |w: &World, t| step(&cfg, w, t))
    };
    let policy = Policy::Explore(Box::new(Engine::new(mode, stepper)));
    let (mut side, stats, capped, seconds) = run(cfg, policy, budget)?;
    if let Some(e) = side.error.take() {
        return Err(e);
    }
    Ok(ShuttleRun {
        mode,
        schedules: side
            .schedules
            .iter()
            .map(|(inv, s)| (*inv, token(s)))
            .collect(),
        rec: side.rec,
        stats,
        capped,
        seconds,
    })
}

/// One execution, as a replay or a directed run shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Execution {
    /// Each violated invariant with the step order that first reached it.
    pub violations: BTreeMap<Inv, Vec<Tid>>,
    /// Every step taken, in order (model thread ids).
    pub order: Vec<Tid>,
}

fn one(cfg: &Config, policy: Policy) -> Result<Execution, String> {
    let budget = Budget {
        executions: 1,
        time: std::time::Duration::from_secs(3600),
    };
    let (mut side, ..) = run(cfg, policy, budget)?;
    if let Some(e) = side.error.take() {
        return Err(e);
    }
    Ok(Execution {
        violations: side.rec.violations,
        order: side.order,
    })
}

/// Replay one execution from a schedule an exhaustive run printed (`parse_schedule`'s
/// format). Any schedule that is not one of this configuration's executions, to the task, is an
/// error saying where it parts from the execution; nothing panics.
pub fn replay(cfg: &Config, schedule: &Schedule) -> Result<Execution, String> {
    one(cfg, Policy::Replay(schedule.steps.clone()))
}

/// Run the model threads in the order of `order` (a stateright counterexample's thread ids) on
/// shuttle's tasks, and stop there. An error if some step of the order cannot run where it
/// stands.
pub fn directed(cfg: &Config, order: &[Tid]) -> Result<Execution, String> {
    one(cfg, Policy::Directed(order.to_vec()))
}
