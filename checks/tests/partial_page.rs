//! The partial page at EOF (R7): XFS on buffer.c with two blocks per page, a truncate to the
//! block boundary inside the page and back up. Every verdict below is the checker's; the state
//! counts are tripwires for unintended model changes.

use checks::run::{check, Report};
use mkwrite_model::contract::{scenario, Protocol};
use mkwrite_model::invariants::Guard;
use mkwrite_model::{Config, Inv};
use std::process::Command;

fn r7() -> Config {
    Config::scenario("R7").expect("R7")
}

fn r7_fixed() -> Config {
    Config::scenario("R7-fixed").expect("R7-fixed")
}

fn reached(r: &Report, g: Guard) -> bool {
    r.guards
        .iter()
        .any(|x| x.guard == g && x.applicable && x.reached)
}

fn trace_len(r: &Report, inv: Inv) -> Option<usize> {
    r.verdict(inv).trace.as_ref().map(Vec::len)
}

#[test]
fn r7_breaks_the_per_block_writable_pte_invariant_under_the_new_vm() {
    let r = check(&r7(), false);
    assert_eq!(
        r.violated(),
        [Inv::WritablePteHasFsMetadata, Inv::CleanedPageHadFsMetadata],
        "{}",
        checks::report::text(&r)
    );
    assert_eq!(trace_len(&r, Inv::WritablePteHasFsMetadata), Some(12));
    assert_eq!(r.states, 1520);
    assert!(reached(&r, Guard::PartialTruncateKeepsWritablePte));
    assert!(reached(&r, Guard::StoreLandsInExtendedBlock));
}

#[test]
fn r7_fixed_holds_with_every_applicable_guard_reached() {
    let cfg = r7_fixed();
    assert!(cfg.fixes.has(mkwrite_model::contract::Fix::IsizeExtended));
    let r = check(&cfg, false);
    assert_eq!(r.violated(), [], "{}", checks::report::text(&r));
    assert_eq!(r.unreached_guards(), Vec::<Guard>::new());
    assert_eq!(r.states, 2523);
    for g in [
        Guard::PartialTruncateKeepsWritablePte,
        Guard::IsizeExtendedReprotects,
        Guard::StoreLandsInExtendedBlock,
        Guard::SecondStoreLands,
        Guard::DataReachesDisk,
    ] {
        assert!(reached(&r, g), "{}", g.name());
    }
}

#[test]
fn r7_fixed_holds_with_reclaim_and_with_two_writers() {
    for (cfg, states) in [
        (
            Config {
                reclaim: true,
                ..r7_fixed()
            },
            25204,
        ),
        (
            Config {
                writers: 2,
                shared_mm: true,
                ..r7_fixed()
            },
            72519,
        ),
    ] {
        let r = check(&cfg, false);
        assert_eq!(r.violated(), [], "{}", checks::report::text(&r));
        assert_eq!(r.unreached_guards(), Vec::<Guard>::new(), "{}", cfg.label());
        assert_eq!(r.states, states, "{}", cfg.label());
    }
}

#[test]
fn the_old_vm_lets_the_truncate_into_the_window_too() {
    let cfg = Config {
        protocol: Protocol::Old,
        fixes: Protocol::Old.fixes(),
        ..r7()
    };
    let r = check(&cfg, false);
    assert_eq!(
        r.violated(),
        [Inv::WritablePteHasFsMetadata, Inv::CleanedPageHadFsMetadata]
    );
    assert_eq!(trace_len(&r, Inv::WritablePteHasFsMetadata), Some(13));
}

/// At ENOSPC the write of the store that landed on the hole fails in xfs_vm_writepage; the
/// error reaches fsync through __writepage's mapping_set_error: a reported loss, never a
/// silent one.
#[test]
fn r7_at_enospc_loses_the_store_and_fsync_reports_it() {
    for reclaim in [false, true] {
        let cfg = Config {
            enospc: true,
            reclaim,
            ..r7()
        };
        let r = check(&cfg, false);
        let v = r.violated();
        assert!(
            v.contains(&Inv::WritablePteHasFsMetadata),
            "{}",
            cfg.label()
        );
        assert!(v.contains(&Inv::NoStoreLostReported), "{}", cfg.label());
        assert!(!v.contains(&Inv::NoStoreLostSilently), "{}", cfg.label());
    }
}

/// With the fix and 2.6.29's XFS at ENOSPC: no store lands on a hole (INV-1 and INV-2 hold), but
/// xfs_page_state_convert still allocates the zeroed block at writeback (an unmapped buffer of
/// an uptodate page inside EOF) and, failing, drops the whole page: block 0's store is lost and
/// fsync reports ENOSPC.
#[test]
fn r7_fixed_at_enospc_loses_only_through_writebacks_own_allocation() {
    let cfg = Config {
        enospc: true,
        ..r7_fixed()
    };
    let r = check(&cfg, false);
    assert_eq!(r.violated(), [Inv::NoStoreLostReported]);
    assert_eq!(trace_len(&r, Inv::NoStoreLostReported), Some(29));
}

#[test]
fn scenarios_are_listed_and_found_by_race_id() {
    assert_eq!(
        scenario("r7").map(|s| s.name),
        Some("partial-page+truncate+extend")
    );
    assert_eq!(
        scenario("R7-FIXED").map(|s| s.name),
        Some("partial-page+truncate+extend-fixed")
    );
    let out = Command::new(env!("CARGO_BIN_EXE_mkwrite"))
        .arg("scenarios")
        .output()
        .expect("mkwrite runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("R7      partial-page+truncate+extend\n"),
        "{text}"
    );
    assert!(
        text.contains("R7-fixed partial-page+truncate+extend-fixed\n"),
        "{text}"
    );
}

fn mkwrite(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mkwrite"))
        .args(args)
        .output()
        .expect("mkwrite runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `--extend false` takes a scenario's truncate up away: R7 without it holds.
#[test]
fn extend_false_drops_the_scenarios_truncate_up() {
    let out = Command::new(env!("CARGO_BIN_EXE_mkwrite"))
        .args(["check", "--scenario", "R7", "--extend", "false", "--quiet"])
        .output()
        .expect("mkwrite runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn partial_page_flags_outside_the_buffer_profile_are_refused_with_one_line() {
    for (args, words) in [
        (
            &["check", "--blocks-per-page", "2", "--fs", "nfs"][..],
            "2 blocks per page (--blocks-per-page) are modelled for --fs buffer only",
        ),
        (&["check", "--blocks-per-page", "3"], "expected 1 or 2"),
        (
            &["check", "--truncate", "1", "--truncate-to", "partial"],
            "a partial truncate (--truncate-to partial) is modelled for --fs buffer only",
        ),
        (
            &[
                "check",
                "--fs",
                "buffer",
                "--truncate",
                "1",
                "--truncate-to",
                "partial",
            ],
            "needs --blocks-per-page 2",
        ),
        (
            &[
                "check",
                "--fs",
                "buffer",
                "--blocks-per-page",
                "2",
                "--truncate-to",
                "partial",
            ],
            "needs --truncate 1",
        ),
        (
            &["check", "--fs", "buffer", "--truncate", "1", "--extend"],
            "the truncate up (--extend) needs --truncate-to partial",
        ),
        (
            &["check", "--truncate-to", "half"],
            "expected one of zero, partial",
        ),
    ] {
        let (code, err) = mkwrite(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(words), "{args:?}: {err}");
    }
}

/// Every partial-page configuration pinned as the matrix is (states, violated invariants with
/// their shortest-trace lengths, unreached guards) in `tests/golden/partial_page.txt`
/// (`BLESS=1 cargo test --release --test partial_page` rewrites it); and the shape of the
/// result, as the checker computes it: a truncate up after the partial truncate breaks the
/// per-block INV-1 beside the old and the new VM and never beside new+isize-extended; without
/// the truncate up every configuration holds INV-1 and INV-2; no configuration loses a store
/// silently.
#[test]
fn partial_page_configurations_match_golden_file() {
    let mut text = String::from(
        "# mkwrite partial page at EOF (R7): configuration, unique states, violated invariants\n\
         # with the length of their shortest counterexample. Generated by `BLESS=1 cargo test\n\
         # --release --test partial_page`; do not edit.\n",
    );
    let configs = checks::report::partial_page_configs();
    assert_eq!(configs.len(), 96);
    for cfg in &configs {
        let r = check(cfg, false);
        let v = r.violated();
        let fixed = cfg.fixes.has(mkwrite_model::contract::Fix::IsizeExtended);
        assert_eq!(
            v.contains(&Inv::WritablePteHasFsMetadata),
            cfg.extend && !fixed,
            "{}",
            cfg.label()
        );
        if !cfg.extend || fixed {
            assert!(
                !v.contains(&Inv::CleanedPageHadFsMetadata),
                "{}",
                cfg.label()
            );
        }
        assert!(!v.contains(&Inv::NoStoreLostSilently), "{}", cfg.label());
        assert_eq!(r.unreached_guards(), Vec::<Guard>::new(), "{}", cfg.label());
        text.push_str(&checks::report::matrix_line(&r));
        text.push('\n');
    }
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/partial_page.txt");
    if let Err(e) = checks::golden::check_or_bless(&path, &text) {
        panic!("{e}");
    }
}
