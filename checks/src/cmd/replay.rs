//! `mkwrite replay FILE`: replay a counterexample step by step, against its own configuration
//! or the one the flags make of it.

use super::trace::parse_invariant;
use super::{bad, fs_line, out, resolve, ConfigArgs, OutputArgs, HOLDS, VIOLATED};
use clap::Args;
use std::process::ExitCode;

/// `mkwrite replay`.
#[derive(Args, Debug)]
pub struct ReplayCmd {
    /// A JSON trace: a file of `traces/`, the output of `mkwrite trace --format json` or of
    /// `mkwrite check --json` (each violated record carries its thread order), or `-` for
    /// standard input.
    file: String,
    /// With several traces in the file, the one of this invariant (name or id, any case).
    #[arg(long)]
    invariant: Option<String>,
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    output: OutputArgs,
}

impl ReplayCmd {
    /// Run it.
    pub fn run(self) -> ExitCode {
        if let Err(e) = self.output.apply() {
            return bad(e);
        }
        let f = &self.file;
        let only = match self.invariant.as_deref().map(parse_invariant) {
            None => None,
            Some(Ok(i)) => Some(i),
            Some(Err(e)) => return bad(e),
        };
        let text = if f == "-" {
            let mut t = String::new();
            if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut t) {
                return bad(format!("standard input: {e}"));
            }
            t
        } else {
            match std::fs::read_to_string(f) {
                Ok(t) => t,
                Err(e) => return bad(format!("{f}: {e}")),
            }
        };
        let name = if f == "-" { "standard input" } else { f };
        let all = match checks::tracefmt::parse_all(&text) {
            Ok(r) => r,
            Err(e) => return bad(format!("{name}: {e}")),
        };
        if all.is_empty() {
            return bad(format!(
                "{name}: no counterexample in it (every record holds)"
            ));
        }
        let list = |recs: &[&checks::tracefmt::TraceRecord]| {
            let v: Vec<String> = recs.iter().map(|r| r.inv.clone()).collect();
            v.join(", ")
        };
        let every: Vec<&checks::tracefmt::TraceRecord> = all.iter().collect();
        let chosen: Vec<&checks::tracefmt::TraceRecord> = all
            .iter()
            .filter(|r| only.is_none_or(|i| i.id() == r.inv))
            .collect();
        let rec = match (chosen.as_slice(), only) {
            ([one], _) => *one,
            ([], Some(i)) => {
                return bad(format!(
                    "{name} holds no trace of {} (it holds {})",
                    i.id(),
                    list(&every)
                ))
            }
            (many, None) => {
                return bad(format!(
                    "{name} holds {} traces ({}): pick one with --invariant",
                    many.len(),
                    list(many)
                ))
            }
            (many, Some(i)) => {
                return bad(format!(
                    "{name} holds {} traces of {} (of several configurations): give a file \
                     of one configuration",
                    many.len(),
                    i.id()
                ))
            }
        };
        let own = match rec.config.config() {
            Ok(c) => c,
            Err(e) => return bad(format!("{name}: {e}")),
        };
        let cfg = if self.config.any() {
            match resolve(&self.config, Some(own)) {
                Ok(c) => Some(c),
                Err(e) => return bad(e),
            }
        } else {
            None
        };
        match checks::tracefmt::replay_record(rec, cfg) {
            Err(e) => bad(format!("{name}: {e}")),
            Ok(r) => {
                out(&fs_line(&r.cfg));
                out(&r.text);
                // Violated (the trace ran into a violation here): 1; the path runs through
                // harmlessly or is blocked: 0. A file that is not a trace of its own
                // configuration was an error above.
                if r.violated.is_empty() {
                    ExitCode::from(HOLDS)
                } else {
                    ExitCode::from(VIOLATED)
                }
            }
        }
    }
}
