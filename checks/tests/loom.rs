//! loom interleaves the model's steps on real threads (`threaded_body.rs` compiled against
//! loom) and reaches stateright's verdicts, invariant by invariant. Its own binary: shuttle's
//! process-wide panic hook must not be installed while loom runs.

use checks::run::check;
use checks::threaded::{loom_check, loom_default, on_loom::spawned_threads};
use mkwrite_model::{Config, Fs, Inv, Protocol};
use std::collections::BTreeSet;

fn loom_violated(cfg: &Config, bound: Option<usize>) -> BTreeSet<Inv> {
    loom_check(cfg, bound).violations.keys().copied().collect()
}

#[test]
fn loom_finds_every_old_textbook_violation_stateright_finds() {
    for name in ["R1", "R3"] {
        let cfg = Config::scenario(name).unwrap();
        let sr: BTreeSet<Inv> = check(&cfg, false).violated().into_iter().collect();
        assert_eq!(
            sr,
            [
                Inv::WritablePteHasFsMetadata,
                Inv::CleanedPageHadFsMetadata,
                Inv::NoStoreLostReported
            ]
            .into()
        );
        // Three spawned threads (F0, W0, IO): preemption bound 2.
        assert_eq!(spawned_threads(&cfg), 3);
        assert_eq!(loom_violated(&cfg, Some(2)), sr, "{name}");
    }
}

#[test]
fn loom_finds_r5_on_the_new_vm_with_an_unlocked_page_mkwrite() {
    let cfg = Config::scenario("R5").unwrap();
    let v = loom_violated(&cfg, Some(2));
    assert!(v.contains(&Inv::WritablePteHasFsMetadata), "{v:?}");
    let sr: BTreeSet<Inv> = check(&cfg, false).violated().into_iter().collect();
    assert_eq!(v, sr);
}

#[test]
fn loom_exhaustive_agrees_where_it_can_finish() {
    // Two spawned threads (F0 and IO): loom explores every interleaving.
    for protocol in [Protocol::Old, Protocol::New] {
        for pte_ro in [true, false] {
            let cfg = Config {
                writeback: 0,
                pte_ro,
                ..Config::new(protocol)
            };
            let v = loom_default(&cfg);
            assert_eq!(v.coverage, "exhaustive");
            let sr: BTreeSet<Inv> = check(&cfg, false).violated().into_iter().collect();
            assert_eq!(
                v.violations.keys().copied().collect::<BTreeSet<_>>(),
                sr,
                "{}",
                cfg.label()
            );
            assert!(v.executions > 1000, "{} executions", v.executions);
        }
    }
}

/// A "no violation" from loom that means something: it ran with the budget `loom_default`
/// promises for the thread count, many executions, and its executions reached exactly the
/// guards stateright's exhaustive run reached (a runner that took no step would reach none).
fn assert_covered(cfg: &Config, v: &checks::threaded::ThreadedVerdict) {
    let r = check(cfg, false);
    let expected = match spawned_threads(cfg) {
        0..=2 => "exhaustive",
        3 => "bounded:2",
        _ => "bounded:1",
    };
    assert_eq!(v.coverage, expected, "{}", cfg.label());
    assert!(
        v.executions > 1000,
        "{}: {} executions",
        cfg.label(),
        v.executions
    );
    assert!(
        v.violations.is_empty(),
        "{}: {:?}",
        cfg.label(),
        v.violations
    );
    let reached: BTreeSet<_> = r
        .guards
        .iter()
        .filter(|g| g.reached)
        .map(|g| g.guard)
        .collect();
    assert!(!reached.is_empty(), "{}", cfg.label());
    assert_eq!(v.guards, reached, "{}: guards loom reached", cfg.label());
}

#[test]
fn loom_finds_no_violation_in_new_locked_one_writer_configurations() {
    // Every configuration up to one writer, two writeback passes and a truncate, with the
    // budget of `loom_default` (bounded where an exhaustive run does not finish).
    for writeback in 0..=2 {
        for truncate in [false, true] {
            for pte_ro in [true, false] {
                for page_dirty in [false, true] {
                    let cfg = Config {
                        fs: Fs::LOCKED,
                        writeback,
                        truncate,
                        pte_ro,
                        page_dirty,
                        ..Config::new(Protocol::New)
                    };
                    let v = loom_default(&cfg);
                    assert_covered(&cfg, &v);
                }
            }
        }
    }
}

#[test]
fn loom_finds_no_violation_with_two_new_locked_writers_up_to_four_threads() {
    for writeback in 0..=2 {
        for pte_ro in [true, false] {
            let cfg = Config {
                writers: 2,
                writeback,
                pte_ro,
                ..Config::new(Protocol::New)
            };
            assert!(spawned_threads(&cfg) <= 4);
            let v = loom_default(&cfg);
            assert_covered(&cfg, &v);
        }
    }
}

#[test]
fn loom_skips_more_than_four_spawned_threads() {
    let cfg = Config {
        writers: 2,
        writeback: 1,
        truncate: true,
        ..Config::new(Protocol::New)
    };
    assert_eq!(spawned_threads(&cfg), 5);
    let v = loom_default(&cfg);
    assert_eq!(v.coverage, "skipped (loom allows 4 threads)");
    assert_eq!(v.executions, 0);
}

#[test]
fn loom_reaches_stateright_verdicts_on_the_history_variants() {
    for s in mkwrite_model::contract::HISTORY {
        let cfg = Config::from_scenario(&s);
        let sr: BTreeSet<Inv> = check(&cfg, false).violated().into_iter().collect();
        // pre2007's silent loss and H2009's accounting race need three preemptions (bound 3:
        // about 30 s and 12 s; bound 2 finds every other violation).
        let v = if matches!(s.race, "H2007" | "H2009") {
            loom_check(&cfg, Some(3))
        } else {
            loom_default(&cfg)
        };
        let found: BTreeSet<Inv> = v.violations.keys().copied().collect();
        assert_eq!(found, sr, "{} ({})", s.name, v.coverage);
    }
}

#[test]
fn loom_reaches_stateright_verdicts_on_the_filesystem_profiles() {
    // Three spawned threads (F0, W0, IO; btrfs adds its fixup worker X0): loom's default
    // budget, bounded, agrees with stateright wherever stateright finds a violation.
    for fs in checks::report::profiles() {
        for protocol in [Protocol::Old, Protocol::New] {
            let cfg = Config {
                fs,
                writeback: 1,
                ..Config::new(protocol)
            };
            let sr: BTreeSet<Inv> = check(&cfg, false).violated().into_iter().collect();
            let v = loom_default(&cfg);
            let found: BTreeSet<Inv> = v.violations.keys().copied().collect();
            assert_eq!(found, sr, "{} ({})", cfg.label(), v.coverage);
        }
    }
}

/// The partial page (R7, R7-fixed) without the flusher: three spawned threads (F0, T0, IO),
/// preemption bound 2. loom's violations are exactly stateright's: some for R7, none with
/// 90a8020278c1.
#[test]
fn loom_reaches_stateright_verdicts_on_the_partial_page() {
    for name in ["R7", "R7-fixed"] {
        let cfg = Config {
            writeback: 0,
            ..Config::scenario(name).unwrap()
        };
        assert_eq!(spawned_threads(&cfg), 3);
        let sr: BTreeSet<Inv> = check(&cfg, false).violated().into_iter().collect();
        assert_eq!(
            sr.is_empty(),
            name == "R7-fixed",
            "{name}: stateright's verdict"
        );
        assert_eq!(loom_violated(&cfg, Some(2)), sr, "{name}");
    }
}
