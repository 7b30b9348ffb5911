//! `mkwrite scenarios` and `mkwrite filesystems`: what `--scenario` and `--fs` accept.

use super::{bad, out, WidthArg, HOLDS};
use clap::Args;
use mkwrite_model::contract::{HISTORY, PARTIAL_PAGE, SCENARIOS};
use mkwrite_model::trace::wrap;
use mkwrite_model::Config;
use std::process::ExitCode;

/// `mkwrite scenarios`.
#[derive(Args, Debug)]
pub struct ScenariosCmd {
    #[command(flatten)]
    width: WidthArg,
}

impl ScenariosCmd {
    /// Run it: the textbook races, then the history scenarios.
    pub fn run(self) -> ExitCode {
        if let Err(e) = self.width.apply() {
            return bad(e);
        }
        let mut s = String::from("The textbook races (--scenario R1 .. R5, or the name):\n");
        let all = SCENARIOS
            .iter()
            .chain(HISTORY.iter())
            .chain(PARTIAL_PAGE.iter());
        for (i, sc) in all.enumerate() {
            if i == SCENARIOS.len() {
                s.push_str("\nHistory: the protocol before and after (--scenario H2007 ..):\n");
            }
            if i == SCENARIOS.len() + HISTORY.len() {
                s.push_str(
                    "\nThe partial page at EOF, blocksize < pagesize (--scenario R7, R7-fixed):\n",
                );
            }
            let c = Config::from_scenario(sc);
            s.push_str(&format!("{:<7} {}\n", sc.race, sc.name));
            s.push_str(&wrap("        config: ", &c.label(), "                "));
            s.push_str(&wrap("        ", sc.doc, "        "));
        }
        out(&s);
        ExitCode::from(HOLDS)
    }
}

/// `mkwrite filesystems`.
#[derive(Args, Debug)]
pub struct FilesystemsCmd {
    /// One JSON object per filesystem.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    width: WidthArg,
}

impl FilesystemsCmd {
    /// Run it.
    pub fn run(self) -> ExitCode {
        if let Err(e) = self.width.apply() {
            return bad(e);
        }
        if self.json {
            super::out_raw(&checks::report::filesystems(true));
            return ExitCode::from(HOLDS);
        }
        out(&checks::report::filesystems(false));
        ExitCode::from(HOLDS)
    }
}
