//! `mkwrite bench --checkers`: what the exhaustive loom and shuttle runs cost, configuration by
//! configuration: executions, the states of stateright's they passed through, seconds (the
//! median of three runs when a run takes under a minute), and the coverage label. Over the
//! 144 configurations of the matrix, or the 400 of the profile sweep (`--profiles`).

use crate::explore::engine::Mode;
use crate::explore::{on_loom, reference_states, Budget};
use crate::threaded::{loom_check, shuttle_check, ThreadedVerdict};
use mkwrite_model::Config;
use std::fmt::Write;
use std::time::Duration;

/// One checker's run of one configuration.
#[derive(Clone, Debug)]
pub struct Cell {
    /// The coverage label (`exhaustive`, `incomplete`, `skipped (…)`).
    pub coverage: String,
    /// Executions of the run.
    pub executions: usize,
    /// States of stateright's reached.
    pub reached: usize,
    /// Median wall time of the runs, seconds.
    pub seconds: f64,
    /// Runs the median is over.
    pub runs: usize,
}

/// One configuration's row.
#[derive(Clone, Debug)]
pub struct Row {
    /// The configuration.
    pub cfg: Config,
    /// Threads beside the main one.
    pub spawned: usize,
    /// stateright's states.
    pub states: usize,
    /// loom.
    pub loom: Cell,
    /// shuttle, depth-first over states with sleep sets.
    pub shuttle: Cell,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Run `f` once, and twice more if it took under a minute: the median time, and the last
/// run's verdict (every run of one configuration explores the same way: their counts are
/// equal).
fn measure(runs: usize, f: impl Fn() -> ThreadedVerdict) -> Cell {
    let mut times = Vec::new();
    let mut v = f();
    times.push(v.seconds);
    while times.len() < runs && v.seconds < 60.0 && !v.skipped() {
        v = f();
        times.push(v.seconds);
    }
    Cell {
        coverage: v.coverage.clone(),
        executions: v.executions,
        reached: v.states.map_or(0, |s| s.0),
        seconds: median(times.clone()),
        runs: times.len(),
    }
}

/// Measure both checkers over `configs`, `runs` runs each below a minute, `budget` per run.
/// `progress` is called after each configuration with its index and row.
pub fn checkers(
    configs: &[Config],
    runs: usize,
    budget: Budget,
    mut progress: impl FnMut(usize, &Row),
) -> Vec<Row> {
    let mut rows = Vec::new();
    for (i, cfg) in configs.iter().enumerate() {
        let reference = reference_states(cfg);
        let loom = measure(runs, || loom_check(cfg, budget, &reference));
        let shuttle = measure(runs, || {
            shuttle_check(cfg, Mode::StateSleep, budget, &reference)
        });
        let row = Row {
            cfg: *cfg,
            spawned: on_loom::spawned(cfg),
            states: reference.len(),
            loom,
            shuttle,
        };
        progress(i, &row);
        rows.push(row);
    }
    rows
}

/// A configuration in a few words: the matrix's short label, and what a profile adds.
fn compact(c: &Config) -> String {
    let mut s = crate::report::short_label(c);
    for (on, word) in [
        (c.stores > 1, " stores2"),
        (c.reclaim, " reclaim"),
        (c.enospc, " enospc"),
        (!c.strict, " lenient"),
    ] {
        if on {
            s.push_str(word);
        }
    }
    s
}

fn cell(c: &Cell) -> String {
    if c.coverage.starts_with("skipped") {
        return "beyond loom | | ".into();
    }
    format!(
        "{} | {} | {:.2}{}",
        c.coverage,
        c.executions,
        c.seconds,
        if c.runs > 1 { "" } else { " (1 run)" }
    )
}

/// The rows as a Markdown table, with a summary by thread count.
pub fn table(rows: &[Row]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| configuration | threads | states | loom | executions | s | shuttle | executions | s |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            compact(&r.cfg),
            r.spawned,
            r.states,
            cell(&r.loom),
            cell(&r.shuttle)
        );
    }
    s.push('\n');
    s.push_str(&summary(rows));
    s
}

/// Per thread count: configurations, how many each checker covered exhaustively, the largest
/// time and the total.
pub fn summary(rows: &[Row]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| threads beside main | configurations | loom exhaustive | loom max s | loom total s \
         | shuttle exhaustive | shuttle max s | shuttle total s |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
    let mut counts: Vec<usize> = rows.iter().map(|r| r.spawned).collect();
    counts.sort_unstable();
    counts.dedup();
    for n in counts {
        let group: Vec<&Row> = rows.iter().filter(|r| r.spawned == n).collect();
        let stat = |pick: fn(&Row) -> &Cell| {
            let cells: Vec<&Cell> = group.iter().map(|r| pick(r)).collect();
            let ex = cells.iter().filter(|c| c.coverage == "exhaustive").count();
            let max = cells.iter().map(|c| c.seconds).fold(0.0, f64::max);
            let total: f64 = cells.iter().map(|c| c.seconds).sum();
            if cells.iter().all(|c| c.coverage.starts_with("skipped")) {
                "beyond loom | | ".to_string()
            } else {
                format!("{ex} | {max:.2} | {total:.1}")
            }
        };
        let _ = writeln!(
            s,
            "| {n} | {} | {} | {} |",
            group.len(),
            stat(|r| &r.loom),
            stat(|r| &r.shuttle)
        );
    }
    s
}

/// The command line's budget per run for the benchmark: five minutes.
pub const BUDGET: Budget = Budget {
    executions: 100_000_000,
    time: Duration::from_secs(300),
};
