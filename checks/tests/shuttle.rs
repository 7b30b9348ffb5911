//! shuttle, exhaustive: a scheduler of our own behind shuttle's `Scheduler` trait
//! (`explore::on_shuttle`) explores the model's steps on shuttle's tasks depth-first over the
//! states, with sleep sets over the declared footprints; every run is compared state for state
//! with stateright. Also: source sets (one execution per Mazurkiewicz trace) on the textbook
//! race, schedule replay, the directed replay that realises every stateright counterexample on
//! tasks, and shuttle's own PCT sampler. Its own binary: shuttle's process-wide panic hook must
//! not meet loom.

use checks::explore::engine::Mode;
use checks::explore::{reference_states, Budget};
use checks::run::{check, shortest};
use checks::threaded::{
    directed_replay, parse_schedule, shuttle_check, shuttle_default, shuttle_pct, shuttle_replay,
    ThreadedVerdict,
};
use mkwrite_model::contract::SCENARIOS;
use mkwrite_model::{Config, Fs, Inv, Protocol, Tid};
use std::collections::BTreeSet;

fn violated(v: &ThreadedVerdict) -> BTreeSet<Inv> {
    v.violations.keys().copied().collect()
}

/// An exhaustive shuttle verdict: every state of stateright's, the same violations, and the
/// guards stateright's run reached.
fn assert_exhaustive(cfg: &Config, v: &ThreadedVerdict) {
    let r = check(cfg, false);
    assert_eq!(v.coverage, "exhaustive", "{}", cfg.label());
    assert_eq!(v.states, Some((r.states, r.states)), "{}", cfg.label());
    assert_eq!(
        violated(v),
        r.violated().into_iter().collect(),
        "{}",
        cfg.label()
    );
    let reached: BTreeSet<_> = r
        .guards
        .iter()
        .filter(|g| g.reached)
        .map(|g| g.guard)
        .collect();
    assert_eq!(v.guards, reached, "{}: guards", cfg.label());
}

#[test]
fn shuttle_finds_every_textbook_violation_exhaustively() {
    for (name, executions) in [("R1", 203), ("R3", 223), ("R5", 118)] {
        let cfg = Config::scenario(name).unwrap();
        let v = shuttle_default(&cfg);
        assert_exhaustive(&cfg, &v);
        assert_eq!(v.executions, executions, "{name}");
    }
}

#[test]
fn shuttle_proves_the_new_protocol_holds_on_the_matrix() {
    // new+locked, every configuration of the matrix with one writer or two writers without a
    // truncate (40 of 48; the other 8 are in the benchmark, up to 13 s each).
    let mut n = 0;
    for cfg in checks::report::matrix_144() {
        if cfg.protocol != Protocol::New
            || cfg.fs != Fs::LOCKED
            || (cfg.writers == 2 && cfg.truncate && cfg.writeback > 0)
        {
            continue;
        }
        let v = shuttle_default(&cfg);
        assert_exhaustive(&cfg, &v);
        assert!(v.violations.is_empty(), "{}", cfg.label());
        n += 1;
    }
    assert_eq!(n, 40);
}

#[test]
fn sleep_sets_take_fewer_steps_than_the_plain_state_search() {
    let cfg = Config::scenario("R1").unwrap();
    let reference = reference_states(&cfg);
    let plain = shuttle_check(&cfg, Mode::State, Budget::DEFAULT, &reference);
    let sleep = shuttle_check(&cfg, Mode::StateSleep, Budget::DEFAULT, &reference);
    assert_exhaustive(&cfg, &plain);
    assert_exhaustive(&cfg, &sleep);
    assert_eq!((plain.executions, sleep.executions), (259, 203));
}

#[test]
fn source_sets_run_one_execution_per_trace_and_miss_intermediate_states() {
    // old/unlocked, one writer, one writeback pass: 6,502 step orders make 478 Mazurkiewicz
    // traces (counted under the declared footprints). Source sets run exactly 478 executions
    // and find stateright's violations, but pass through 134 of its 154 states: the states
    // only other orders of commuting steps go through. So they are labelled "traces", never
    // "exhaustive".
    let cfg = Config::new(Protocol::Old);
    let reference = reference_states(&cfg);
    let v = shuttle_check(&cfg, Mode::Source, Budget::DEFAULT, &reference);
    assert_eq!(v.executions, 478);
    assert_eq!(v.coverage, "traces");
    assert_eq!(v.states, Some((134, 154)));
    assert_eq!(
        violated(&v),
        check(&cfg, false).violated().into_iter().collect()
    );
}

#[test]
fn a_failing_schedule_replays_to_the_same_violation() {
    let cfg = Config::scenario("R1").unwrap();
    let v = shuttle_default(&cfg);
    assert_eq!(v.schedules.len(), 3);
    for (inv, schedule) in &v.schedules {
        let e = shuttle_replay(&cfg, schedule).expect("a valid schedule");
        assert!(e.violations.contains_key(inv), "{}: {schedule}", inv.name());
        assert_eq!(
            e.violations[inv], v.violations[inv],
            "the same steps, in order"
        );
    }
}

#[test]
fn malformed_schedules_are_errors_not_panics() {
    let cfg = Config::scenario("R1").unwrap();
    for bad in ["", "xyz", "91", "0000", "zz91028c"] {
        assert!(parse_schedule(bad).is_err(), "{bad:?}");
        assert!(shuttle_replay(&cfg, bad).is_err(), "{bad:?}");
    }
    // A well-formed schedule of another configuration parts from this one's execution.
    let r3 = Config::scenario("R3").unwrap();
    let other = shuttle_default(&r3);
    let schedule = other.schedules.values().next().expect("R3 violates");
    let e = shuttle_replay(&Config::new(Protocol::New), schedule);
    assert!(e.is_err() || e.is_ok_and(|e| e.violations.is_empty()));
}

fn assert_realised(cfg: &Config, inv: Inv, path: &[Tid]) {
    let e = directed_replay(cfg, path).unwrap_or_else(|e| panic!("{}: {e}", inv.name()));
    assert_eq!(e.order, path);
    let found = e
        .violations
        .get(&inv)
        .expect("the same invariant is violated on tasks");
    assert!(
        found.len() <= path.len(),
        "violated at or before the trace's last step"
    );
}

#[test]
fn every_textbook_stateright_counterexample_is_realised_on_shuttle_tasks() {
    let mut realised = 0;
    let mut seen = Vec::new();
    for s in SCENARIOS {
        let cfg = Config::from_scenario(&s);
        if seen.contains(&cfg) {
            continue;
        }
        seen.push(cfg);
        for inv in check(&cfg, false).violated() {
            let path = shortest(&cfg, inv, None).unwrap();
            assert_realised(&cfg, inv, &path);
            realised += 1;
        }
    }
    assert_eq!(
        realised, 11,
        "R1, R3 and R5 each violate three invariants, R2 and R4 one"
    );
}

#[test]
fn a_directed_step_that_cannot_run_is_named() {
    // R1's counterexample with its first two steps swapped: W0's lookup finds a clean page at
    // once, so the order parts from the model somewhere; the error says where.
    let cfg = Config::scenario("R1").unwrap();
    let mut path = shortest(&cfg, Inv::WritablePteHasFsMetadata, None).unwrap();
    path.insert(0, 99);
    let e = directed_replay(&cfg, &path).unwrap_err();
    assert!(
        e.starts_with("the trace is not realisable on threads"),
        "{e}"
    );
}

#[test]
fn shuttle_reaches_stateright_verdicts_on_the_history_variants() {
    for s in mkwrite_model::contract::HISTORY {
        let cfg = Config::from_scenario(&s);
        assert_exhaustive(&cfg, &shuttle_default(&cfg));
    }
}

#[test]
fn the_agreement_rule_flags_only_real_disagreements() {
    use checks::threaded::disagreements;
    use std::collections::BTreeMap;
    let verdict = |coverage: &str, found: &[Inv]| ThreadedVerdict {
        checker: "shuttle",
        coverage: coverage.into(),
        mode: String::new(),
        states: None,
        seconds: 0.0,
        executions: 1,
        violations: found.iter().map(|i| (*i, vec![0])).collect(),
        schedules: BTreeMap::new(),
        first_found: BTreeMap::new(),
        guards: BTreeSet::new(),
    };
    let sr = [Inv::WritablePteHasFsMetadata, Inv::CleanedPageHadFsMetadata];
    // A sampled or incomplete checker that misses a violation is not a disagreement...
    for coverage in ["sampled:10", "incomplete", "traces"] {
        assert!(
            disagreements(&sr, &verdict(coverage, &[Inv::WritablePteHasFsMetadata])).is_empty()
        );
    }
    // ...an exhaustive one is.
    assert_eq!(
        disagreements(
            &sr,
            &verdict("exhaustive", &[Inv::WritablePteHasFsMetadata])
        ),
        [Inv::CleanedPageHadFsMetadata]
    );
    // Any checker reporting what stateright proves holds is.
    assert_eq!(
        disagreements(&sr, &verdict("incomplete", &[Inv::NoPteOnTruncatedPage])),
        [Inv::NoPteOnTruncatedPage]
    );
    assert!(disagreements(&sr, &verdict("skipped (beyond loom)", &[])).is_empty());
}

#[test]
fn shuttle_reaches_stateright_verdicts_on_the_filesystem_profiles() {
    // Every profile and era, under both VMs, with one writeback pass: the same violations and
    // states as stateright (the NFS BUG, btrfs's lost reservation and its fixup thread X0).
    for fs in checks::report::profiles() {
        for protocol in [Protocol::Old, Protocol::New] {
            let cfg = Config {
                fs,
                writeback: 1,
                ..Config::new(protocol)
            };
            assert_exhaustive(&cfg, &shuttle_default(&cfg));
        }
    }
}

#[test]
fn shuttle_reaches_stateright_verdicts_on_the_partial_page() {
    for name in ["R7", "R7-fixed"] {
        let cfg = Config::scenario(name).unwrap();
        assert_exhaustive(&cfg, &shuttle_default(&cfg));
    }
}

#[test]
fn pct_sampling_finds_r1() {
    // shuttle's own PCT scheduler (what `bench-pct` measures) over the Condvar runner: a
    // sample, labelled as one, that finds R1's window.
    let cfg = Config::scenario("R1").unwrap();
    let v = shuttle_pct(&cfg, 2_000, 3, 0);
    assert_eq!(v.coverage, "sampled:2000");
    assert!(v.violations.contains_key(&Inv::WritablePteHasFsMetadata));
}
