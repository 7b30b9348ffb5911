//! `mkwrite exposure`: for every filesystem profile and era, beside the old and the new VM,
//! with and without reclaim, the worst outcome the checker finds at the headline
//! configuration, and the releases in which that combination ran. Filesystems the model has
//! no profile for get a row that says so and why, instead of a guess.

use crate::report::profiles;
use crate::run::{check, Report};
use mkwrite_model::fs::{Era, Window};
use mkwrite_model::{Config, Fs, Inv, Protocol};
use serde_json::json;
use std::fmt::Write;

/// Invariants from worst to mildest: an oops, then lost data (silent, then reported), then a
/// page the filesystem cannot account for, then the rest of the VM's own rules.
pub const SEVERITY: [Inv; 17] = [
    Inv::NoKernelBugFired,
    Inv::NoStoreLostSilently,
    Inv::NoStoreLostReported,
    Inv::WritablePteHasFsMetadata,
    Inv::DmaDirtiedPageHasFsMetadata,
    Inv::CleanedPageHadFsMetadata,
    Inv::WritablePteImpliesDirtyOrDirtying,
    Inv::NoPteOnTruncatedPage,
    Inv::FailedMkwriteLeavesNoTrace,
    Inv::NoWritepageUnderWriteback,
    Inv::FaultReturnsPageUnlocked,
    Inv::NoSelfWaitOnPageLock,
    Inv::PageMkwriteReturnMatchesLock,
    Inv::NoFsWorkUnderPageLock,
    Inv::PageRefcountBalanced,
    Inv::SomeThreadCanRun,
    Inv::DirtyAccountingBalanced,
];

fn rank(inv: Inv) -> usize {
    SEVERITY
        .iter()
        .position(|i| *i == inv)
        .unwrap_or(SEVERITY.len())
}

/// What a violation costs the user of this filesystem, in a few words.
pub fn harm(fs: Fs, inv: Inv) -> &'static str {
    if let Some(h) = fs.ops().harm(inv) {
        return h;
    }
    match inv {
        Inv::NoKernelBugFired => "kernel BUG: oops",
        Inv::NoStoreLostSilently => "fsync returns 0, data lost",
        Inv::NoStoreLostReported => "data lost, fsync reports it",
        Inv::WritablePteHasFsMetadata => "dirty page untracked",
        Inv::CleanedPageHadFsMetadata => "untracked page written",
        Inv::WritablePteImpliesDirtyOrDirtying => "writable pte on a clean page",
        Inv::NoPteOnTruncatedPage => "pte on a truncated page",
        Inv::FailedMkwriteLeavesNoTrace => "refused page made writable",
        Inv::NoWritepageUnderWriteback => "two writes in flight",
        Inv::DmaDirtiedPageHasFsMetadata => "DMA dirtied an untracked page",
        Inv::FaultReturnsPageUnlocked
        | Inv::NoSelfWaitOnPageLock
        | Inv::PageMkwriteReturnMatchesLock
        | Inv::NoFsWorkUnderPageLock => "page lock protocol broken",
        Inv::PageRefcountBalanced => "page refcount broken",
        Inv::SomeThreadCanRun => "deadlock",
        Inv::DirtyAccountingBalanced => "NR_FILE_DIRTY drifts",
        Inv::FrozenFsHasNoDirtyPage => "dirty page on a frozen fs",
        Inv::NoStoreDuringStableWriteback => "store during stable writeback",
    }
}

/// The worst outcome over a row's configurations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every invariant holds in every configuration.
    Holds,
    /// The worst invariant violated, the length of its shortest trace over the configurations,
    /// and the configuration that has it.
    Violated {
        /// The invariant.
        inv: Inv,
        /// Steps of the shortest counterexample.
        steps: usize,
        /// The configuration's label.
        config: String,
        /// The configuration: `mkwrite trace` with [`crate::report::flags`] of it prints the
        /// counterexample ([`Row::command`]).
        cfg: Config,
    },
    /// The combination cannot be configured (fb_defio with reclaim).
    NotApplicable(&'static str),
}

/// One computed row.
#[derive(Clone, Debug)]
pub struct Row {
    /// The profile and era.
    pub fs: Fs,
    /// Old or new VM.
    pub vm: Protocol,
    /// With a reclaim thread.
    pub reclaim: bool,
    /// The releases this combination ran in (`None`: no release, a counterfactual).
    pub window: Option<Window>,
    /// The worst outcome.
    pub outcome: Outcome,
    /// Configurations checked.
    pub configs: usize,
    /// Unique states over them.
    pub states: usize,
}

/// A filesystem of the era the model has no profile for, and why.
#[derive(Clone, Copy, Debug)]
pub struct Unmodelled {
    /// Its name.
    pub family: &'static str,
    /// Beside the old VM.
    pub old_vm: Option<Window>,
    /// Beside the new VM, still returning unlocked.
    pub new_vm: Option<Window>,
    /// Why the model cannot decide it, and what a reading of its code says.
    pub why: &'static str,
}

const fn w(from: &'static str, to: Option<&'static str>) -> Option<Window> {
    Some(Window { from, to })
}

/// The filesystems with a ->page_mkwrite in 2.6.22-3.x that have no profile. Their windows are
/// release data (first releases found by ancestry in the upstream history up to 2.6.36; later
/// conversions bracketed from release trees), not checker output.
pub const UNMODELLED: [Unmodelled; 1] = [Unmodelled {
    family: "FUSE",
    old_vm: w("2.6.26", Some("2.6.29.3")),
    new_vm: w("2.6.29.4", Some("3.12")),
    why: "nothing is attached to the page; the harm depends on how the userspace daemon \
              orders two WRITEs of one page, which the model has no actor for",
}];

/// The configurations of one row: the profile configurations with one store.
fn row_configs(fs: Fs, vm: Protocol, reclaim: bool) -> Vec<Config> {
    crate::report::profile_configs_of(fs)
        .into_iter()
        .filter(|c| c.fs == fs && c.protocol == vm && c.reclaim == reclaim && c.stores == 1)
        .collect()
}

impl Row {
    /// The command that prints this row's counterexample: `mkwrite trace` with the flags of
    /// the configuration that has it and `--invariant`. `None` where nothing is violated.
    pub fn command(&self) -> Option<String> {
        match &self.outcome {
            Outcome::Violated { inv, cfg, .. } => Some(crate::report::trace_command(cfg, *inv)),
            _ => None,
        }
    }
}

/// Compute every row with the checker; with `progress`, a progress line while stderr is a
/// terminal.
pub fn rows(progress: bool) -> Vec<Row> {
    rows_of(&profiles(), progress)
}

/// The rows of some profiles (`mkwrite exposure --fs NAME`), as `rows` computes them.
pub fn rows_of(fss: &[Fs], progress: bool) -> Vec<Row> {
    let p = crate::progress::Progress::new(!progress);
    let total = fss.len() * 4;
    let mut out = Vec::new();
    for &fs in fss {
        let era = fs.era();
        for vm in [Protocol::Old, Protocol::New] {
            for reclaim in [false, true] {
                let window = era.and_then(|e: Era| {
                    if vm == Protocol::Old {
                        e.old_vm
                    } else {
                        e.new_vm
                    }
                });
                p.show(&format!(
                    "exposure: row {}/{total} ({} {} reclaim {}), {:.0} s",
                    out.len() + 1,
                    fs.id(),
                    vm.id(),
                    u8::from(reclaim),
                    p.elapsed()
                ));
                let configs = row_configs(fs, vm, reclaim);
                if configs.is_empty() {
                    out.push(Row {
                        fs,
                        vm,
                        reclaim,
                        window,
                        outcome: Outcome::NotApplicable("not on the LRU: no reclaim"),
                        configs: 0,
                        states: 0,
                    });
                    continue;
                }
                let reports: Vec<Report> = configs.iter().map(|c| check(c, false)).collect();
                let outcome = worst(&reports);
                let states = reports.iter().map(|r| r.states).sum();
                out.push(Row {
                    fs,
                    vm,
                    reclaim,
                    window,
                    outcome,
                    configs: configs.len(),
                    states,
                });
            }
        }
    }
    out
}

/// The worst violation over the reports, with the shortest trace of that invariant.
pub fn worst(reports: &[Report]) -> Outcome {
    let mut best: Option<(usize, usize, Config, Inv)> = None;
    for r in reports {
        for inv in r.violated() {
            let steps = r.verdict(inv).trace.as_ref().map_or(0, Vec::len);
            let key = (rank(inv), steps, r.cfg, inv);
            if best.as_ref().is_none_or(|b| (key.0, key.1) < (b.0, b.1)) {
                best = Some(key);
            }
        }
    }
    match best {
        None => Outcome::Holds,
        Some((_, steps, cfg, inv)) => Outcome::Violated {
            inv,
            steps,
            config: cfg.label(),
            cfg,
        },
    }
}

/// A window as text: `2.6.29.4-2.6.34`, `2.6.35-` (still so at 3.x), `none`.
pub fn window_text(w: Option<Window>) -> String {
    match w {
        None => "none".to_string(),
        Some(Window { from, to: None }) => format!("{from}-"),
        Some(Window { from, to: Some(to) }) => format!("{from}-{to}"),
    }
}

fn vm_name(vm: Protocol) -> &'static str {
    if vm == Protocol::Old {
        "old"
    } else {
        "new"
    }
}

fn outcome_cells(r: &Row) -> (String, String, String) {
    match &r.outcome {
        Outcome::Holds => ("holds".into(), "-".into(), "-".into()),
        Outcome::Violated { inv, steps, .. } => (
            inv.id().to_string(),
            steps.to_string(),
            harm(r.fs, *inv).to_string(),
        ),
        Outcome::NotApplicable(why) => ("n/a".into(), "-".into(), (*why).to_string()),
    }
}

fn releases(r: &Row) -> String {
    match r.window {
        None => "none (counterfactual)".to_string(),
        w => window_text(w),
    }
}

/// The table as text (fits the output width): one line per row, and under a violated row
/// the `mkwrite trace` command that prints its counterexample; then the filesystems without a
/// profile.
pub fn text(rows: &[Row]) -> String {
    text_of(rows, true)
}

/// The table as text, with or without the filesystems that have no profile (`mkwrite
/// exposure --fs NAME` shows only the rows asked for).
pub fn text_of(rows: &[Row], unmodelled: bool) -> String {
    let mut s = mkwrite_model::trace::wrap(
        "",
        "Worst outcome at the headline (1 writer, writeback 2, clean page; pte ro and none, \
         truncate 0 and 1), per profile, VM and reclaim thread. `releases`: where the \
         combination ran. Under each violated row, the command that prints its counterexample.",
        "",
    );
    s.push('\n');
    let _ = writeln!(
        s,
        "{:<20} {:<3} {:<7} {:<21} {:<8} {:>5}  what breaks",
        "filesystem", "vm", "reclaim", "releases", "worst", "steps"
    );
    for r in rows {
        let (worst, steps, what) = outcome_cells(r);
        let _ = writeln!(
            s,
            "{:<20} {:<3} {:<7} {:<21} {:<8} {:>5}  {}",
            r.fs.id(),
            vm_name(r.vm),
            if r.reclaim { "yes" } else { "no" },
            releases(r),
            worst,
            steps,
            what
        );
        if let Some(c) = r.command() {
            s.push_str(&crate::report::command_lines(&c, "    "));
        }
    }
    if !unmodelled {
        return s;
    }
    s.push_str("\nNot modelled (no profile; windows are release data, not checker output):\n");
    for u in UNMODELLED {
        let _ = writeln!(
            s,
            "{:<8} old VM {:<17} new VM, unlocked {}",
            u.family,
            window_text(u.old_vm),
            window_text(u.new_vm)
        );
        s.push_str(&mkwrite_model::trace::wrap("         ", u.why, "         "));
    }
    s
}

/// The table as JSON lines, one object per row (computed rows, then the unmodelled ones).
pub fn json(rows: &[Row]) -> String {
    json_of(rows, true)
}

/// The JSON lines, with or without the unmodelled filesystems' (`text_of`).
pub fn json_of(rows: &[Row], unmodelled: bool) -> String {
    let mut s = String::new();
    for r in rows {
        let (verdict, inv, steps, config) = match &r.outcome {
            Outcome::Holds => ("holds", None, None, None),
            Outcome::Violated {
                inv, steps, config, ..
            } => (
                "violated",
                Some(inv.id()),
                Some(*steps),
                Some(config.clone()),
            ),
            Outcome::NotApplicable(_) => ("not_applicable", None, None, None),
        };
        let o = json!({
            "fs": r.fs.id(),
            "family": r.fs.era().map(|e| e.family),
            "vm": r.vm.id(),
            "reclaim": r.reclaim,
            "releases": r.window.map(|w| window_text(Some(w))),
            "counterfactual": r.window.is_none(),
            "verdict": verdict,
            "worst": inv,
            "steps": steps,
            "config": config,
            "command": r.command(),
            "what_breaks": outcome_cells(r).2,
            "configs": r.configs,
            "states": r.states,
        });
        let _ = writeln!(s, "{o}");
    }
    if !unmodelled {
        return s;
    }
    for u in UNMODELLED {
        let o = json!({
            "family": u.family,
            "verdict": "not_modelled",
            "old_vm_releases": u.old_vm.map(|w| window_text(Some(w))),
            "new_vm_unlocked_releases": u.new_vm.map(|w| window_text(Some(w))),
            "why": u.why,
        });
        let _ = writeln!(s, "{o}");
    }
    s
}

/// The table in Markdown, as docs/exposure.md includes it: one line per profile and VM, the
/// reclaim column showing the outcome with a reclaim thread where it differs.
pub fn markdown(rows: &[Row]) -> String {
    let mut s = String::from(
        "| `--fs` | VM | releases | worst outcome | shortest trace | with reclaim | prints the trace |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for r in rows.iter().filter(|r| !r.reclaim) {
        let rc = rows
            .iter()
            .find(|x| x.fs == r.fs && x.vm == r.vm && x.reclaim)
            .map(|x| {
                // The same invariant at the same length reads as "same", whichever
                // configuration has it.
                let key = |o: &Outcome| match o {
                    Outcome::Violated { inv, steps, .. } => Some((*inv, *steps)),
                    _ => None,
                };
                if std::mem::discriminant(&x.outcome) == std::mem::discriminant(&r.outcome)
                    && key(&x.outcome) == key(&r.outcome)
                {
                    "same".to_string()
                } else {
                    let (worst, steps, what) = outcome_cells(x);
                    if steps == "-" {
                        format!("{worst}: {what}")
                    } else {
                        format!("{worst} ({steps} steps): {what}")
                    }
                }
            })
            .unwrap_or_default();
        let (worst, steps, what) = outcome_cells(r);
        let worst = if worst == "holds" {
            "holds".to_string()
        } else {
            format!("**{worst}**: {what}")
        };
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            r.fs.id(),
            vm_name(r.vm),
            releases(r),
            worst,
            steps,
            rc,
            r.command().map_or("-".to_string(), |c| format!("`{c}`"))
        );
    }
    s.push_str("\n| not modelled | old VM | new VM, still unlocked | why |\n|---|---|---|---|\n");
    for u in UNMODELLED {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            u.family,
            window_text(u.old_vm),
            window_text(u.new_vm),
            u.why
        );
    }
    s
}

/// The release axis of the timeline: every mainline release from 2.6.22 to 3.16, with
/// 2.6.29.4 (the stable release that got the VM fix) between 2.6.29 and 2.6.30.
pub fn axis() -> Vec<String> {
    let mut a: Vec<String> = (22..=39).map(|n| format!("2.6.{n}")).collect();
    let i = a.iter().position(|r| r == "2.6.30").unwrap_or(a.len());
    a.insert(i, "2.6.29.4".to_string());
    a.extend((0..=16).map(|n| format!("3.{n}")));
    a
}

/// A release as numbers for ordering: "2.6.29.4" is [2, 6, 29, 4]; an -rc suffix is dropped
/// (an -rc is drawn in its release's column), and a part that is not a number counts as 0.
fn version(release: &str) -> Vec<u32> {
    let base = release.split('-').next().unwrap_or(release);
    base.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

/// The column of a release on the axis: the last release of the axis at or before it, so that
/// 2.6.29.1-3 are drawn in 2.6.29's column and 2.6.38.2 in 2.6.38's. A release before the
/// axis is drawn in its first column, one after it in its last: a profile's era may name any
/// release without breaking the drawing.
fn column(axis: &[String], release: &str) -> usize {
    let v = version(release);
    axis.iter().rposition(|a| version(a) <= v).unwrap_or(0)
}

/// How a timeline segment is coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shade {
    /// An oops, lost data or a deadlock.
    Severe,
    /// A dirty page the filesystem does not track, or a VM rule broken.
    Untracked,
    /// Only the dirty accounting drifts.
    Mild,
    /// Every invariant holds.
    Holds,
    /// No profile.
    Unmodelled,
}

impl Shade {
    fn of(o: &Outcome) -> Shade {
        match o {
            Outcome::Holds | Outcome::NotApplicable(_) => Shade::Holds,
            Outcome::Violated { inv, .. } => match inv {
                Inv::NoKernelBugFired
                | Inv::NoStoreLostSilently
                | Inv::NoStoreLostReported
                | Inv::SomeThreadCanRun => Shade::Severe,
                Inv::DirtyAccountingBalanced => Shade::Mild,
                _ => Shade::Untracked,
            },
        }
    }

    fn colour(self) -> &'static str {
        match self {
            Shade::Severe => "#c0392b",
            Shade::Untracked => "#e67e22",
            Shade::Mild => "#f4d03f",
            Shade::Holds => "#27ae60",
            Shade::Unmodelled => "#bdc3c7",
        }
    }

    fn legend(self) -> &'static str {
        match self {
            Shade::Severe => "oops, lost data or deadlock",
            Shade::Untracked => "dirty page the filesystem does not track",
            Shade::Mild => "dirty accounting drifts",
            Shade::Holds => "every invariant holds",
            Shade::Unmodelled => "not modelled",
        }
    }
}

/// One segment of a timeline row.
struct Segment {
    from: usize,
    to: usize,
    open: bool,
    shade: Shade,
    label: String,
}

fn segment(axis: &[String], w: Window, shade: Shade, label: String) -> Segment {
    Segment {
        from: column(axis, w.from),
        to: w.to.map_or(axis.len() - 1, |t| column(axis, t)),
        open: w.to.is_none(),
        shade,
        label,
    }
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The exposure timeline as an SVG: a row per filesystem; each era it ran in (beside the old
/// VM, beside the new VM while it still returned unlocked, and after its own conversion)
/// coloured by the worst outcome the checker found there (with or without reclaim), labelled
/// with the invariant; filesystems without a profile in grey.
pub fn timeline_svg(rows: &[Row]) -> String {
    let axis = axis();
    let mut families: Vec<(&'static str, Vec<Segment>)> = Vec::new();
    for fs in profiles() {
        let Some(era) = fs.era() else { continue };
        for vm in [Protocol::Old, Protocol::New] {
            let window = if vm == Protocol::Old {
                era.old_vm
            } else {
                era.new_vm
            };
            let Some(window) = window else { continue };
            let outcomes: Vec<&Outcome> = rows
                .iter()
                .filter(|r| r.fs == fs && r.vm == vm)
                .map(|r| &r.outcome)
                .collect();
            let worst = outcomes
                .iter()
                .copied()
                .min_by_key(|o| match o {
                    Outcome::Violated { inv, .. } => rank(*inv),
                    _ => SEVERITY.len(),
                })
                .cloned()
                .unwrap_or(Outcome::Holds);
            let label = match &worst {
                Outcome::Violated { inv, .. } => inv.id().to_string(),
                _ => "holds".to_string(),
            };
            let seg = segment(&axis, window, Shade::of(&worst), label);
            match families.iter_mut().find(|(f, _)| *f == era.family) {
                Some((_, segs)) => segs.push(seg),
                None => families.push((era.family, vec![seg])),
            }
        }
    }
    for u in UNMODELLED {
        let segs = [u.old_vm, u.new_vm]
            .into_iter()
            .flatten()
            .map(|w| segment(&axis, w, Shade::Unmodelled, "not modelled".to_string()))
            .collect();
        families.push((u.family, segs));
    }
    let (left, col, top, row_h) = (90usize, 26usize, 64usize, 30usize);
    let width = left + col * axis.len() + 20;
    let legend_y = top + row_h * families.len() + 16;
    let height = legend_y + 5 * 20 + 30;
    let fix = column(&axis, "2.6.29.4");
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    s.push_str("<!-- Generated by mkwrite exposure (its svg form), kept current by checks/tests/exposure.rs. -->\n");
    let _ = writeln!(
        s,
        "<rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\n<text x=\"{left}\" \
         y=\"18\" font-size=\"14\" font-weight=\"bold\">Who the page_mkwrite race could hurt, \
         and when (computed by the model)</text>"
    );
    for (i, r) in axis.iter().enumerate() {
        let x = left + col * i + col / 2;
        let short = r
            .strip_prefix("2.6.")
            .map_or(r.clone(), |v| format!(".{v}"));
        let _ = writeln!(
            s,
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#444\">{}</text>",
            top - 8,
            xml(&short)
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"{left}\" y=\"{}\" font-size=\"10\" fill=\"#444\">2.6.x releases as .x, \
         then 3.x</text>",
        top - 24
    );
    let fx = left + col * fix;
    let _ = writeln!(
        s,
        "<line x1=\"{fx}\" y1=\"{}\" x2=\"{fx}\" y2=\"{}\" stroke=\"#000\" stroke-dasharray=\"4 3\"/>\n\
         <text x=\"{}\" y=\"{}\" font-size=\"10\">VM fix (2.6.29.4 / 2.6.30)</text>",
        top - 4,
        top + row_h * families.len(),
        fx + 3,
        top + row_h * families.len() + 11
    );
    for (i, (family, segs)) in families.iter().enumerate() {
        let y = top + row_h * i;
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            left - 8,
            y + 19,
            xml(family)
        );
        for seg in segs {
            let x = left + col * seg.from;
            let w = col * (seg.to + 1 - seg.from) - 2;
            let _ = writeln!(
                s,
                "<rect x=\"{x}\" y=\"{}\" width=\"{w}\" height=\"{}\" rx=\"3\" fill=\"{}\"><title>{}: {}</title></rect>",
                y + 4,
                row_h - 8,
                seg.shade.colour(),
                xml(family),
                xml(&seg.label)
            );
            if seg.open {
                let _ = writeln!(
                    s,
                    "<text x=\"{}\" y=\"{}\" font-size=\"11\">&#8594;</text>",
                    x + w + 1,
                    y + 19
                );
            }
            let fill = if seg.shade == Shade::Mild || seg.shade == Shade::Unmodelled {
                "#000"
            } else {
                "#fff"
            };
            if w >= 40 {
                let _ = writeln!(
                    s,
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" fill=\"{fill}\">{}</text>",
                    x + w / 2,
                    y + 19,
                    xml(&seg.label)
                );
            }
        }
    }
    for (i, shade) in [
        Shade::Severe,
        Shade::Untracked,
        Shade::Mild,
        Shade::Holds,
        Shade::Unmodelled,
    ]
    .into_iter()
    .enumerate()
    {
        let y = legend_y + 20 * i;
        let _ = writeln!(
            s,
            "<rect x=\"{left}\" y=\"{y}\" width=\"14\" height=\"14\" fill=\"{}\"/>\n<text x=\"{}\" \
             y=\"{}\">{}</text>",
            shade.colour(),
            left + 20,
            y + 12,
            shade.legend()
        );
    }
    let _ = writeln!(
        s,
        "<text x=\"{left}\" y=\"{}\" font-size=\"10\" fill=\"#444\">Each bar: the releases in \
         which that code ran beside that VM; label: the worst invariant the checker found (see \
         docs/exposure.md).</text>",
        legend_y + 5 * 20 + 12
    );
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::{axis, column};

    #[test]
    fn a_release_lands_in_the_column_of_the_last_axis_release_at_or_before_it() {
        let a = axis();
        let at = |r: &str| a[column(&a, r)].clone();
        assert_eq!(at("2.6.29.3"), "2.6.29");
        assert_eq!(at("2.6.29.4"), "2.6.29.4");
        assert_eq!(at("2.6.30-rc1"), "2.6.30");
        assert_eq!(at("2.6.38.2"), "2.6.38");
        assert_eq!(at("3.14.1"), "3.14");
        // Outside the axis: clamped, never a panic.
        assert_eq!(column(&a, "2.6.20"), 0);
        assert_eq!(column(&a, "6.12"), a.len() - 1);
        assert_eq!(column(&a, "not a release"), 0);
    }
}
