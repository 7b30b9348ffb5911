//! `mkwrite trace`: the shortest counterexample of each violated invariant, as text, JSON
//! (one object per line, each replayable) or Mermaid.

use super::{bad, out, resolve, ConfigArgs, HOLDS};
use checks::run::check;
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
    /// No progress output on stderr.
    #[arg(long)]
    quiet: bool,
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
        let only = match self.invariant.as_deref().map(parse_invariant) {
            None => None,
            Some(Ok(inv)) => Some(inv),
            Some(Err(e)) => return bad(e),
        };
        if !["text", "json", "mermaid"].contains(&self.format.as_str()) {
            return bad(format!(
                "--format {}: expected one of text, json, mermaid",
                self.format
            ));
        }
        let cfg = match resolve(&self.config, None) {
            Ok(c) => c,
            Err(e) => return bad(e),
        };
        let r = check(&cfg, !self.quiet);
        let scenario = self
            .config
            .scenario
            .as_deref()
            .and_then(mkwrite_model::contract::scenario)
            .map(|s| s.name);
        if r.violated().iter().all(|i| only.is_some_and(|o| o != *i)) {
            out(&format!(
                "no counterexample: {} holds in {} ({} states)\n",
                only.map_or("every invariant", |i| i.name()),
                cfg.label(),
                r.states
            ));
            return ExitCode::from(HOLDS);
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
        out(&text);
        ExitCode::from(HOLDS)
    }
}
