//! loom, exhaustive: the model's threads as loom threads, arranged so that the only choices loom
//! explores are "which enabled model thread takes the next step", and an execution cut where it
//! reaches a world an earlier one reached.
//!
//! Why this shape (measured, see the README's checker section): loom's exploration grows with
//! every operation it may reorder, and its partial-order reduction treats every operation on
//! one object as dependent and has no sleep sets; `join`, loom's `Arc`, an ungated start and
//! waking threads that cannot move multiply its executions far beyond the model's
//! interleavings. So:
//!
//! - The world lives in plain memory (loom runs its threads one at a time on one OS thread).
//!   A step is taken while holding one loom `Mutex`, the token; taking the token is the one
//!   operation loom explores (`loom::explore`), and every token operation conflicts with every
//!   other, so loom tries every thread waiting for it there.
//! - Only threads whose step the model enables wait for the token. A thread that cannot step
//!   parks (`loom::thread::park`), and the thread whose step enabled it unparks it. Before the
//!   next choice, that stepping thread waits, still holding the token, until every thread it
//!   woke has arrived at the token (a gathering); parking, unparking and the gathering run with
//!   exploration off (`loom::stop_exploring`), so loom makes no choice there. At each choice,
//!   then, the threads loom may run are exactly the model threads enabled in the world, each
//!   about to take the token. (A thread already waiting that another's step disabled is tried
//!   too; it finds it cannot step, parks, and the choice is made again.)
//! - The main thread runs the final sync `S` (loom allows five threads including main), holds
//!   the token while it spawns the others (a start gate), and nobody joins.
//! - After each step the world is looked up among those every earlier execution reached. Once
//!   this execution has left the path loom replays from the previous one (the token's takers
//!   differ), a world already reached ends it: `loom::skip_branch`, and every thread leaves.
//!   Sound for state invariants: the first execution to reach a world offers loom, at the next
//!   choice, every step enabled there, and loom's depth-first search explores each of them
//!   below that point; a later arrival adds nothing. What this rests on (which choices loom
//!   explores) is loom's behaviour, not its API: the tests compare the worlds reached with
//!   stateright's, configuration by configuration, and a missing world fails them.

use super::{leaves, Budget, Records};
use mkwrite_model::contract::Role;
use mkwrite_model::{step, Config, Tid, World};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// loom's limit: five threads including the main thread, which runs `S`.
pub const MAX_SPAWNED: usize = 4;

/// The most loom branch points one execution may create (loom panics past it: a runaway
/// execution fails by name instead of hanging).
const MAX_BRANCHES: usize = 200_000;

/// How many threads besides the main one a configuration needs.
pub fn spawned(cfg: &Config) -> usize {
    World::init(cfg).threads.len() - 1
}

/// What outlives one execution.
#[derive(Default)]
struct Cross {
    rec: Records,
    /// The previous execution's token takers, in order.
    prev: Vec<Tid>,
    /// The current execution's token takers, in order.
    cur: Vec<Tid>,
    executions: usize,
    cuts: usize,
    complete: usize,
    deadlocks: usize,
    /// A thread took the token and found it could not step.
    wasted: usize,
    error: Option<String>,
}

/// One execution's shared state.
struct Sh {
    cfg: Config,
    world: World,
    /// Parked: waiting to be woken when it can step.
    parked: Vec<bool>,
    /// Woken by the current gathering and not arrived yet.
    expected: Vec<bool>,
    /// How many woken threads the gatherer still waits for.
    arriving: usize,
    /// The thread that holds the token while the woken ones arrive.
    gatherer: Option<Tid>,
    stop: bool,
    /// This execution's takers differ from the previous execution's.
    diverged: bool,
    order: Vec<Tid>,
    /// Our mirror of loom's exploring flag.
    exploring: bool,
    /// Each model thread's loom thread, to unpark it.
    handles: Vec<Option<loom::thread::Thread>>,
}

struct Ctx {
    sh: Mutex<Sh>,
    cross: Arc<Mutex<Cross>>,
    token: loom::sync::Mutex<()>,
}

fn sh(ctx: &Ctx) -> std::sync::MutexGuard<'_, Sh> {
    ctx.sh.lock().unwrap_or_else(|e| e.into_inner())
}

fn cross(c: &Mutex<Cross>) -> std::sync::MutexGuard<'_, Cross> {
    c.lock().unwrap_or_else(|e| e.into_inner())
}

/// Tell loom whether the next operation is a choice to explore.
fn exploring(ctx: &Ctx, on: bool) {
    let mut g = sh(ctx);
    if g.exploring == on {
        return;
    }
    g.exploring = on;
    drop(g);
    if on {
        loom::explore();
    } else {
        loom::stop_exploring();
    }
}

/// What a thread does next.
#[derive(Clone, Copy, Debug)]
enum Next {
    /// Take the token (a choice to explore, or part of a gathering).
    Token(bool),
    /// Park until woken (a choice to explore when the world just changed, or part of a
    /// gathering).
    Park(bool),
    /// Leave the run (a choice to explore when the thread just took its last step).
    Leave(bool),
}

fn unpark(g: &Sh, t: Tid) {
    if let Some(h) = &g.handles[t as usize] {
        h.unpark();
    }
}

/// A thread arrives after a start or a wake-up: if the gatherer waits for it, it says so (the
/// last one unparks the gatherer), then it waits for the token if it can step, else parks.
fn arrive(ctx: &Ctx, t: Tid) -> Next {
    let mut g = sh(ctx);
    if g.expected[t as usize] {
        g.expected[t as usize] = false;
        g.arriving -= 1;
        if g.arriving == 0 {
            if let Some(gt) = g.gatherer.take() {
                unpark(&g, gt);
            }
        }
    }
    if g.stop || leaves(&g.world, t) {
        Next::Leave(false)
    } else if step(&g.cfg, &g.world, t).is_some() {
        Next::Token(false)
    } else {
        g.parked[t as usize] = true;
        Next::Park(false)
    }
}

/// With the token: step if possible, decide what happens to every other thread, gather the
/// ones woken, release the token.
fn holding(ctx: &Ctx, t: Tid, token: loom::sync::MutexGuard<'_, ()>) -> Next {
    let mut guard = sh(ctx);
    let g = &mut *guard;
    if g.stop {
        drop(guard);
        drop(token);
        return Next::Leave(false);
    }
    let mut c = cross(&ctx.cross);
    let k = c.cur.len();
    c.cur.push(t);
    if !g.diverged && c.prev.get(k) != Some(&t) {
        g.diverged = true;
    }
    let Some(next) = step(&g.cfg, &g.world, t) else {
        // Poised when the world changed under it: the choice is made again without it.
        c.wasted += 1;
        g.parked[t as usize] = true;
        drop(c);
        drop(guard);
        drop(token);
        return Next::Park(true);
    };
    g.world = next;
    g.order.push(t);
    let n = c.executions;
    let new = c.rec.note(&g.cfg, &next, &g.order, n);
    let threads = g.world.threads.len() as Tid;
    let movable: Vec<Tid> = (0..threads)
        .filter(|&u| step(&g.cfg, &g.world, u).is_some())
        .collect();
    let all_left = (0..threads).all(|u| leaves(&g.world, u));
    let cut = g.diverged && !new;
    if g.order.len() > crate::explore::on_shuttle::STEP_BUDGET && c.error.is_none() {
        c.error = Some(format!(
            "an execution of {} took more than {} steps",
            g.cfg.label(),
            crate::explore::on_shuttle::STEP_BUDGET
        ));
    }
    let deadlock = movable.is_empty() && !all_left;
    if cut || deadlock || c.error.is_some() {
        if cut {
            c.cuts += 1;
        } else if deadlock {
            c.deadlocks += 1;
        }
        drop(c);
        g.stop = true;
        loom::skip_branch();
        g.exploring = false;
        for u in 0..threads {
            if g.parked[u as usize] {
                g.parked[u as usize] = false;
                unpark(g, u);
            }
        }
        drop(guard);
        drop(token);
        return Next::Leave(false);
    }
    if all_left {
        c.complete += 1;
    }
    drop(c);
    // Wake every parked thread that can now step or must leave.
    let mut woken = 0;
    for u in 0..threads {
        if u != t && g.parked[u as usize] && (movable.contains(&u) || leaves(&g.world, u)) {
            g.parked[u as usize] = false;
            g.expected[u as usize] = true;
            woken += 1;
        }
    }
    let mine = if leaves(&g.world, t) {
        Next::Leave(true)
    } else if movable.contains(&t) {
        Next::Token(true)
    } else {
        g.parked[t as usize] = true;
        Next::Park(true)
    };
    if woken > 0 {
        g.arriving = woken;
        g.gatherer = Some(t);
        for u in 0..threads {
            if g.expected[u as usize] {
                unpark(g, u);
            }
        }
    }
    drop(guard);
    // Gather: park (exploration off) until the last woken thread has arrived.
    loop {
        {
            let g = sh(ctx);
            if g.arriving == 0 {
                break;
            }
        }
        exploring(ctx, false);
        loom::thread::park();
    }
    drop(token);
    mine
}

fn run_thread(ctx: &Ctx, t: Tid) {
    let mut next = arrive(ctx, t);
    loop {
        match next {
            Next::Leave(ex) => {
                exploring(ctx, ex);
                return;
            }
            Next::Park(ex) => {
                exploring(ctx, ex);
                loom::thread::park();
                next = arrive(ctx, t);
            }
            Next::Token(ex) => {
                exploring(ctx, ex);
                let token = ctx.token.lock().unwrap_or_else(|e| e.into_inner());
                next = holding(ctx, t, token);
            }
        }
    }
}

/// One execution: the main thread holds the token while it spawns a loom thread per model
/// thread but `S`, waits for them to arrive, then runs `S` itself.
fn execution(cfg: Config, cross_ref: &Arc<Mutex<Cross>>) {
    let world = World::init(&cfg);
    let n = world.threads.len();
    let s_tid = world
        .threads
        .iter()
        .position(|th| th.role == Role::Sync)
        .map(|t| t as Tid);
    {
        let mut c = cross(cross_ref);
        c.executions += 1;
        c.prev = std::mem::take(&mut c.cur);
        let k = c.executions;
        c.rec.note(&cfg, &world, &[], k);
    }
    let ctx = Arc::new(Ctx {
        sh: Mutex::new(Sh {
            cfg,
            world,
            parked: vec![false; n],
            expected: vec![false; n],
            arriving: 0,
            gatherer: None,
            stop: false,
            diverged: false,
            order: Vec::new(),
            exploring: false,
            handles: vec![None; n],
        }),
        cross: Arc::clone(cross_ref),
        token: loom::sync::Mutex::new(()),
    });
    // The main thread stands for S (or, without S, for no model thread).
    let main_tid = s_tid;
    let gate = ctx.token.lock().unwrap_or_else(|e| e.into_inner());
    {
        let mut g = sh(&ctx);
        if let Some(m) = main_tid {
            g.handles[m as usize] = Some(loom::thread::current());
        }
    }
    let mut spawned = 0;
    for t in 0..n as Tid {
        if Some(t) == main_tid {
            continue;
        }
        {
            let mut g = sh(&ctx);
            g.expected[t as usize] = true;
            g.arriving += 1;
        }
        let c2 = Arc::clone(&ctx);
        let h = loom::thread::spawn(move || run_thread(&c2, t));
        sh(&ctx).handles[t as usize] = Some(h.thread().clone());
        spawned += 1;
    }
    // Wait (exploration off) for every spawned thread to arrive; the gate holds them.
    if spawned > 0 {
        sh(&ctx).gatherer = main_tid;
        loop {
            if sh(&ctx).arriving == 0 {
                break;
            }
            loom::thread::park();
        }
    }
    drop(gate);
    match main_tid {
        Some(m) => {
            // S: arrive as any thread does, but nobody waits for it.
            let first = {
                let mut g = sh(&ctx);
                if g.stop || leaves(&g.world, m) {
                    Next::Leave(false)
                } else if step(&g.cfg, &g.world, m).is_some() {
                    Next::Token(true)
                } else {
                    g.parked[m as usize] = true;
                    Next::Park(true)
                }
            };
            let mut next = first;
            loop {
                match next {
                    Next::Leave(ex) => {
                        exploring(&ctx, ex);
                        break;
                    }
                    Next::Park(ex) => {
                        exploring(&ctx, ex);
                        loom::thread::park();
                        next = arrive(&ctx, m);
                    }
                    Next::Token(ex) => {
                        exploring(&ctx, ex);
                        let token = ctx.token.lock().unwrap_or_else(|e| e.into_inner());
                        next = holding(&ctx, m, token);
                    }
                }
            }
        }
        None => exploring(&ctx, true),
    }
}

/// What an exhaustive loom run found.
#[derive(Debug)]
pub struct LoomRun {
    /// What the executions found.
    pub rec: Records,
    /// Executions run.
    pub executions: usize,
    /// Executions cut at a world an earlier one reached.
    pub cuts: usize,
    /// Executions in which every thread finished.
    pub complete: usize,
    /// Executions that ended in a deadlock of the model.
    pub deadlocks: usize,
    /// Token takes by a thread another's step had disabled meanwhile.
    pub wasted: usize,
    /// The budget stopped it before the end.
    pub capped: bool,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// Explore `cfg` on loom within `budget`. `Err` for a configuration beyond loom's threads, a
/// bad `LOOM_*` environment variable, or a runner bug (one line each).
pub fn explore(cfg: &Config, budget: Budget) -> Result<LoomRun, String> {
    if spawned(cfg) > MAX_SPAWNED {
        return Err(format!(
            "{} needs {} threads besides the main one; loom allows {MAX_SPAWNED}",
            cfg.label(),
            spawned(cfg)
        ));
    }
    let cross_ref = Arc::new(Mutex::new(Cross::default()));
    let mut builder = std::panic::catch_unwind(loom::model::Builder::new)
        .map_err(|_| "a LOOM_* environment variable does not parse (unset it)".to_string())?;
    builder.max_branches = MAX_BRANCHES;
    builder.preemption_bound = None;
    builder.expect_explicit_explore = true;
    builder.checkpoint_file = None;
    // loom looks at its limits every `checkpoint_interval` executions, and stops before
    // execution number `max_permutations`: at most `budget.executions` run.
    builder.checkpoint_interval = 1;
    builder.max_permutations = Some(budget.executions.saturating_add(1));
    builder.max_duration = Some(budget.time);
    builder.log = false;
    let start = Instant::now();
    let (cfg2, c2) = (*cfg, Arc::clone(&cross_ref));
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        builder.check(move || execution(cfg2, &c2));
    }));
    let seconds = start.elapsed().as_secs_f64();
    if let Err(p) = run {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown panic".into());
        return Err(format!(
            "loom stopped: {}",
            msg.lines().next().unwrap_or_default()
        ));
    }
    let mut c = cross(&cross_ref);
    if let Some(e) = c.error.take() {
        return Err(e);
    }
    let capped =
        c.executions >= budget.executions || Duration::from_secs_f64(seconds) >= budget.time;
    Ok(LoomRun {
        rec: std::mem::take(&mut c.rec),
        executions: c.executions,
        cuts: c.cuts,
        complete: c.complete,
        deadlocks: c.deadlocks,
        wasted: c.wasted,
        capped,
        seconds,
    })
}

/// The worlds a loom run passed through, for comparison.
pub fn visited(run: &LoomRun) -> &HashSet<World> {
    &run.rec.visited
}
