//! The subcommands of `mkwrite`, one module and one argument struct each; `main` only parses and
//! dispatches. This module holds what they share: the configuration flags and the one rule by
//! which they override a base configuration, the exit codes, and printing.

pub mod ablate;
pub mod bench;
pub mod check;
pub mod exposure;
pub mod gup;
pub mod list;
pub mod play;
pub mod replay;
pub mod trace;

use clap::Args;
use mkwrite_model::config::{InitialExtent, MAX_WRITEBACK, MAX_WRITERS};
use mkwrite_model::contract::{HISTORY, PARTIAL_PAGE, SCENARIOS};
use mkwrite_model::{Config, Fs, Protocol};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

pub use checks::run::exit::{BAD_INPUT, HOLDS, INCOMPLETE, VACUOUS, VIOLATED};

/// The exit codes, for `--help` and the README: one rule for every subcommand.
pub const EXIT_CODES: &str = "Exit codes:
  0  holds: nothing violated, every applicable sometimes guard reached; for a report or a
     listing (the headline, exposure, ablate, bench, bench-pct, bench-one, scenarios,
     filesystems, play): it ran
  1  violated: check, trace and replay exit 1 whenever they print a violation or a
     counterexample
  2  bad input, or output that cannot be written: one line on stderr, never a backtrace
  3  vacuous: every invariant holds but an applicable sometimes guard was not reached
  4  incomplete: a budget (--max-states, --max-seconds) stopped the run before its verdict
     was complete, or loom cannot run the configuration (over four threads beside main)
The same rule holds for every subcommand.";

/// The output flags of every subcommand that does work: `--quiet` and `--width`.
#[derive(Args, Clone, Debug, Default)]
pub struct OutputArgs {
    /// No progress line on stderr (it is shown only while stderr is a terminal).
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub width: WidthArg,
}

/// `--width N`, for every subcommand that prints text.
#[derive(Args, Clone, Debug, Default)]
pub struct WidthArg {
    /// Columns the text output fits, 60 to 200 (72 for a trace pasted in a mail) [default:
    /// 100].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub width: Option<String>,
}

/// The narrowest and the widest `--width`.
pub const WIDTHS: std::ops::RangeInclusive<i64> = 60..=200;

impl WidthArg {
    /// Set the output width for the rest of the process, or say why not.
    pub fn apply(&self) -> Result<(), String> {
        if let Some(n) = &self.width {
            mkwrite_model::trace::set_width(count("width", n, WIDTHS)?);
        }
        Ok(())
    }
}

impl OutputArgs {
    /// Apply `--width`; the progress line of the command.
    pub fn apply(&self) -> Result<checks::progress::Progress, String> {
        self.width.apply()?;
        Ok(checks::progress::Progress::new(self.quiet))
    }
}

/// `--max-states N`, for the subcommands whose stateright search can outgrow the machine.
#[derive(Args, Clone, Debug, Default)]
pub struct BudgetArgs {
    /// The state budget: the search stops, incomplete (exit 4), once it has found this many
    /// unique states, 1000 to 2000000000 [default: 40000000, about a minute and 1 GiB].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_states: Option<String>,
}

/// `--max-seconds N`, for the exhaustive loom and shuttle runs.
#[derive(Args, Clone, Debug, Default)]
pub struct RunnerArgs {
    /// loom and shuttle: the wall time of each exhaustive run; past it the run stops,
    /// incomplete (exit 4), 1 to 3600 [default: 60].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_seconds: Option<String>,
}

impl RunnerArgs {
    /// The budget of one loom or shuttle run, or why the flag is wrong.
    pub fn budget(&self) -> Result<checks::explore::Budget, String> {
        let mut b = checks::explore::Budget::DEFAULT;
        if let Some(n) = &self.max_seconds {
            b.time = std::time::Duration::from_secs(count("max-seconds", n, 1..=3600)? as u64);
        }
        Ok(b)
    }
}

/// The range of `--max-states`.
pub const MAX_STATES: std::ops::RangeInclusive<i64> = 1_000..=2_000_000_000;

impl BudgetArgs {
    /// The budget in unique states, or why the flag is wrong.
    pub fn budget(&self) -> Result<usize, String> {
        match &self.max_states {
            None => Ok(checks::run::STATE_BUDGET),
            Some(n) => count("max-states", n, MAX_STATES),
        }
    }
}

/// A number flag's value in `range`, or the one-line message naming the flag and the range
/// (for a negative number, a word, or a number too large for any type alike).
pub fn count(flag: &str, v: &str, range: std::ops::RangeInclusive<i64>) -> Result<usize, String> {
    let (lo, hi) = (*range.start(), *range.end());
    match v.trim().parse::<i128>() {
        Ok(n) if n >= i128::from(lo) && n <= i128::from(hi) => Ok(n as usize),
        _ if hi == lo + 1 => Err(format!("--{flag} {}: expected {lo} or {hi}", shown(v))),
        _ => Err(format!("--{flag} {}: expected {lo} to {hi}", shown(v))),
    }
}

/// The configuration flags every configuration-taking subcommand shares.
#[derive(Args, Clone, Debug, Default)]
pub struct ConfigArgs {
    /// A scenario (name, or race id R1..R5, R7, R7-fixed, H2007, H2009, H2014a, H2014b; any case; `mkwrite
    /// scenarios` lists them). The flags below override its fields one by one.
    #[arg(long)]
    pub scenario: Option<String>,
    /// Protocol: old (e58fcb489af^), new (e58fcb489af), new-minus-<fix> (the ablation),
    /// pre2007, v3.15-rc, new+2014, new+isize-extended, v6.12 (Linux 6.12.118), v6.12-minus-<cut>
    /// (the 6.12 ablation) [default: old].
    #[arg(long)]
    pub protocol: Option<String>,
    /// Filesystem (`mkwrite filesystems`): the registry's ids (`fs_help`).
    #[arg(long, help = fs_help())]
    pub fs: Option<String>,
    /// Writer threads, 1 to 3 (0 beside --dio 1) [default: 1].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub writers: Option<String>,
    /// The writers share one mm (one pte) instead of mapping the page each in its own mm.
    #[arg(long)]
    pub shared_mm: bool,
    /// WB_SYNC_NONE writeback passes of W0, 0 to 3 [default: 1; the headline and the
    /// scenarios use 2].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub writeback: Option<String>,
    /// Truncate threads, 0 or 1 [default: 0].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub truncate: Option<String>,
    /// Initial pte of every writer: ro or none [default: ro].
    #[arg(long)]
    pub pte: Option<String>,
    /// Initial page: clean, or dirty (PG_dirty and metadata, as after write(2)) [default: clean].
    #[arg(long)]
    pub page: Option<String>,
    /// The seed filesystem's ->writepage can allocate at writeback time [default: strict].
    #[arg(long)]
    pub lenient_fs: bool,
    /// Stores each writer makes, 1 or 2: a writer stores again through its writable pte,
    /// faulting again only if the pte was write-protected meanwhile [default: 1].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub stores: Option<String>,
    /// Reclaim threads, 0 or 1: R0, kswapd, makes one shrink_page_list pass [default: 0].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub reclaim: Option<String>,
    /// The filesystem can run out of space: a thread E0 takes its last free blocks at some
    /// moment; allocations in ->page_mkwrite and ->writepage then fail with ENOSPC.
    #[arg(long)]
    pub enospc: bool,
    /// A filesystem freeze Z0 (v6.12 only): freeze_super's levels, its sync, the frozen
    /// filesystem (FREEZE: no dirty page, no writable pte), thaw_super.
    #[arg(long)]
    pub freeze: bool,
    /// The mapping requires stable writes (v6.12 only): folio_wait_stable in ->page_mkwrite
    /// waits for the folio's writeback I/O (STABLE: no store lands during that I/O).
    #[arg(long)]
    pub stable_writes: bool,
    /// A scenario constraint, not kernel behaviour: writeback may not take the page lock while
    /// a fault is between ->page_mkwrite's return and its pte install (closes R1/R3's window;
    /// the R2 and R4 scenarios set it).
    #[arg(long)]
    pub late_writeback: bool,
    /// Blocks per page, 1 or 2: with 2 the block size is half the page, and i_size can end
    /// inside the page (the buffer profile only) [default: 1].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub blocks_per_page: Option<String>,
    /// What T0 truncates to: zero (the page leaves the file), or partial (the block boundary
    /// inside the page; needs --fs buffer --blocks-per-page 2) [default: zero].
    #[arg(long)]
    pub truncate_to: Option<String>,
    /// After its partial truncate, T0 truncates the file up again, past the dropped block
    /// (needs --truncate-to partial); `--extend false` drops a scenario's.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub extend: Option<bool>,
    /// The extent behind the page at the start (--fs buffer only): real (allocated), hole
    /// (a sparse file; needs --page clean) or delalloc (written, not flushed; needs --page
    /// dirty) [default: real].
    #[arg(long)]
    pub initial_extent: Option<String>,
    /// DMA threads, 0 or 1: D0 takes the page with get_user_pages(FOLL_WRITE), its device
    /// writes it with no pte, and set_page_dirty_lock dirties it (an O_DIRECT read into the
    /// mapping) [default: 0].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub dio: Option<String>,
    /// The era of the fixes for the DMA thread's door (needs --dio 1): 2.6.29, ext4-bug,
    /// ext4-warn (cc5095747edf), pin-skip (d824ec2a1546 with pinned direct I/O), longterm
    /// (8ac268436e6d: D0 a FOLL_LONGTERM holder) [default: 2.6.29].
    #[arg(long)]
    pub gup_era: Option<String>,
    /// Remove one of the filesystem profile's own safeguards (repeatable; `mkwrite ablate
    /// --fs NAME` lists them): its code then runs as if it lacked that lock or check.
    #[arg(long, value_name = "SAFEGUARD")]
    pub without: Vec<String>,
}

impl ConfigArgs {
    /// Whether any configuration flag was given.
    pub fn any(&self) -> bool {
        self.scenario.is_some()
            || self.protocol.is_some()
            || self.fs.is_some()
            || self.writers.is_some()
            || self.shared_mm
            || self.writeback.is_some()
            || self.truncate.is_some()
            || self.pte.is_some()
            || self.page.is_some()
            || self.lenient_fs
            || self.stores.is_some()
            || self.reclaim.is_some()
            || self.enospc
            || self.late_writeback
            || self.blocks_per_page.is_some()
            || self.truncate_to.is_some()
            || self.extend.is_some()
            || self.initial_extent.is_some()
            || self.dio.is_some()
            || self.gup_era.is_some()
            || !self.without.is_empty()
    }
}

/// Set once standard output turned out to be a closed pipe: nothing more is written to it.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Print text for people to stdout, every line fitted to the output width
/// ([`checks::report::fit`]). A closed pipe (`mkwrite ... | head -1`) ends the output quietly
/// and the command keeps its exit code; any other write error (a full disk, `> /dev/full`) is
/// one line on stderr and exit code 2.
pub fn out(text: &str) {
    write_stdout(&checks::report::fit(text));
}

/// Print machine output (JSON lines, Markdown, SVG, Mermaid) to stdout as it is, with the
/// same handling of write errors as [`out`].
pub fn out_raw(text: &str) {
    write_stdout(text);
}

fn write_stdout(text: &str) {
    use std::io::Write;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    checks::progress::clear();
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
        }
        Err(e) => {
            checks::progress::note(&one_line(&format!(
                "mkwrite: cannot write to standard output: {e}"
            )));
            std::process::exit(i32::from(BAD_INPUT));
        }
    }
}

/// The columns a message on stderr may take, whatever `--width` says.
pub const MESSAGE_WIDTH: usize = 100;

/// `text` as one line of at most [`MESSAGE_WIDTH`] columns: control characters (a newline in
/// an argument) escaped, over-long words (an argument, a path) shortened, and as a last
/// resort the end cut off.
pub fn one_line(text: &str) -> String {
    let escaped: String = text
        .chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<char>>()
            } else {
                vec![c]
            }
        })
        .collect();
    let fits = |s: &str| s.chars().count() <= MESSAGE_WIDTH;
    if fits(&escaped) {
        return escaped;
    }
    // Shorten the longest words first (a path keeps its end, the file's name), one at a time,
    // until the line fits.
    let mut words: Vec<String> = escaped.split(' ').map(String::from).collect();
    while !fits(&words.join(" ")) {
        let Some((i, n)) = words
            .iter()
            .enumerate()
            .map(|(i, w)| (i, w.chars().count()))
            .filter(|(_, n)| *n > 23)
            .max_by_key(|(_, n)| *n)
        else {
            break;
        };
        let w = &words[i];
        words[i] = if w.contains('/') {
            "...".to_string() + &w.chars().skip(n - 20).collect::<String>()
        } else {
            w.chars().take(20).collect::<String>() + "..."
        };
    }
    let short = words.join(" ");
    if fits(&short) {
        return short;
    }
    short.chars().take(MESSAGE_WIDTH - 3).collect::<String>() + "..."
}

/// A value the user typed, as an error message shows it: escaped, at most 24 characters.
pub fn shown(v: &str) -> String {
    let e: String = v.chars().flat_map(char::escape_default).collect();
    if e.chars().count() > 24 {
        e.chars().take(21).collect::<String>() + "..."
    } else {
        e
    }
}

/// A one-line message on stderr and exit code 2.
pub fn bad(msg: impl std::fmt::Display) -> ExitCode {
    checks::progress::note(&one_line(&format!("mkwrite: {msg}")));
    ExitCode::from(BAD_INPUT)
}

fn choice<T>(
    flag: &str,
    v: &str,
    parse: fn(&str) -> Option<T>,
    allowed: &str,
) -> Result<T, String> {
    parse(v).ok_or_else(|| format!("--{flag} {}: expected one of {allowed}", shown(v)))
}

/// The race ids of every scenario, compressed for a one-line message:
/// `R1-R5, R7, R7-fixed, H2007-H2014b`.
pub fn scenario_ids() -> String {
    let span = |list: &[mkwrite_model::contract::Scenario]| match list {
        [] => Vec::new(),
        [one] => vec![one.race.to_string()],
        [first, .., last] => vec![format!("{}-{}", first.race, last.race)],
    };
    let mut ids = span(&SCENARIOS);
    ids.extend(PARTIAL_PAGE.iter().map(|s| s.race.to_string()));
    ids.extend(span(&HISTORY));
    ids.join(", ")
}

/// The help of `--fs`: every id of the registry, so that a new profile needs no edit here.
fn fs_help() -> String {
    let ids: Vec<&str> = Fs::all()
        .into_iter()
        .filter(|f| !f.is_seed())
        .map(Fs::id)
        .collect();
    format!(
        "Filesystem (`mkwrite filesystems`): seed, unlocked, locked, none (the seed filesystem's \
         conventions), {} [default: seed: unlocked under old, pre2007 and v3.15-rc, ext4@6.12 \
         under v6.12, locked otherwise; a scenario or trace file keeps its own]",
        ids.join(", ")
    )
}

/// A filesystem as people name it: an id of `mkwrite filesystems` (any case), `xfs` for the
/// buffer profile (XFS on buffer_heads), or a profile's era by a commit prefix of 7 or more
/// hex digits (`nfs@7fdf523` for `nfs@7fdf5230676`) when it names one era. `seed` is the
/// caller's (it depends on the protocol).
pub fn parse_fs(v: &str) -> Result<Fs, String> {
    if let Some(f) = Fs::parse(v) {
        return Ok(f);
    }
    if let Some((family, commit)) = v.split_once('@') {
        let eras: Vec<Fs> = Fs::all()
            .into_iter()
            .filter(|f| {
                f.id()
                    .split_once('@')
                    .is_some_and(|(fam, _)| fam.eq_ignore_ascii_case(family))
            })
            .collect();
        if let Some(first) = eras.first() {
            let example = first.id();
            if commit.len() < 7 || !commit.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!(
                    "--fs {}: give the commit as 7 or more hex digits ({example})",
                    shown(v)
                ));
            }
            let hits: Vec<&Fs> = eras
                .iter()
                .filter(|f| {
                    f.id().split_once('@').is_some_and(|(_, c)| {
                        c.to_ascii_lowercase()
                            .starts_with(&commit.to_ascii_lowercase())
                    })
                })
                .collect();
            return match hits.as_slice() {
                [one] => Ok(**one),
                [] => Err(format!(
                    "--fs {}: no era of {family} begins at that commit ({example})",
                    shown(v)
                )),
                _ => Err(format!("--fs {}: names more than one era", shown(v))),
            };
        }
    }
    Err(format!(
        "--fs {}: unknown filesystem (mkwrite filesystems lists the names)",
        shown(v)
    ))
}

/// The configuration the flags select. The one override rule, for every subcommand: the base
/// is the scenario's configuration (`--scenario`), the trace file's (`replay`), or the defaults;
/// each flag then replaces exactly the field it names. The filesystem is the base's; with no
/// scenario or file it is the seed filesystem's convention for the protocol (unlocked under
/// the old VM, VM_FAULT_LOCKED under the new), so `--protocol new` alone checks the patched
/// protocol as the patch meant it.
pub fn resolve(a: &ConfigArgs, file_base: Option<Config>) -> Result<Config, String> {
    let scenario = match &a.scenario {
        Some(name) => Some(Config::scenario(name).map_err(|_| {
            format!(
                "unknown scenario '{}': {} or a name (mkwrite scenarios)",
                shown(name),
                scenario_ids()
            )
        })?),
        None => None,
    };
    let explicit_fs = scenario.is_some() || file_base.is_some();
    let mut c = scenario
        .or(file_base)
        .unwrap_or_else(|| Config::new(Protocol::Old));
    if let Some(p) = &a.protocol {
        let p = choice(
            "protocol",
            p,
            Protocol::parse,
            "old, new, new-minus-FIX or a history variant (see --help)",
        )?;
        c.protocol = p;
        c.fixes = p.fixes();
        if !explicit_fs {
            c.fs = p.default_fs();
        }
    }
    if let Some(f) = &a.fs {
        c.fs = if f.eq_ignore_ascii_case("seed") {
            c.protocol.default_fs()
        } else {
            parse_fs(f)?
        };
    }
    if let Some(n) = &a.writers {
        // No writer at all only beside a DMA thread, which faults the page in itself.
        let dio = a.dio.as_deref().map(str::trim) == Some("1");
        let lo = if dio { 0 } else { 1 };
        c.writers = count("writers", n, lo..=i64::from(MAX_WRITERS))? as u8;
    }
    c.shared_mm |= a.shared_mm;
    if let Some(n) = &a.writeback {
        c.writeback = count("writeback", n, 0..=i64::from(MAX_WRITEBACK))? as u8;
    }
    if let Some(n) = &a.truncate {
        c.truncate = count("truncate", n, 0..=1)? == 1;
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
    c.freeze |= a.freeze;
    c.stable_writes |= a.stable_writes;
    c.late_writeback |= a.late_writeback;
    if let Some(n) = &a.stores {
        c.stores = count("stores", n, 1..=2)? as u8;
    }
    if let Some(n) = &a.reclaim {
        c.reclaim = count("reclaim", n, 0..=1)? == 1;
    }
    if let Some(n) = &a.dio {
        c.dio = count("dio", n, 0..=1)? == 1;
    }
    if let Some(e) = &a.gup_era {
        c.gup_era = choice(
            "gup-era",
            e,
            mkwrite_model::config::GupEra::parse,
            "2.6.29, ext4-bug, ext4-warn, pin-skip, longterm",
        )?;
        if !c.dio {
            return Err("--gup-era needs --dio 1".into());
        }
    }
    if a.gup_era.is_none() && c.dio && c.protocol.is_v612() {
        // 6.12's O_DIRECT pins its pages (FOLL_PIN) and reclaim skips them: its own era.
        c.gup_era = mkwrite_model::config::GupEra::PinSkip;
    }
    if let Some(n) = &a.blocks_per_page {
        c.blocks = count("blocks-per-page", n, 1..=2)? as u8;
    }
    if let Some(t) = &a.truncate_to {
        c.truncate_partial = choice(
            "truncate-to",
            t,
            |s| match s {
                "zero" => Some(false),
                "partial" => Some(true),
                _ => None,
            },
            "zero, partial",
        )?;
    }
    if let Some(e) = a.extend {
        c.extend = e;
    }
    for id in &a.without {
        c.ablated |= mkwrite_model::fs::safeguard_bit(c.fs, id).ok_or_else(|| {
            let ids: Vec<&str> = c.fs.ops().safeguards().iter().map(|s| s.id).collect();
            format!(
                "--without {id}: fs {} has no such safeguard (it has: {})",
                c.fs.id(),
                if ids.is_empty() {
                    "none".to_string()
                } else {
                    ids.join(", ")
                }
            )
        })?;
    }
    if let Some(e) = &a.initial_extent {
        c.initial_extent = choice(
            "initial-extent",
            e,
            InitialExtent::parse,
            "real, hole, delalloc",
        )?;
    }
    // The partial-page fields may come from a scenario (R7) rather than from flags the user
    // typed: each message names the field and the flag that sets it.
    if c.blocks > 1 && !c.fs.ops().partial_page() {
        return Err(format!(
            "2 blocks per page (--blocks-per-page) are modelled for --fs buffer only, not {}",
            c.fs.id()
        ));
    }
    if c.truncate_partial && !c.fs.ops().partial_page() {
        return Err(format!(
            "a partial truncate (--truncate-to partial) is modelled for --fs buffer only, not {}",
            c.fs.id()
        ));
    }
    if c.truncate_partial && c.blocks < 2 {
        return Err("a partial truncate (--truncate-to partial) needs --blocks-per-page 2".into());
    }
    if c.truncate_partial && !c.truncate {
        return Err("a partial truncate (--truncate-to partial) needs --truncate 1".into());
    }
    if c.extend && !c.truncate_partial {
        return Err(
            "the truncate up (--extend) needs --truncate-to partial (--extend false drops it)"
                .into(),
        );
    }
    if c.initial_extent != InitialExtent::Real {
        let e = c.initial_extent.id();
        if !c.fs.ops().partial_page() {
            return Err(format!(
                "--initial-extent {e} is modelled for --fs buffer only, not {}",
                c.fs.id()
            ));
        }
        if c.blocks > 1 {
            return Err(format!(
                "--initial-extent {e} is modelled with one block per page (--blocks-per-page 1)"
            ));
        }
        if c.initial_extent == InitialExtent::Hole && c.page_dirty {
            return Err(
                "--initial-extent hole needs --page clean (write(2) into a hole makes \
                        it delalloc: --initial-extent delalloc)"
                    .into(),
            );
        }
        if c.initial_extent == InitialExtent::Delalloc && !c.page_dirty {
            return Err(
                "--initial-extent delalloc needs --page dirty (a delayed allocation \
                        holds data not yet written)"
                    .into(),
            );
        }
    }
    // The combinations that do not exist, worded as the flags that make them.
    if c.shared_mm && c.writers < 2 {
        return Err("--shared-mm needs --writers 2 or 3".into());
    }
    if c.fs == Fs::LOCKED && matches!(c.protocol, Protocol::Old | Protocol::Pre2007) {
        return Err(format!(
            "--protocol {} has no VM_FAULT_LOCKED convention: use --fs unlocked",
            c.protocol.id()
        ));
    }
    c.validate().map_err(|e| e.to_string())?;
    Ok(c)
}

pub use checks::report::fs_line;
