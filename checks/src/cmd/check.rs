//! `mkwrite check`: one configuration (or the matrix) with stateright; or with loom or shuttle
//! alone (for configurations too large to enumerate); or all three side by side.

use super::{
    bad, fs_line, out, out_raw, resolve, BudgetArgs, ConfigArgs, OutputArgs, RunnerArgs, HOLDS,
    INCOMPLETE, VACUOUS, VIOLATED,
};
use checks::progress::{self, Progress};
use checks::report;
use checks::run::{check_within, estimate, Incomplete, Report};
use checks::threaded::ThreadedVerdict;
use clap::Args;
use mkwrite_model::Config;
use std::process::ExitCode;

/// `mkwrite check`.
#[derive(Args, Debug)]
pub struct CheckCmd {
    #[command(flatten)]
    config: ConfigArgs,
    /// One JSON object per invariant, one per line.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    budget: BudgetArgs,
    #[command(flatten)]
    runner: RunnerArgs,
    /// Which checker: stateright, loom, shuttle (each exhaustive, its states compared with
    /// stateright's), or all three with the agreement rule.
    #[arg(long, default_value = "stateright")]
    checker: String,
    /// With --checker shuttle: replay one execution from a schedule printed by shuttle (line
    /// breaks and spaces in it are ignored).
    #[arg(long)]
    replay: Option<String>,
    /// Check the 144 configurations of the verdict matrix ({old, new+unlocked, new+locked} ×
    /// writers × writeback × truncate × pte × page, seed filesystem, strict) with stateright.
    #[arg(long, conflicts_with_all = ["scenario", "protocol", "fs", "writers", "shared_mm",
        "writeback", "truncate", "pte", "page", "lenient_fs", "enospc", "stores", "reclaim", "late_writeback",
        "blocks_per_page", "truncate_to", "extend", "initial_extent", "dio", "gup_era",
        "without"])]
    matrix: bool,
}

/// The exit code of a set of reports: violated, else vacuous, else holds.
fn exit(reports: &[&Report]) -> ExitCode {
    ExitCode::from(checks::run::exit::of(reports))
}

/// The one-line message of a search the budget stopped, on stderr, and exit code 4.
pub fn incomplete(i: &Incomplete) -> ExitCode {
    progress::note(&i.message("mkwrite: ", super::MESSAGE_WIDTH));
    ExitCode::from(INCOMPLETE)
}

/// Before a search that may not fit its budget: what the growth table says to expect (one
/// line on stderr, unless `--quiet`). Returns the estimate for the progress line.
pub fn forewarn(cfg: &Config, budget: usize, quiet: bool) -> Option<checks::run::Estimate> {
    if cfg.writers < 2 {
        return None;
    }
    let e = estimate(cfg)?;
    if quiet {
        return Some(e);
    }
    let range = format!(
        "{}-{} states",
        progress::count(e.low),
        progress::count(e.high)
    );
    let line = if e.low > budget {
        Some(format!(
            "mkwrite: note: {range} expected, over the budget of {}: likely incomplete",
            progress::count(budget)
        ))
    } else if e.high > budget {
        Some(format!(
            "mkwrite: note: {range} expected; the budget of {} may stop it",
            progress::count(budget)
        ))
    } else if e.high > 5_000_000 {
        Some(format!(
            "mkwrite: note: {range} expected: this can take a while"
        ))
    } else {
        None
    };
    if let Some(l) = line {
        progress::note(&super::one_line(&l));
    }
    Some(e)
}

impl CheckCmd {
    /// Run it.
    pub fn run(self) -> ExitCode {
        let p = match self.output.apply() {
            Ok(p) => p,
            Err(e) => return bad(e),
        };
        let budget = match self.budget.budget() {
            Ok(b) => b,
            Err(e) => return bad(e),
        };
        let runner = match self.runner.budget() {
            Ok(b) => b,
            Err(e) => return bad(e),
        };
        if self.matrix {
            if self.checker != "stateright" {
                return bad("--matrix checks with stateright only; drop --checker");
            }
            if self.replay.is_some() {
                return bad("--matrix takes no --replay (it replays one configuration)");
            }
            return self.matrix(&p);
        }
        let cfg = match resolve(&self.config, None) {
            Ok(c) => c,
            Err(e) => return bad(e),
        };
        if let Some(schedule) = &self.replay {
            if self.checker != "shuttle" {
                return bad("--replay needs --checker shuttle");
            }
            return replay_schedule(&cfg, schedule);
        }
        let (sr, loom, shuttle) = match self.checker.as_str() {
            "stateright" => (true, false, false),
            "loom" => (false, true, false),
            "shuttle" => (false, false, true),
            "all" => (true, true, true),
            other => {
                return bad(format!(
                    "--checker {}: expected one of stateright, loom, shuttle, all",
                    super::shown(other)
                ))
            }
        };
        let r = if sr {
            let e = forewarn(&cfg, budget, self.output.quiet);
            match check_within(&cfg, budget, &p, e) {
                Ok(r) => Some(r),
                Err(i) => return incomplete(&i),
            }
        } else {
            None
        };
        if loom || shuttle {
            let run = Threaded {
                loom,
                shuttle,
                json: self.json,
                states: budget,
                runner,
            };
            return run.run(&cfg, r.as_ref(), &p);
        }
        let Some(r) = r else {
            return bad("no checker selected");
        };
        if self.json {
            out_raw(&report::json_lines(&r));
        } else {
            out(&fs_line(&cfg));
            out(&report::text(&r));
        }
        exit(&[&r])
    }

    fn matrix(&self, p: &Progress) -> ExitCode {
        let start = std::time::Instant::now();
        let configs = report::matrix_144();
        let mut reports = Vec::new();
        for (i, c) in configs.iter().enumerate() {
            p.show(&format!(
                "matrix: {}/{} configurations, {:.0} s",
                i + 1,
                configs.len(),
                p.elapsed()
            ));
            let r = checks::run::check(c, false);
            if self.json {
                out_raw(&report::json_lines(&r));
            }
            reports.push(r);
        }
        p.done();
        if !self.json {
            out(&report::matrix_table(
                &reports,
                start.elapsed().as_secs_f64(),
            ));
        }
        exit(&reports.iter().collect::<Vec<_>>())
    }
}

/// `check --checker loom|shuttle|all`: which runs, and their budgets.
struct Threaded {
    loom: bool,
    shuttle: bool,
    json: bool,
    /// The state budget of stateright's reference search.
    states: usize,
    /// Each loom or shuttle run's budget.
    runner: checks::explore::Budget,
}

impl Threaded {
    /// Run loom and/or shuttle exhaustively, each compared with stateright's states, beside
    /// stateright's verdict when there is one (`all`, with the agreement rule). A violation
    /// exits 1. Otherwise stateright's verdict decides when it ran; alone, an exhaustive run
    /// decides (holds, or vacuous when an applicable guard was not reached), and a run that
    /// could not finish (budget, or beyond loom's threads) is incomplete (4).
    fn run(&self, cfg: &Config, r: Option<&Report>, p: &Progress) -> ExitCode {
        use checks::explore::engine::Mode;
        use checks::threaded::{disagreements, loom_check, shuttle_check};
        let reference = match checks::run::reference_within(cfg, self.states, p) {
            Ok(s) => s,
            Err(i) => return incomplete(&i),
        };
        let mut cols: Vec<ThreadedVerdict> = Vec::new();
        // loom first, then shuttle, as the table prints them.
        if self.loom {
            cols.push(progress::ticking(p, "loom", || {
                loom_check(cfg, self.runner, &reference)
            }));
        }
        if self.shuttle {
            cols.push(progress::ticking(p, "shuttle", || {
                shuttle_check(cfg, Mode::StateSleep, self.runner, &reference)
            }));
        }
        p.done();
        let mut disagree = Vec::new();
        if let Some(r) = r {
            let sr = r.violated();
            for c in &cols {
                for inv in disagreements(&sr, c) {
                    disagree.push((c.checker.to_string(), inv));
                }
            }
        }
        if self.json {
            let mut text = r.map(report::json_lines).unwrap_or_default();
            for c in &cols {
                text.push_str(&report::threaded_json(cfg, c));
            }
            out_raw(&text);
        } else {
            out(&fs_line(cfg));
            out(&report::checkers_text(cfg, r, &cols, &disagree));
        }
        let violated = cols.iter().any(|c| !c.violations.is_empty())
            || r.is_some_and(|r| !r.violated().is_empty());
        if !disagree.is_empty() || violated {
            ExitCode::from(VIOLATED)
        } else if let Some(r) = r {
            exit(&[r])
        } else if !cols.iter().all(|c| c.exhaustive()) {
            ExitCode::from(INCOMPLETE)
        } else if cols.iter().any(|c| {
            mkwrite_model::Guard::ALL
                .iter()
                .any(|g| g.applicable(cfg) && !c.guards.contains(g))
        }) {
            ExitCode::from(VACUOUS)
        } else {
            ExitCode::from(HOLDS)
        }
    }
}

/// `check --checker shuttle --replay SCHEDULE`; the schedule may come in several lines, as
/// `check` prints a long one.
fn replay_schedule(cfg: &mkwrite_model::Config, schedule: &str) -> ExitCode {
    let schedule: String = schedule
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\\')
        .collect();
    match checks::threaded::shuttle_replay(cfg, &schedule) {
        Err(e) => bad(format!("--replay: {e}")),
        Ok(e) => {
            let mut text =
                mkwrite_model::trace::wrap("replayed on shuttle: ", &cfg.label(), "    ");
            if e.violations.is_empty() {
                text.push_str("no invariant violated in this execution\n");
            }
            for (inv, order) in &e.violations {
                text.push_str(&mkwrite_model::trace::wrap(
                    &format!("\nviolated: {} ({}): ", inv.name(), inv.id()),
                    mkwrite_model::fs::meaning(cfg, *inv),
                    "    ",
                ));
                text.push_str(&mkwrite_model::trace::render(cfg, order).unwrap_or_else(|e| e));
            }
            out(&text);
            if e.violations.is_empty() {
                ExitCode::from(HOLDS)
            } else {
                ExitCode::from(VIOLATED)
            }
        }
    }
}
