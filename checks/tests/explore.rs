//! The exploration engine behind the shuttle scheduler, on its own: small programs whose
//! interleavings, Mazurkiewicz traces and states are counted by brute force. Source sets must
//! run exactly one complete execution per trace (never two of one trace: the sleep sets; never
//! none: the source sets); the state-graph modes must pass through every reachable state, on
//! acyclic and cyclic programs alike. Only then is the engine trusted with the model.

use checks::explore::engine::{drive, Mode};
use checks::explore::toy::{self, Op, Program};
use std::collections::HashSet;

/// Complete executions, their distinct traces, and states passed through, for `mode`.
fn run(p: &Program, mode: Mode) -> (usize, usize, usize) {
    let d = drive(p, mode, 1_000).expect("an acyclic program ends");
    let traces: HashSet<_> = d.complete.iter().map(|o| toy::trace_key(p, o)).collect();
    (d.complete.len(), traces.len(), d.states.len())
}

fn counts(p: &Program) -> toy::Counts {
    toy::brute_force(p, 1_000_000)
        .1
        .expect("a small acyclic program")
}

#[test]
fn independent_threads_are_one_trace() {
    // Four threads, each touching only its own variable or nothing shared.
    let p = Program {
        threads: vec![
            vec![Op::Write(0, 1), Op::Read(0)],
            vec![Op::Write(1, 1), Op::Add(1)],
            vec![Op::Write(2, 2)],
            vec![Op::Read(3), Op::Read(3)],
        ],
    };
    let c = counts(&p);
    // 7! / (2! 2! 1! 2!) interleavings of threads of 2, 2, 1 and 2 steps.
    assert_eq!((c.traces, c.interleavings), (1, 630));
    assert_eq!(run(&p, Mode::Source).0, 1, "one execution");
    assert_eq!(run(&p, Mode::Dfs).0, c.interleavings);
    assert_eq!(run(&p, Mode::StateSleep).2, c.states);
}

#[test]
fn writers_of_one_variable_are_every_order() {
    // n writers of x: every order of the writes is its own trace, n! of them.
    for n in 2..=4u8 {
        let p = Program {
            threads: (0..n).map(|k| vec![Op::Write(0, k % 3 + 1)]).collect(),
        };
        let fact: usize = (1..=n as usize).product();
        assert_eq!(counts(&p).traces, fact);
        assert_eq!(run(&p, Mode::Source), (fact, fact, counts(&p).states));
    }
}

#[test]
fn the_writer_readers_example() {
    // The running example of Abdulla, Aronis, Jonsson and Sagonas (POPL 2014): p writes x; q and
    // r each do a local step, then read x. Each read sees the write or not: 2^2 traces.
    let p = Program {
        threads: vec![
            vec![Op::Write(0, 1)],
            vec![Op::Write(1, 0), Op::Read(0)],
            vec![Op::Write(2, 0), Op::Read(0)],
        ],
    };
    let c = counts(&p);
    assert_eq!(c.traces, 4);
    let (complete, traces, _) = run(&p, Mode::Source);
    assert_eq!((complete, traces), (4, 4));
}

#[test]
fn a_lock_taken_in_either_order_is_two_traces() {
    // Reversing a race through a lock: the second thread's lock is in a race with the first
    // thread's lock (not with its unlock, which it could never run beside).
    let p = Program {
        threads: vec![
            vec![Op::Lock(0), Op::Write(0, 1), Op::Unlock(0)],
            vec![Op::Add(2), Op::Lock(0), Op::Read(0), Op::Unlock(0)],
        ],
    };
    assert_eq!(counts(&p).traces, 2);
    assert_eq!(run(&p, Mode::Source).0, 2);
}

#[test]
fn a_deadlock_is_a_complete_execution() {
    // Two locks taken in opposite orders: some executions end with both threads blocked.
    let p = Program {
        threads: vec![
            vec![Op::Lock(0), Op::Lock(1), Op::Unlock(1), Op::Unlock(0)],
            vec![Op::Lock(1), Op::Lock(0), Op::Unlock(0), Op::Unlock(1)],
        ],
    };
    let c = counts(&p);
    let (complete, traces, _) = run(&p, Mode::Source);
    assert_eq!((complete, traces), (c.traces, c.traces));
    assert_eq!(c.traces, 3, "either thread first, or both stuck");
}

#[test]
fn source_sets_run_one_execution_per_trace_on_random_programs() {
    let mut checked = 0;
    let mut reduced = 0;
    for seed in 0..200 {
        let p = toy::random(seed, false);
        let Some(c) = toy::brute_force(&p, 200_000).1 else {
            continue;
        };
        let (complete, traces, _) = run(&p, Mode::Source);
        assert_eq!(
            (complete, traces),
            (c.traces, c.traces),
            "seed {seed}: {:?}",
            p.threads
        );
        assert_eq!(run(&p, Mode::Dfs).0, c.interleavings, "seed {seed}");
        checked += 1;
        reduced += usize::from(c.traces < c.interleavings);
    }
    // The other 19 have more than 200,000 interleavings, too many to enumerate here.
    assert_eq!(checked, 181, "programs small enough to count");
    assert!(
        reduced > 150,
        "most programs have fewer traces than interleavings"
    );
}

#[test]
fn the_state_graph_modes_reach_every_state_of_random_programs() {
    // Acyclic and cyclic (spin loops) programs: every reachable state, with and without sleep
    // sets, and the sleep sets take fewer steps.
    let mut fewer = 0;
    for seed in 0..300 {
        for cycles in [false, true] {
            let p = toy::random(seed, cycles);
            let (states, _) = toy::brute_force(&p, 0);
            let a = drive(&p, Mode::State, 1_000).expect("stateful search ends");
            let b = drive(&p, Mode::StateSleep, 1_000).expect("stateful search ends");
            assert_eq!(a.states.len(), states, "seed {seed} cycles {cycles}");
            assert_eq!(b.states.len(), states, "seed {seed} cycles {cycles}");
            assert!(b.stats.steps <= a.stats.steps, "seed {seed}");
            fewer += usize::from(b.stats.steps < a.stats.steps);
        }
    }
    assert!(
        fewer > 200,
        "sleep sets save steps on most programs ({fewer})"
    );
}

#[test]
fn a_stateless_mode_on_a_cycle_stops_by_name() {
    // A thread spinning until another writes: the state graph has a cycle, and a stateless
    // search would go round it for good. The step budget ends it with an error, not a hang.
    let p = Program {
        threads: vec![vec![Op::WhileZero(0, 0)], vec![Op::Read(1)]],
    };
    let e = drive(&p, Mode::Source, 50).expect_err("a cycle");
    assert!(e.contains("more than 50 steps"), "{e}");
    assert!(drive(&p, Mode::StateSleep, 50).is_ok());
}
