//! `mkwrite check`: one configuration (or the matrix) with stateright, and optionally loom and
//! shuttle beside it.

use super::{bad, fs_line, out, resolve, ConfigArgs, HOLDS, VIOLATED};
use checks::report;
use checks::run::{check, Report};
use clap::Args;
use std::process::ExitCode;

/// `mkwrite check`.
#[derive(Args, Debug)]
pub struct CheckCmd {
    #[command(flatten)]
    config: ConfigArgs,
    /// One JSON object per invariant, one per line.
    #[arg(long)]
    json: bool,
    /// No progress output on stderr.
    #[arg(long)]
    quiet: bool,
    /// Which checker: stateright (exhaustive), loom, shuttle, or all three.
    #[arg(long, default_value = "stateright")]
    checker: String,
    /// With --checker shuttle: replay one execution from a schedule printed by shuttle.
    #[arg(long)]
    replay: Option<String>,
    /// Check the 144 configurations of the verdict matrix ({old, new+unlocked, new+locked} ×
    /// writers × writeback × truncate × pte × page, seed filesystem, strict) with stateright.
    #[arg(long, conflicts_with_all = ["scenario", "protocol", "fs", "writers", "shared_mm",
        "writeback", "truncate", "pte", "page", "lenient_fs", "enospc", "stores", "reclaim", "late_writeback",
        "blocks_per_page", "truncate_to", "extend", "initial_extent"])]
    matrix: bool,
}

/// The exit code of a set of reports: violated, else vacuous, else holds.
fn exit(reports: &[&Report]) -> ExitCode {
    ExitCode::from(checks::run::exit::of(reports))
}

impl CheckCmd {
    /// Run it.
    pub fn run(self) -> ExitCode {
        if self.matrix {
            if self.checker != "stateright" {
                return bad("--matrix checks with stateright only; drop --checker");
            }
            if self.replay.is_some() {
                return bad("--matrix takes no --replay (it replays one configuration)");
            }
            return self.matrix();
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
        let (loom, shuttle) = match self.checker.as_str() {
            "stateright" => (false, false),
            "loom" => (true, false),
            "shuttle" => (false, true),
            "all" => (true, true),
            other => {
                return bad(format!(
                    "--checker {other}: expected one of stateright, loom, shuttle, all"
                ))
            }
        };
        let r = check(&cfg, !self.quiet);
        if loom || shuttle {
            return threaded(&r, loom, shuttle, self.checker == "all", self.json);
        }
        if self.json {
            out(&report::json_lines(&r));
        } else {
            out(&fs_line(&cfg));
            out(&report::text(&r));
        }
        exit(&[&r])
    }

    fn matrix(&self) -> ExitCode {
        let start = std::time::Instant::now();
        let configs = report::matrix_144();
        let mut reports = Vec::new();
        for (i, c) in configs.iter().enumerate() {
            let r = check(c, false);
            if self.json {
                out(&report::json_lines(&r));
            }
            reports.push(r);
            if !self.quiet && start.elapsed().as_secs_f64() > 2.0 && i % 16 == 15 {
                eprintln!("matrix: {}/{} configurations", i + 1, configs.len());
            }
        }
        if !self.json {
            out(&report::matrix_table(
                &reports,
                start.elapsed().as_secs_f64(),
            ));
        }
        exit(&reports.iter().collect::<Vec<_>>())
    }
}

/// `check --checker loom|shuttle|all`: run the threaded checkers beside stateright's verdict
/// and apply the agreement rule.
fn threaded(r: &Report, loom: bool, shuttle: bool, all: bool, json: bool) -> ExitCode {
    use checks::threaded::{disagreements, loom_default, shuttle_default};
    let mut cols = Vec::new();
    // loom first, then shuttle, as the table prints them.
    if loom {
        cols.push(loom_default(&r.cfg));
    }
    if shuttle {
        cols.push(shuttle_default(&r.cfg));
    }
    let sr = r.violated();
    let mut disagree = Vec::new();
    for c in &cols {
        for inv in disagreements(&sr, c) {
            disagree.push((c.checker.to_string(), inv));
        }
    }
    if json {
        let mut text = if all {
            report::json_lines(r)
        } else {
            String::new()
        };
        for c in &cols {
            text.push_str(&report::threaded_json(r, c));
        }
        out(&text);
    } else {
        out(&fs_line(&r.cfg));
        out(&report::checkers_text(r, &cols, &disagree));
    }
    // The table always carries stateright's column beside the others, so any violation
    // there counts; with none, stateright's guards decide between holds and vacuous.
    let violated = cols.iter().any(|c| !c.violations.is_empty()) || !sr.is_empty();
    if !disagree.is_empty() || violated {
        ExitCode::from(VIOLATED)
    } else {
        exit(&[r])
    }
}

/// `check --checker shuttle --replay SCHEDULE`.
fn replay_schedule(cfg: &mkwrite_model::Config, schedule: &str) -> ExitCode {
    match checks::threaded::shuttle_replay(cfg, schedule) {
        Err(e) => bad(format!("--replay: {e}")),
        Ok(e) => {
            let mut text = format!("replayed on shuttle: {}\n", cfg.label());
            if e.violations.is_empty() {
                text.push_str("no invariant violated in this execution\n");
            }
            for (inv, order) in &e.violations {
                text.push_str(&format!(
                    "\nviolated: {} ({}): {}\n",
                    inv.name(),
                    inv.id(),
                    mkwrite_model::fs::meaning(cfg, *inv)
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
