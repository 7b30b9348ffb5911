//! The patch, part by part, and the history of the locking rule: every row of `mkwrite
//! ablate` and every history variant pinned as the checker computes it, and the
//! ablation table of docs/ablation.md kept current (`BLESS=1 cargo test --release --test history` rewrites it).

use checks::ablate::{ablate, table};
use checks::run::check;
use mkwrite_model::contract::Protocol;
use mkwrite_model::trace;
use mkwrite_model::Fs;
use mkwrite_model::{Config, Inv};
use std::path::Path;

/// protocol, hunk, first failing invariant with its shortest trace, every failing invariant.
type Row = (
    &'static str,
    &'static str,
    Option<(&'static str, usize)>,
    &'static [&'static str],
);

#[rustfmt::skip]
const ROWS: [Row; 10] = [
    ("new-minus-wp-relock",                 "H1", Some(("INV-5a", 7)),  &["INV-5a", "INV-5d", "DEADLOCK"]),
    ("new-minus-wp-unlock-on-pte-change",   "H2", Some(("INV-5a", 7)),  &["INV-5a", "DEADLOCK"]),
    ("new-minus-wp-skip-self-wait",         "H3", Some(("INV-5b", 6)),  &["INV-5b", "DEADLOCK"]),
    ("new-minus-wp-dirty-before-unlock",    "H3", Some(("ACCT", 14)),   &["INV-2", "ACCT"]),
    ("new-minus-wp-put-after-unlock",       "H3", None,                 &[]),
    ("new-minus-wp-balance-after-unlock",   "H3", Some(("INV-5d", 6)),  &["INV-5d"]),
    ("new-minus-wp-update-time-after-unlock", "H3", Some(("INV-5d", 6)), &["INV-5d"]),
    ("new-minus-df-accept-locked",          "H5", Some(("INV-5b", 7)),  &["INV-5b", "DEADLOCK"]),
    ("new-minus-df-dirty-before-unlock",    "H6", Some(("ACCT", 17)),   &["INV-2", "ACCT"]),
    ("new --fs unlocked",                   "H7", Some(("INV-1", 11)),  &["INV-1", "INV-2", "INV-3d"]),
];

#[test]
fn every_ablation_row_is_pinned() {
    let rows = ablate(false, false);
    assert_eq!(rows.len(), ROWS.len());
    for (row, (protocol, hunk, first, failing)) in rows.iter().zip(ROWS) {
        assert_eq!(row.protocol, protocol);
        assert_eq!(row.hunk, hunk, "{protocol}");
        assert_eq!(
            row.first.as_ref().map(|(i, _, l)| (i.id(), *l)),
            first,
            "{protocol}"
        );
        let ids: Vec<&str> = row.failing.iter().map(|i| i.id()).collect();
        assert_eq!(ids, failing, "{protocol}");
        assert_eq!(row.configs, 24);
    }
}

#[test]
fn readme_carries_the_generated_ablation_table() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/ablation.md");
    let readme = std::fs::read_to_string(&path).expect("docs/ablation.md");
    let (begin, end) = ("<!-- ablate:begin -->\n", "<!-- ablate:end -->");
    let a = readme.find(begin).expect("begin marker") + begin.len();
    let b = readme.find(end).expect("end marker");
    let generated = table(&ablate(false, false));
    if std::env::var_os("BLESS").is_some() {
        let new = format!("{}{}{}", &readme[..a], generated, &readme[b..]);
        std::fs::write(&path, new).unwrap();
        return;
    }
    assert!(
        readme[a..b] == generated,
        "docs/ablation.md's table is stale; BLESS=1 to regenerate"
    );
}

/// The violated invariants; where none is, every applicable guard must have been reached.
fn violated(cfg: &Config) -> Vec<&'static str> {
    let r = check(cfg, false);
    let v: Vec<&str> = r.violated().iter().map(|i| i.id()).collect();
    if v.is_empty() {
        assert!(
            r.unreached_guards().is_empty(),
            "{}: {:?}",
            cfg.label(),
            r.unreached_guards()
        );
    }
    v
}

#[test]
fn pre2007_loses_msync_data_even_on_a_lenient_filesystem() {
    // The calibration of docs/protocol.md (R2, pre-2007): without 79352894b28's wait, a
    // writable pte outlives PG_dirty (INV-3a) and fsync misses the page and returns 0: silent
    // loss (INV-3c), lenient filesystem or not. The strict filesystem also loses the data in
    // ->writepage, which fsync reports (INV-3d).
    let strict = Config::scenario("H2007").unwrap();
    assert_eq!(
        violated(&strict),
        ["INV-1", "INV-2", "INV-3a", "INV-3c", "INV-3d"]
    );
    let lenient = Config {
        strict: false,
        ..strict
    };
    assert_eq!(violated(&lenient), ["INV-1", "INV-2", "INV-3a", "INV-3c"]);
    let none = Config {
        fs: Fs::NONE,
        ..strict
    };
    assert_eq!(violated(&none), ["INV-3a", "INV-3c"]);
    // The same configuration with the wait (old) keeps INV-3a.
    let old = Config {
        protocol: Protocol::Old,
        fixes: Protocol::Old.fixes(),
        ..strict
    };
    assert!(!violated(&old).contains(&"INV-3a"));
}

#[test]
fn old_set_page_dirty_after_unlock_leaves_nr_file_dirty_one_too_low() {
    // H2009: the old do_wp_page tail dirties the page without the lock. TestSetPageDirty lands
    // between truncate's cancel_dirty_page and remove_from_page_cache; the removal's fix-up
    // takes the dirty page out of NR_FILE_DIRTY, and the accounting half then finds the
    // mapping NULL and adds nothing back: the counter ends at -1.
    let cfg = Config::scenario("H2009").unwrap();
    assert_eq!(violated(&cfg), ["ACCT"]);
    let r = check(&cfg, false);
    let t = r
        .verdict(Inv::DirtyAccountingBalanced)
        .trace
        .clone()
        .unwrap();
    assert_eq!(t.len(), 16);
    let steps = trace::replay(&cfg, &t).unwrap();
    let last = &steps.last().unwrap().after;
    assert_eq!(last.nr_file_dirty, -1);
    assert!(!last.page.mapping && last.page.dirty);
    // The new protocol dirties the page under the lock: the same configuration holds.
    let new = Config {
        protocol: Protocol::New,
        fixes: Protocol::New.fixes(),
        fs: Fs::LOCKED,
        ..cfg
    };
    assert_eq!(violated(&new), Vec::<&str>::new());
}

#[test]
fn v315_do_page_mkwrite_deadlocks_with_an_unlocked_page_mkwrite() {
    let cfg = Config::scenario("H2014a").unwrap();
    assert_eq!(violated(&cfg), ["INV-5a", "INV-5b", "DEADLOCK"]);
    let r = check(&cfg, false);
    assert_eq!(
        r.verdict(Inv::SomeThreadCanRun)
            .trace
            .as_ref()
            .unwrap()
            .len(),
        7
    );
    // A filesystem that returns VM_FAULT_LOCKED never takes the broken path.
    let locked = Config {
        fs: Fs::LOCKED,
        writeback: 1,
        truncate: true,
        ..cfg
    };
    assert_eq!(violated(&locked), Vec::<&str>::new());
}

#[test]
fn the_2014_fix_balances_dirty_accounting_without_page_mkwrite() {
    let before = Config::scenario("H2014b").unwrap();
    assert_eq!(violated(&before), ["ACCT"]);
    let after = Config {
        protocol: Protocol::New2014,
        fixes: Protocol::New2014.fixes(),
        ..before
    };
    assert_eq!(violated(&after), Vec::<&str>::new());
    // With writeback and two writers too.
    for writers in [1, 2] {
        let cfg = Config {
            writers,
            writeback: 1,
            ..after
        };
        assert_eq!(violated(&cfg), Vec::<&str>::new(), "{}", cfg.label());
    }
}

/// Every history variant and every ablation over the one-writer shapes (and `--fs none` beside
/// reclaim and a shared mm), pinned as the matrix is: verdicts with their shortest-trace
/// lengths, state counts, and any applicable guard left unreached.
#[test]
fn history_and_ablation_configurations_match_golden_file() {
    let mut text = String::from(
        "# mkwrite history variants and ablation: configuration, unique states, violated\n\
         # invariants with the length of their shortest counterexample. Generated by `BLESS=1\n\
         # cargo test --release --test history`; do not edit.\n",
    );
    let configs = checks::report::history_configs();
    for cfg in &configs {
        text.push_str(&checks::report::matrix_line(&check(cfg, false)));
        text.push('\n');
    }
    // pre2007 2, old 1, new 1, v3.15-rc 3, new+2014 3, new-minus 9, v6.12 4, v6.12-minus 6.
    assert_eq!(configs.len(), 24 * (2 + 1 + 1 + 3 + 3 + 9 + 4 + 6) + 8);
    assert!(
        !text.contains("UNREACHED"),
        "an applicable guard was not reached"
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/history.txt");
    if let Err(e) = checks::golden::check_or_bless(&path, &text) {
        panic!("{e}");
    }
}
