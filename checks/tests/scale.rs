//! Scale: three writers, three writeback passes. The scale benchmark's configurations are
//! checked here as the checker computes them (state counts pinned, verdicts asserted), the
//! growth table of docs/performance.md has its state counts recomputed (its times are the bench's and are
//! not compared), and the symmetry between three writers of one mm is cross-checked against
//! a search without it.

use checks::bench::{growth_configs, growth_row_name, scale_configs};
use checks::run::{check, decide, decide_without_symmetry};
use mkwrite_model::invariants::Guard;
use mkwrite_model::{Config, Fs, Inv, Protocol};
use std::path::Path;

#[test]
fn three_writers_of_one_mm_hold_under_new_and_break_under_old() {
    let [new, old] = <[Config; 2]>::try_from(scale_configs()).expect("two configurations");
    let r = check(&new, false);
    assert_eq!(r.violated(), [], "{}", checks::report::text(&r));
    assert_eq!(r.unreached_guards(), Vec::<Guard>::new());
    assert_eq!(r.states, 79_642);
    let r = check(&old, false);
    assert_eq!(
        r.violated(),
        [
            Inv::WritablePteHasFsMetadata,
            Inv::CleanedPageHadFsMetadata,
            Inv::DirtyAccountingBalanced
        ]
    );
    assert_eq!(r.states, 661_025);
}

/// The growth table in docs/performance.md: `<!-- growth:begin -->` .. `<!-- growth:end -->`, one row
/// per `growth_row_name`, each cell `N states, S s`. Every N is recomputed here.
#[test]
fn readme_growth_table_state_counts_are_the_checkers() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/performance.md");
    let readme = std::fs::read_to_string(&path).expect("docs/performance.md");
    let (begin, end) = ("<!-- growth:begin -->\n", "<!-- growth:end -->");
    let a = readme.find(begin).expect("growth begin marker") + begin.len();
    let b = readme.find(end).expect("growth end marker");
    let table = &readme[a..b];
    let configs = growth_configs();
    let per_row = mkwrite_model::config::MAX_WRITEBACK as usize + 1;
    for row in configs.chunks(per_row) {
        let name = growth_row_name(&row[0]);
        let line = table
            .lines()
            .find(|l| l.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("no docs/performance.md row for {name}"));
        let cells: Vec<usize> = line
            .split('|')
            .skip(2)
            .filter_map(|c| c.trim().split(' ').next()?.parse().ok())
            .collect();
        let computed: Vec<usize> = row.iter().map(|c| check(c, false).states).collect();
        assert_eq!(
            cells, computed,
            "{name}: docs/performance.md states differ (regenerate with mkwrite bench --scale)"
        );
    }
}

/// Three writers of one mm: DFS with `World::writers_canonical` (which sorts the writers and
/// renames the lock owners) discovers exactly what BFS without it discovers, in fewer states,
/// with the same count on every run.
#[test]
fn symmetry_of_three_writers_decides_like_plain_bfs() {
    let mut configs = Vec::new();
    for (p, fs) in [
        (Protocol::New, Fs::LOCKED),
        (Protocol::New, Fs::UNLOCKED),
        (Protocol::Old, Fs::UNLOCKED),
    ] {
        for pte_ro in [true, false] {
            configs.push(Config {
                fs,
                writers: 3,
                shared_mm: true,
                writeback: 1,
                truncate: true,
                pte_ro,
                ..Config::new(p)
            });
        }
    }
    for cfg in &configs {
        let (sym, _, sym_found) = decide(cfg, 2, false);
        let (again, _, _) = decide(cfg, 2, false);
        assert_eq!(
            sym,
            again,
            "{}: reduced count differs between runs",
            cfg.label()
        );
        let (states, found) = decide_without_symmetry(cfg);
        assert_eq!(sym_found, found, "{}", cfg.label());
        assert!(sym < states, "{}: {sym} vs {states}", cfg.label());
    }
}
