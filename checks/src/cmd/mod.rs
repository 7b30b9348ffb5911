//! The subcommands of `mkwrite`, one module and one argument struct each; `main` only parses and
//! dispatches. This module holds what they share: the configuration flags and the one rule by
//! which they override a base configuration, the exit codes, and printing.

pub mod ablate;
pub mod bench;
pub mod check;
pub mod exposure;
pub mod list;
pub mod play;
pub mod replay;
pub mod trace;

use clap::Args;
use mkwrite_model::config::{InitialExtent, MAX_WRITEBACK, MAX_WRITERS};
use mkwrite_model::contract::{HISTORY, PARTIAL_PAGE, SCENARIOS};
use mkwrite_model::{Config, Fs, Protocol};
use std::process::ExitCode;

pub use checks::run::exit::{BAD_INPUT, HOLDS, VIOLATED};

/// The exit codes, for `--help` and the README.
pub const EXIT_CODES: &str = "Exit codes:
  0  every invariant checked holds and every applicable sometimes guard was reached
  1  some invariant is violated
  2  bad input: a one-line message on stderr
  3  every invariant holds but an applicable guard was not reached: a vacuous pass";

/// The configuration flags every configuration-taking subcommand shares.
#[derive(Args, Clone, Debug, Default)]
pub struct ConfigArgs {
    /// A scenario (name, or race id R1..R5, R7, R7-fixed, H2007, H2009, H2014a, H2014b; any case; `mkwrite
    /// scenarios` lists them). The flags below override its fields one by one.
    #[arg(long)]
    pub scenario: Option<String>,
    /// Protocol: old (e58fcb489af^), new (e58fcb489af), new-minus-<fix> (the ablation),
    /// pre2007, v3.15-rc, new+2014, new+isize-extended [default: old].
    #[arg(long)]
    pub protocol: Option<String>,
    /// Filesystem (`mkwrite filesystems`): seed, unlocked, locked, none (the seed filesystem's
    /// conventions), buffer, nfs, nfs@7fdf5230676, ceph, btrfs, btrfs@50a9b214bc6, fb_defio,
    /// fb_defio@d6d03f91585, ubifs, ext4, ext4@9ea7df534ed2, ocfs2, gfs2, nilfs2
    /// [default: seed: unlocked under old, pre2007 and v3.15-rc, locked otherwise; a scenario
    /// or trace file keeps its own].
    #[arg(long)]
    pub fs: Option<String>,
    /// Writer threads, 1 to 3 [default: 1].
    #[arg(long)]
    pub writers: Option<u8>,
    /// The writers share one mm (one pte) instead of mapping the page each in its own mm.
    #[arg(long)]
    pub shared_mm: bool,
    /// WB_SYNC_NONE writeback passes of W0, 0 to 3 [default: 1; the headline and the
    /// scenarios use 2].
    #[arg(long)]
    pub writeback: Option<u8>,
    /// Truncate threads, 0 or 1 [default: 0].
    #[arg(long)]
    pub truncate: Option<u8>,
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
    #[arg(long)]
    pub stores: Option<u8>,
    /// Reclaim threads, 0 or 1: R0, kswapd, makes one shrink_page_list pass [default: 0].
    #[arg(long)]
    pub reclaim: Option<u8>,
    /// The filesystem can run out of space: a thread E0 takes its last free blocks at some
    /// moment; allocations in ->page_mkwrite and ->writepage then fail with ENOSPC.
    #[arg(long)]
    pub enospc: bool,
    /// A scenario constraint, not kernel behaviour: writeback may not take the page lock while
    /// a fault is between ->page_mkwrite's return and its pte install (closes R1/R3's window;
    /// the R2 and R4 scenarios set it).
    #[arg(long)]
    pub late_writeback: bool,
    /// Blocks per page, 1 or 2: with 2 the block size is half the page, and i_size can end
    /// inside the page (the buffer profile only) [default: 1].
    #[arg(long)]
    pub blocks_per_page: Option<u8>,
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
    }
}

/// Print to stdout; a closed pipe (`mkwrite | head`) ends the output quietly instead of
/// panicking.
pub fn out(text: &str) {
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

/// A one-line message on stderr and exit code 2.
pub fn bad(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("mkwrite: {msg}");
    ExitCode::from(BAD_INPUT)
}

fn choice<T>(
    flag: &str,
    v: &str,
    parse: fn(&str) -> Option<T>,
    allowed: &str,
) -> Result<T, String> {
    parse(v).ok_or_else(|| format!("--{flag} {v}: expected one of {allowed}"))
}

/// Every scenario name and race id, for error messages.
pub fn scenario_names() -> String {
    let names: Vec<String> = SCENARIOS
        .iter()
        .chain(HISTORY.iter())
        .chain(PARTIAL_PAGE.iter())
        .map(|s| format!("{} ({})", s.race, s.name))
        .collect();
    names.join(", ")
}

/// The configuration the flags select. The one override rule, for every subcommand: the base
/// is the scenario's configuration (`--scenario`), the trace file's (`replay`), or the defaults;
/// each flag then replaces exactly the field it names. The filesystem is the base's; with no
/// scenario or file it is the seed filesystem's convention for the protocol (unlocked under
/// the old VM, VM_FAULT_LOCKED under the new), so `--protocol new` alone checks the patched
/// protocol as the patch meant it.
pub fn resolve(a: &ConfigArgs, file_base: Option<Config>) -> Result<Config, String> {
    let scenario = match &a.scenario {
        Some(name) => Some(
            Config::scenario(name)
                .map_err(|e| format!("{e}: expected one of {}", scenario_names()))?,
        ),
        None => None,
    };
    let explicit_fs = scenario.is_some() || file_base.is_some();
    let mut c = scenario
        .or(file_base)
        .unwrap_or_else(|| Config::new(Protocol::Old));
    if let Some(p) = &a.protocol {
        let ids: Vec<&str> = Protocol::all().iter().map(|p| p.id()).collect();
        let p = choice("protocol", p, Protocol::parse, &ids.join(", "))?;
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
    c.late_writeback |= a.late_writeback;
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
    if let Some(n) = a.blocks_per_page {
        if !(1..=2).contains(&n) {
            return Err(format!("--blocks-per-page {n}: expected 1 or 2"));
        }
        c.blocks = n;
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
    if c.blocks > 1 && c.fs != Fs::Buffer {
        return Err(format!(
            "2 blocks per page (--blocks-per-page) are modelled for --fs buffer only, not {}",
            c.fs.id()
        ));
    }
    if c.truncate_partial && c.fs != Fs::Buffer {
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
        if c.fs != Fs::Buffer {
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
