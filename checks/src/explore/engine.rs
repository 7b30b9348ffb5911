//! The exploration engine behind the shuttle scheduler: which thread runs at each decision, over
//! many executions, so that together they cover what a search mode promises. It knows nothing
//! of shuttle or of the model: a decision is a state and the steps enabled there, each with its
//! footprint ([`Ev`]); an execution is the sequence of decisions from the initial state. The
//! same engine is driven by shuttle's real tasks (`on_shuttle`) and, in the tests of small
//! programs, by a plain loop ([`drive`]).
//!
//! Modes:
//! - [`Mode::Dfs`]: every interleaving (stateless, no reduction): the baseline.
//! - [`Mode::State`]: depth-first over the state graph: an execution stops at a state an
//!   earlier decision already expanded. Every reachable state, every transition.
//! - [`Mode::StateSleep`]: the same with sleep sets over the footprints (Godefroid 1996, ch. 5,
//!   with the sleep set stored beside each cached state): a step independent of every step taken
//!   since a sibling explored it is not taken again. Every reachable state, fewer transitions.
//! - [`Mode::Source`]: source sets and sleep sets (Abdulla, Aronis, Jonsson, Sagonas, "Optimal
//!   dynamic partial order reduction", POPL 2014, Algorithm 1), stateless: at least one complete
//!   execution of every Mazurkiewicz trace, and no two of one trace; it does not pass through
//!   every intermediate state, and cannot finish on a cyclic state graph.
//!
//! Soundness of the state cut with sleep sets ([`Mode::StateSleep`]): a sleep set holds steps
//! whose every continuation is covered by an earlier sibling (a step independent of the steps
//! since it was explored commutes with them, so the states it leads to were reached there);
//! sleep sets alone never lose a state, only transitions. A cached state revisited with a sleep
//! set that does not contain its first visit's (some step asleep then is awake now) explores
//! exactly the steps asleep then and awake now, and stores the intersection (Godefroid's
//! rule): what neither visit explored is asleep at both, covered twice. The tests compare the
//! states reached with a breadth-first search of the same systems (small programs, random
//! programs) and, for the model, with stateright's states.

use std::collections::HashMap;
use std::hash::Hash;

/// A thread of the explored system.
pub type Tid = u8;

/// A step: its thread and its footprint as bit sets. `writes` includes the thread's own bit, so
/// two steps of one thread are always dependent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ev {
    /// The thread.
    pub t: Tid,
    /// Objects read and not written.
    pub reads: u64,
    /// Objects written (and possibly read).
    pub writes: u64,
}

impl Ev {
    /// Whether the two steps commute: different threads, and neither writes what the other
    /// touches.
    pub fn indep(&self, o: &Ev) -> bool {
        self.t != o.t
            && self.writes & (o.reads | o.writes) == 0
            && o.writes & (self.reads | self.writes) == 0
    }
}

/// How the engine explores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Every interleaving, stateless.
    Dfs,
    /// Depth-first over states, every transition.
    State,
    /// Depth-first over states with sleep sets.
    StateSleep,
    /// Source sets and sleep sets, stateless.
    Source,
}

impl Mode {
    /// Whether the mode keeps a set of expanded states (and so finishes on cycles).
    pub const fn stateful(self) -> bool {
        matches!(self, Mode::State | Mode::StateSleep)
    }

    /// The name used in coverage labels and the benchmark.
    pub const fn name(self) -> &'static str {
        match self {
            Mode::Dfs => "dfs",
            Mode::State => "state",
            Mode::StateSleep => "state+sleep",
            Mode::Source => "source+sleep",
        }
    }
}

/// One decision on the current path.
#[derive(Clone, Debug)]
struct Node<S> {
    /// The state (source sets check a race's reversal from it).
    state: S,
    /// The steps enabled here (thread order).
    enabled: Vec<Ev>,
    /// Steps still to take here (stateful modes and DFS), in order.
    todo: Vec<Tid>,
    /// Source sets: the threads that must be tried here (explored or not).
    backtrack: Vec<Tid>,
    /// Steps already taken here, before `cur`.
    done: Vec<Tid>,
    /// The sleep set on arrival (after the state cache's rule): steps covered elsewhere.
    sleep: Vec<Ev>,
    /// The step being explored.
    cur: Tid,
}

impl<S> Node<S> {
    fn ev(&self, t: Tid) -> Option<Ev> {
        self.enabled.iter().copied().find(|e| e.t == t)
    }

    /// The sleep set of the child reached by `cur`: every step asleep here or taken here before
    /// `cur` that is independent of `cur`.
    fn child_sleep(&self) -> Vec<Ev> {
        let Some(c) = self.ev(self.cur) else {
            return Vec::new();
        };
        let mut z: Vec<Ev> = self
            .sleep
            .iter()
            .copied()
            .chain(self.done.iter().filter_map(|t| self.ev(*t)))
            .filter(|u| u.indep(&c))
            .collect();
        z.sort_by_key(|e| e.t);
        z.dedup_by_key(|e| e.t);
        z
    }
}

/// What the engine counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Executions begun.
    pub executions: usize,
    /// Executions that ended with every thread finished (or a deadlock: no step enabled).
    pub complete: usize,
    /// Executions stopped at a state already expanded (stateful modes).
    pub cached: usize,
    /// Executions stopped because every enabled step was asleep.
    pub sleep_blocked: usize,
    /// Decisions taken (steps run), replays included.
    pub steps: usize,
}

/// A system's step function: the state after thread `t` steps, or `None` if it cannot.
pub type Stepper<S> = Box<dyn Fn(&S, Tid) -> Option<S> + Send>;

/// The engine: a depth-first search over executions, one path at a time.
pub struct Engine<S> {
    mode: Mode,
    /// Source sets ask whether a race can be reversed by running the reversal.
    stepper: Stepper<S>,
    stack: Vec<Node<S>>,
    /// Stateful modes: each expanded state with the sleep set it was last explored with.
    expanded: HashMap<S, Vec<Ev>>,
    /// Position in the current execution.
    depth: usize,
    /// The sleep set the next new node arrives with.
    sleep: Vec<Ev>,
    started: bool,
    /// Source sets: the steps of the current execution, as taken.
    trace: Vec<Ev>,
    /// Source sets: the first position of the current execution not replayed from the last.
    fresh_from: usize,
    /// Counters.
    pub stats: Stats,
}

impl<S: Copy + Eq + Hash> Engine<S> {
    /// A new search over a system whose steps `stepper` runs.
    pub fn new(mode: Mode, stepper: Stepper<S>) -> Self {
        Engine {
            mode,
            stepper,
            stack: Vec::new(),
            expanded: HashMap::new(),
            depth: 0,
            sleep: Vec::new(),
            started: false,
            trace: Vec::new(),
            fresh_from: 0,
            stats: Stats::default(),
        }
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// States the stateful modes expanded.
    pub fn expanded(&self) -> usize {
        self.expanded.len()
    }

    /// Begin the next execution; `false` when the search is over.
    pub fn begin(&mut self) -> bool {
        self.depth = 0;
        self.sleep.clear();
        self.trace.clear();
        if !self.started {
            self.started = true;
            self.fresh_from = 0;
            self.stats.executions += 1;
            return true;
        }
        while let Some(top) = self.stack.last_mut() {
            top.done.push(top.cur);
            let next = match self.mode {
                Mode::Source => top
                    .backtrack
                    .iter()
                    .copied()
                    .find(|t| !top.done.contains(t) && !top.sleep.iter().any(|z| z.t == *t)),
                _ => top.todo.iter().copied().find(|t| !top.done.contains(t)),
            };
            if let Some(t) = next {
                top.cur = t;
                self.fresh_from = self.stack.len() - 1;
                self.stats.executions += 1;
                return true;
            }
            self.stack.pop();
        }
        false
    }

    /// A decision at state `s` with `enabled` steps (thread order, non-empty): the thread to run,
    /// or `None` to end this execution here (a cached state, every step asleep).
    ///
    /// # Panics
    ///
    /// When a replayed decision finds its thread not enabled: the system is not deterministic
    /// (a bug of the runner or the model, named).
    pub fn choose(&mut self, s: &S, enabled: &[Ev]) -> Option<Tid> {
        let d = self.depth;
        if d < self.stack.len() {
            let node = &self.stack[d];
            let t = node.cur;
            assert!(
                enabled.iter().any(|e| e.t == t),
                "nondeterministic replay: thread {t} is not enabled at decision {d}"
            );
            self.sleep = node.child_sleep();
            if let Some(e) = node.ev(t) {
                self.trace.push(e);
            }
            self.depth += 1;
            self.stats.steps += 1;
            return Some(t);
        }
        let arrival = std::mem::take(&mut self.sleep);
        let asleep = |t: Tid, z: &[Ev]| z.iter().any(|e| e.t == t);
        let (todo, base): (Vec<Tid>, Vec<Ev>) = match self.mode {
            Mode::Dfs => (enabled.iter().map(|e| e.t).collect(), Vec::new()),
            Mode::State => {
                if self.expanded.contains_key(s) {
                    self.stats.cached += 1;
                    return None;
                }
                self.expanded.insert(*s, Vec::new());
                (enabled.iter().map(|e| e.t).collect(), Vec::new())
            }
            Mode::StateSleep => match self.expanded.get_mut(s) {
                Some(stored) => {
                    // Asleep at the earlier visit and awake now: explore those only. What stays
                    // asleep is what both visits left asleep.
                    let todo: Vec<Tid> = enabled
                        .iter()
                        .filter(|e| asleep(e.t, stored) && !asleep(e.t, &arrival))
                        .map(|e| e.t)
                        .collect();
                    let both: Vec<Ev> = arrival
                        .iter()
                        .copied()
                        .filter(|e| asleep(e.t, stored))
                        .collect();
                    *stored = both.clone();
                    if todo.is_empty() {
                        self.stats.cached += 1;
                        return None;
                    }
                    (todo, both)
                }
                None => {
                    self.expanded.insert(*s, arrival.clone());
                    let todo: Vec<Tid> = enabled
                        .iter()
                        .filter(|e| !asleep(e.t, &arrival))
                        .map(|e| e.t)
                        .collect();
                    if todo.is_empty() {
                        self.stats.sleep_blocked += 1;
                        return None;
                    }
                    (todo, arrival)
                }
            },
            Mode::Source => {
                let first = enabled.iter().find(|e| !asleep(e.t, &arrival));
                match first {
                    None => {
                        self.stats.sleep_blocked += 1;
                        return None;
                    }
                    Some(e) => (vec![e.t], arrival),
                }
            }
        };
        let cur = todo[0];
        let node = Node {
            state: *s,
            enabled: enabled.to_vec(),
            backtrack: if self.mode == Mode::Source {
                todo.clone()
            } else {
                Vec::new()
            },
            todo,
            done: Vec::new(),
            sleep: base,
            cur,
        };
        self.sleep = node.child_sleep();
        if let Some(e) = node.ev(cur) {
            self.trace.push(e);
        }
        self.stack.push(node);
        self.depth += 1;
        self.stats.steps += 1;
        Some(cur)
    }

    /// The current execution ended: `complete` when no step was enabled any more (every thread
    /// finished, or a deadlock). `blocked` are the next steps of the threads that had not
    /// finished but could not move when it ended. With source sets, the races of its new steps,
    /// and of those blocked steps (Flanagan and Godefroid's races with a pending step: a
    /// deadlock's way out), add backtrack points to the path.
    pub fn end(&mut self, complete: bool, blocked: &[Ev]) {
        if complete {
            self.stats.complete += 1;
        }
        if self.mode == Mode::Source {
            let n = self.trace.len();
            for e in blocked {
                self.trace.push(*e);
                self.add_backtracks(n + 1);
                self.trace.truncate(n);
            }
            self.add_backtracks(n);
        }
    }

    /// Source sets: for every race e_i ⋖ e_j with e_j new in this execution (conflicting steps
    /// of two threads, i not ordered before j through another race, and notdep(e_i).e_j able to
    /// run from position i), make sure some initial of notdep(e_i).e_j is tried at position i
    /// (Algorithm 1's update).
    fn add_backtracks(&mut self, upto: usize) {
        let n = self.trace.len();
        if n == 0 {
            return;
        }
        let threads = self
            .trace
            .iter()
            .map(|e| e.t as usize + 1)
            .max()
            .unwrap_or(1);
        // Vector clocks: vc[k][p] = how many steps of thread p happen before or at step k.
        let join = |into: &mut [u32], from: &[u32]| {
            for (a, b) in into.iter_mut().zip(from) {
                *a = (*a).max(*b);
            }
        };
        let mut vc: Vec<Vec<u32>> = Vec::with_capacity(n);
        // pos[k]: the 1-based index of step k among its thread's steps.
        let mut pos: Vec<u32> = Vec::with_capacity(n);
        let mut per = vec![0u32; threads];
        for (k, ek) in self.trace.iter().enumerate() {
            let mut c = vec![0u32; threads];
            for (ei, ci) in self.trace[..k].iter().zip(&vc) {
                if ei.t == ek.t || !ei.indep(ek) {
                    join(&mut c, ci);
                }
            }
            let t = ek.t as usize;
            per[t] += 1;
            pos.push(per[t]);
            c[t] = per[t];
            vc.push(c);
        }
        let threads_of: Vec<usize> = self.trace.iter().map(|e| e.t as usize).collect();
        let hb = |i: usize, k: usize| -> bool {
            // step i happens before step k (i < k)
            vc[k][threads_of[i]] >= pos[i]
        };
        // Steps up to `upto` are this execution's (from where it left the last one); a step
        // past them is a blocked thread's next step, appended for the analysis only.
        let from = if upto < n {
            upto
        } else {
            self.fresh_from.min(n)
        };
        for j in from..n {
            let ej = self.trace[j];
            let p = ej.t;
            // covered[q]: the join of the clocks of the steps in (i, j) through which step i
            // already happens before j: p's own earlier steps, and the steps in a reversible
            // race with j. A conflicting step whose reversal with j cannot run (an unlock before
            // p's lock) orders nothing for this purpose: the step before it may be the race.
            let mut covered = vec![0u32; threads];
            for i in (0..j).rev() {
                let ei = self.trace[i];
                let mut orders = ei.t == p;
                if ei.t != p && !ei.indep(&ej) && covered[ei.t as usize] < pos[i] {
                    // v = the steps after i that do not happen after i, then step j.
                    let v: Vec<usize> = (i + 1..j).filter(|&k| !hb(i, k)).chain([j]).collect();
                    if self.runs(i, &v) {
                        self.add_race(i, &v, &hb);
                        orders = true;
                    }
                }
                if orders {
                    join(&mut covered, &vc[i]);
                }
            }
        }
    }

    /// Whether the steps `v` of the current execution can run in that order from the state at
    /// position `i`.
    fn runs(&self, i: usize, v: &[usize]) -> bool {
        let mut s = self.stack[i].state;
        for &k in v {
            match (self.stepper)(&s, self.trace[k].t) {
                Some(n) => s = n,
                None => return false,
            }
        }
        true
    }

    fn add_race(&mut self, i: usize, v: &[usize], hb: &dyn Fn(usize, usize) -> bool) {
        let initials: Vec<Tid> = v
            .iter()
            .enumerate()
            .filter(|(a, &k)| !v[..*a].iter().any(|&m| hb(m, k)))
            .map(|(_, &k)| self.trace[k].t)
            .collect();
        let node = &mut self.stack[i];
        if initials.iter().any(|t| node.backtrack.contains(t)) {
            return;
        }
        match initials.iter().find(|t| node.ev(**t).is_some()) {
            Some(&q) => node.backtrack.push(q),
            None => {
                for e in &node.enabled {
                    if !node.backtrack.contains(&e.t) {
                        node.backtrack.push(e.t);
                    }
                }
            }
        }
    }
}

/// A system the engine can drive directly, without shuttle or threads: the tests' small
/// programs, and the cross-check of the shuttle runner.
pub trait System {
    /// A state.
    type State: Copy + Eq + Hash;
    /// The initial state.
    fn init(&self) -> Self::State;
    /// How many threads.
    fn threads(&self) -> usize;
    /// The state after thread `t`'s next step, or `None` if it cannot step.
    fn step(&self, s: &Self::State, t: Tid) -> Option<Self::State>;
    /// The footprint of thread `t`'s next step in `s` (enabled or not).
    fn footprint(&self, s: &Self::State, t: Tid) -> Ev;
    /// Whether thread `t` has no step left in `s` (as opposed to one it cannot take now).
    fn finished(&self, s: &Self::State, t: Tid) -> bool;
}

/// The step function of `sys` as the engine takes it.
pub fn stepper_of<Y: System + Clone + Send + 'static>(sys: &Y) -> Stepper<Y::State> {
    let sys = sys.clone();
    Box::new(move |s, t| sys.step(s, t))
}

/// What [`drive`] saw.
#[derive(Debug)]
pub struct Driven<S> {
    /// Every state passed through.
    pub states: std::collections::HashSet<S>,
    /// The step orders of the complete executions.
    pub complete: Vec<Vec<Tid>>,
    /// The engine's counters.
    pub stats: Stats,
}

/// Run the engine over `sys` with a plain loop: each execution from the initial state, each
/// decision asked of the engine. `max_steps` bounds one execution (a cyclic system under a
/// stateless mode does not end otherwise): past it the run stops with `Err`.
pub fn drive<Y: System + Clone + Send + 'static>(
    sys: &Y,
    mode: Mode,
    max_steps: usize,
) -> Result<Driven<Y::State>, String> {
    let mut engine: Engine<Y::State> = Engine::new(mode, stepper_of(sys));
    let mut states = std::collections::HashSet::new();
    let mut complete = Vec::new();
    while engine.begin() {
        let mut s = sys.init();
        states.insert(s);
        let mut order = Vec::new();
        loop {
            let enabled: Vec<Ev> = (0..sys.threads() as Tid)
                .filter(|&t| sys.step(&s, t).is_some())
                .map(|t| sys.footprint(&s, t))
                .collect();
            let blocked = || -> Vec<Ev> {
                (0..sys.threads() as Tid)
                    .filter(|&t| sys.step(&s, t).is_none() && !sys.finished(&s, t))
                    .map(|t| sys.footprint(&s, t))
                    .collect()
            };
            if enabled.is_empty() {
                engine.end(true, &blocked());
                complete.push(order);
                break;
            }
            match engine.choose(&s, &enabled) {
                None => {
                    engine.end(false, &blocked());
                    break;
                }
                Some(t) => {
                    s = sys
                        .step(&s, t)
                        .ok_or_else(|| format!("thread {t} chosen but not enabled"))?;
                    states.insert(s);
                    order.push(t);
                    if order.len() > max_steps {
                        return Err(format!(
                            "an execution took more than {max_steps} steps (a cycle?)"
                        ));
                    }
                }
            }
        }
    }
    Ok(Driven {
        states,
        complete,
        stats: engine.stats,
    })
}
