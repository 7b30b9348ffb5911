//! `mkwrite gup`: the DMA door's exposure timeline, computed.

use super::{out, OutputArgs, HOLDS};
use clap::Args;
use std::process::ExitCode;

/// `mkwrite gup`.
#[derive(Args, Debug)]
pub struct GupCmd {
    #[command(flatten)]
    output: OutputArgs,
}

impl GupCmd {
    /// Run it: every row from the checker, then the table.
    pub fn run(self) -> ExitCode {
        if let Err(e) = self.output.apply() {
            return super::bad(e);
        }
        out(&checks::gup::text(&checks::gup::timeline()));
        ExitCode::from(HOLDS)
    }
}
