//! Small programs for testing the exploration engine on its own: threads of reads, writes and
//! locks over a few shared variables, whose interleavings, Mazurkiewicz traces and states can
//! be counted by brute force. A scheduler that claims to explore one execution per trace, or
//! every state, is checked against these counts before it is trusted with the model.

use super::engine::{Ev, System, Tid};
use std::collections::{HashSet, VecDeque};

/// One operation of a toy thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `var := val`.
    Write(u8, u8),
    /// Read `var` into the thread's register.
    Read(u8),
    /// `var := var + 1` (mod 4).
    Add(u8),
    /// Take lock `l`; blocks while another thread holds it.
    Lock(u8),
    /// Release lock `l` (a no-op if the thread does not hold it).
    Unlock(u8),
    /// Jump back to op `to` while `var` is 0 (a spin loop: makes the state graph cyclic).
    WhileZero(u8, u8),
}

/// A toy program: one list of operations per thread.
#[derive(Clone, Debug)]
pub struct Program {
    /// The threads' operations.
    pub threads: Vec<Vec<Op>>,
}

/// Variables and locks a toy program may use.
pub const VARS: usize = 4;
/// Locks a toy program may use.
pub const LOCKS: usize = 2;
/// Threads a toy program may have.
pub const THREADS: usize = 6;

/// A toy state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ToyState {
    pc: [u8; THREADS],
    reg: [u8; THREADS],
    vars: [u8; VARS],
    locks: [Option<u8>; LOCKS],
}

impl Program {
    /// Objects: variables 0-3, locks 4-5, thread registers/pcs 8+.
    fn ev(&self, t: Tid, op: Op) -> Ev {
        let me = 1u64 << (8 + t);
        let var = |v: u8| 1u64 << v;
        let lock = |l: u8| 1u64 << (4 + l);
        let (reads, writes) = match op {
            Op::Write(v, _) | Op::Add(v) => (0, var(v)),
            Op::Read(v) | Op::WhileZero(v, _) => (var(v), 0),
            Op::Lock(l) | Op::Unlock(l) => (0, lock(l)),
        };
        Ev {
            t,
            reads,
            writes: writes | me,
        }
    }
}

impl System for Program {
    type State = ToyState;

    fn init(&self) -> ToyState {
        assert!(
            self.threads.len() <= THREADS,
            "a toy program has at most {THREADS} threads"
        );
        ToyState {
            pc: [0; THREADS],
            reg: [0; THREADS],
            vars: [0; VARS],
            locks: [None; LOCKS],
        }
    }

    fn threads(&self) -> usize {
        self.threads.len()
    }

    fn step(&self, s: &ToyState, t: Tid) -> Option<ToyState> {
        let ti = t as usize;
        let op = *self.threads[ti].get(s.pc[ti] as usize)?;
        let mut n = *s;
        n.pc[ti] += 1;
        match op {
            Op::Write(v, x) => n.vars[v as usize] = x,
            Op::Read(v) => n.reg[ti] = s.vars[v as usize],
            Op::Add(v) => n.vars[v as usize] = (s.vars[v as usize] + 1) % 4,
            Op::Lock(l) => {
                if s.locks[l as usize].is_some() {
                    return None;
                }
                n.locks[l as usize] = Some(t);
            }
            Op::Unlock(l) => {
                if s.locks[l as usize] == Some(t) {
                    n.locks[l as usize] = None;
                }
            }
            Op::WhileZero(v, to) => {
                if s.vars[v as usize] == 0 {
                    n.pc[ti] = to;
                }
            }
        }
        Some(n)
    }

    fn finished(&self, s: &ToyState, t: Tid) -> bool {
        s.pc[t as usize] as usize >= self.threads[t as usize].len()
    }

    fn footprint(&self, s: &ToyState, t: Tid) -> Ev {
        let ti = t as usize;
        match self.threads[ti].get(s.pc[ti] as usize) {
            Some(op) => self.ev(t, *op),
            None => self.ev(t, Op::Read(0)),
        }
    }
}

/// What brute force counts of a toy program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    /// Reachable states.
    pub states: usize,
    /// Maximal interleavings (paths to a state where no thread can step).
    pub interleavings: usize,
    /// Mazurkiewicz traces of those interleavings: classes under swapping adjacent independent
    /// steps.
    pub traces: usize,
}

/// The trace of an interleaving: for each ordered pair of dependent steps, which came first. Two
/// interleavings are equivalent exactly when these sets are equal (the footprints here depend
/// only on a thread's pc, so a step is named by its thread and index).
pub fn trace_key<Y: System>(sys: &Y, order: &[Tid]) -> Vec<(Tid, u32, Tid, u32)> {
    let mut s = sys.init();
    let mut evs: Vec<(Ev, u32)> = Vec::new();
    let mut count = vec![0u32; sys.threads()];
    for &t in order {
        let e = sys.footprint(&s, t);
        count[t as usize] += 1;
        evs.push((e, count[t as usize]));
        s = match sys.step(&s, t) {
            Some(n) => n,
            None => break,
        };
    }
    let mut key = Vec::new();
    for j in 0..evs.len() {
        for i in 0..j {
            let (a, ai) = evs[i];
            let (b, bi) = evs[j];
            if a.t != b.t && !a.indep(&b) {
                key.push((a.t, ai, b.t, bi));
            }
        }
    }
    key.sort_unstable();
    key
}

/// Count states (breadth-first), maximal interleavings and traces (every interleaving
/// enumerated, so only for small acyclic programs; `None` past `limit` interleavings or on a
/// cycle).
pub fn brute_force<Y: System>(sys: &Y, limit: usize) -> (usize, Option<Counts>) {
    let s0 = sys.init();
    let mut seen: HashSet<Y::State> = [s0].into();
    let mut q: VecDeque<Y::State> = [s0].into();
    while let Some(s) = q.pop_front() {
        for t in 0..sys.threads() as Tid {
            if let Some(n) = sys.step(&s, t) {
                if seen.insert(n) {
                    q.push_back(n);
                }
            }
        }
    }
    let states = seen.len();
    let mut paths: Vec<Vec<Tid>> = Vec::new();
    let mut stack: Vec<(Y::State, Vec<Tid>)> = vec![(s0, Vec::new())];
    while let Some((s, order)) = stack.pop() {
        if order.len() > 4 * states {
            return (states, None); // a cycle
        }
        let next: Vec<Tid> = (0..sys.threads() as Tid)
            .filter(|&t| sys.step(&s, t).is_some())
            .collect();
        if next.is_empty() {
            paths.push(order);
            if paths.len() > limit {
                return (states, None);
            }
            continue;
        }
        for t in next.into_iter().rev() {
            if let Some(n) = sys.step(&s, t) {
                let mut o = order.clone();
                o.push(t);
                stack.push((n, o));
            }
        }
    }
    let traces: HashSet<_> = paths.iter().map(|p| trace_key(sys, p)).collect();
    (
        states,
        Some(Counts {
            states,
            interleavings: paths.len(),
            traces: traces.len(),
        }),
    )
}

/// A random program from `seed`: 2-4 threads of 1-4 operations over 3 variables and 2 locks
/// (every lock taken is released later by the same thread, nested ones in reverse order), some
/// with a spin loop when `cycles`.
pub fn random(seed: u64, cycles: bool) -> Program {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let k = 2 + next(3) as usize;
    let mut threads = Vec::new();
    for _ in 0..k {
        let len = 1 + next(4) as usize;
        let mut ops = Vec::new();
        // Locks held, innermost last: a second lock may be taken inside the first (two threads
        // taking them in opposite orders deadlock).
        let mut held: Vec<u8> = Vec::new();
        while ops.len() < len {
            let op = match next(6) {
                0 => Op::Write(next(3) as u8, 1 + next(2) as u8),
                1 | 2 => Op::Read(next(3) as u8),
                3 => Op::Add(next(3) as u8),
                4 if held.len() < 2 => {
                    let l = match held.first() {
                        Some(&h) => 1 - h,
                        None => next(2) as u8,
                    };
                    held.push(l);
                    Op::Lock(l)
                }
                5 if cycles && ops.is_empty() => Op::WhileZero(next(3) as u8, 0),
                _ => Op::Read(next(3) as u8),
            };
            ops.push(op);
        }
        while let Some(l) = held.pop() {
            ops.push(Op::Unlock(l));
        }
        threads.push(ops);
    }
    Program { threads }
}
