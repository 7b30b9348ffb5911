//! `mkwrite bench` and `mkwrite bench-pct`: measurements anyone can rerun.

use super::{bad, out, resolve, ConfigArgs, HOLDS};
use clap::Args;
use std::process::ExitCode;

/// `mkwrite bench`.
#[derive(Args, Debug)]
pub struct BenchCmd {
    /// Runs per configuration; the table gives medians.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// No progress output on stderr.
    #[arg(long)]
    quiet: bool,
    /// The scale benchmark instead: three writers sharing an mm (new+locked and old), the
    /// whole matrix as one process, and the growth table (writers 1-3 by writeback passes 0-3).
    #[arg(long)]
    scale: bool,
}

impl BenchCmd {
    /// Run it.
    pub fn run(self) -> ExitCode {
        if self.runs == 0 {
            return bad("--runs 0: expected at least 1");
        }
        let exe = match std::env::current_exe() {
            Ok(p) => p.to_string_lossy().into_owned(),
            Err(e) => return bad(format!("cannot find the mkwrite binary: {e}")),
        };
        let result = if self.scale {
            checks::bench::bench_scale(&exe, self.runs, self.quiet)
        } else {
            checks::bench::bench(&exe, self.runs, self.quiet)
        };
        match result {
            Ok(t) => {
                out(&t);
                ExitCode::from(HOLDS)
            }
            Err(e) => bad(e),
        }
    }
}

/// `mkwrite bench-pct`.
#[derive(Args, Debug)]
pub struct BenchPctCmd {
    /// Number of seeds (0, 1, ...).
    #[arg(long, default_value_t = 20)]
    seeds: u64,
    /// Executions per seed: the budget.
    #[arg(long, default_value_t = 1000)]
    iterations: usize,
    /// PCT bug depth.
    #[arg(long, default_value_t = 3)]
    depth: usize,
}

impl BenchPctCmd {
    /// Run it.
    pub fn run(self) -> ExitCode {
        for (flag, v) in [
            ("seeds", self.seeds as usize),
            ("iterations", self.iterations),
            ("depth", self.depth),
        ] {
            if v == 0 {
                return bad(format!("--{flag} 0: expected at least 1"));
            }
        }
        out(&checks::bench::bench_pct(
            self.seeds,
            self.iterations,
            self.depth,
        ));
        ExitCode::from(HOLDS)
    }
}

/// `mkwrite bench-one` (hidden): one configuration for `bench`, in a child process.
#[derive(Args, Debug)]
pub struct BenchOneCmd {
    #[command(flatten)]
    config: ConfigArgs,
}

impl BenchOneCmd {
    /// Run it: prints states, seconds, peak KiB.
    pub fn run(self) -> ExitCode {
        match resolve(&self.config, None) {
            Ok(cfg) => {
                out(&checks::bench::bench_one(&cfg));
                ExitCode::from(HOLDS)
            }
            Err(e) => bad(e),
        }
    }
}
