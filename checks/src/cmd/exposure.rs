//! `mkwrite exposure`: which filesystems the race could hurt, and in which releases.

use super::{bad, out, out_raw, OutputArgs, HOLDS};
use checks::exposure;
use clap::Args;
use std::process::ExitCode;

/// `mkwrite exposure`.
#[derive(Args, Debug)]
pub struct ExposureCmd {
    /// One JSON object per row.
    #[arg(long)]
    json: bool,
    /// The Markdown tables docs/exposure.md includes.
    #[arg(long)]
    markdown: bool,
    /// The timeline picture (SVG) instead of a table.
    #[arg(long)]
    svg: bool,
    #[command(flatten)]
    output: OutputArgs,
}

impl ExposureCmd {
    /// Run it: every row from the checker, then the chosen form.
    pub fn run(self) -> ExitCode {
        if let Err(e) = self.output.apply() {
            return bad(e);
        }
        if u8::from(self.json) + u8::from(self.markdown) + u8::from(self.svg) > 1 {
            return bad("--json, --markdown and --svg are alternatives: give one");
        }
        let rows = exposure::rows(!self.output.quiet);
        if self.json {
            out_raw(&exposure::json(&rows));
        } else if self.markdown {
            out_raw(&exposure::markdown(&rows));
        } else if self.svg {
            out_raw(&exposure::timeline_svg(&rows));
        } else {
            out(&exposure::text(&rows));
        }
        // A report over many configurations, most of them violated by design: it ran.
        ExitCode::from(HOLDS)
    }
}
