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
    /// A filesystem profile's own safeguards instead of the patch's parts: the profile
    /// without each in turn, at the configurations of its exposure rows (any `mkwrite
    /// filesystems` id but the seed conventions).
    #[arg(long = "fs", value_name = "NAME", conflicts_with = "full")]
    fs: Option<String>,
    /// With --fs: print the shortest counterexample of each protecting safeguard.
    #[arg(long, requires = "fs", conflicts_with_all = ["json", "markdown"])]
    trace: bool,
    #[command(flatten)]
    output: OutputArgs,
}

impl AblateCmd {
    /// Run it.
    pub fn run(self) -> ExitCode {
        if let Err(e) = self.output.apply() {
            return bad(e);
        }
        if let Some(name) = &self.fs {
            return self.run_fs(name);
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

    fn run_fs(&self, name: &str) -> ExitCode {
        use checks::fs_ablate;
        let fs = match mkwrite_model::Fs::parse(name) {
            Some(f) if !f.is_seed() => f,
            Some(f) => {
                return bad(format!(
                    "fs {}: the seed filesystem has no safeguards of its own (`mkwrite ablate` \
                     takes the patch apart)",
                    f.id()
                ))
            }
            None => return bad(format!("unknown fs '{name}' (see `mkwrite filesystems`)")),
        };
        if fs.ops().v612() {
            return bad(format!(
                "fs {}: a 6.12 profile: `mkwrite ablate --protocol v6.12` takes 6.12 apart",
                fs.id()
            ));
        }
        let rows = fs_ablate::rows_of(fs, false, !self.output.quiet);
        if rows.is_empty() {
            return bad(format!("fs {}: it declares no safeguards", fs.id()));
        }
        if self.json {
            out_raw(&fs_ablate::json_lines(&rows));
        } else if self.markdown {
            out_raw(&fs_ablate::table(&rows));
        } else {
            match fs_ablate::text(&rows, self.trace) {
                Ok(t) => out(&t),
                Err(e) => return bad(e),
            }
        }
        ExitCode::from(HOLDS)
    }
}
