//! `mkwrite gup`: the other door. A DMA thread `D0` (`--dio 1`) takes the page with
//! get_user_pages(FOLL_WRITE), lets its device write it with no pte, and dirties it with
//! set_page_dirty_lock (Jan Kara's report of 2018; `mkwrite_model::mm::gup`). This module
//! holds its configurations and the exposure timeline: for each era of the fixes
//! (`--gup-era`, switches on the 2.6.29 VM) and each filesystem, what the checker finds with
//! ordinary writeback only and with reclaim beside it.
//!
//! The rows of the eras are computed on the 2.6.29.4 model (the new protocol, e58fcb489af)
//! with the era's switches; the 6.12 rows on 6.12.118's VM (`--protocol v6.12`), where D0 is
//! O_DIRECT through iomap with its own pin (`mkwrite_model::mm::gup::info_612`): era
//! `pin-skip` for a short-term pin, `longterm` for an RDMA-like holder.

use crate::exposure::SEVERITY;
use crate::run::{check, Report};
use mkwrite_model::config::GupEra;
use mkwrite_model::step;
use mkwrite_model::world::{GupPc, Pc, Tid, World};
use mkwrite_model::{Config, Fs, Inv, Protocol};
use std::fmt::Write;

/// The D0 configuration: no writer (D0 faults the page in itself), one writeback pass, a
/// clean page behind a read-only pte, the final fsync. In the `longterm` era get_user_pages
/// refuses D0 before anything happens, so one writer stays beside it: the run then checks the
/// ordinary fault path with D0 shut out, instead of an empty run whose guards are all vacuous.
pub fn config(vm: Protocol, fs: Fs, reclaim: bool, era: GupEra) -> Config {
    let mut c = Config::new(vm);
    c.fs = fs;
    c.writers = u8::from(era == GupEra::Longterm);
    c.dio = true;
    c.reclaim = reclaim;
    c.gup_era = era;
    c
}

fn fs(id: &str) -> Fs {
    Fs::parse(id).unwrap_or_else(|| panic!("model bug: no profile {id}"))
}

/// The profiles of the timeline in an era: the seed filesystem (the protocol's default
/// convention), XFS on buffer.c (2.6.29's code in every era: the later eras switch nothing in
/// it), ext4 (2.6.29's code for 2.6.29; its 3.1 conversion, `ext4@9ea7df534ed2`, for the
/// later eras, whose ext4 changes are made on that code) and, in 2.6.29 only, NFS after its
/// conversion (`nfs@7fdf5230676`, clean beside the new VM without D0).
pub fn profiles(vm: Protocol, era: GupEra) -> Vec<Fs> {
    if vm.is_v612() {
        // 6.12's own profiles; the longterm refusal happens before any filesystem code, so
        // two of them show it.
        if era == GupEra::Longterm {
            return vec![fs("ext4@6.12"), fs("xfs@6.12")];
        }
        return vec![
            fs("ext4@6.12"),
            fs("ext4@6.12-nodelalloc"),
            fs("xfs@6.12"),
            fs("generic@6.12"),
        ];
    }
    let ext4 = if era == GupEra::V2629 {
        "ext4"
    } else {
        "ext4@9ea7df534ed2"
    };
    let mut v = vec![vm.default_fs(), fs("buffer"), fs(ext4)];
    if era == GupEra::V2629 {
        // NFS's later code (folios, netfs) is not modelled: its row stays in 2.6.29.
        v.push(fs("nfs@7fdf5230676"));
    }
    v
}

/// Every D0 configuration the golden file pins: both VMs with the 2.6.29 era over the
/// timeline's profiles and the pre-conversion ext4 and NFS, then the new VM in every later
/// era; each with and without reclaim.
pub fn configs() -> Vec<Config> {
    let mut out = Vec::new();
    for vm in [Protocol::Old, Protocol::New] {
        let mut fss = profiles(vm, GupEra::V2629);
        fss.push(fs("ext4@9ea7df534ed2"));
        fss.push(fs("nfs"));
        for f in fss {
            for reclaim in [false, true] {
                out.push(config(vm, f, reclaim, GupEra::V2629));
            }
        }
    }
    for era in GupEra::ALL.into_iter().skip(1) {
        for f in profiles(Protocol::New, era) {
            for reclaim in [false, true] {
                out.push(config(Protocol::New, f, reclaim, era));
            }
        }
    }
    out.extend(v612_configs());
    out
}

/// The 6.12 row's configurations: every 6.12 profile with a short-term pin, with writeback
/// only and with reclaim, then with a truncate to 0 racing the pin (`truncate_config`); the
/// longterm refusal on ext4@6.12 and xfs@6.12.
pub fn v612_configs() -> Vec<Config> {
    let vm = Protocol::V612;
    let mut out = Vec::new();
    for f in profiles(vm, GupEra::PinSkip) {
        for reclaim in [false, true] {
            out.push(config(vm, f, reclaim, GupEra::PinSkip));
        }
        out.push(truncate_config(f));
    }
    for f in profiles(vm, GupEra::Longterm) {
        for reclaim in [false, true] {
            out.push(config(vm, f, reclaim, GupEra::Longterm));
        }
    }
    out
}

/// A truncate to 0 (`T0`) beside the short-term pin under the 6.12 VM, with writeback and
/// reclaim: a pin does not stop truncate.
pub fn truncate_config(f: Fs) -> Config {
    let mut c = config(Protocol::V612, f, true, GupEra::PinSkip);
    c.truncate = true;
    c
}

/// The era column of a row: the era's id, or `6.12` / `6.12-lt` for the 6.12 VM.
pub fn era_label(vm: Protocol, era: GupEra) -> &'static str {
    match (vm.is_v612(), era) {
        (true, GupEra::Longterm) => "6.12-lt",
        (true, _) => "6.12",
        (false, e) => e.id(),
    }
}

/// The commit and release of an era.
pub fn era_source(era: GupEra) -> &'static str {
    match era {
        GupEra::V2629 => "2.6.29.4: get_user_pages takes plain references (FOLL_GET)",
        GupEra::Ext4Bug => "ext4 BUGs on a dirty page without buffers (2.6.36; 3.x-5.17)",
        GupEra::Ext4Warn => "cc5095747edf (5.18): ext4 warns, clears PG_dirty, skips the page",
        GupEra::PinSkip => {
            "d824ec2a1546 (6.4) reclaim skips pinned pages; a7e689dd1c06 (6.5) DIO pins"
        }
        GupEra::Longterm => {
            "8ac268436e6d + a6e79df92e4a (6.5): writable FOLL_LONGTERM pins of files refused"
        }
    }
}

/// One row of the timeline: an era and a profile, with writeback only and with reclaim.
#[derive(Clone, Debug)]
pub struct Row {
    /// The VM: the new protocol (2.6.29.4) or 6.12.
    pub vm: Protocol,
    /// The era.
    pub era: GupEra,
    /// The profile.
    pub fs: Fs,
    /// Writeback only (`--reclaim 0`).
    pub writeback: Report,
    /// Writeback and reclaim (`--reclaim 1`).
    pub reclaim: Report,
    /// 6.12 short-term pin rows: a truncate to 0 beside writeback and reclaim.
    pub truncate: Option<Report>,
}

/// Compute the timeline with the checker: the new VM, every era, every profile of it; then
/// 6.12's VM with a short-term pin and with the longterm refusal.
pub fn timeline() -> Vec<Row> {
    let mut rows = Vec::new();
    let eras = GupEra::ALL.map(|e| (Protocol::New, e));
    let v612 = [GupEra::PinSkip, GupEra::Longterm].map(|e| (Protocol::V612, e));
    for (vm, era) in eras.into_iter().chain(v612) {
        for f in profiles(vm, era) {
            let truncate =
                (vm.is_v612() && era == GupEra::PinSkip).then(|| check(&truncate_config(f), false));
            rows.push(Row {
                vm,
                era,
                fs: f,
                writeback: check(&config(vm, f, false, era), false),
                reclaim: check(&config(vm, f, true, era), false),
                truncate,
            });
        }
    }
    rows
}

/// A report in a few words: the worst violated invariant (`exposure::SEVERITY`) and its
/// shortest trace, INV-9's trace if it is another, or `holds`; `closed` where D0 never got
/// the page (the longterm refusal), `vacuous` where a guard was not reached.
pub fn cell(r: &Report) -> String {
    let v = r.violated();
    let len = |inv: Inv| r.verdict(inv).trace.as_ref().map_or(0, Vec::len);
    let worst = SEVERITY.iter().copied().find(|i| v.contains(i));
    match worst {
        None if !r.unreached_guards().is_empty() => "vacuous".to_string(),
        None if r.cfg.gup_era == GupEra::Longterm => "holds: GUP refused D0".to_string(),
        None => "holds".to_string(),
        Some(w) => {
            let mut s = format!("{} {}", w.id(), len(w));
            let dma = Inv::DmaDirtiedPageHasFsMetadata;
            if w != dma && v.contains(&dma) {
                let _ = write!(s, " (INV-9 {})", len(dma));
            }
            s
        }
    }
}

/// The timeline as a text table: one line per era and profile, then the eras' sources.
pub fn text(rows: &[Row]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "The DMA door (--dio 1), on the 2.6.29.4 model with each era's switches (--gup-era),\n\
         then on 6.12.118's VM (--protocol v6.12: O_DIRECT through iomap, pinned; 6.12-lt:\n\
         a longterm pin). Each cell: the worst invariant the checker finds and its shortest\n\
         trace in steps; INV-9 in brackets when it broke earlier.\n"
    );
    let _ = writeln!(
        s,
        "{:<10} {:<20} {:<24} writeback + reclaim",
        "era", "filesystem", "writeback only"
    );
    for r in rows {
        let _ = writeln!(
            s,
            "{:<10} {:<20} {:<24} {}",
            era_label(r.vm, r.era),
            r.fs.id(),
            cell(&r.writeback),
            cell(&r.reclaim),
        );
    }
    let _ = writeln!(
        s,
        "\n6.12, a truncate to 0 (T0) racing the short-term pin, writeback and reclaim beside:"
    );
    for r in rows {
        if let Some(t) = &r.truncate {
            let _ = writeln!(s, "  {:<20} {}", r.fs.id(), cell(t));
        }
    }
    let _ = writeln!(s, "\neras (cumulative):");
    for era in GupEra::ALL {
        let _ = writeln!(s, "  {:<10} {}", era.id(), era_source(era));
    }
    let _ = writeln!(
        s,
        "  6.12       6.12.118 as it is: all of the above; D0 pins (FOLL_PIN), bio_set_pages_dirty"
    );
    let _ = writeln!(
        s,
        "\nmkwrite trace --dio 1 --writers 0 --protocol new --fs FS --reclaim 0|1 --gup-era ERA\n\
         prints a cell's counterexamples (the longterm rows: one writer beside D0); for 6.12,\n\
         --protocol v6.12 --fs FS@6.12 (--truncate 1 for the truncate lines)."
    );
    s
}

/// The configurations whose counterexamples are committed under `traces/gup/<slug>/`: Jan
/// Kara's race with writeback alone on the seed filesystem, the later ext4's BUG and its
/// silent loss with reclaim, and NFS's BUG.
pub fn trace_configs() -> Vec<(&'static str, Config)> {
    let new = Protocol::New;
    vec![
        (
            "2.6.29-seed-writeback",
            config(new, new.default_fs(), false, GupEra::V2629),
        ),
        (
            "ext4-bug-ext4-reclaim",
            config(new, fs("ext4@9ea7df534ed2"), true, GupEra::Ext4Bug),
        ),
        (
            "ext4-warn-ext4-reclaim",
            config(new, fs("ext4@9ea7df534ed2"), true, GupEra::Ext4Warn),
        ),
        (
            "2.6.29-nfs-writeback",
            config(new, fs("nfs@7fdf5230676"), false, GupEra::V2629),
        ),
    ]
}

/// Whether `w` is the state the 6.12 row asks about: writeback has cleaned the pinned folio
/// (mapped, inside i_size) while the device held it, and D0's completion, having found it
/// clean (bio_check_pages_dirty), is about to dirty it again in bio_dirty_fn without asking
/// the filesystem.
pub fn redirties_cleaned_pin(w: &World) -> bool {
    w.threads
        .iter()
        .any(|t| t.pc == Pc::Gup(GupPc::SetPageDirty))
        && !w.page.dirty
        && w.page.mapping
        && w.isize_covers_page
}

/// The shortest run to a state `redirties_cleaned_pin` accepts, by breadth-first search over
/// the model's own steps, then the step that dirties the folio; `None` if no state is one.
/// Bounded by the configuration's finite state space (the small 6.12 D0 configurations).
pub fn redirty_path(cfg: &Config) -> Option<Vec<Tid>> {
    use std::collections::{HashMap, VecDeque};
    let init = World::init(cfg);
    let mut parent: HashMap<World, Option<(World, Tid)>> = HashMap::new();
    parent.insert(init, None);
    let mut queue = VecDeque::from([init]);
    while let Some(w) = queue.pop_front() {
        if redirties_cleaned_pin(&w) {
            let d0 = w
                .threads
                .iter()
                .position(|t| t.pc == Pc::Gup(GupPc::SetPageDirty))?;
            let mut path = vec![Tid::try_from(d0).ok()?];
            let mut at = w;
            while let Some(Some((prev, t))) = parent.get(&at) {
                path.push(*t);
                at = *prev;
            }
            path.reverse();
            return Some(path);
        }
        for t in step::threads_enabled(cfg, &w) {
            if let Some(n) = step::step(cfg, &w, t) {
                if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(n) {
                    e.insert(Some((w, t)));
                    queue.push_back(n);
                }
            }
        }
    }
    None
}

/// The 6.12 row's committed witnesses (`traces/gup/<slug>/pinned_folio_redirtied.txt`):
/// the pinned folio cleaned by writeback and dirtied again at completion, in ext4@6.12 and
/// xfs@6.12, with writeback only. No invariant breaks on the way (the checker's verdict).
pub fn witness_configs() -> Vec<(&'static str, Config)> {
    let vm = Protocol::V612;
    vec![
        (
            "6.12-ext4-writeback",
            config(vm, fs("ext4@6.12"), false, GupEra::PinSkip),
        ),
        (
            "6.12-xfs-writeback",
            config(vm, fs("xfs@6.12"), false, GupEra::PinSkip),
        ),
    ]
}

/// A witness as text: a header with the configuration, then the numbered steps.
pub fn witness_text(cfg: &Config) -> Option<String> {
    let path = redirty_path(cfg)?;
    let body = mkwrite_model::trace::render(cfg, &path).ok()?;
    Some(format!(
        "# how to read this: docs/traces.md (the legend)\n# config     {}\n\
         # witness    {} steps: writeback cleans the pinned folio under the device; bio_dirty_fn\n\
         #            dirties it again without ->page_mkwrite. No invariant breaks (a witness,\n\
         #            not a counterexample: docs/gup.md, the 6.12 row).\n\n{body}",
        cfg.label(),
        path.len()
    ))
}
