// The threaded runner: one real thread per model thread, each driving the model's own `step`
// function. This file is `include!`d twice (`threaded::on_loom`, `threaded::on_shuttle`), with
// `Arc`, `Mutex`, `Condvar` and `thread` taken from loom or from shuttle, so that one body runs
// under both tools in a plain `cargo test`.
//
// The world lives in one Mutex. A thread takes a step by locking it, calling `step` (which
// returns `None` when the kernel would sleep), and releasing it; a thread whose step is not
// enabled waits on its own Condvar. The wait condition is the model's `enabled`: what loom and
// shuttle add is an independent exploration engine over the same steps, not an independent
// lock semantics.

use mkwrite_model::contract::{Inv, Role};
use mkwrite_model::invariants::{check_fn, Guard};
use mkwrite_model::{step, Config, Tid, World};
use std::collections::{BTreeMap, BTreeSet};

use super::{Event, Execution, Hook};

struct Shared {
    world: World,
    order: Vec<Tid>,
    violations: BTreeMap<Inv, Vec<Tid>>,
    stop: bool,
    /// Every world this execution has been in.
    seen: std::collections::HashSet<World>,
    /// A thread whose step led back to a world already seen may not move until a new world
    /// appears: `Some(n)` = the number of worlds seen then.
    held: Vec<Option<usize>>,
    /// The guards some world of this execution satisfied.
    guards: BTreeSet<Guard>,
}

struct Runner {
    cfg: Config,
    /// Directed replay: thread `turn[k]` takes step `k`; past its end anyone may move.
    turn: Option<Vec<Tid>>,
    state: Mutex<Shared>,
    wake: Vec<Condvar>,
    hook: Option<Hook>,
}

impl Runner {
    fn threads(&self, sh: &Shared) -> Tid {
        sh.world.threads.len() as Tid
    }

    fn my_turn(&self, sh: &Shared, t: Tid) -> bool {
        match &self.turn {
            None => true,
            Some(order) => order.get(sh.order.len()).is_none_or(|&x| x == t),
        }
    }

    fn can_move(&self, sh: &Shared, t: Tid) -> bool {
        let held = sh.held[t as usize] == Some(sh.seen.len());
        !held && self.my_turn(sh, t) && step(&self.cfg, &sh.world, t).is_some()
    }

    /// The fault retry is a spin loop: the store re-executes, traps, and the fault may return
    /// without progress (while truncate sits between T1 and T2, say), and two writers can keep
    /// each other going round. Any step that leads back to a world this execution has already
    /// been in closes such a cycle: every continuation from that world was already open at its
    /// first visit. The thread that closed it waits until some step produces a new world. This
    /// keeps every execution finite (loom and shuttle need that; stateright closes the same
    /// spin as a cycle of states) without removing any reachable world.
    fn note_revisit(&self, sh: &mut Shared, t: Tid) {
        if !sh.seen.insert(sh.world) {
            sh.held[t as usize] = Some(sh.seen.len());
        }
    }

    /// A thread leaves its loop when the run stopped or it has finished for good: a thread
    /// that serves others (`IO`, a filesystem worker) when it is idle and every other thread
    /// has finished.
    fn should_exit(&self, sh: &Shared, t: Tid) -> bool {
        let w = &sh.world;
        sh.stop
            || if matches!(w.thread(t).role, Role::Io | Role::FsWorker) {
                w.threads.iter().all(|th| th.finished(w))
            } else {
                w.thread(t).finished(w)
            }
    }

    /// Notify only the threads that can now move or must now leave.
    fn wake_movable(&self, sh: &Shared) {
        for u in 0..self.threads(sh) {
            if self.can_move(sh, u) || self.should_exit(sh, u) {
                self.wake[u as usize].notify_one();
            }
        }
    }

    /// Record the invariants the current world violates and the guards it satisfies.
    fn record_violations(&self, sh: &mut Shared) {
        for g in Guard::ALL {
            if !sh.guards.contains(&g) && g.holds(&self.cfg, &sh.world) {
                sh.guards.insert(g);
            }
        }
        for inv in Inv::ALL {
            if !check_fn(inv)(&self.cfg, &sh.world) && !sh.violations.contains_key(&inv) {
                let order = sh.order.clone();
                sh.violations.insert(inv, order);
            }
        }
    }
}

fn run_thread(r: &Runner, t: Tid) {
    let mut g = r.state.lock().unwrap();
    if let Some(h) = &r.hook {
        h(Event::ThreadStart(t));
    }
    loop {
        if r.should_exit(&g, t) {
            r.wake_movable(&g);
            return;
        }
        let next = if r.can_move(&g, t) {
            step(&r.cfg, &g.world, t)
        } else {
            None
        };
        match next {
            Some(w) => {
                g.world = w;
                g.order.push(t);
                // Every execution is finite (see `note_revisit`); one that is not is a bug of
                // the model or the runner, and fails by name instead of hanging the run.
                assert!(
                    g.order.len() <= STEP_BUDGET,
                    "step budget exceeded: an execution of {} took more than {STEP_BUDGET} steps",
                    r.cfg.label()
                );
                r.note_revisit(&mut g, t);
                if let Some(h) = &r.hook {
                    h(Event::Stepped(g.order.len()));
                }
                r.record_violations(&mut g);
                r.wake_movable(&g);
                // Release the world between steps: this is where another thread can cut in.
                drop(g);
                g = r.state.lock().unwrap();
            }
            None => {
                let n = r.threads(&g);
                let stuck = (0..n).all(|u| !r.can_move(&g, u));
                if stuck && !(0..n).all(|u| r.should_exit(&g, u)) {
                    // Nobody can move and somebody has not finished: a deadlock of the model
                    // (recorded by some_thread_can_run when the state was reached), or a
                    // directed order that cannot continue. Everyone leaves.
                    g.stop = true;
                    for c in &r.wake {
                        c.notify_one();
                    }
                    return;
                }
                g = r.wake[t as usize].wait(g).unwrap();
            }
        }
    }
}

/// The most steps one execution may take: a hundred times the longest shortest counterexample
/// of any configuration checked (under 100 steps); reaching it means the run would not end.
pub const STEP_BUDGET: usize = 10_000;

/// How many real threads `run_once` spawns besides the main thread (which runs `S`).
pub fn spawned_threads(cfg: &Config) -> usize {
    World::init(cfg).threads.len() - 1
}

/// One execution: spawn a thread per model thread but `S`, join the threads the final sync waits
/// for (writers, `W0`, `T0`), run `S` on the main thread, then join the rest (`IO`, `E0`). With
/// `turn`, the threads take their steps in exactly that order (directed replay); `hook`
/// observes the run.
pub fn run_once(cfg: Config, turn: Option<Vec<Tid>>, hook: Option<Hook>) -> Execution {
    let world = World::init(&cfg);
    let n = world.threads.len();
    let r = Arc::new(Runner {
        cfg,
        turn,
        state: Mutex::new(Shared {
            world,
            order: Vec::new(),
            violations: BTreeMap::new(),
            stop: false,
            seen: [world].into_iter().collect(),
            guards: Guard::ALL
                .into_iter()
                .filter(|g| g.holds(&cfg, &world))
                .collect(),
            held: vec![None; n],
        }),
        wake: (0..n).map(|_| Condvar::new()).collect(),
        hook,
    });
    let mut after_sync = Vec::new();
    let mut before_sync = Vec::new();
    let mut sync = None;
    for (t, th) in world.threads.iter().enumerate() {
        let t = t as Tid;
        if th.role == Role::Sync {
            sync = Some(t);
            continue;
        }
        let r2 = Arc::clone(&r);
        let h = thread::spawn(move || run_thread(&r2, t));
        if th.role.waited_for_by_sync() {
            before_sync.push(h);
        } else {
            after_sync.push(h);
        }
    }
    for h in before_sync {
        h.join().unwrap();
    }
    if let Some(s) = sync {
        run_thread(&r, s);
    }
    for h in after_sync {
        h.join().unwrap();
    }
    let g = r.state.lock().unwrap();
    Execution {
        violations: g.violations.clone(),
        order: g.order.clone(),
        guards: g.guards.clone(),
    }
}
