//! The old protocol (e58fcb489af^): the textbook races R1-R4 violate the invariants the
//! reference predicts; R2 and R4 are pinned by their exact interleavings.

use checks::run::{check, shortest};
use checks::sr::{Checked, Props};
use mkwrite_model::{trace, Config, Inv, Tid};
use stateright::{Checker, Model};

const F0: Tid = 0;
const W0: Tid = 1;
const IO: Tid = 2;

/// Asserts the shortest counterexample of `inv` has exactly `len` steps: a BFS limited to
/// shorter paths finds none, and the unlimited one finds one of that length.
fn assert_shortest(cfg: &Config, inv: Inv, len: usize) {
    let t = shortest(cfg, inv, None).expect("violated");
    assert_eq!(
        t.len(),
        len,
        "{}: {}",
        inv.name(),
        trace::render(cfg, &t).unwrap()
    );
    // target_max_depth(d) checks states reached by at most d-2 steps.
    assert!(
        shortest(cfg, inv, Some(len + 1)).is_none(),
        "a shorter trace exists"
    );
    assert!(shortest(cfg, inv, Some(len + 2)).is_some());
}

fn violated(cfg: &Config) -> Vec<Inv> {
    let r = check(cfg, false);
    assert!(
        r.unreached_guards().is_empty(),
        "{:?}",
        r.unreached_guards()
    );
    r.violated()
}

#[test]
fn r1_old_wp_fault_and_writeback_violates_writable_pte_has_fs_metadata() {
    let cfg = Config::scenario("R1").unwrap();
    let v = violated(&cfg);
    assert_eq!(
        v,
        [
            Inv::WritablePteHasFsMetadata,
            Inv::CleanedPageHadFsMetadata,
            Inv::NoStoreLostReported
        ]
    );
    assert_shortest(&cfg, Inv::WritablePteHasFsMetadata, 11);
    assert_shortest(&cfg, Inv::CleanedPageHadFsMetadata, 20);
    assert_shortest(&cfg, Inv::NoStoreLostReported, 27);
}

#[test]
fn r1_shortest_trace_is_writeback_between_page_mkwrite_and_the_pte() {
    let cfg = Config::scenario("wp-fault+writeback").unwrap();
    let t = shortest(&cfg, Inv::WritablePteHasFsMetadata, None).unwrap();
    let steps = trace::replay(&cfg, &t).unwrap();
    let ids: Vec<(&str, &str)> = steps
        .iter()
        .map(|s| (s.thread.as_str(), s.info.id))
        .collect();
    // ->page_mkwrite attaches the metadata and unlocks; writeback locks, cleans and writes the
    // page; the fault then installs the writable pte on the page the fs has just cleaned.
    let mkwrite_done = ids.iter().position(|x| *x == ("F0", "PM3")).unwrap();
    let wb_lock = ids.iter().position(|x| *x == ("W0", "W2-W5")).unwrap();
    let pte = ids.iter().position(|x| *x == ("F0", "WP6-WP11")).unwrap();
    let writepage = ids.iter().position(|x| *x == ("W0", "W8,W10")).unwrap();
    assert!(
        mkwrite_done < wb_lock && wb_lock < pte && pte < writepage,
        "{ids:?}"
    );
}

#[rustfmt::skip]
const R2_PATH: [Tid; 21] = [
    F0, // ST/HPF/WP1-3: the store traps on the read-only pte
    F0, // PM1 lock_page
    F0, // PM2 metadata attached, PG_dirty
    F0, // PM3 unlock_page, return 0
    F0, // WP5
    F0, // WP6-WP11: writable dirty pte
    F0, // WP12 file_update_time
    W0, // W1
    W0, // W2-W5 lock_page
    W0, // W6a page_mkclean write-protects the pte
    W0, // W6b set_page_dirty
    W0, // W6c TestClearPageDirty
    W0, // W8 ->writepage: metadata clean, unlock
    F0, // WP13 wait_on_page_locked returns
    F0, // WP14 set_page_dirty: PG_dirty with clean metadata, pte read-only
    F0, // WP15
    IO, // W9
    W0, // W1 (second pass)
    W0, // W2-W5
    W0, // W6a (nothing to clean)
    W0, // W6c: clear_page_dirty_for_io returns 1 without metadata
];

#[test]
fn r2_old_wp_cleaning_between_pte_and_set_page_dirty_violates_cleaned_page_had_fs_metadata() {
    let cfg = Config::scenario("R2").unwrap();
    let model = Checked::new(cfg, Props::Only(Inv::CleanedPageHadFsMetadata));
    model.checker().spawn_bfs().join().assert_discovery(
        Inv::CleanedPageHadFsMetadata.name(),
        checks::sr::moves(&cfg, &R2_PATH),
    );
    // The window R2 names: after WP14 the page is dirty, its metadata clean, its pte read-only.
    let steps = trace::replay(&cfg, &R2_PATH).unwrap();
    let after_wp14 = &steps[14].after;
    assert_eq!(steps[14].info.id, "WP14");
    assert!(after_wp14.page.dirty && !mkwrite_model::fs::tracked(&cfg, after_wp14));
    assert!(!after_wp14.ptes[0].write);
    // No writable pte ever mapped the untracked page on this path: this is not R1.
    assert!(steps
        .iter()
        .all(|s| mkwrite_model::invariants::writable_pte_has_fs_metadata(&cfg, &s.after)));
    // The scenario's own trace: with writeback kept out of the R1 window, INV-2 alone fails,
    // and its shortest counterexample is this race: the pte first, then the cleaning, then
    // WP14's set_page_dirty.
    assert_eq!(violated(&cfg), [Inv::CleanedPageHadFsMetadata]);
    assert_shortest(&cfg, Inv::CleanedPageHadFsMetadata, 20);
    assert_window(&cfg, ("F0", "WP6-WP11"), ("F0", "WP14"));
}

/// The shortest INV-2 trace of `cfg` is a race in the window between `open` and `dirty`:
/// writeback locks the page after `open` and clears PG_dirty (W6c) before `dirty`.
fn assert_window(cfg: &Config, open: (&str, &str), dirty: (&str, &str)) {
    let t = shortest(cfg, Inv::CleanedPageHadFsMetadata, None).unwrap();
    let steps = trace::replay(cfg, &t).unwrap();
    let ids: Vec<(&str, &str)> = steps
        .iter()
        .map(|s| (s.thread.as_str(), s.info.id))
        .collect();
    let at = |x: (&str, &str)| ids.iter().position(|y| *y == x).unwrap();
    let (open, lock, clean, dirty) = (at(open), at(("W0", "W2-W5")), at(("W0", "W6c")), at(dirty));
    assert!(open < lock && lock < clean && clean < dirty, "{ids:?}");
}

#[test]
fn r3_old_nopage_fault_and_writeback_violates_writable_pte_has_fs_metadata() {
    let cfg = Config::scenario("R3").unwrap();
    assert_eq!(
        violated(&cfg),
        [
            Inv::WritablePteHasFsMetadata,
            Inv::CleanedPageHadFsMetadata,
            Inv::NoStoreLostReported
        ]
    );
    assert_shortest(&cfg, Inv::WritablePteHasFsMetadata, 13);
    assert_shortest(&cfg, Inv::CleanedPageHadFsMetadata, 22);
    assert_shortest(&cfg, Inv::NoStoreLostReported, 28);
}

#[rustfmt::skip]
const R4_PATH: [Tid; 23] = [
    F0, // ST/HPF: the store traps on the none pte
    F0, // FF1 find_get_page
    F0, // FF2 lock_page: VM_FAULT_LOCKED
    F0, // DF2-DF3 unlock_page
    F0, // PM1
    F0, // PM2
    F0, // PM3
    F0, // DF6-DF7 lock_page again
    F0, // DF9-DF11 writable dirty pte
    F0, // DF12 unlock_page
    W0, // W1
    W0, // W2-W5
    W0, // W6a page_mkclean write-protects the pte
    W0, // W6b
    W0, // W6c
    W0, // W8 ->writepage
    F0, // DF14-DF15 set_page_dirty (TestSetPageDirty) after the page was cleaned
    F0, // SPD: the accounting half, which tags the page dirty again
    IO, // W9
    W0, // W1 (second pass)
    W0, // W2-W5
    W0, // W6a
    W0, // W6c: clear_page_dirty_for_io returns 1 without metadata
];

#[test]
fn r4_old_nopage_cleaning_between_unlock_and_set_page_dirty_violates_cleaned_page_had_fs_metadata()
{
    let cfg = Config::scenario("R4").unwrap();
    let model = Checked::new(cfg, Props::Only(Inv::CleanedPageHadFsMetadata));
    model.checker().spawn_bfs().join().assert_discovery(
        Inv::CleanedPageHadFsMetadata.name(),
        checks::sr::moves(&cfg, &R4_PATH),
    );
    let steps = trace::replay(&cfg, &R4_PATH).unwrap();
    assert_eq!(steps[16].info.id, "DF14-DF15");
    assert!(steps[16].after.page.dirty && !mkwrite_model::fs::tracked(&cfg, &steps[16].after));
    assert!(steps
        .iter()
        .all(|s| mkwrite_model::invariants::writable_pte_has_fs_metadata(&cfg, &s.after)));
    assert_eq!(violated(&cfg), [Inv::CleanedPageHadFsMetadata]);
    assert_shortest(&cfg, Inv::CleanedPageHadFsMetadata, 22);
    assert_window(&cfg, ("F0", "DF12"), ("F0", "DF14-DF15"));
}

#[test]
fn old_lenient_fs_loses_no_data_but_still_violates_cleaned_page_had_fs_metadata() {
    // Without the strict filesystem, ->writepage allocates at writeback time: fsync writes the
    // data (INV-3c holds), but writeback still meets a dirty page without metadata.
    let cfg = Config {
        strict: false,
        ..Config::scenario("R1").unwrap()
    };
    assert_eq!(
        violated(&cfg),
        [Inv::WritablePteHasFsMetadata, Inv::CleanedPageHadFsMetadata]
    );
}

#[test]
fn old_without_writeback_holds() {
    // No cleaner runs during the fault: the races need writeback (the final fsync starts only
    // after the store).
    let cfg = Config {
        writeback: 0,
        ..Config::scenario("R1").unwrap()
    };
    assert_eq!(violated(&cfg), []);
}
