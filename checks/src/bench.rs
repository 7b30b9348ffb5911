//! `mkwrite bench`: per configuration of the 144-configuration matrix, unique states,
//! states/s, wall time and peak memory, each configuration in its own child process (a
//! process's peak only rises), medians of several runs; then the whole matrix and the R1
//! headline as whole processes, process start included.

use crate::report::matrix_144;
use mkwrite_model::{Config, Protocol};
use std::fmt::Write;
use std::process::Command;
use std::time::Instant;

/// The `check` flags that select `cfg`.
pub fn config_args(cfg: &Config) -> Vec<String> {
    let mut a = vec![
        "--protocol".to_string(),
        cfg.protocol.id().to_string(),
        "--fs".into(),
        cfg.fs.id().into(),
        "--writers".into(),
        cfg.writers.to_string(),
        "--writeback".into(),
        cfg.writeback.to_string(),
        "--truncate".into(),
        u8::from(cfg.truncate).to_string(),
        "--pte".into(),
        if cfg.pte_ro { "ro" } else { "none" }.into(),
        "--page".into(),
        if cfg.page_dirty { "dirty" } else { "clean" }.into(),
    ];
    if cfg.shared_mm {
        a.push("--shared-mm".into());
    }
    if !cfg.strict {
        a.push("--lenient-fs".into());
    }
    if cfg.late_writeback {
        a.push("--late-writeback".into());
    }
    if cfg.enospc {
        a.push("--enospc".into());
    }
    if cfg.freeze {
        a.push("--freeze".into());
    }
    if cfg.stores > 1 {
        a.extend(["--stores".to_string(), cfg.stores.to_string()]);
    }
    if cfg.reclaim {
        a.extend(["--reclaim".to_string(), "1".to_string()]);
    }
    if cfg.dio {
        a.extend(["--dio".to_string(), "1".to_string()]);
    }
    if cfg.gup_era != mkwrite_model::config::GupEra::V2629 {
        a.extend(["--gup-era".to_string(), cfg.gup_era.id().to_string()]);
    }
    if cfg.blocks > 1 {
        a.extend(["--blocks-per-page".to_string(), cfg.blocks.to_string()]);
    }
    if cfg.truncate_partial {
        a.extend(["--truncate-to".to_string(), "partial".to_string()]);
    }
    if cfg.extend {
        a.extend(["--extend".to_string(), "true".to_string()]);
    }
    if cfg.initial_extent != mkwrite_model::config::InitialExtent::Real {
        a.extend([
            "--initial-extent".to_string(),
            cfg.initial_extent.id().to_string(),
        ]);
    }
    for id in mkwrite_model::fs::removed_ids(cfg) {
        a.extend(["--without".to_string(), id.to_string()]);
    }
    a
}

/// This process's peak resident set (VmHWM), in KiB, or 0 where /proc is not available.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// The child's side: check `cfg` within `budget` unique states and print one line `states
/// seconds peak_kib`.
pub fn bench_one(
    cfg: &Config,
    budget: usize,
    p: &crate::progress::Progress,
    estimate: Option<crate::run::Estimate>,
) -> Result<String, crate::run::Incomplete> {
    let r = crate::run::check_within(cfg, budget, p, estimate)?;
    Ok(format!(
        "{} {:.6} {}\n",
        r.states,
        r.seconds,
        peak_rss_kib()
    ))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return 0.0;
    }
    v[v.len() / 2]
}

/// Run `exe args` `runs` times; the median wall seconds and the child's last stdout.
fn time_process(exe: &str, args: &[String], runs: usize) -> Result<(f64, String), String> {
    let mut walls = Vec::new();
    let mut last = String::new();
    for _ in 0..runs {
        let start = Instant::now();
        let out = Command::new(exe)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run {exe}: {e}"))?;
        walls.push(start.elapsed().as_secs_f64());
        if !out.status.success() && out.status.code() != Some(1) {
            return Err(format!(
                "{exe} {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        last = String::from_utf8_lossy(&out.stdout).into_owned();
    }
    Ok((median(walls), last))
}

/// The benchmark table. `exe` is the mkwrite binary; every configuration runs `runs` times.
pub fn bench(exe: &str, runs: usize, quiet: bool) -> Result<String, String> {
    let p = crate::progress::Progress::new(quiet);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "mkwrite bench: medians of {runs} runs, each configuration in its own process\n"
    );
    let _ = writeln!(
        s,
        "{:<33} {:>8} {:>10} {:>9} {:>9} {:>8}",
        "configuration (strict fs)", "states", "states/s", "check ms", "wall ms", "peak MiB"
    );
    let configs = matrix_144();
    let (mut sum_wall, mut sum_check, mut max_peak) = (0.0, 0.0, (0u64, String::new()));
    for (i, cfg) in configs.iter().enumerate() {
        p.show(&format!(
            "bench: configuration {}/{}, {:.0} s",
            i + 1,
            configs.len(),
            p.elapsed()
        ));
        let m = measure(exe, cfg, runs)?;
        let (states, check_s, wall_s, peak) = (m.states, m.check_s, m.wall_s, m.peak_kib);
        sum_wall += wall_s;
        sum_check += check_s;
        if peak > max_peak.0 {
            max_peak = (peak, crate::report::short_label(cfg));
        }
        let _ = writeln!(
            s,
            "{:<33} {:>8} {:>10.0} {:>9.1} {:>9.1} {:>8.1}",
            crate::report::short_label(cfg),
            states,
            states as f64 / check_s.max(1e-9),
            check_s * 1e3,
            wall_s * 1e3,
            peak as f64 / 1024.0
        );
    }
    // Linux 6.12 (`--protocol v6.12`): the largest configuration of tests/golden/v612.txt
    // for each profile (two writers, two writeback passes, a truncate, reclaim, two stores).
    let _ = writeln!(
        s,
        "\nLinux 6.12 (--protocol v6.12), the largest configurations:"
    );
    for fs in crate::report::v612_profiles() {
        let cfg = v612_largest(fs);
        p.show(&format!("bench: {}, {:.0} s", cfg.label(), p.elapsed()));
        let m = measure(exe, &cfg, runs)?;
        let _ = writeln!(s, "{}", cfg.label());
        let _ = writeln!(
            s,
            "{:<33} {:>8} {:>10.0} {:>9.1} {:>9.1} {:>8.1}",
            "",
            m.states,
            m.states as f64 / m.check_s.max(1e-9),
            m.check_s * 1e3,
            m.wall_s * 1e3,
            m.peak_kib as f64 / 1024.0
        );
    }
    let matrix_args: Vec<String> = ["check", "--matrix", "--quiet"].map(String::from).to_vec();
    let (matrix_wall, _) = time_process(exe, &matrix_args, runs)?;
    let r1_args: Vec<String> = ["check", "--scenario", "R1", "--quiet"]
        .map(String::from)
        .to_vec();
    let (r1_wall, _) = time_process(exe, &r1_args, runs)?;
    let _ = writeln!(
        s,
        "\nsum over configurations: check {sum_check:.2} s, processes {sum_wall:.2} s"
    );
    let _ = writeln!(
        s,
        "`mkwrite check --matrix` (one process, every configuration, shortest traces \
         included):\n    {matrix_wall:.2} s wall (median)"
    );
    let _ = writeln!(
        s,
        "`mkwrite check --scenario R1` (process start included): {:.1} ms wall (median)",
        r1_wall * 1e3
    );
    let _ = writeln!(
        s,
        "largest peak memory: {:.1} MiB ({})",
        max_peak.0 as f64 / 1024.0,
        max_peak.1
    );
    Ok(s)
}

/// The largest 6.12 shape of a 6.12 profile: two writers, two writeback passes, a truncate,
/// reclaim, two stores, pte ro, a dirty page (generic@6.12's is the largest of
/// tests/golden/v612.txt, 1,420,675 states).
pub fn v612_largest(fs: mkwrite_model::Fs) -> Config {
    Config {
        fs,
        writers: 2,
        writeback: 2,
        truncate: true,
        reclaim: true,
        stores: 2,
        page_dirty: true,
        ..Config::new(Protocol::V612)
    }
}

/// The scale benchmark's two headline configurations: new with a locked ->page_mkwrite and
/// old (seed filesystem, strict, pte ro, clean page), three writers sharing an mm, two
/// writeback passes and a truncate.
pub fn scale_configs() -> Vec<Config> {
    [Protocol::New, Protocol::Old]
        .into_iter()
        .map(|p| Config {
            writers: 3,
            shared_mm: true,
            writeback: 2,
            truncate: true,
            ..Config::new(p)
        })
        .collect()
}

/// The growth table's configurations: new with a locked ->page_mkwrite (seed filesystem,
/// strict, pte ro, clean page, a truncate) by writeback passes 0-3, in rows: 1 writer, then 2
/// and 3 writers sharing one mm (reduced by symmetry), then 2 and 3 writers in separate mms
/// (not reduced).
pub fn growth_configs() -> Vec<Config> {
    let rows = [(1, false), (2, true), (3, true), (2, false), (3, false)];
    let mut v = Vec::new();
    for (writers, shared_mm) in rows {
        for writeback in 0..=mkwrite_model::config::MAX_WRITEBACK {
            v.push(Config {
                writers,
                shared_mm,
                writeback,
                truncate: true,
                ..Config::new(Protocol::New)
            });
        }
    }
    v
}

/// What `measure` reports for one configuration: medians over its runs.
struct Measured {
    states: usize,
    check_s: f64,
    wall_s: f64,
    peak_kib: u64,
}

/// One child process (`bench-one`) per run of `cfg`: its states, and the medians of its check
/// seconds, process wall seconds and peak KiB.
fn measure(exe: &str, cfg: &Config, runs: usize) -> Result<Measured, String> {
    let mut args = vec!["bench-one".to_string(), "--quiet".to_string()];
    args.extend(config_args(cfg));
    let (mut checks, mut walls, mut peaks, mut states) = (Vec::new(), Vec::new(), Vec::new(), 0);
    for _ in 0..runs {
        let (wall, out) = time_process(exe, &args, 1)?;
        let f: Vec<&str> = out.split_whitespace().collect();
        let parse_err = || format!("bench-one printed {out:?}");
        states = f
            .first()
            .and_then(|v| v.parse().ok())
            .ok_or_else(parse_err)?;
        checks.push(
            f.get(1)
                .and_then(|v| v.parse().ok())
                .ok_or_else(parse_err)?,
        );
        peaks.push(
            f.get(2)
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(parse_err)? as f64,
        );
        walls.push(wall);
    }
    Ok(Measured {
        states,
        check_s: median(checks),
        wall_s: median(walls),
        peak_kib: median(peaks) as u64,
    })
}

/// `mkwrite bench --scale`: the two three-writer configurations, the whole 144-configuration
/// matrix as one process, and the growth table, medians of `runs` runs each (single runs above
/// a minute: `runs` is then 1 for that row).
pub fn bench_scale(exe: &str, runs: usize, quiet: bool) -> Result<String, String> {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "mkwrite bench --scale: medians of {runs} runs, each configuration in its own process\n"
    );
    let _ = writeln!(
        s,
        "{:<44} {:>9} {:>10} {:>9} {:>9}",
        "configuration", "states", "states/s", "check s", "peak MiB"
    );
    for cfg in scale_configs() {
        let m = measure(exe, &cfg, runs)?;
        let (states, secs, peak) = (m.states, m.check_s, m.peak_kib);
        let _ = writeln!(
            s,
            "{:<44} {:>9} {:>10.0} {:>9.2} {:>9.1}",
            cfg.label().replace(" page=clean strict", ""),
            states,
            states as f64 / secs.max(1e-9),
            secs,
            peak as f64 / 1024.0
        );
    }
    let matrix_args: Vec<String> = ["check", "--matrix", "--quiet"].map(String::from).to_vec();
    let (matrix_wall, _) = time_process(exe, &matrix_args, runs)?;
    let _ = writeln!(
        s,
        "\n`mkwrite check --matrix` (144 configurations, one process, shortest traces \
         included): {matrix_wall:.2} s wall (median)\n"
    );
    s.push_str(&growth_table(exe, runs, quiet)?);
    Ok(s)
}

/// The growth table (markdown): states and check seconds of `growth_configs`, writers by
/// rows, writeback passes by columns. Times are this machine's, never compared in a test; the
/// state counts are pinned by `tests/scale.rs` against docs/performance.md's copy.
pub fn growth_table(exe: &str, runs: usize, quiet: bool) -> Result<String, String> {
    let mut s = String::from(
        "| new+locked, truncate, pte ro, clean | wb 0 | wb 1 | wb 2 | wb 3 |\n|---|---|---|---|---|\n",
    );
    let p = crate::progress::Progress::new(quiet);
    let configs = growth_configs();
    for row in configs.chunks(mkwrite_model::config::MAX_WRITEBACK as usize + 1) {
        let _ = write!(s, "| {} |", growth_row_name(&row[0]));
        for cfg in row {
            p.show(&format!(
                "bench --scale: {}, {:.0} s",
                cfg.label(),
                p.elapsed()
            ));
            let m = measure(exe, cfg, runs)?;
            let (states, secs) = (m.states, m.check_s);
            let _ = write!(s, " {states} states, {secs:.2} s |");
        }
        s.push('\n');
    }
    Ok(s)
}

/// A row of the growth table: `1 writer`, `2 writers, one mm`, `3 writers, own mms`.
pub fn growth_row_name(cfg: &Config) -> String {
    match (cfg.writers, cfg.shared_mm) {
        (1, _) => "1 writer".to_string(),
        (n, true) => format!("{n} writers, one mm"),
        (n, false) => format!("{n} writers, own mms"),
    }
}

/// The executions shuttle's PCT scheduler needs for seed `seed` to find `inv` in `cfg`, if
/// within `iterations`, and the executions run to learn it. A seed's executions stop once it
/// found the bug: the runs grow by doubling (16, 32, ...) up to `iterations`, and as PCT's
/// choices depend on the seed and the execution's index only (the budget bounds the count),
/// each longer run repeats the shorter one's executions: the first finding is the one a
/// single run of `iterations` makes, for at most four times its executions instead of all.
pub fn pct_first(
    cfg: &Config,
    inv: mkwrite_model::Inv,
    iterations: usize,
    depth: usize,
    seed: u64,
) -> (Option<usize>, usize) {
    let mut k = iterations.min(16);
    let mut ran = 0;
    loop {
        let v = crate::threaded::shuttle_pct(cfg, k, depth, seed);
        ran += v.executions;
        if let Some(&n) = v.first_found.get(&inv) {
            return (Some(n), ran);
        }
        if k >= iterations {
            return (None, ran);
        }
        k = (k * 2).min(iterations);
    }
}

/// `mkwrite bench-pct`: how many PCT executions shuttle needs to hit the R1 violation
/// (INV-1), for `seeds` seeds; the median over seeds. A seed that does not find it within
/// `iterations` counts as `iterations + 1`.
pub fn bench_pct(seeds: u64, iterations: usize, depth: usize, quiet: bool) -> String {
    let p = crate::progress::Progress::new(quiet);
    let cfg = match Config::scenario("R1") {
        Ok(c) => c,
        Err(e) => return format!("{e}\n"),
    };
    let inv = mkwrite_model::Inv::WritablePteHasFsMetadata;
    let mut firsts = Vec::new();
    let mut s = mkwrite_model::trace::wrap(
        "",
        &format!(
            "shuttle PCT (depth {depth}) on R1 ({}): executions until the first {} violation",
            cfg.label(),
            inv.id()
        ),
        "    ",
    );
    for seed in 0..seeds {
        p.show(&format!(
            "bench-pct: seed {}/{seeds}, {:.0} s",
            seed + 1,
            p.elapsed()
        ));
        let (n, _) = pct_first(&cfg, inv, iterations, depth, seed);
        let _ = writeln!(
            s,
            "  seed {seed:>3}: {}",
            n.map_or(format!("not found within {iterations} executions"), |n| n
                .to_string())
        );
        firsts.push(n.unwrap_or(iterations + 1) as f64);
    }
    p.done();
    let found = firsts.iter().filter(|&&n| n <= iterations as f64).count();
    let m = median(firsts);
    let summary = if m > iterations as f64 {
        format!(
            "median over {seeds} seeds: not found within {iterations} executions ({found} of \
             {seeds} seeds found it)"
        )
    } else {
        format!(
            "median over {seeds} seeds: {m} executions ({found} of {seeds} seeds found it \
             within {iterations}; a seed that did not counts as {})",
            iterations + 1
        )
    };
    s.push_str(&mkwrite_model::trace::wrap("", &summary, "    "));
    s
}
