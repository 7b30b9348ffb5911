//! `mkwrite ablate`: the new protocol without one part of the patch at a time.

use super::{bad, out, HOLDS};
use clap::Args;
use std::process::ExitCode;

/// `mkwrite ablate`.
#[derive(Args, Debug)]
pub struct AblateCmd {
    /// One JSON object per row.
    #[arg(long, conflicts_with = "markdown")]
    json: bool,
    /// The table in Markdown (as the README carries it) instead of text for a terminal.
    #[arg(long)]
    markdown: bool,
    /// Two-writer configurations too (every configuration of the matrix; slower).
    #[arg(long)]
    full: bool,
    /// No progress output on stderr.
    #[arg(long)]
    quiet: bool,
}

impl AblateCmd {
    /// Run it.
    pub fn run(self) -> ExitCode {
        let rows = checks::ablate::ablate(self.full, !self.quiet);
        if rows.is_empty() {
            return bad("no ablation rows");
        }
        out(&if self.json {
            checks::ablate::json_lines(&rows)
        } else if self.markdown {
            checks::ablate::table(&rows)
        } else {
            checks::ablate::text(&rows)
        });
        ExitCode::from(HOLDS)
    }
}
