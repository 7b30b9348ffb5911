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
    /// Only this filesystem's rows: a name gives every era of it (`ext4`), `NAME@COMMIT` one
    /// era; repeat it for more than one.
    #[arg(long = "fs", value_name = "NAME")]
    fs: Vec<String>,
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
        if !self.fs.is_empty() && (self.markdown || self.svg) {
            return bad("--markdown and --svg draw every profile: leave out --fs");
        }
        let rows = if self.fs.is_empty() {
            exposure::rows(!self.output.quiet)
        } else {
            let mut fss = Vec::new();
            for v in &self.fs {
                let parsed = if v.eq_ignore_ascii_case("seed") {
                    Ok(mkwrite_model::Fs::UNLOCKED)
                } else {
                    super::parse_fs(v)
                };
                match parsed {
                    Ok(f) if f.is_seed() => {
                        return bad(format!(
                            "--fs {v}: the seed filesystem ran in no release: it has no row"
                        ))
                    }
                    Ok(f) if f.ops().v612() => {
                        return bad(format!(
                            "--fs {v}: a 6.12 profile runs beside no 2.6.29 VM: it has no row"
                        ))
                    }
                    // A name without an era is the filesystem: every era of it.
                    Ok(f) => {
                        let eras = mkwrite_model::Fs::all()
                            .into_iter()
                            .filter(|e| *e == f || !v.contains('@') && e.name() == f.name())
                            // The 6.12 profiles run beside no 2.6.29 VM: no row.
                            .filter(|e| *e == f || !e.ops().v612());
                        for e in eras {
                            if !fss.contains(&e) {
                                fss.push(e);
                            }
                        }
                    }
                    Err(e) => return bad(e),
                }
            }
            exposure::rows_of(&fss, !self.output.quiet)
        };
        let all = self.fs.is_empty();
        if self.json {
            out_raw(&exposure::json_of(&rows, all));
        } else if self.markdown {
            out_raw(&exposure::markdown(&rows));
        } else if self.svg {
            out_raw(&exposure::timeline_svg(&rows));
        } else {
            out(&exposure::text_of(&rows, all));
        }
        // A report over many configurations, most of them violated by design: it ran.
        ExitCode::from(HOLDS)
    }
}
