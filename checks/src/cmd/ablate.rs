//! `mkwrite ablate`: the new protocol without one part of the patch at a time.

use super::{bad, out, out_raw, OutputArgs, HOLDS};
use clap::Args;
use std::process::ExitCode;

/// `mkwrite ablate`.
#[derive(Args, Debug)]
pub struct AblateCmd {
    /// One JSON object per row.
    #[arg(long, conflicts_with = "markdown")]
    json: bool,
    /// The table in Markdown (as docs/ablation.md carries it) instead of text for a terminal.
    #[arg(long)]
    markdown: bool,
    /// Two-writer configurations too (every configuration of the matrix; slower).
    #[arg(long)]
    full: bool,
    /// `v6.12`: the 6.12 ablation (Linux 6.12.118 without one piece of its locking) instead
    /// of the patch's.
    #[arg(long, value_name = "VM")]
    protocol: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

impl AblateCmd {
    /// Run it.
    pub fn run(self) -> ExitCode {
        if let Err(e) = self.output.apply() {
            return bad(e);
        }
        let rows = match self.protocol.as_deref() {
            None | Some("new") => checks::ablate::ablate(self.full, !self.output.quiet),
            Some(p) if p.eq_ignore_ascii_case("v6.12") => {
                checks::ablate::ablate_v612(self.full, !self.output.quiet)
            }
            Some(p) => return bad(format!("--protocol {p}: ablate knows new and v6.12")),
        };
        if rows.is_empty() {
            return bad("no ablation rows");
        }
        if self.json {
            out_raw(&checks::ablate::json_lines(&rows));
        } else if self.markdown {
            out_raw(&checks::ablate::table(&rows));
        } else {
            out(&checks::ablate::text(&rows));
        }
        // A report: the mutants fail by design; it ran.
        ExitCode::from(HOLDS)
    }
}
