//! `mkwrite`: model-check the page_mkwrite race. With no arguments, the headline: old vs new
//! across the textbook scenarios and the shortest old counterexample. Each subcommand is one
//! module of `cmd` with one argument struct; this file only parses and dispatches.

mod cmd;

use clap::{Parser, Subcommand};
use cmd::{bad, out, WidthArg, EXIT_CODES, HOLDS};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "mkwrite",
    version,
    about = "Model-check the page_mkwrite race of Linux 2.6.29 (b827e496c893), old and new protocol",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    width: WidthArg,
}

#[derive(Subcommand)]
enum Command {
    /// Check one configuration exhaustively and print every invariant's verdict.
    #[command(after_help = EXIT_CODES)]
    Check(cmd::check::CheckCmd),
    /// Print the shortest counterexample of each violated invariant of a configuration.
    #[command(after_help = EXIT_CODES)]
    Trace(cmd::trace::TraceCmd),
    /// Replay a JSON trace step by step, against its own configuration or the one the flags
    /// make of it (another protocol, say); stop where a step cannot happen and say why.
    #[command(after_help = EXIT_CODES)]
    Replay(cmd::replay::ReplayCmd),
    /// List the scenarios usable with --scenario: the textbook races and the history.
    Scenarios(cmd::list::ScenariosCmd),
    /// List every filesystem profile and era usable with --fs: what its ->page_mkwrite
    /// returns beside each VM, what "tracked" means for it, the code modelled.
    Filesystems(cmd::list::FilesystemsCmd),
    /// Which filesystems the race could hurt, and in which releases: the worst outcome the
    /// checker finds for every profile and era beside each VM, with and without reclaim.
    Exposure(cmd::exposure::ExposureCmd),
    /// The other door: a DMA thread (get_user_pages, O_DIRECT) dirties the page without a
    /// fault; what the checker finds in each era of the fixes, 2009 to 2023, per filesystem.
    Gup(cmd::gup::GupCmd),
    /// Serve the teaching page on 127.0.0.1: be the scheduler, level by level (R1-R5, the
    /// history, the filesystems), or for the configuration the flags give.
    Play(cmd::play::PlayCmd),
    /// Ablate the patch: the new protocol without one part at a time, checked over the
    /// one-writer configurations (every configuration of the matrix with --full).
    Ablate(cmd::ablate::AblateCmd),
    /// Benchmark the 144-configuration matrix: per configuration (each in its own process)
    /// states, states/s, wall time and peak memory, medians of --runs runs.
    Bench(cmd::bench::BenchCmd),
    /// Executions shuttle's PCT scheduler needs to find the R1 violation, over several seeds.
    BenchPct(cmd::bench::BenchPctCmd),
    /// Measure one configuration as `bench` does in its child processes: prints unique
    /// states, check seconds and peak KiB on one line.
    BenchOne(cmd::bench::BenchOneCmd),
}

/// clap's error as one line. An argument a subcommand does not take is named with the
/// subcommand: "trace does not take --matrix".
fn clap_line(e: &clap::Error, args: &[String]) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() == ErrorKind::UnknownArgument {
        let arg = match e.get(ContextKind::InvalidArg) {
            Some(ContextValue::String(s)) => s.clone(),
            _ => String::new(),
        };
        let flag = arg.split('=').next().unwrap_or_default().to_string();
        use clap::CommandFactory;
        let names: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        let sub = args.iter().skip(1).find(|a| names.contains(a));
        return match sub {
            Some(sub) if !flag.is_empty() => {
                format!(
                    "{sub} does not take {} (mkwrite {sub} --help lists its flags)",
                    cmd::shown(&flag)
                )
            }
            _ => format!(
                "unknown argument {} (mkwrite --help lists the commands)",
                cmd::shown(&flag)
            ),
        };
    }
    let text = e.render().to_string();
    let first: Vec<&str> = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let msg = first.join(" ");
    msg.strip_prefix("error: ").unwrap_or(&msg).to_string()
}

/// clap's help with every line that is longer than the output width wrapped, continuing under the
/// description column (clap itself wraps only with its `wrap_help` feature, which would add a
/// terminal-size dependency and make the output depend on the terminal).
fn wrap_help(text: &str) -> String {
    let mut s = String::new();
    for line in text.lines() {
        if line.chars().count() <= mkwrite_model::trace::width() {
            s.push_str(line);
            s.push('\n');
            continue;
        }
        let lead = line.len() - line.trim_start().len();
        // The description column: after the first run of two or more spaces past the flag.
        let col = line[lead..]
            .find("  ")
            .map(|i| {
                let from = lead + i;
                from + line[from..].len() - line[from..].trim_start().len()
            })
            .filter(|&c| c < 40)
            .unwrap_or(lead);
        let indent = " ".repeat(col);
        s.push_str(&mkwrite_model::trace::wrap(
            &line[..col],
            &line[col..],
            &indent,
        ));
    }
    s
}

/// `--width N` wherever it stands among `args`, so that `--help` is wrapped to it too.
fn early_width(args: &[String]) {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = match a.strip_prefix("--width=") {
            Some(v) => Some(v.to_string()),
            None if a == "--width" => it.next().cloned(),
            None => None,
        };
        if let Some(v) = v {
            let _ = WidthArg { width: Some(v) }.apply();
        }
    }
}

fn main() -> ExitCode {
    // Lossy: an argument that is not UTF-8 is an argument clap rejects, not a panic.
    let mut args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // `mkwrite help --help` is `mkwrite help`: help about help is the help.
    if args.get(1).is_some_and(|a| a == "help") {
        let keep: Vec<String> = args
            .iter()
            .enumerate()
            .filter(|(i, a)| *i < 2 || (a.as_str() != "--help" && a.as_str() != "-h"))
            .map(|(_, a)| a.clone())
            .collect();
        args = keep;
    }
    early_width(&args);
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) if !e.use_stderr() => {
            // --help, --version.
            out(&wrap_help(&e.to_string()));
            return ExitCode::from(HOLDS);
        }
        Err(e) => return bad(clap_line(&e, &args)),
    };
    if let Err(e) = cli.width.apply() {
        return bad(e);
    }
    match cli.command {
        None => {
            out(&checks::report::headline());
            ExitCode::from(HOLDS)
        }
        Some(Command::Check(c)) => c.run(),
        Some(Command::Trace(c)) => c.run(),
        Some(Command::Replay(c)) => c.run(),
        Some(Command::Scenarios(c)) => c.run(),
        Some(Command::Filesystems(c)) => c.run(),
        Some(Command::Exposure(c)) => c.run(),
        Some(Command::Gup(c)) => c.run(),
        Some(Command::Play(c)) => c.run(),
        Some(Command::Ablate(c)) => c.run(),
        Some(Command::Bench(c)) => c.run(),
        Some(Command::BenchPct(c)) => c.run(),
        Some(Command::BenchOne(c)) => c.run(),
    }
}
