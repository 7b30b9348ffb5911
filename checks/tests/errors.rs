//! Error exits: a filesystem that runs out of space (`--enospc`: the thread `E0` takes the last
//! free blocks at some moment). ->page_mkwrite's allocation then fails and the fault returns
//! VM_FAULT_SIGBUS; an allocation in ->writepage fails too, and fsync reports it. The error
//! exit must leave no writable pte and no dirtying behind (INV-7) and no page lock (INV-5c),
//! and its guard must be reached, so that these passes are not vacuous.

use checks::run::check;
use mkwrite_model::invariants::Guard;
use mkwrite_model::{Config, Fs, Inv, Protocol};

fn enospc(protocol: Protocol, fs: Fs) -> Config {
    Config {
        fs,
        enospc: true,
        ..Config::new(protocol)
    }
}

/// The violated invariants, the unique states, and whether the error-exit guard was reached.
fn run(cfg: &Config) -> (Vec<Inv>, usize) {
    let r = check(cfg, false);
    assert_eq!(r.unreached_guards(), Vec::<Guard>::new(), "{}", cfg.label());
    let fails = r
        .guards
        .iter()
        .find(|g| g.guard == Guard::PageMkwriteFails)
        .unwrap();
    assert!(fails.applicable && fails.reached, "{}", cfg.label());
    (r.violated(), r.states)
}

#[test]
fn new_locked_with_enospc_holds_and_fails_mkwrite_cleanly() {
    for (writeback, truncate, pte_ro, states) in [
        (1, false, true, 155),
        (2, true, true, 1845),
        (2, true, false, 2873),
    ] {
        let cfg = Config {
            writeback,
            truncate,
            pte_ro,
            ..enospc(Protocol::New, Fs::LOCKED)
        };
        assert_eq!(run(&cfg), (vec![], states), "{}", cfg.label());
    }
}

#[test]
fn old_with_enospc_fails_mkwrite_cleanly_but_keeps_the_race() {
    // The error exit itself is clean (INV-5c and INV-7 hold); the races stay.
    let cfg = Config {
        writeback: 1,
        ..enospc(Protocol::Old, Fs::UNLOCKED)
    };
    let (v, states) = run(&cfg);
    assert_eq!(
        v,
        [
            Inv::WritablePteHasFsMetadata,
            Inv::CleanedPageHadFsMetadata,
            Inv::NoStoreLostReported
        ]
    );
    assert_eq!(states, 334);
}

#[test]
fn a_lenient_filesystem_that_fills_up_reports_the_lost_store() {
    // Without ->page_mkwrite nothing is allocated at fault time; ->writepage allocates, and
    // once the filesystem is full it fails: fsync returns -ENOSPC (INV-3d), never 0 (INV-3c).
    let cfg = Config {
        strict: false,
        writeback: 1,
        ..enospc(Protocol::New, Fs::NONE)
    };
    let r = check(&cfg, false);
    assert_eq!(r.violated(), [Inv::NoStoreLostReported], "{}", cfg.label());
    assert!(!r.verdict(Inv::NoStoreLostSilently).violated());
}
