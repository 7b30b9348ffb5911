//! loom, exhaustive: the model's threads on loom threads (`explore::on_loom`), every choice of
//! which enabled thread steps next explored, each execution cut at a world an earlier one
//! reached. A run is `exhaustive` only if it passed through exactly stateright's states, so its
//! verdicts are as strong as stateright's. Its own binary: shuttle's process-wide panic hook
//! must not be installed while loom runs.

use checks::explore::{on_loom, reference_states, Budget};
use checks::run::check;
use checks::threaded::{loom_check, loom_default, ThreadedVerdict};
use mkwrite_model::{Config, Fs, Inv, Protocol};
use std::collections::BTreeSet;
use std::time::Duration;

fn sr_violated(cfg: &Config) -> BTreeSet<Inv> {
    check(cfg, false).violated().into_iter().collect()
}

fn violated(v: &ThreadedVerdict) -> BTreeSet<Inv> {
    v.violations.keys().copied().collect()
}

/// An exhaustive loom verdict: every state of stateright's, the same violations, and the
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
fn loom_finds_every_old_textbook_violation_exhaustively() {
    // R1 and R3 (F0, W0 with two passes, IO: three threads beside main), and R5.
    for (name, executions) in [("R1", 270), ("R3", 298), ("R5", 146)] {
        let cfg = Config::scenario(name).unwrap();
        let v = loom_default(&cfg);
        assert_exhaustive(&cfg, &v);
        assert!(
            violated(&v).contains(&Inv::WritablePteHasFsMetadata),
            "{name}"
        );
        // Far fewer executions than the configuration's interleavings (R1: 1.2 million
        // step orders): one per transition of the state graph, about.
        assert_eq!(v.executions, executions, "{name}");
    }
}

#[test]
fn loom_proves_the_new_protocol_holds_on_every_matrix_configuration_it_can_run() {
    // new+locked, every configuration of the matrix with at most four threads beside main
    // (40 of 48): no violation, every state, every guard stateright reaches.
    let mut n = 0;
    for cfg in checks::report::matrix_144() {
        if cfg.protocol != Protocol::New
            || cfg.fs != Fs::LOCKED
            || on_loom::spawned(&cfg) > on_loom::MAX_SPAWNED
        {
            continue;
        }
        let v = loom_default(&cfg);
        assert_exhaustive(&cfg, &v);
        assert!(v.violations.is_empty(), "{}", cfg.label());
        n += 1;
    }
    assert_eq!(n, 40);
}

#[test]
fn loom_reports_configurations_beyond_its_threads_as_skipped() {
    let cfg = Config {
        writers: 2,
        writeback: 1,
        truncate: true,
        ..Config::new(Protocol::New)
    };
    assert_eq!(on_loom::spawned(&cfg), 5);
    let v = loom_default(&cfg);
    assert_eq!(v.coverage, "skipped (5 threads beside main; loom allows 4)");
    assert_eq!(v.executions, 0);
}

#[test]
fn a_loom_run_stopped_by_its_budget_is_incomplete() {
    // R1 takes 270 executions; a budget of 100 stops it: incomplete, never "exhaustive", and
    // the states it did reach are fewer than stateright's.
    let cfg = Config::scenario("R1").unwrap();
    let reference = reference_states(&cfg);
    let v = loom_check(
        &cfg,
        Budget {
            executions: 100,
            time: Duration::from_secs(60),
        },
        &reference,
    );
    assert_eq!(v.coverage, "incomplete");
    assert!(v.incomplete() && !v.exhaustive());
    let (hit, all) = v.states.expect("counted");
    assert!(hit < all, "{hit} of {all}");
}

#[test]
fn loom_reaches_stateright_verdicts_on_the_history_variants() {
    // pre2007's silent loss and H2009's accounting race needed a preemption bound of 3 before;
    // the exhaustive runner finds them as it finds every other.
    for s in mkwrite_model::contract::HISTORY {
        let cfg = Config::from_scenario(&s);
        let v = loom_default(&cfg);
        assert_exhaustive(&cfg, &v);
        assert_eq!(violated(&v), sr_violated(&cfg), "{}", s.name);
    }
}

#[test]
fn loom_reaches_stateright_verdicts_on_the_filesystem_profiles() {
    // Every profile and era beside both VMs with one writeback pass (btrfs and fb_defio add
    // their worker X0): exhaustive, the same violations as stateright.
    for fs in checks::report::profiles() {
        for protocol in [Protocol::Old, Protocol::New] {
            let cfg = Config {
                fs,
                writeback: 1,
                ..Config::new(protocol)
            };
            let v = loom_default(&cfg);
            assert_exhaustive(&cfg, &v);
        }
    }
}

#[test]
fn loom_reaches_stateright_verdicts_on_the_partial_page() {
    // R7 and R7-fixed as they stand (F0, W0, T0, IO): some violations for R7, none with
    // 90a8020278c1.
    for name in ["R7", "R7-fixed"] {
        let cfg = Config::scenario(name).unwrap();
        let v = loom_default(&cfg);
        assert_exhaustive(&cfg, &v);
        assert_eq!(v.violations.is_empty(), name == "R7-fixed", "{name}");
    }
}
