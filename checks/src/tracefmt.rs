//! Counterexample traces in three formats (text, JSON, Mermaid) and their replay against any
//! protocol or configuration.
//!
//! Text is for people: a header (configuration, violated invariant and its meaning, who found
//! it, how to regenerate), one line per step with only the fields that changed, `(blocked: …)`
//! where threads wait, and the final state. JSON carries the same content plus a
//! `model_version` and round-trips through `mkwrite replay`. Mermaid draws a sequence diagram
//! (one lifeline per thread and one for the page) with the violating step highlighted.

use mkwrite_model::config::{GupEra, InitialExtent};
use mkwrite_model::contract::{Inv, Protocol};
use mkwrite_model::step::{info, step};
use mkwrite_model::trace::{delta, replay};
use mkwrite_model::Fs;
use mkwrite_model::{Config, Tid, World};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// A value read from a file, as a message shows it: escaped, at most 24 characters.
fn shown(v: &str) -> String {
    let e: String = v.chars().flat_map(char::escape_default).collect();
    if e.chars().count() > 24 {
        e.chars().take(21).collect::<String>() + "..."
    } else {
        e
    }
}

/// Bumped whenever the model's steps or state change meaning: a trace file of another version
/// is refused.
pub const MODEL_VERSION: u32 = 4;

/// The configuration as recorded in a trace file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ConfigRecord {
    /// Protocol id.
    pub protocol: String,
    /// ->page_mkwrite convention.
    pub fs: String,
    /// Writers.
    pub writers: u8,
    /// Writers share one mm.
    pub shared_mm: bool,
    /// Writeback passes.
    pub writeback: u8,
    /// Truncate threads.
    pub truncate: u8,
    /// Initial pte.
    pub pte: String,
    /// Initial page.
    pub page: String,
    /// Strict filesystem.
    pub strict: bool,
    /// Stores per writer.
    pub stores: u8,
    /// A reclaim thread.
    pub reclaim: bool,
    /// The filesystem can run out of space (an `E0` thread).
    pub enospc: bool,
    /// The R2/R4 scenario constraint (`--late-writeback`).
    #[serde(default)]
    pub late_writeback: bool,
    /// Blocks per page (written only when 2).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub blocks_per_page: u8,
    /// What truncate truncates to: `partial` (written only then; absent is `zero`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate_to: Option<String>,
    /// The truncate up after a partial truncate (written only when set).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub extend: bool,
    /// The buffer profile's initial extent: `hole` or `delalloc` (written only then; absent is
    /// `real`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_extent: Option<String>,
    /// A DMA thread `D0` (`--dio 1`; written only when set).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dio: bool,
    /// The era of the fixes for D0's door (`--gup-era`; written only when not 2.6.29).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gup_era: Option<String>,
    /// A filesystem freeze `Z0` (written only when set).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub freeze: bool,
    /// The profile's safeguards removed (`mkwrite ablate --fs NAME`; written only when some
    /// are).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub without: Vec<String>,
    /// The mapping requires stable writes (written only when set).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stable_writes: bool,
}

fn one() -> u8 {
    1
}

fn is_one(n: &u8) -> bool {
    *n == 1
}

impl ConfigRecord {
    /// Record `cfg`.
    pub fn of(cfg: &Config) -> Self {
        ConfigRecord {
            protocol: cfg.protocol.id().into(),
            fs: cfg.fs.id().into(),
            writers: cfg.writers,
            shared_mm: cfg.shared_mm,
            writeback: cfg.writeback,
            truncate: u8::from(cfg.truncate),
            pte: if cfg.pte_ro { "ro" } else { "none" }.into(),
            page: if cfg.page_dirty { "dirty" } else { "clean" }.into(),
            strict: cfg.strict,
            stores: cfg.stores,
            reclaim: cfg.reclaim,
            enospc: cfg.enospc,
            late_writeback: cfg.late_writeback,
            blocks_per_page: cfg.blocks,
            truncate_to: cfg.truncate_partial.then(|| "partial".to_string()),
            extend: cfg.extend,
            initial_extent: (cfg.initial_extent != InitialExtent::Real)
                .then(|| cfg.initial_extent.id().to_string()),
            dio: cfg.dio,
            gup_era: (cfg.gup_era != GupEra::V2629).then(|| cfg.gup_era.id().to_string()),
            freeze: cfg.freeze,
            without: mkwrite_model::fs::removed_ids(cfg)
                .into_iter()
                .map(String::from)
                .collect(),
            stable_writes: cfg.stable_writes,
        }
    }

    /// The configuration, or why the record is not one.
    pub fn config(&self) -> Result<Config, String> {
        let protocol = Protocol::parse(&self.protocol)
            .ok_or_else(|| format!("unknown protocol '{}'", self.protocol))?;
        let fs = Fs::parse(&self.fs).ok_or_else(|| format!("unknown fs '{}'", self.fs))?;
        let pte_ro = match self.pte.as_str() {
            "ro" => true,
            "none" => false,
            p => return Err(format!("unknown pte '{p}'")),
        };
        let page_dirty = match self.page.as_str() {
            "clean" => false,
            "dirty" => true,
            p => return Err(format!("unknown page '{p}'")),
        };
        let cfg = Config {
            protocol,
            fixes: protocol.fixes(),
            fs,
            writers: self.writers,
            shared_mm: self.shared_mm,
            writeback: self.writeback,
            truncate: self.truncate == 1,
            pte_ro,
            page_dirty,
            strict: self.strict,
            stores: self.stores,
            reclaim: self.reclaim,
            enospc: self.enospc,
            late_writeback: self.late_writeback,
            blocks: self.blocks_per_page,
            truncate_partial: match self.truncate_to.as_deref() {
                None | Some("zero") => false,
                Some("partial") => true,
                Some(t) => return Err(format!("unknown truncate_to '{t}'")),
            },
            extend: self.extend,
            initial_extent: match self.initial_extent.as_deref() {
                None => InitialExtent::Real,
                Some(e) => InitialExtent::parse(e)
                    .ok_or_else(|| format!("unknown initial_extent '{e}'"))?,
            },
            dio: self.dio,
            gup_era: match self.gup_era.as_deref() {
                None => GupEra::V2629,
                Some(e) => GupEra::parse(e).ok_or_else(|| format!("unknown gup_era '{e}'"))?,
            },
            freeze: self.freeze,
            ablated: 0,
            stable_writes: self.stable_writes,
        };
        let mut cfg = cfg;
        for id in &self.without {
            cfg.ablated |= mkwrite_model::fs::safeguard_bit(fs, id)
                .ok_or_else(|| format!("fs {} has no safeguard '{id}'", fs.id()))?;
        }
        if self.truncate > 1 {
            return Err(format!("truncate {} is not 0 or 1", self.truncate));
        }
        cfg.validate().map_err(|e| e.to_string())?;
        Ok(cfg)
    }
}

/// One step of a trace file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct StepRecord {
    /// 1-based.
    pub step: usize,
    /// Thread name (F0, W0, …): what replay follows.
    pub thread: String,
    /// Kernel function.
    pub function: String,
    /// Step id.
    pub id: String,
    /// Function anchor.
    pub anchor: String,
    /// What the step does.
    pub what: String,
    /// The fields that changed, `name: old -> new`.
    pub changes: Vec<String>,
}

/// A trace file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TraceRecord {
    /// [`MODEL_VERSION`] of the model that wrote it.
    pub model_version: u32,
    /// The configuration.
    pub config: ConfigRecord,
    /// The scenario, if the configuration is a named one.
    pub scenario: Option<String>,
    /// The violated invariant's function name.
    pub invariant: String,
    /// Its reference id.
    pub inv: String,
    /// What the violation means.
    pub meaning: String,
    /// Who found it.
    pub checker: String,
    /// The steps.
    pub steps: Vec<StepRecord>,
    /// The final state, compact.
    pub final_state: String,
}

/// The text trace: header, steps, final state.
pub fn text(
    cfg: &Config,
    scenario: Option<&str>,
    inv: Inv,
    path: &[Tid],
) -> Result<String, String> {
    use mkwrite_model::trace::wrap;
    let more = "#            ";
    let mut s = String::new();
    let _ = writeln!(s, "# how to read this: docs/traces.md (the legend)");
    let _ = writeln!(s, "# config     {}", cfg.label());
    let fs = crate::report::fs_line(cfg).replace('\n', " ");
    s.push_str(&wrap(
        "# filesystem ",
        fs.strip_prefix("filesystem: ").unwrap_or(&fs),
        more,
    ));
    if let Some(name) = scenario {
        let _ = writeln!(s, "# scenario   {name}");
    }
    s.push_str(&wrap(
        &format!("# violated   {} ({}): ", inv.name(), inv.id()),
        mkwrite_model::fs::meaning(cfg, inv),
        more,
    ));
    let _ = writeln!(
        s,
        "# found by   stateright, BFS: the shortest counterexample ({} steps)",
        path.len()
    );
    s.push_str(&wrap(
        "# regenerate ",
        "BLESS=1 cargo test --release --test traces (or: mkwrite trace ...)",
        more,
    ));
    s.push_str(&mkwrite_model::trace::render(cfg, path)?);
    Ok(s)
}

/// The JSON trace record.
pub fn record(
    cfg: &Config,
    scenario: Option<&str>,
    inv: Inv,
    path: &[Tid],
) -> Result<TraceRecord, String> {
    let steps = replay(cfg, path)?;
    let last = steps.last().map_or_else(|| World::init(cfg), |s| s.after);
    Ok(TraceRecord {
        model_version: MODEL_VERSION,
        config: ConfigRecord::of(cfg),
        scenario: scenario.map(String::from),
        invariant: inv.name().into(),
        inv: inv.id().into(),
        meaning: mkwrite_model::fs::meaning(cfg, inv).into(),
        checker: "stateright".into(),
        steps: steps
            .iter()
            .enumerate()
            .map(|(i, st)| StepRecord {
                step: i + 1,
                thread: st.thread.clone(),
                function: st.info.function.into(),
                id: st.info.id.into(),
                anchor: st.info.anchor.into(),
                what: st.info.what.into(),
                changes: st.delta.clone(),
            })
            .collect(),
        final_state: last.to_string(),
    })
}

/// The JSON trace, pretty-printed (stable key order: the struct's).
pub fn json(
    cfg: &Config,
    scenario: Option<&str>,
    inv: Inv,
    path: &[Tid],
) -> Result<String, String> {
    let r = record(cfg, scenario, inv, path)?;
    serde_json::to_string_pretty(&r)
        .map(|s| s + "\n")
        .map_err(|e| e.to_string())
}

fn mermaid_text(s: &str) -> String {
    s.replace(';', ",").replace('#', "").replace('"', "'")
}

/// `tokens` in lines of at most `width` characters (a longer token stays whole), joined by
/// `<br/>`, Mermaid's line break.
fn mermaid_lines(tokens: &[String], width: usize) -> String {
    let mut lines: Vec<String> = vec![String::new()];
    for tok in tokens {
        let last = lines.last_mut().expect("one line");
        if !last.is_empty() && last.chars().count() + 1 + tok.chars().count() > width {
            lines.push(tok.clone());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(tok);
        }
    }
    lines
        .iter()
        .map(|l| mermaid_text(l))
        .collect::<Vec<_>>()
        .join("<br/>")
}

/// Words of `text` as tokens.
fn words(text: &str) -> Vec<String> {
    text.split(' ')
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

/// A Mermaid sequence diagram in a Markdown file. The page `P` stands between the writers
/// (and truncate, reclaim) on its left and writeback, I/O and fsync on its right, so that an
/// arrow crosses as few lifelines as possible; each arrow carries only the step number and id.
/// What the step does and what it changed is a note at the far right, wrapped. The thread
/// holding the page lock is shown active (a bar on its lifeline). The step that breaks the
/// invariant is highlighted and says why.
pub fn mermaid(
    cfg: &Config,
    scenario: Option<&str>,
    inv: Inv,
    path: &[Tid],
) -> Result<String, String> {
    use mkwrite_model::contract::Role;
    let steps = replay(cfg, path)?;
    let init = World::init(cfg);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# {} ({}) in {}\n\n{}\n",
        inv.name(),
        inv.id(),
        scenario.unwrap_or("a configuration"),
        mkwrite_model::fs::meaning(cfg, inv)
    );
    let _ = writeln!(
        s,
        "Configuration `{}`; the shortest counterexample, found by stateright. Each arrow is one \
         atomic step (number and step id); the note beside it says what the step does and, \
         after =>, what it changed. A bar on a lifeline: that thread holds the page lock. The \
         highlighted step breaks the invariant. How to read the names: docs/traces.md (the \
         legend).\n",
        cfg.label()
    );
    // Labels at the right end of each arrow: beside the page for a writer's arrow, beside
    // the thread for writeback's, I/O's and fsync's, so that no label sits on a lifeline.
    let _ = writeln!(
        s,
        "```mermaid\n%%{{init: {{\"sequence\": {{\"messageAlign\": \"right\"}}}}}}%%\nsequenceDiagram"
    );
    let used: Vec<&mkwrite_model::world::Thread> = init
        .threads
        .iter()
        .filter(|t| steps.iter().any(|st| st.thread == t.name()))
        .collect();
    let left = |t: &&mkwrite_model::world::Thread| {
        matches!(
            t.role,
            Role::Writer | Role::Dma | Role::Truncate | Role::Reclaim
        )
    };
    for t in used.iter().filter(|t| left(t)) {
        let _ = writeln!(s, "    participant {}", t.name());
    }
    let _ = writeln!(s, "    participant P as page");
    let mut last = "P".to_string();
    for t in used.iter().filter(|t| !left(t)) {
        let _ = writeln!(s, "    participant {}", t.name());
        last = t.name();
    }
    let n = steps.len();
    let mut before = init;
    for (i, st) in steps.iter().enumerate() {
        // The shortest counterexample ends at the first state that violates the invariant.
        let breaks = i + 1 == n;
        let changes: Vec<&str> = st
            .delta
            .iter()
            .map(String::as_str)
            .filter(|d| !d.starts_with("fired."))
            .collect();
        // What the step does, by words; then what it changed, one unbreakable item each.
        let mut what = words(&format!(
            "{}. {}: {}",
            i + 1,
            st.info.function,
            st.info.what
        ));
        if changes.is_empty() {
            what.push("=> no field changes".into());
        } else {
            let last = changes.len() - 1;
            what.extend(changes.iter().enumerate().map(|(k, c)| {
                let sep = if k < last { "," } else { "" };
                let lead = if k == 0 { "=> " } else { "" };
                format!("{lead}{c}{sep}")
            }));
        }
        let pad = if breaks { "        " } else { "    " };
        if breaks {
            let _ = writeln!(s, "    rect rgb(255, 200, 200)");
        }
        let _ = writeln!(
            s,
            "{pad}{}->>P: {} {}",
            st.thread,
            i + 1,
            mermaid_text(st.info.id)
        );
        // The page lock as an activation bar, from the step that takes it.
        if before.page.locked_by != st.after.page.locked_by {
            if let Some(o) = before.page.locked_by {
                let _ = writeln!(s, "{pad}deactivate {}", before.thread(o).name());
            }
            if let Some(o) = st.after.page.locked_by {
                let _ = writeln!(s, "{pad}activate {}", st.after.thread(o).name());
            }
        }
        let _ = writeln!(s, "{pad}Note right of {last}: {}", mermaid_lines(&what, 48));
        if breaks {
            let _ = writeln!(
                s,
                "{pad}Note right of {last}: {}",
                mermaid_lines(
                    &words(&format!(
                        "{} breaks here: {}",
                        inv.id(),
                        mkwrite_model::fs::meaning(cfg, inv)
                    )),
                    48
                )
            );
            let _ = writeln!(s, "    end");
        }
        before = st.after;
    }
    let _ = writeln!(s, "```");
    Ok(s)
}

/// How a replay ended: one of the two outcomes a well-formed trace can have on a
/// configuration (a malformed file, or one that is not a trace of its own configuration, is
/// an error instead).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Every step ran; the invariants violated at the end (none: the path is harmless here).
    RanThrough,
    /// A step cannot run here.
    Stopped {
        /// The step (1-based).
        step: usize,
        /// The thread that cannot move.
        thread: String,
        /// Why, in kernel terms.
        why: String,
        /// Which kind of reason.
        kind: StopKind,
    },
}

/// Why a step of a trace cannot run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopKind {
    /// It waits for a lock another thread holds (the page lock, i_mmap_lock).
    Lock,
    /// The thread has finished.
    Finished,
    /// The step is not enabled in this state (it waits for writeback, for I/O, for the other
    /// threads, or this configuration's code takes another path).
    NotEnabled,
    /// The configuration has no such thread: the trace belongs to another configuration.
    NoThread,
}

/// The result of replaying a trace file.
pub struct Replayed {
    /// The configuration replayed against.
    pub cfg: Config,
    /// Whether that is the file's own configuration.
    pub own_config: bool,
    /// The printed report.
    pub text: String,
    /// Whether every step could happen.
    pub complete: bool,
    /// How the replay ended.
    pub ending: Ending,
    /// The invariants violated in the state the replay reached.
    pub violated: Vec<Inv>,
}

/// Walk `r`'s steps on `cfg`: the steps that ran (thread ids), the world reached, the history
/// of worlds, and where it stopped.
fn walk(
    r: &TraceRecord,
    cfg: &Config,
    check_ids: bool,
) -> Result<(Vec<World>, Option<Ending>), String> {
    let names: Vec<String> = World::init(cfg).threads.iter().map(|t| t.name()).collect();
    let mut history = vec![World::init(cfg)];
    for (i, st) in r.steps.iter().enumerate() {
        let w = *history.last().expect("the initial world");
        let Some(t) = names.iter().position(|n| *n == st.thread) else {
            return Ok((
                history,
                Some(Ending::Stopped {
                    step: i + 1,
                    thread: st.thread.clone(),
                    why: format!(
                        "{} has no thread {}: the trace belongs to another configuration",
                        cfg.label(),
                        st.thread
                    ),
                    kind: StopKind::NoThread,
                }),
            ));
        };
        let t = t as Tid;
        let inf = info(cfg, &w, t);
        if check_ids && !st.id.is_empty() && st.id != inf.id {
            return Err(format!(
                "step {}: {} takes {} here, not {}",
                i + 1,
                st.thread,
                inf.id,
                shown(&st.id)
            ));
        }
        match step(cfg, &w, t) {
            Some(next) => history.push(next),
            None => {
                let th = w.thread(t);
                let kind = if th.finished(&w) {
                    StopKind::Finished
                } else if w.page.locked_by.is_some_and(|o| o != t)
                    || w.i_mmap_lock.is_some_and(|o| o != t)
                {
                    StopKind::Lock
                } else {
                    StopKind::NotEnabled
                };
                let why = mkwrite_model::explain::why_blocked(cfg, &history, t)
                    .unwrap_or_else(|| "the step is not enabled in this state".into());
                let kind = if kind == StopKind::Lock && !why.contains("waits for") {
                    StopKind::NotEnabled
                } else {
                    kind
                };
                return Ok((
                    history,
                    Some(Ending::Stopped {
                        step: i + 1,
                        thread: st.thread.clone(),
                        why: format!("cannot take {} ({}): {why}", inf.id, inf.function),
                        kind,
                    }),
                ));
            }
        }
    }
    Ok((history, None))
}

fn violated_in(cfg: &Config, w: &World) -> Vec<Inv> {
    Inv::ALL
        .iter()
        .copied()
        .filter(|i| !mkwrite_model::invariants::check_fn(*i)(cfg, w))
        .collect()
}

/// Whether `r` is a trace of its own configuration: every step runs there, each as the step
/// the file names, and the end violates the invariant the file claims. The reason when not.
pub fn validate(r: &TraceRecord) -> Result<(), String> {
    let own = r.config.config()?;
    let not = |why: String| format!("not a trace of its configuration: {why}");
    let (history, stop) = walk(r, &own, true).map_err(not)?;
    if let Some(Ending::Stopped {
        step, thread, kind, ..
    }) = stop
    {
        let why = match kind {
            StopKind::Lock => format!("{thread} waits for a lock there"),
            StopKind::Finished => format!("{thread} has finished there"),
            StopKind::NotEnabled => format!("{thread}'s step is not enabled there"),
            StopKind::NoThread => format!("it has no thread {thread}"),
        };
        return Err(not(format!("step {step}: {why}")));
    }
    let end = history.last().expect("a world");
    let claimed = Inv::parse(&r.invariant);
    let violated = violated_in(&own, end);
    if !claimed.is_some_and(|c| violated.contains(&c)) {
        let ids: Vec<&str> = violated.iter().map(|i| i.id()).collect();
        return Err(not(format!(
            "its {} steps run but violate {}, not {}",
            r.steps.len(),
            if ids.is_empty() {
                "nothing".to_string()
            } else {
                ids.join(" ")
            },
            r.inv
        )));
    }
    Ok(())
}

/// Replay a trace by thread order against `cfg` (the file's configuration when `None`).
/// The file is first checked against its own configuration ([`validate`]): a file that is not
/// a trace of it is an error, so that a broken trace never reads as a path the fix blocks.
/// Then: every step runs (and what is violated at the end), or the first step that cannot run
/// here and why.
pub fn replay_record(r: &TraceRecord, cfg: Option<Config>) -> Result<Replayed, String> {
    let own = r.config.config()?;
    validate(r)?;
    let (cfg, own_config) = match cfg {
        Some(c) => (c, c == own),
        None => (own, true),
    };
    let (history, stop) = walk(r, &cfg, false)?;
    use mkwrite_model::trace::{render_step, wrap};
    let pad = "       ";
    let mut s = wrap(
        "",
        &format!(
            "replaying {} ({}, {} steps) against {}{}",
            r.invariant,
            r.inv,
            r.steps.len(),
            cfg.label(),
            if own_config {
                " (the file's configuration)"
            } else {
                " (overriding the file's configuration)"
            }
        ),
        "    ",
    );
    s.push_str(&wrap("initial: ", &history[0].to_string(), pad));
    let w0 = World::init(&cfg);
    for (k, pair) in history.windows(2).enumerate() {
        let (before, after) = (&pair[0], &pair[1]);
        let tid = w0
            .threads
            .iter()
            .position(|t| t.name() == r.steps[k].thread)
            .unwrap_or(0) as Tid;
        s.push_str(&render_step(
            k + 1,
            &r.steps[k].thread,
            &info(&cfg, before, tid),
            &delta(before, after),
        ));
    }
    let end = *history.last().expect("a world");
    let violated = violated_in(&cfg, &end);
    let ids: Vec<String> = violated
        .iter()
        .map(|i| format!("{} ({})", i.name(), i.id()))
        .collect();
    let n = r.steps.len();
    if let Some(Ending::Stopped {
        step, thread, why, ..
    }) = &stop
    {
        s.push_str(&wrap(
            &format!("{step:>4} {thread:<3} "),
            &format!("{why}. Stopped after {} of {n} steps.", step - 1),
            pad,
        ));
    }
    s.push_str(&wrap("state: ", &end.to_string(), pad));
    let result = match &stop {
        None if violated.is_empty() => format!(
            "all {n} steps run here, and no invariant is violated at the end: on this \
             configuration the path is harmless"
        ),
        None => format!("all {n} steps run here and violate {}", ids.join(", ")),
        Some(Ending::Stopped {
            step, thread, kind, ..
        }) => {
            let what = match kind {
                StopKind::Lock => format!("{thread} waits for a lock"),
                StopKind::Finished => format!("{thread} has finished"),
                StopKind::NotEnabled => format!("{thread}'s step is not enabled here"),
                StopKind::NoThread => {
                    format!("no thread {thread} here: the trace belongs to another configuration")
                }
            };
            let what = format!("the path is blocked at step {step} of {n} ({what})");
            if violated.is_empty() {
                format!("{what}; no invariant is violated in the state reached")
            } else {
                format!("{what}; violated in the state reached: {}", ids.join(", "))
            }
        }
        Some(Ending::RanThrough) => String::new(),
    };
    s.push_str(&wrap("result: ", &result, "    "));
    Ok(Replayed {
        cfg,
        own_config,
        text: s,
        complete: stop.is_none(),
        ending: stop.unwrap_or(Ending::RanThrough),
        violated,
    })
}

/// Parse a trace file holding exactly one trace. Errors are one line.
pub fn parse(text: &str) -> Result<TraceRecord, String> {
    let mut all = parse_all(text)?;
    match all.len() {
        1 => Ok(all.remove(0)),
        n => Err(format!("expected one trace, found {n}")),
    }
}

/// Every counterexample in a file: one pretty-printed trace (`traces/**/*.json`), trace lines
/// (`mkwrite trace --format json`), or verdict lines (`mkwrite check --json`, whose violated
/// records carry the thread order; records that hold are skipped). Errors are one line and
/// name the record.
pub fn parse_all(text: &str) -> Result<Vec<TraceRecord>, String> {
    let mut out = Vec::new();
    let stream = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    let mut records = 0;
    for (n, v) in stream.enumerate() {
        let v = v.map_err(|e| format!("not a mkwrite JSON trace: {e}"))?;
        records += 1;
        if let Some(r) = record_of(n + 1, v)? {
            out.push(r);
        }
    }
    if records == 0 {
        return Err("not a mkwrite JSON trace: the file is empty".into());
    }
    Ok(out)
}

/// One JSON value as a trace: `None` for a verdict record that holds.
fn record_of(n: usize, v: serde_json::Value) -> Result<Option<TraceRecord>, String> {
    let field = |k: &str| v.get(k).cloned();
    let version = field("model_version").and_then(|x| x.as_u64());
    match version {
        Some(x) if x == u64::from(MODEL_VERSION) => {}
        Some(x) => {
            return Err(format!(
                "record {n}: written by model version {x}, this is model version \
                 {MODEL_VERSION} (regenerate it with this mkwrite)"
            ))
        }
        None => {
            return Err(format!(
                "record {n}: no model_version: not a mkwrite trace (`mkwrite trace --format \
                 json`) or verdict (`mkwrite check --json`)"
            ))
        }
    }
    let rec = if v.get("steps").is_some() {
        serde_json::from_value::<TraceRecord>(v).map_err(|e| format!("record {n}: {e}"))?
    } else if let Some(verdict) = field("verdict") {
        if verdict != "violated" {
            return Ok(None);
        }
        let config = serde_json::from_value::<ConfigRecord>(v.clone())
            .map_err(|e| format!("record {n}: {e}"))?;
        let names: Vec<String> = serde_json::from_value(field("trace").unwrap_or_default())
            .map_err(|e| format!("record {n}: trace: {e}"))?;
        let text = |k: &str| {
            field(k)
                .and_then(|x| x.as_str().map(String::from))
                .unwrap_or_default()
        };
        TraceRecord {
            model_version: MODEL_VERSION,
            config,
            scenario: None,
            invariant: text("invariant"),
            inv: text("inv"),
            meaning: String::new(),
            checker: text("checker"),
            steps: names
                .into_iter()
                .enumerate()
                .map(|(i, thread)| StepRecord {
                    step: i + 1,
                    thread,
                    function: String::new(),
                    id: String::new(),
                    anchor: String::new(),
                    what: String::new(),
                    changes: Vec::new(),
                })
                .collect(),
            final_state: String::new(),
        }
    } else {
        return Err(format!(
            "record {n} is neither a trace (`mkwrite trace --format json`) nor a verdict \
             (`mkwrite check --json`)"
        ));
    };
    if rec.steps.is_empty() {
        return Err(format!(
            "record {n}: no steps: a counterexample has at least one"
        ));
    }
    if let Some((k, st)) = rec
        .steps
        .iter()
        .enumerate()
        .find(|(k, st)| st.step != k + 1)
    {
        return Err(format!(
            "record {n}: the steps are out of order (entry {} is step {})",
            k + 1,
            st.step
        ));
    }
    match Inv::parse(&rec.invariant) {
        Some(i) if i.id() == rec.inv => Ok(Some(rec)),
        _ => Err(format!(
            "record {n}: unknown invariant '{}' ({})",
            shown(&rec.invariant),
            shown(&rec.inv)
        )),
    }
}
