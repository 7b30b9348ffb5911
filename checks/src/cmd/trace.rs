//! `mkwrite trace`: the shortest counterexample of each violated invariant, as text, JSON
//! (one object per line, each replayable) or Mermaid.

use super::check::{forewarn, incomplete};
use super::{bad, out, out_raw, resolve, BudgetArgs, ConfigArgs, OutputArgs, HOLDS};
use checks::run::check_within;
use clap::Args;
use mkwrite_model::Inv;
use std::process::ExitCode;

/// `mkwrite trace`.
#[derive(Args, Debug)]
pub struct TraceCmd {
    #[command(flatten)]
    config: ConfigArgs,
    /// text, json (one object per line, each replayable with `mkwrite replay`) or mermaid.
    #[arg(long, default_value = "text")]
    format: String,
    /// Only this invariant (function name or id such as INV-1, any case).
    #[arg(long)]
    invariant: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    budget: BudgetArgs,
}

/// Parse `--invariant`.
pub fn parse_invariant(i: &str) -> Result<Inv, String> {
    Inv::parse(i).ok_or_else(|| {
        let ids: Vec<&str> = Inv::ALL.iter().map(|i| i.id()).collect();
        format!(
            "--invariant {i}: no such invariant (one of {})",
            ids.join(", ")
        )
    })
}

impl TraceCmd {
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
        let only = match self.invariant.as_deref().map(parse_invariant) {
            None => None,
            Some(Ok(inv)) => Some(inv),
            Some(Err(e)) => return bad(e),
        };
        if !["text", "json", "mermaid"].contains(&self.format.as_str()) {
            return bad(format!(
                "--format {}: expected one of text, json, mermaid",
                super::shown(&self.format)
            ));
        }
        let cfg = match resolve(&self.config, None) {
            Ok(c) => c,
            Err(e) => return bad(e),
        };
        let e = forewarn(&cfg, budget, self.output.quiet);
        let r = match check_within(&cfg, budget, &p, e) {
            Ok(r) => r,
            Err(i) => return incomplete(&i),
        };
        let scenario = self
            .config
            .scenario
            .as_deref()
            .and_then(mkwrite_model::contract::scenario)
            .map(|s| s.name);
        if r.violated().iter().all(|i| only.is_some_and(|o| o != *i)) {
            out(&mkwrite_model::trace::wrap(
                "",
                &format!(
                    "no counterexample: {} holds in {} ({} states)",
                    only.map_or("every invariant", |i| i.name()),
                    cfg.label(),
                    r.states
                ),
                "    ",
            ));
            // Holds, or vacuous when an applicable guard was not reached (with --invariant
            // the other invariants' verdicts do not count).
            return if r.unreached_guards().is_empty() {
                ExitCode::from(HOLDS)
            } else {
                ExitCode::from(super::VACUOUS)
            };
        }
        let mut text = String::new();
        let chosen = r
            .verdicts
            .iter()
            .filter(|v| v.violated() && only.is_none_or(|i| i == v.inv));
        for v in chosen {
            let t = v.trace.as_deref().unwrap_or_default();
            let one = match self.format.as_str() {
                "json" => checks::tracefmt::record(&cfg, scenario, v.inv, t).and_then(|r| {
                    serde_json::to_string(&r)
                        .map(|s| s + "\n")
                        .map_err(|e| e.to_string())
                }),
                "mermaid" => checks::tracefmt::mermaid(&cfg, scenario, v.inv, t),
                _ => checks::tracefmt::text(&cfg, scenario, v.inv, t).map(|s| s + "\n"),
            };
            match one {
                Ok(x) => text.push_str(&x),
                Err(e) => return bad(e),
            }
        }
        if self.format == "text" {
            out(&text);
        } else {
            out_raw(&text);
        }
        // A counterexample was printed: violated, as check and replay say it.
        ExitCode::from(super::VIOLATED)
    }
}
