//! `mkwrite bench`, `mkwrite bench-pct` and `mkwrite bench-one`: measurements anyone can
//! rerun. Every count is bounded to a range that finishes.

use super::check::incomplete;
use super::{bad, count, out, resolve, BudgetArgs, ConfigArgs, OutputArgs, HOLDS};
use clap::Args;
use std::ops::RangeInclusive;
use std::process::ExitCode;

/// The range of `bench --runs`: each run checks the 144 configurations in their own
/// processes and the matrix once more (a few seconds a run).
pub const RUNS: RangeInclusive<i64> = 1..=20;
/// The range of `bench-pct --seeds`.
pub const SEEDS: RangeInclusive<i64> = 1..=100;
/// The range of `bench-pct --iterations` (an execution takes about a tenth of a millisecond,
/// so the largest run, every seed at its budget, takes minutes, not hours).
pub const ITERATIONS: RangeInclusive<i64> = 1..=10_000;
/// The range of `bench-pct --depth` (PCT's bug depth).
pub const DEPTHS: RangeInclusive<i64> = 1..=10;

/// `mkwrite bench`.
#[derive(Args, Debug)]
pub struct BenchCmd {
    /// Runs per configuration, 1 to 20; the table gives medians.
    #[arg(
        long,
        default_value = "5",
        value_name = "N",
        allow_negative_numbers = true
    )]
    runs: String,
    #[command(flatten)]
    output: OutputArgs,
    /// The scale benchmark instead: three writers sharing an mm (new+locked and old), the
    /// whole matrix as one process, and the growth table (writers 1-3 by writeback passes 0-3).
    #[arg(long, conflicts_with = "checkers")]
    scale: bool,
    /// The exhaustive loom and shuttle runs instead: per configuration of the matrix,
    /// executions, the states of stateright's they passed through, seconds (the median of
    /// --runs runs when a run takes under a minute; default 3 here), coverage; then a summary
    /// by thread count. Tens of minutes.
    #[arg(long)]
    checkers: bool,
    /// With --checkers: the 400 configurations of the profile sweep instead of the matrix.
    #[arg(long, requires = "checkers")]
    profiles: bool,
}

impl BenchCmd {
    /// Run it.
    pub fn run(self) -> ExitCode {
        if let Err(e) = self.output.apply() {
            return bad(e);
        }
        let runs = match count("runs", &self.runs, RUNS) {
            Ok(n) => n,
            Err(e) => return bad(e),
        };
        let exe = match std::env::current_exe() {
            Ok(p) => p.to_string_lossy().into_owned(),
            Err(e) => return bad(format!("cannot find the mkwrite binary: {e}")),
        };
        let result = if self.checkers {
            let configs = if self.profiles {
                checks::report::profile_configs()
            } else {
                checks::report::matrix_144()
            };
            // The default of 5 runs is the per-configuration stateright bench's; 3 here.
            let runs = if self.runs == "5" { 3 } else { runs };
            let p = checks::progress::Progress::new(self.output.quiet);
            let n = configs.len();
            let rows = checks::bench_explore::checkers(
                &configs,
                runs,
                checks::bench_explore::BUDGET,
                |i, r| {
                    p.show(&format!(
                        "bench --checkers: {}/{n} {} ({:.0} s)",
                        i + 1,
                        r.cfg.label(),
                        p.elapsed()
                    ))
                },
            );
            p.done();
            Ok(checks::bench_explore::table(&rows))
        } else if self.scale {
            checks::bench::bench_scale(&exe, runs, self.output.quiet)
        } else {
            checks::bench::bench(&exe, runs, self.output.quiet)
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
    /// Number of seeds (0, 1, ...), 1 to 100.
    #[arg(
        long,
        default_value = "20",
        value_name = "N",
        allow_negative_numbers = true
    )]
    seeds: String,
    /// Executions per seed at most, 1 to 10000: the budget (a seed stops once it found the
    /// bug).
    #[arg(
        long,
        default_value = "1000",
        value_name = "N",
        allow_negative_numbers = true
    )]
    iterations: String,
    /// PCT bug depth, 1 to 10.
    #[arg(
        long,
        default_value = "3",
        value_name = "N",
        allow_negative_numbers = true
    )]
    depth: String,
    #[command(flatten)]
    output: OutputArgs,
}

impl BenchPctCmd {
    /// Run it.
    pub fn run(self) -> ExitCode {
        if let Err(e) = self.output.apply() {
            return bad(e);
        }
        let checked = (|| {
            Ok::<_, String>((
                count("seeds", &self.seeds, SEEDS)?,
                count("iterations", &self.iterations, ITERATIONS)?,
                count("depth", &self.depth, DEPTHS)?,
            ))
        })();
        let (seeds, iterations, depth) = match checked {
            Ok(v) => v,
            Err(e) => return bad(e),
        };
        out(&checks::bench::bench_pct(
            seeds as u64,
            iterations,
            depth,
            self.output.quiet,
        ));
        ExitCode::from(HOLDS)
    }
}

/// `mkwrite bench-one`: one configuration, as `bench` measures it in a child process.
#[derive(Args, Debug)]
pub struct BenchOneCmd {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    budget: BudgetArgs,
}

impl BenchOneCmd {
    /// Run it: prints unique states, check seconds and peak KiB on one line.
    pub fn run(self) -> ExitCode {
        let p = match self.output.apply() {
            Ok(p) => p,
            Err(e) => return bad(e),
        };
        let budget = match self.budget.budget() {
            Ok(b) => b,
            Err(e) => return bad(e),
        };
        match resolve(&self.config, None) {
            Ok(cfg) => match checks::bench::bench_one(
                &cfg,
                budget,
                &p,
                super::check::forewarn(&cfg, budget, self.output.quiet),
            ) {
                Ok(line) => {
                    out(&line);
                    ExitCode::from(HOLDS)
                }
                Err(i) => incomplete(&i),
            },
            Err(e) => bad(e),
        }
    }
}
