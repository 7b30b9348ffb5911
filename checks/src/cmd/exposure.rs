//! `mkwrite exposure`: which filesystems the race could hurt, and in which releases.

use super::{bad, out, HOLDS};
use checks::exposure;
use clap::Args;
use std::process::ExitCode;

/// `mkwrite exposure`.
#[derive(Args, Debug)]
pub struct ExposureCmd {
    /// One JSON object per row.
    #[arg(long)]
    json: bool,
    /// The Markdown tables the README includes.
    #[arg(long)]
    markdown: bool,
    /// The timeline picture (SVG) instead of a table.
    #[arg(long)]
    svg: bool,
    /// No progress lines on stderr.
    #[arg(long)]
    quiet: bool,
}

impl ExposureCmd {
    /// Run it: every row from the checker, then the chosen form.
    pub fn run(self) -> ExitCode {
        if u8::from(self.json) + u8::from(self.markdown) + u8::from(self.svg) > 1 {
            return bad("--json, --markdown and --svg are alternatives: give one");
        }
        let rows = exposure::rows(!self.quiet);
        out(&if self.json {
            exposure::json(&rows)
        } else if self.markdown {
            exposure::markdown(&rows)
        } else if self.svg {
            exposure::timeline_svg(&rows)
        } else {
            exposure::text(&rows)
        });
        ExitCode::from(HOLDS)
    }
}
