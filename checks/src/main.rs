//! `mkwrite`: model-check the page_mkwrite race. With no arguments, the headline: old vs new
//! across the textbook scenarios and the shortest old counterexample.
//!
//! Exit codes: 0 every invariant checked holds (or the headline ran); 1 some invariant is
//! violated; 2 bad input.

use checks::report;
use checks::run::check;
use clap::{Args, Parser, Subcommand};
use mkwrite_model::config::{MAX_WRITEBACK, MAX_WRITERS};
use mkwrite_model::contract::SCENARIOS;
use mkwrite_model::{Config, Fs, Protocol};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "mkwrite",
    version,
    about = "Model-check the page_mkwrite race of Linux 2.6.29 (b827e496c893), old and new protocol"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Check one configuration exhaustively and print every invariant's verdict.
    Check(CheckArgs),
    /// List the textbook scenarios usable with --scenario.
    Scenarios,
    /// List every filesystem profile and era usable with --fs: what its ->page_mkwrite
    /// returns beside each VM, what "tracked" means for it, the code modelled.
    Filesystems {
        /// One JSON object per filesystem.
        #[arg(long)]
        json: bool,
    },
    /// Print the shortest counterexample of each violated invariant of a configuration.
    Trace {
        #[command(flatten)]
        config: CheckArgs,
        /// text, json (one object per line, each replayable with `mkwrite replay`) or mermaid.
        #[arg(long, default_value = "text")]
        format: String,
        /// Only this invariant (function name or id such as INV-1).
        #[arg(long)]
        invariant: Option<String>,
    },
    /// Replay a JSON trace file step by step, against its own configuration or the one the
    /// flags give (another protocol, say); stop where a step cannot happen and say why.
    Replay {
        /// The JSON trace file (`mkwrite trace --format json`, or traces/**/*.json).
        file: String,
        #[command(flatten)]
        config: CheckArgs,
    },
    /// Serve stateright's Explorer for a configuration on 127.0.0.1.
    Explore {
        #[command(flatten)]
        config: CheckArgs,
        /// TCP port.
        #[arg(long, default_value_t = 3000)]
        port: u16,
    },
    /// Ablate the patch: the new protocol without one part at a time, checked over the
    /// one-writer configurations (every configuration of the matrix with --full).
    Ablate {
        /// One JSON object per row.
        #[arg(long)]
        json: bool,
        /// Two-writer configurations too.
        #[arg(long)]
        full: bool,
    },
    /// Benchmark the 144-configuration matrix: per configuration (each in its own process)
    /// states, states/s, wall time and peak memory, medians of --runs runs.
    Bench {
        /// Runs per configuration.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// No progress output on stderr.
        #[arg(long)]
        quiet: bool,
    },
    /// Executions shuttle's PCT scheduler needs to find the R1 violation, over several seeds.
    BenchPct {
        /// Number of seeds (0, 1, ...).
        #[arg(long, default_value_t = 20)]
        seeds: u64,
        /// Executions per seed.
        #[arg(long, default_value_t = 1000)]
        iterations: usize,
        /// PCT bug depth.
        #[arg(long, default_value_t = 3)]
        depth: usize,
    },
    /// One configuration for `bench`, in a child process: prints states, seconds, peak KiB.
    #[command(hide = true)]
    BenchOne(CheckArgs),
}

#[derive(Args)]
struct CheckArgs {
    /// A textbook scenario (name or R1..R5); the flags below override its settings.
    #[arg(long)]
    scenario: Option<String>,
    /// Protocol: old (e58fcb489af^), new (e58fcb489af), new-minus-<fix> (the ablation), pre2007,
    /// v3.15-rc, new+2014.
    #[arg(long)]
    protocol: Option<String>,
    /// ->page_mkwrite convention: unlocked, locked, or none (no ->page_mkwrite); default:
    /// unlocked for old, pre2007 and v3.15-rc, locked otherwise.
    #[arg(long)]
    fs: Option<String>,
    /// Writer threads (1 or 2).
    #[arg(long)]
    writers: Option<u8>,
    /// Two writers share one mm (one pte) instead of mapping the page each in its own mm.
    #[arg(long)]
    shared_mm: bool,
    /// WB_SYNC_NONE writeback passes of W0 (0 to 2).
    #[arg(long)]
    writeback: Option<u8>,
    /// Truncate threads (0 or 1).
    #[arg(long)]
    truncate: Option<u8>,
    /// Initial pte of every writer: ro or none.
    #[arg(long)]
    pte: Option<String>,
    /// Initial page: clean, or dirty (PG_dirty and metadata, as after write(2)).
    #[arg(long)]
    page: Option<String>,
    /// ->writepage can allocate at writeback time (turns the strict filesystem off).
    #[arg(long)]
    lenient_fs: bool,
    /// Stores each writer makes (1 or 2): after its fault a writer stores again through its
    /// writable pte, faulting again only if the pte was write-protected meanwhile.
    #[arg(long)]
    stores: Option<u8>,
    /// Reclaim threads (0 or 1): R0, kswapd, makes one shrink_page_list pass.
    #[arg(long)]
    reclaim: Option<u8>,
    /// The filesystem can run out of space: a thread E0 takes its last free blocks at some
    /// moment; ->page_mkwrite's allocation then fails (VM_FAULT_SIGBUS), and so does any
    /// allocation in ->writepage.
    #[arg(long)]
    enospc: bool,
    /// One JSON object per invariant, one per line.
    #[arg(long)]
    json: bool,
    /// No progress output on stderr.
    #[arg(long)]
    quiet: bool,
    /// Which checker: stateright (exhaustive), loom, shuttle, or all three side by side.
    #[arg(long, default_value = "stateright")]
    checker: String,
    /// With --checker shuttle: replay one execution from a schedule printed by shuttle.
    #[arg(long)]
    replay: Option<String>,
    /// Check the 144 configurations of the verdict matrix ({old, new+unlocked, new+locked} ×
    /// writers × writeback × truncate × pte × page, strict fs) instead of one.
    #[arg(long, conflicts_with_all = ["scenario", "protocol", "fs", "writers", "shared_mm",
        "writeback", "truncate", "pte", "page", "lenient_fs", "enospc", "stores", "reclaim"])]
    matrix: bool,
}

/// Print to stdout; a closed pipe (`mkwrite | head`) ends the output quietly instead of
/// panicking.
fn out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        std::process::exit(0);
    }
}

fn bad(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("mkwrite: {msg}");
    ExitCode::from(2)
}

fn choice<T>(
    flag: &str,
    v: &str,
    parse: fn(&str) -> Option<T>,
    allowed: &str,
) -> Result<T, String> {
    parse(v).ok_or_else(|| format!("--{flag} {v}: expected one of {allowed}"))
}

fn config(a: &CheckArgs) -> Result<Config, String> {
    config_from(Config::new(Protocol::Old), a)
}

/// Apply the flags to `base` (a scenario, if given, replaces it).
fn config_from(base: Config, a: &CheckArgs) -> Result<Config, String> {
    let mut c = match &a.scenario {
        Some(name) => Config::scenario(name).map_err(|e| {
            let names: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
            format!("{e} (known: {}, or R1..R5)", names.join(", "))
        })?,
        None => base,
    };
    if let Some(p) = &a.protocol {
        let ids: Vec<&str> = Protocol::all().iter().map(|p| p.id()).collect();
        let p = choice("protocol", p, Protocol::parse, &ids.join(", "))?;
        c.protocol = p;
        c.fixes = p.fixes();
        // A scenario keeps its filesystem; otherwise the protocol's default applies.
        if a.fs.is_none() && a.scenario.is_none() {
            c.fs = p.default_fs();
        }
    }
    if let Some(f) = &a.fs {
        c.fs = if f == "seed" {
            c.protocol.default_fs()
        } else {
            let ids: Vec<&str> = Fs::all().iter().map(|f| f.id()).collect();
            choice("fs", f, Fs::parse, &format!("seed, {}", ids.join(", ")))?
        };
    }
    if let Some(n) = a.writers {
        if n == 0 || n > MAX_WRITERS {
            return Err(format!("--writers {n}: expected 1 to {MAX_WRITERS}"));
        }
        c.writers = n;
    }
    c.shared_mm |= a.shared_mm;
    if let Some(n) = a.writeback {
        if n > MAX_WRITEBACK {
            return Err(format!("--writeback {n}: expected 0 to {MAX_WRITEBACK}"));
        }
        c.writeback = n;
    }
    if let Some(n) = a.truncate {
        if n > 1 {
            return Err(format!("--truncate {n}: expected 0 or 1"));
        }
        c.truncate = n == 1;
    }
    if let Some(p) = &a.pte {
        c.pte_ro = choice(
            "pte",
            p,
            |s| match s {
                "ro" => Some(true),
                "none" => Some(false),
                _ => None,
            },
            "ro, none",
        )?;
    }
    if let Some(p) = &a.page {
        c.page_dirty = choice(
            "page",
            p,
            |s| match s {
                "clean" => Some(false),
                "dirty" => Some(true),
                _ => None,
            },
            "clean, dirty",
        )?;
    }
    c.strict &= !a.lenient_fs;
    c.enospc |= a.enospc;
    if let Some(n) = a.stores {
        if !(1..=2).contains(&n) {
            return Err(format!("--stores {n}: expected 1 or 2"));
        }
        c.stores = n;
    }
    if let Some(n) = a.reclaim {
        if n > 1 {
            return Err(format!("--reclaim {n}: expected 0 or 1"));
        }
        c.reclaim = n == 1;
    }
    c.validate().map_err(|e| e.to_string())?;
    Ok(c)
}

/// `check --checker loom|shuttle|all`: run the threaded checkers beside stateright's verdict and
/// apply the agreement rule.
fn threaded(r: &checks::run::Report, loom: bool, shuttle: bool, all: bool, json: bool) -> ExitCode {
    use checks::threaded::{disagreements, loom_default, shuttle_default};
    let mut cols = Vec::new();
    // loom first: shuttle leaves a process-wide panic hook behind (see threaded.rs).
    if loom {
        cols.push(loom_default(&r.cfg));
    }
    if shuttle {
        cols.push(shuttle_default(&r.cfg));
    }
    let sr = r.violated();
    let mut disagree = Vec::new();
    for c in &cols {
        for inv in disagreements(&sr, c) {
            disagree.push((c.checker.to_string(), inv));
        }
    }
    if json {
        let mut text = if all {
            report::json_lines(r)
        } else {
            String::new()
        };
        for c in &cols {
            text.push_str(&report::threaded_json(r, c));
        }
        out(&text);
    } else {
        out(&report::checkers_text(r, &cols, &disagree));
    }
    let violated = cols.iter().any(|c| !c.violations.is_empty()) || (all && !sr.is_empty());
    if !disagree.is_empty() || violated {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Whether any configuration flag was given (so `replay` overrides the file's configuration).
fn any_config_flag(a: &CheckArgs) -> bool {
    a.scenario.is_some()
        || a.protocol.is_some()
        || a.fs.is_some()
        || a.writers.is_some()
        || a.shared_mm
        || a.writeback.is_some()
        || a.truncate.is_some()
        || a.pte.is_some()
        || a.page.is_some()
        || a.lenient_fs
        || a.enospc
        || a.stores.is_some()
        || a.reclaim.is_some()
}

/// `mkwrite replay FILE [config flags]`.
fn replay_file(file: &str, a: &CheckArgs) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => return bad(format!("{file}: {e}")),
    };
    let rec = match checks::tracefmt::parse(&text) {
        Ok(r) => r,
        Err(e) => return bad(format!("{file}: {e}")),
    };
    let cfg = if any_config_flag(a) {
        // Flags start from the file's configuration, not from the defaults.
        let base = match rec.config.config() {
            Ok(c) => c,
            Err(e) => return bad(format!("{file}: {e}")),
        };
        match config_from(base, a) {
            Ok(c) => Some(c),
            Err(e) => return bad(e),
        }
    } else {
        None
    };
    match checks::tracefmt::replay_record(&rec, cfg) {
        Err(e) => bad(format!("{file}: {e}")),
        Ok(r) => {
            out(&r.text);
            if r.violated.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// `mkwrite explore`: stateright's Explorer. `serve` panics on a busy port and never
/// returns, so the port is checked first.
fn explore(cfg: Config, port: u16) -> ExitCode {
    use stateright::Model;
    let addr = ("127.0.0.1", port);
    if let Err(e) = std::net::TcpListener::bind(addr) {
        return bad(format!("127.0.0.1:{port} is not available: {e}"));
    }
    eprintln!(
        "mkwrite: Explorer for {} on http://127.0.0.1:{port}/ (Ctrl-C to stop)",
        cfg.label()
    );
    checks::sr::Checked {
        cfg,
        props: checks::sr::Props::All,
    }
    .checker()
    .serve(addr);
    ExitCode::SUCCESS
}

/// `check --checker shuttle --replay SCHEDULE`.
fn replay(cfg: &Config, schedule: &str) -> ExitCode {
    match checks::threaded::shuttle_replay(cfg, schedule) {
        Err(e) => bad(format!("--replay: {e}")),
        Ok(e) => {
            let mut text = format!(
                "replayed on shuttle: {}
",
                cfg.label()
            );
            if e.violations.is_empty() {
                text.push_str(
                    "no invariant violated in this execution
",
                );
            }
            for (inv, order) in &e.violations {
                text.push_str(&format!(
                    "
violated: {} ({}): {}
",
                    inv.name(),
                    inv.id(),
                    inv.meaning()
                ));
                text.push_str(&mkwrite_model::trace::render(cfg, order).unwrap_or_else(|e| e));
            }
            out(&text);
            if e.violations.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if !e.use_stderr() => {
            // --help, --version.
            out(&e.to_string());
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // clap's message without its usage block: one line.
            let text = e.render().to_string();
            let first: Vec<&str> = text
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let msg = first.join(" ");
            return bad(msg.strip_prefix("error: ").unwrap_or(&msg));
        }
    };
    match cli.command {
        None => {
            out(&report::headline());
            ExitCode::SUCCESS
        }
        Some(Command::Filesystems { json }) => {
            out(&report::filesystems(json));
            ExitCode::SUCCESS
        }
        Some(Command::Scenarios) => {
            for s in SCENARIOS {
                out(&format!(
                    "{:<48} {}  {}\n{:<48}     {}\n",
                    s.name,
                    s.race,
                    Config::from_scenario(&s).label(),
                    "",
                    s.doc
                ));
            }
            ExitCode::SUCCESS
        }
        Some(Command::Trace {
            config: a,
            format,
            invariant,
        }) => {
            let only = match invariant
                .as_deref()
                .map(|i| (i, mkwrite_model::Inv::parse(i)))
            {
                None => None,
                Some((_, Some(inv))) => Some(inv),
                Some((i, None)) => return bad(format!("--invariant {i}: no such invariant")),
            };
            let cfg = match config(&a) {
                Ok(c) => c,
                Err(e) => return bad(e),
            };
            if !["text", "json", "mermaid"].contains(&format.as_str()) {
                return bad(format!(
                    "--format {format}: expected one of text, json, mermaid"
                ));
            }
            let r = check(&cfg, !a.quiet);
            let scenario = a.scenario.as_deref();
            if r.violated().iter().all(|i| only.is_some_and(|o| o != *i)) {
                out(&format!(
                    "no counterexample: {} holds in {} ({} states)\n",
                    only.map_or("every invariant", |i| i.name()),
                    cfg.label(),
                    r.states
                ));
                return ExitCode::SUCCESS;
            }
            let mut text = String::new();
            let chosen = r
                .verdicts
                .iter()
                .filter(|v| v.violated() && only.is_none_or(|i| i == v.inv));
            for v in chosen {
                let t = v.trace.as_deref().unwrap_or_default();
                let one = match format.as_str() {
                    "json" => checks::tracefmt::record(&cfg, scenario, v.inv, t).and_then(|r| {
                        serde_json::to_string(&r)
                            .map(|s| s + "\n")
                            .map_err(|e| e.to_string())
                    }),
                    "mermaid" => checks::tracefmt::mermaid(&cfg, scenario, v.inv, t),
                    _ => checks::tracefmt::text(&cfg, scenario, v.inv, t),
                };
                match one {
                    Ok(x) => text.push_str(&x),
                    Err(e) => return bad(e),
                }
                if format == "text" {
                    text.push('\n');
                }
            }
            out(&text);
            ExitCode::SUCCESS
        }
        Some(Command::Replay { file, config: a }) => replay_file(&file, &a),
        Some(Command::Explore { config: a, port }) => {
            let cfg = match config(&a) {
                Ok(c) => c,
                Err(e) => return bad(e),
            };
            explore(cfg, port)
        }
        Some(Command::Ablate { json, full }) => {
            let rows = checks::ablate::ablate(full);
            if json {
                out(&checks::ablate::json_lines(&rows));
            } else {
                out(&checks::ablate::table(&rows));
            }
            ExitCode::SUCCESS
        }
        Some(Command::Bench { runs, quiet }) => {
            if runs == 0 {
                return bad("--runs must be at least 1");
            }
            let exe = match std::env::current_exe() {
                Ok(p) => p.to_string_lossy().into_owned(),
                Err(e) => return bad(format!("cannot find the mkwrite binary: {e}")),
            };
            match checks::bench::bench(&exe, runs, quiet) {
                Ok(t) => {
                    out(&t);
                    ExitCode::SUCCESS
                }
                Err(e) => bad(e),
            }
        }
        Some(Command::BenchPct {
            seeds,
            iterations,
            depth,
        }) => {
            if seeds == 0 || iterations == 0 || depth == 0 {
                return bad("--seeds, --iterations and --depth must be at least 1");
            }
            out(&checks::bench::bench_pct(seeds, iterations, depth));
            ExitCode::SUCCESS
        }
        Some(Command::BenchOne(a)) => match config(&a) {
            Ok(cfg) => {
                out(&checks::bench::bench_one(&cfg));
                ExitCode::SUCCESS
            }
            Err(e) => bad(e),
        },
        Some(Command::Check(a)) if a.matrix => {
            let start = std::time::Instant::now();
            let configs = report::matrix_144();
            let mut reports = Vec::new();
            for (i, c) in configs.iter().enumerate() {
                let r = check(c, false);
                if a.json {
                    out(&report::json_lines(&r));
                }
                reports.push(r);
                if !a.quiet && start.elapsed().as_secs_f64() > 2.0 && i % 16 == 15 {
                    eprintln!("matrix: {}/{} configurations", i + 1, configs.len());
                }
            }
            if !a.json {
                out(&report::matrix_table(
                    &reports,
                    start.elapsed().as_secs_f64(),
                ));
            }
            if reports.iter().all(|r| r.violated().is_empty()) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Some(Command::Check(a)) => {
            let cfg = match config(&a) {
                Ok(c) => c,
                Err(e) => return bad(e),
            };
            if let Some(schedule) = &a.replay {
                if a.checker != "shuttle" {
                    return bad("--replay needs --checker shuttle");
                }
                return replay(&cfg, schedule);
            }
            let (loom, shuttle) = match a.checker.as_str() {
                "stateright" => (false, false),
                "loom" => (true, false),
                "shuttle" => (false, true),
                "all" => (true, true),
                other => {
                    return bad(format!(
                        "--checker {other}: expected one of stateright, loom, shuttle, all"
                    ))
                }
            };
            let r = check(&cfg, !a.quiet);
            if loom || shuttle {
                return threaded(&r, loom, shuttle, a.checker == "all", a.json);
            }
            if a.json {
                out(&report::json_lines(&r));
            } else {
                out(&report::text(&r));
            }
            if r.violated().is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
    }
}
