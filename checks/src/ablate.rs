//! `mkwrite ablate`: the patch, hunk part by hunk part. For each part, the new protocol
//! without it (`new-minus-<fix>`) is checked over a set of configurations; the table gives the
//! first invariant that fails and the length of its shortest counterexample, as computed by
//! stateright, or "no invariant fails" with our reason (an annotation, not a verdict).

use crate::report::matrix_144;
use crate::run::{check, Report};
use mkwrite_model::contract::{Fix, Protocol};
use mkwrite_model::Fs;
use mkwrite_model::{Config, Inv};
use serde_json::json;
use std::fmt::Write;

/// One row of the ablation table.
#[derive(Clone, Debug)]
pub struct Row {
    /// The protocol checked (`new-minus-<fix>`, or `new` with an unlocked ->page_mkwrite for H7).
    pub protocol: String,
    /// The hunk.
    pub hunk: &'static str,
    /// What removing the part reverts to.
    pub reverts: &'static str,
    /// The first failing invariant: the shortest counterexample over all configurations
    /// (ties: configuration order, then invariant order), with its configuration and length.
    pub first: Option<(Inv, Config, usize)>,
    /// Every invariant that fails in some configuration.
    pub failing: Vec<Inv>,
    /// Configurations checked.
    pub configs: usize,
}

/// Our reason where no invariant fails: an annotation, not the checker's.
pub fn annotation(protocol: &str) -> &'static str {
    match protocol {
        "new-minus-wp-put-after-unlock" => {
            "equivalent for the invariants checked: while the fault holds the page lock, the \
             page cache's reference keeps the page (removal needs the lock), so dropping A \
             before unlock_page cannot free a locked page"
        }
        p if p.starts_with("v6.12-minus-invalidate-lock") => {
            "the folio lock's mapping and i_size recheck in ->page_mkwrite keeps a truncate to 0 \
             out by itself; the invalidate lock guards hole punch against a folio created again \
             over blocks being freed, which the model (one folio, truncate to 0) does not have"
        }
        p if p.starts_with("v6.12-minus-mkwrite-lock-recheck") => {
            "do_page_mkwrite's relock and mapping test remain, and a delalloc block stays \
             reserved or allocated across writeback (generic@6.12 needs nothing), so the R5 \
             window cleans nothing the fault needs (a reservation made for a truncated folio \
             leaks, which no invariant states)"
        }
        p if p.starts_with("v6.12-minus-dirty-before-unlock") => {
            "->page_mkwrite already dirtied the folio under its lock, so \
             fault_dirty_shared_page's folio_mark_dirty never newly dirties it: the 2009/2014 \
             accounting race has nothing to race with"
        }
        _ => "",
    }
}

/// The configurations of the default run: every one-writer configuration of the matrix (which
/// contains the textbook ones), with the new protocol's locked ->page_mkwrite.
pub fn configs(full: bool) -> Vec<Config> {
    let mut seen = Vec::new();
    for c in matrix_144() {
        if c.protocol != Protocol::New || c.fs != Fs::LOCKED {
            continue;
        }
        if !full && c.writers != 1 {
            continue;
        }
        seen.push(c);
    }
    seen
}

/// Check each configuration with stateright: the shortest counterexample over all of them
/// (ties: configuration order, then invariant order) and every invariant that fails somewhere.
fn first_and_failing(
    configs: impl IntoIterator<Item = Config>,
) -> (Option<(Inv, Config, usize)>, Vec<Inv>) {
    let mut first: Option<(Inv, Config, usize)> = None;
    let mut failing = Vec::new();
    for cfg in configs {
        let r: Report = check(&cfg, false);
        for inv in r.violated() {
            if !failing.contains(&inv) {
                failing.push(inv);
            }
            let len = r.verdict(inv).trace.as_ref().map_or(0, Vec::len);
            if first.as_ref().is_none_or(|(_, _, l)| len < *l) {
                first = Some((inv, cfg, len));
            }
        }
    }
    failing.sort();
    (first, failing)
}

fn row(protocol: Protocol, fs: Fs, hunk: &'static str, reverts: &'static str, full: bool) -> Row {
    let cs = configs(full);
    let (first, failing) = first_and_failing(cs.iter().map(|base| Config {
        protocol,
        fixes: protocol.fixes(),
        fs,
        ..*base
    }));
    Row {
        protocol: protocol.id().to_string(),
        hunk,
        reverts,
        first,
        failing,
        configs: cs.len(),
    }
}

/// Every single-part ablation of the patch, then H7 (the filesystem's locked return). With
/// `progress`, a progress line while stderr is a terminal.
pub fn ablate(full: bool, progress: bool) -> Vec<Row> {
    let p = crate::progress::Progress::new(!progress);
    let total = Fix::ALL.len() + 1;
    let tell = |i: usize, what: &str| {
        p.show(&format!(
            "ablate: {i}/{total} rows ({what}), {:.0} s",
            p.elapsed()
        ));
    };
    let mut rows = Vec::new();
    for (i, f) in Fix::ALL.iter().enumerate() {
        rows.push(row(
            Protocol::NewMinus(*f),
            Fs::LOCKED,
            f.hunk(),
            f.reverts(),
            full,
        ));
        tell(i + 1, Protocol::NewMinus(*f).id());
    }
    rows.push(Row {
        protocol: "new --fs unlocked".into(),
        ..row(
            Protocol::New,
            Fs::UNLOCKED,
            "H7",
            "block_page_mkwrite unlocks and returns 0 (the filesystem side; R5)",
            full,
        )
    });
    tell(total, "new --fs unlocked");
    rows
}

/// The table for a terminal: one block per row, at most 100 columns.
pub fn text(rows: &[Row]) -> String {
    use mkwrite_model::trace::wrap;
    let more = "              ";
    let v612 = rows
        .first()
        .is_some_and(|r| r.protocol.starts_with("v6.12"));
    let mut s = String::from(if v612 {
        "Linux 6.12.118 without one piece of its locking at a time, checked by stateright\n\
         (`--markdown` for a table, `--json` for records):\n"
    } else {
        "The new protocol without one part of the patch at a time, checked by stateright\n\
         (`--markdown` for docs/ablation.md's table, `--json` for records):\n"
    });
    for r in rows {
        let _ = writeln!(s, "\n{}  ({})", r.protocol, r.hunk);
        s.push_str(&wrap("    reverts   ", r.reverts, more));
        match &r.first {
            Some((inv, cfg, len)) => {
                s.push_str(&wrap(
                    "    fails     ",
                    &format!(
                        "{} ({}) first: {len} steps in {}",
                        inv.id(),
                        inv.name(),
                        cfg.label()
                    ),
                    more,
                ));
                let ids: Vec<&str> = r.failing.iter().map(|i| i.id()).collect();
                s.push_str(&wrap("    all       ", &ids.join(" "), more));
            }
            None => {
                s.push_str(&wrap(
                    "    fails     ",
                    &format!("no invariant, in {} configurations", r.configs),
                    more,
                ));
                let note = annotation(&r.protocol);
                if !note.is_empty() {
                    s.push_str(&wrap("    our note  ", note, more));
                }
            }
        }
    }
    s
}

/// The table, as text (Markdown, so that docs/ablation.md can carry it as generated).
pub fn table(rows: &[Row]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| protocol (switch off) | hunk | what it reverts | first invariant that fails (checker) | shortest trace | configuration | all failing | no failure: our reason (annotation) |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
    for r in rows {
        let (first, len, cfg) = match &r.first {
            Some((inv, cfg, len)) => (
                format!("`{}` ({})", inv.name(), inv.id()),
                len.to_string(),
                cfg.label(),
            ),
            None => ("no invariant fails".into(), "-".into(), "-".into()),
        };
        let failing: Vec<&str> = r.failing.iter().map(|i| i.id()).collect();
        let note = if r.first.is_none() {
            annotation(&r.protocol)
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} |",
            r.protocol,
            r.hunk,
            r.reverts,
            first,
            len,
            cfg,
            if failing.is_empty() {
                "-".into()
            } else {
                failing.join(" ")
            },
            note
        );
    }
    s
}

/// The table as JSON lines.
pub fn json_lines(rows: &[Row]) -> String {
    let mut s = String::new();
    for r in rows {
        let o = json!({
            "protocol": r.protocol,
            "hunk": r.hunk,
            "reverts": r.reverts,
            "first_failing": r.first.as_ref().map(|(i, _, _)| i.id()),
            "first_failing_invariant": r.first.as_ref().map(|(i, _, _)| i.name()),
            "trace_len": r.first.as_ref().map(|(_, _, l)| *l),
            "configuration": r.first.as_ref().map(|(_, c, _)| c.label()),
            "failing": r.failing.iter().map(|i| i.id()).collect::<Vec<_>>(),
            "configurations": r.configs,
            "annotation": if r.first.is_none() { annotation(&r.protocol) } else { "" },
        });
        let _ = writeln!(s, "{o}");
    }
    s
}

/// The 6.12 ablation (`mkwrite ablate --protocol v6.12`): Linux 6.12.118 without one piece of
/// its locking (`v6.12-minus-<cut>`), beside each 6.12 profile the piece applies to, over the
/// one-writer shapes of the 6.12 matrix (writeback 0-2, truncate 0-1, pte ro/none, page
/// clean/dirty, reclaim 0-1, stores 1-2; with `full`, two writers too).
pub fn ablate_v612(full: bool, progress: bool) -> Vec<Row> {
    use mkwrite_model::contract::Cut612;
    let p = crate::progress::Progress::new(!progress);
    let mut rows = Vec::new();
    let configs = crate::report::v612_matrix(if full { &[1, 2] } else { &[1] });
    for cut in Cut612::ALL {
        for fs in crate::report::v612_profiles() {
            // Where the piece sits in this profile's code (6.12.118); a profile without it
            // (generic@6.12 takes no invalidate lock) has no row.
            let hunk = fs.ops().cut_anchor(cut);
            if hunk.is_empty() {
                continue;
            }
            let protocol = Protocol::V612Minus(cut);
            let (first, failing) = first_and_failing(configs.iter().map(|base| Config {
                protocol,
                fixes: protocol.fixes(),
                fs,
                // Freeze protection matters only beside a freeze.
                freeze: cut == Cut612::SbStartPagefault,
                // The wait matters only on a mapping that requires stable writes.
                stable_writes: cut == Cut612::WaitStable,
                ..*base
            }));
            rows.push(Row {
                protocol: format!("{} --fs {}", protocol.id(), fs.id()),
                hunk,
                reverts: cut.reverts(),
                first,
                failing,
                configs: configs.len(),
            });
            p.show(&format!(
                "ablate v6.12: {} rows, {:.0} s",
                rows.len(),
                p.elapsed()
            ));
        }
    }
    rows
}
