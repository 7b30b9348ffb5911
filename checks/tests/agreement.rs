//! The three checkers agree: over every configuration of the verdict matrix that loom can run
//! (at most four threads beside main: 120 of the 144), stateright, loom and shuttle each
//! explore the model's steps exhaustively, pass through the same states, and find the same
//! violated invariants. The other 24 need five threads besides main, beyond loom's five
//! threads in all; shuttle's runs of them are in the benchmark (`mkwrite bench --checkers`).
//!
//! loom and shuttle run one after the other in this one test: shuttle's process-wide panic hook
//! is tamed for loom (`threaded::shuttle_quietly`), not for both running at once.

use checks::explore::engine::Mode;
use checks::explore::{on_loom, reference_states, Budget};
use checks::report::matrix_144;
use checks::run::check;
use checks::threaded::{disagreements, loom_check, shuttle_check};
use mkwrite_model::Inv;
use std::collections::BTreeSet;

#[test]
fn stateright_loom_and_shuttle_agree_on_the_matrix() {
    let configs: Vec<_> = matrix_144()
        .into_iter()
        .filter(|c| on_loom::spawned(c) <= on_loom::MAX_SPAWNED)
        .collect();
    assert_eq!(configs.len(), 120);
    let mut violating = 0;
    for cfg in &configs {
        let r = check(cfg, false);
        let sr: Vec<Inv> = r.violated();
        let reference = reference_states(cfg);
        assert_eq!(reference.len(), r.states, "{}", cfg.label());
        let loom = loom_check(cfg, Budget::DEFAULT, &reference);
        let shuttle = shuttle_check(cfg, Mode::StateSleep, Budget::DEFAULT, &reference);
        for v in [&loom, &shuttle] {
            assert_eq!(v.coverage, "exhaustive", "{} {}", v.checker, cfg.label());
            assert_eq!(v.states, Some((r.states, r.states)), "{}", cfg.label());
            assert!(
                disagreements(&sr, v).is_empty(),
                "{} disagrees with stateright on {}",
                v.checker,
                cfg.label()
            );
            let found: BTreeSet<Inv> = v.violations.keys().copied().collect();
            assert_eq!(found, sr.iter().copied().collect(), "{}", cfg.label());
        }
        violating += usize::from(!sr.is_empty());
    }
    // Not a vacuous agreement: most of these configurations violate something (the old and
    // unlocked protocols), and the rest hold.
    assert_eq!(violating, 56);
}

#[test]
fn stateright_loom_and_shuttle_agree_on_the_6_12_vm() {
    // Linux 6.12.118 with its three profiles (one writer, one writeback pass, truncate 0-1,
    // pte ro/none, page clean), and the 6.12 ablation's one break (no pte_same) beside each.
    use mkwrite_model::{Config, Protocol};
    let mut configs = Vec::new();
    for fs in checks::report::v612_profiles() {
        for protocol in [
            Protocol::V612,
            Protocol::V612Minus(mkwrite_model::contract::Cut612::PteSame),
        ] {
            for truncate in [false, true] {
                for pte_ro in [true, false] {
                    configs.push(Config {
                        fs,
                        writeback: 1,
                        truncate,
                        pte_ro,
                        ..Config::new(protocol)
                    });
                }
            }
        }
    }
    // Each profile twice more with a freeze (Z0): pte ro, truncate 0.
    for fs in checks::report::v612_profiles() {
        configs.push(Config {
            fs,
            writeback: 1,
            freeze: true,
            ..Config::new(Protocol::V612)
        });
    }
    let configs: Vec<_> = configs
        .into_iter()
        .filter(|c| on_loom::spawned(c) <= on_loom::MAX_SPAWNED)
        .collect();
    assert_eq!(configs.len(), 36);
    let mut violating = 0;
    for cfg in &configs {
        let r = check(cfg, false);
        let sr: Vec<Inv> = r.violated();
        let reference = reference_states(cfg);
        assert_eq!(reference.len(), r.states, "{}", cfg.label());
        let loom = loom_check(cfg, Budget::DEFAULT, &reference);
        let shuttle = shuttle_check(cfg, Mode::StateSleep, Budget::DEFAULT, &reference);
        for v in [&loom, &shuttle] {
            assert_eq!(v.coverage, "exhaustive", "{} {}", v.checker, cfg.label());
            assert_eq!(v.states, Some((r.states, r.states)), "{}", cfg.label());
            let found: BTreeSet<Inv> = v.violations.keys().copied().collect();
            assert_eq!(found, sr.iter().copied().collect(), "{}", cfg.label());
        }
        violating += usize::from(!sr.is_empty());
    }
    // The ablation's truncate configurations break INV-6 (from a none pte too: writeback
    // write-protects the pte the first fault installed before the store lands, and the
    // store's second fault, on the read-only pte, lacks pte_same); v6.12 holds, but for
    // ext4@6.12-nodelalloc beside a freeze (FREEZE).
    assert_eq!(violating, 9);
}
