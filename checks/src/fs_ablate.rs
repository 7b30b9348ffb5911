//! `mkwrite ablate --fs NAME`: a filesystem profile without one of its own safeguards at a
//! time (`FsOps::safeguards`, `Config::ablated`), checked by stateright at the configurations
//! of the profile's `mkwrite exposure` rows (both VMs, reclaim 0 and 1), each beside the same
//! configuration with it. A safeguard is *protecting* when some invariant that holds in a
//! configuration with it fails in the same configuration without it (a new failure); failing
//! that, when an invariant that fails with it fails by a strictly shorter counterexample
//! without it (a shorter way in: what it protects is masked by a race the profile loses
//! anyway). The table gives the shortest such. It is *redundant here* when neither happens
//! and its guard (a sometimes property whose reach shows that the configurations run the code
//! the safeguard sits in) was reached with it; *vacuous* when that guard was not reached,
//! so the run says nothing.

use crate::run::{check, Report};
use mkwrite_model::fs::{Fs, Safeguard};
use mkwrite_model::invariants::Guard;
use mkwrite_model::{Config, Inv};
use serde_json::json;
use std::fmt::Write;

/// What removing one safeguard did.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Some invariant that held with it fails without it: the first such (the shortest
    /// counterexample; ties: configuration order, then invariant order), its configuration
    /// (with the safeguard removed) and length, and every newly failing invariant.
    Protecting {
        /// The invariant.
        inv: Inv,
        /// `None`: it held with the safeguard; `Some(n)`: it failed with it too, by a
        /// counterexample of `n` steps, longer than `len`.
        was: Option<usize>,
        /// The configuration, the safeguard removed.
        cfg: Config,
        /// The length of its shortest counterexample.
        len: usize,
        /// Every invariant that fails without it in a configuration where it held with it (or,
        /// when there is none, that fails by a shorter counterexample without it).
        all: Vec<Inv>,
    },
    /// Nothing new fails, nothing fails sooner, and the guard was reached with it.
    Redundant {
        /// The guard.
        guard: Guard,
    },
    /// Nothing new fails, nothing fails sooner, but the guard was not reached: the run says
    /// nothing.
    Vacuous {
        /// The guard's name.
        guard: &'static str,
    },
}

/// One row of the table: a safeguard of a profile.
#[derive(Clone, Debug)]
pub struct Row {
    /// The profile (era).
    pub fs: Fs,
    /// The safeguard.
    pub safeguard: Safeguard,
    /// Its bit in `Config::ablated`.
    pub bit: u8,
    /// What removing it did.
    pub outcome: Outcome,
    /// Configurations checked.
    pub configs: usize,
    /// Unique states of the runs without it, summed.
    pub states: usize,
}

/// The profiles of the table: those of the exposure table ([`crate::report::profiles`]: not
/// the seed filesystem's conventions, not the 6.12 profiles, whose locking `mkwrite ablate
/// --protocol v6.12` takes apart) that are in the registry (a profile registered at run time
/// has its own `mkwrite ablate --fs NAME`).
pub fn profiles() -> Vec<Fs> {
    crate::report::profiles()
        .into_iter()
        .filter(|f| mkwrite_model::fs::REGISTRY.iter().any(|p| p.id() == f.id()))
        .collect()
}

/// The configurations of a profile's exposure rows: both VMs, reclaim 0 and 1, truncate 0
/// and 1, both initial ptes, one store, two writeback passes (what `mkwrite exposure`
/// checks). With `reduced`, only those with a truncate (the golden file's set).
pub fn configs(fs: Fs, reduced: bool) -> Vec<Config> {
    crate::report::profile_configs_of(fs)
        .into_iter()
        .filter(|c| c.stores == 1 && (!reduced || c.truncate))
        .collect()
}

/// The guard a safeguard names.
///
/// # Panics
///
/// When it names none (a model bug; a test checks every declaration).
pub fn guard_of(s: &Safeguard) -> Guard {
    Guard::ALL
        .into_iter()
        .find(|g| g.name() == s.guard)
        .unwrap_or_else(|| panic!("model bug: safeguard {} names no guard {}", s.id, s.guard))
}

/// The rows of one profile, one per safeguard, computed by the checker over `configs(fs,
/// reduced)`.
pub fn rows_of(fs: Fs, reduced: bool, progress: bool) -> Vec<Row> {
    let p = crate::progress::Progress::new(!progress);
    let cs = configs(fs, reduced);
    let base: Vec<Report> = cs.iter().map(|c| check(c, false)).collect();
    let list = fs.ops().safeguards();
    let mut rows = Vec::new();
    for (i, s) in list.iter().enumerate().take(8) {
        p.show(&format!(
            "ablate: {} without {} ({}/{}), {:.0} s",
            fs.id(),
            s.id,
            i + 1,
            list.len(),
            p.elapsed()
        ));
        let bit = 1u8 << i;
        let guard = guard_of(s);
        // (invariant, configuration, length, length with it) per kind: new, sooner.
        type Hit = (Inv, Config, usize, Option<usize>);
        let mut first: [Option<Hit>; 2] = [None, None];
        let mut all: [Vec<Inv>; 2] = [Vec::new(), Vec::new()];
        let reached = base
            .iter()
            .any(|b| b.guards.iter().any(|g| g.guard == guard && g.reached));
        let mut states = 0;
        let len_of = |r: &Report, inv: Inv| r.verdict(inv).trace.as_ref().map_or(0, Vec::len);
        for (c, b) in cs.iter().zip(&base) {
            let cfg = Config { ablated: bit, ..*c };
            let r = check(&cfg, false);
            states += r.states;
            let before = b.violated();
            for inv in r.violated() {
                let len = len_of(&r, inv);
                let (kind, was) = if !before.contains(&inv) {
                    (0, None)
                } else if len < len_of(b, inv) {
                    (1, Some(len_of(b, inv)))
                } else {
                    continue;
                };
                if !all[kind].contains(&inv) {
                    all[kind].push(inv);
                }
                if first[kind].as_ref().is_none_or(|h| len < h.2) {
                    first[kind] = Some((inv, cfg, len, was));
                }
            }
        }
        let kind = usize::from(first[0].is_none());
        let mut all = std::mem::take(&mut all[kind]);
        all.sort();
        let outcome = match first[kind].take() {
            Some((inv, cfg, len, was)) => Outcome::Protecting {
                inv,
                was,
                cfg,
                len,
                all,
            },
            None if reached => Outcome::Redundant { guard },
            None => Outcome::Vacuous { guard: s.guard },
        };
        rows.push(Row {
            fs,
            safeguard: *s,
            bit,
            outcome,
            configs: cs.len(),
            states,
        });
    }
    rows
}

/// The rows of some profiles.
pub fn rows(fss: &[Fs], reduced: bool, progress: bool) -> Vec<Row> {
    fss.iter()
        .flat_map(|&f| rows_of(f, reduced, progress))
        .collect()
}

fn verdict_words(o: &Outcome) -> String {
    match o {
        Outcome::Protecting {
            inv,
            len,
            was: None,
            ..
        } => format!(
            "{} ({}) fails without it, in {len} steps",
            inv.id(),
            inv.name()
        ),
        Outcome::Protecting {
            inv,
            len,
            was: Some(n),
            ..
        } => format!(
            "{} ({}) fails sooner without it: in {len} steps, not {n}",
            inv.id(),
            inv.name()
        ),
        Outcome::Redundant { guard } => format!(
            "holds without it: redundant here ({} reached)",
            guard.name()
        ),
        Outcome::Vacuous { guard } => {
            format!("holds without it, but {guard} was not reached: vacuous")
        }
    }
}

/// The table for a terminal: one block per safeguard; with `traces`, the shortest
/// counterexample of each protecting one.
pub fn text(rows: &[Row], traces: bool) -> Result<String, String> {
    use mkwrite_model::trace::wrap;
    let more = "              ";
    let mut s = String::from(
        "Each filesystem without one of its own safeguards at a time, checked by stateright at\n\
         its exposure configurations (`--markdown` for the docs table, `--json` for records):\n",
    );
    for r in rows {
        let sg = &r.safeguard;
        let _ = writeln!(s, "\n{} without {}", r.fs.id(), sg.id);
        s.push_str(&wrap(
            "    where     ",
            &format!("{} ({})", sg.function, sg.anchor),
            more,
        ));
        s.push_str(&wrap("    protects  ", sg.protects, more));
        s.push_str(&wrap("    verdict   ", &verdict_words(&r.outcome), more));
        if let Outcome::Protecting { cfg, all, .. } = &r.outcome {
            s.push_str(&wrap("    first in  ", &cfg.label(), more));
            let ids: Vec<&str> = all.iter().map(|i| i.id()).collect();
            s.push_str(&wrap("    all       ", &ids.join(" "), more));
        }
        s.push_str(&wrap(
            "    checked   ",
            &format!("{} configurations, {} states", r.configs, r.states),
            more,
        ));
        if traces {
            if let Outcome::Protecting { inv, cfg, .. } = &r.outcome {
                let path = crate::run::shortest(cfg, *inv, None)
                    .ok_or_else(|| format!("no trace of {} in {}", inv.id(), cfg.label()))?;
                s.push('\n');
                s.push_str(&crate::tracefmt::text(cfg, None, *inv, &path)?);
                s.push('\n');
            }
        }
    }
    Ok(s)
}

/// The table in Markdown ("what protects each filesystem").
pub fn table(rows: &[Row]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| filesystem | safeguard | kernel function, line | what it protects | without it (checker) | shortest trace | configuration |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    for r in rows {
        let sg = &r.safeguard;
        let (verdict, len, cfg) = match &r.outcome {
            Outcome::Protecting {
                inv,
                was,
                cfg,
                len,
                all,
            } => {
                let ids: Vec<&str> = all.iter().map(|i| i.id()).collect();
                let how = match was {
                    None => format!("fails (all: {})", ids.join(" ")),
                    Some(n) => {
                        format!("fails sooner, {len} steps not {n} (all: {})", ids.join(" "))
                    }
                };
                (
                    format!("`{}` ({}) {how}", inv.name(), inv.id()),
                    len.to_string(),
                    cfg.label(),
                )
            }
            Outcome::Redundant { guard } => (
                format!("holds: redundant here (`{}` reached)", guard.name()),
                "-".into(),
                "-".into(),
            ),
            Outcome::Vacuous { guard } => (
                format!("holds, `{guard}` not reached: vacuous"),
                "-".into(),
                "-".into(),
            ),
        };
        let _ = writeln!(
            s,
            "| `{}` | `{}` | `{}` {} | {} | {} | {} | {} |",
            r.fs.id(),
            sg.id,
            sg.function,
            sg.anchor,
            sg.protects,
            verdict,
            len,
            cfg
        );
    }
    s
}

/// One line per row, for the golden file: profile, safeguard, verdict, states.
pub fn golden_lines(rows: &[Row]) -> String {
    let mut s = String::new();
    for r in rows {
        let v = match &r.outcome {
            Outcome::Protecting {
                inv,
                was,
                len,
                all,
                cfg,
            } => {
                let ids: Vec<&str> = all.iter().map(|i| i.id()).collect();
                format!(
                    "protecting {}:{len}{} all={} in {}",
                    inv.id(),
                    was.map_or(String::new(), |n| format!(" (was {n})")),
                    ids.join(","),
                    cfg.label()
                )
            }
            Outcome::Redundant { guard } => format!("redundant reached={}", guard.name()),
            Outcome::Vacuous { guard } => format!("VACUOUS unreached={guard}"),
        };
        let _ = writeln!(
            s,
            "{:<20} {:<16} states={:<8} {v}",
            r.fs.id(),
            r.safeguard.id,
            r.states
        );
    }
    s
}

/// The table as JSON lines.
pub fn json_lines(rows: &[Row]) -> String {
    let mut s = String::new();
    for r in rows {
        let sg = &r.safeguard;
        let (verdict, inv, len, cfg, all) = match &r.outcome {
            Outcome::Protecting {
                inv,
                was: None,
                cfg,
                len,
                all,
            } => (
                "protecting",
                Some(inv.id()),
                Some(*len),
                Some(cfg.label()),
                all.iter().map(|i| i.id()).collect::<Vec<_>>(),
            ),
            Outcome::Protecting {
                inv, cfg, len, all, ..
            } => (
                "protecting (sooner)",
                Some(inv.id()),
                Some(*len),
                Some(cfg.label()),
                all.iter().map(|i| i.id()).collect::<Vec<_>>(),
            ),
            Outcome::Redundant { .. } => ("redundant", None, None, None, Vec::new()),
            Outcome::Vacuous { .. } => ("vacuous", None, None, None, Vec::new()),
        };
        let o = json!({
            "fs": r.fs.id(),
            "safeguard": sg.id,
            "function": sg.function,
            "anchor": sg.anchor,
            "protects": sg.protects,
            "guard": sg.guard,
            "verdict": verdict,
            "first_failing": inv,
            "trace_len": len,
            "configuration": cfg,
            "failing": all,
            "configurations": r.configs,
            "states": r.states,
        });
        let _ = writeln!(s, "{o}");
    }
    s
}
