//! Counterexample traces in three formats (text, JSON, Mermaid) and their replay against any
//! protocol or configuration.
//!
//! Text is for people: a header (configuration, violated invariant and its meaning, who found
//! it, how to regenerate), one line per step with only the fields that changed, `(blocked: …)`
//! where threads wait, and the final state. JSON carries the same content plus a
//! `model_version` and round-trips through `mkwrite replay`. Mermaid draws a sequence diagram
//! (one lifeline per thread and one for the page) with the violating step highlighted.

use mkwrite_model::contract::{Inv, Protocol};
use mkwrite_model::step::{info, step};
use mkwrite_model::trace::{delta, replay};
use mkwrite_model::Fs;
use mkwrite_model::{Config, Tid, World};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// Bumped whenever the model's steps or state change meaning: a trace file of another version
/// is refused.
pub const MODEL_VERSION: u32 = 3;

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
        };
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
    let mut s = String::new();
    let _ = writeln!(s, "# config     {}", cfg.label());
    if let Some(name) = scenario {
        let _ = writeln!(s, "# scenario   {name}");
    }
    let _ = writeln!(
        s,
        "# violated   {} ({}): {}",
        inv.name(),
        inv.id(),
        inv.meaning()
    );
    let _ = writeln!(
        s,
        "# found by   stateright, BFS: the shortest counterexample ({} steps)",
        path.len()
    );
    let _ = writeln!(
        s,
        "# regenerate BLESS=1 cargo test --release --test traces  (or: mkwrite trace ...)"
    );
    let _ = writeln!(
        s,
        "# columns    step, thread, kernel function, step id, function anchor, what the step \
         does; below it what changed"
    );
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
    let last = steps
        .last()
        .map_or_else(|| World::init(cfg), |s| s.after.clone());
    Ok(TraceRecord {
        model_version: MODEL_VERSION,
        config: ConfigRecord::of(cfg),
        scenario: scenario.map(String::from),
        invariant: inv.name().into(),
        inv: inv.id().into(),
        meaning: inv.meaning().into(),
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

/// A Mermaid sequence diagram in a Markdown file: one lifeline per thread and one for the page,
/// each step an arrow from its thread to the page, the violating step highlighted.
pub fn mermaid(
    cfg: &Config,
    scenario: Option<&str>,
    inv: Inv,
    path: &[Tid],
) -> Result<String, String> {
    let steps = replay(cfg, path)?;
    let init = World::init(cfg);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# {} ({}) in {}\n\n{}\n",
        inv.name(),
        inv.id(),
        scenario.unwrap_or("a configuration"),
        inv.meaning()
    );
    let _ = writeln!(
        s,
        "Configuration `{}`; the shortest counterexample, found by stateright. The highlighted \
         step is the one that breaks the invariant.\n",
        cfg.label()
    );
    let _ = writeln!(s, "```mermaid\nsequenceDiagram");
    for t in &init.threads {
        if steps.iter().any(|st| st.thread == t.name()) {
            let _ = writeln!(s, "    participant {}", t.name());
        }
    }
    let _ = writeln!(s, "    participant P as page, pte, fs");
    let n = steps.len();
    for (i, st) in steps.iter().enumerate() {
        let changes = if st.delta.is_empty() {
            "no change".to_string()
        } else {
            st.delta.join(", ")
        };
        let line = format!(
            "    {}->>P: {}. {} {}: {}",
            st.thread,
            i + 1,
            st.info.id,
            st.info.function,
            mermaid_text(&changes)
        );
        if i + 1 == n {
            let _ = writeln!(s, "    rect rgb(255, 200, 200)");
            let _ = writeln!(s, "    {line}");
            let _ = writeln!(s, "    Note over P: {} ({}) violated", inv.name(), inv.id());
            let _ = writeln!(s, "    end");
        } else {
            let _ = writeln!(s, "{line}");
        }
    }
    let _ = writeln!(s, "```");
    Ok(s)
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
    /// The invariants violated in the state the replay reached.
    pub violated: Vec<Inv>,
}

/// Parse a trace file. Errors are one line.
pub fn parse(text: &str) -> Result<TraceRecord, String> {
    let r: TraceRecord =
        serde_json::from_str(text).map_err(|e| format!("not a mkwrite JSON trace: {e}"))?;
    if r.model_version != MODEL_VERSION {
        return Err(format!(
            "trace written by model version {}, this is model version {MODEL_VERSION}",
            r.model_version
        ));
    }
    Ok(r)
}

/// Replay a trace by thread order against `cfg` (the file's configuration when `None`).
/// Stops at the first step that cannot happen and says why. An unknown thread is an error.
pub fn replay_record(r: &TraceRecord, cfg: Option<Config>) -> Result<Replayed, String> {
    let own = r.config.config()?;
    let (cfg, own_config) = match cfg {
        Some(c) => (c, c == own),
        None => (own, true),
    };
    let mut w = World::init(&cfg);
    let names: Vec<String> = w.threads.iter().map(|t| t.name()).collect();
    let mut tids = Vec::new();
    for st in &r.steps {
        let t = names.iter().position(|n| *n == st.thread).ok_or_else(|| {
            format!(
                "step {}: no thread '{}' in {}",
                st.step,
                st.thread,
                cfg.label()
            )
        })?;
        tids.push(t as Tid);
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
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
    );
    let _ = writeln!(s, "initial: {w}");
    let mut complete = true;
    for (i, &t) in tids.iter().enumerate() {
        let inf = info(&cfg, &w, t);
        match step(&cfg, &w, t) {
            Some(next) => {
                let d = delta(&w, &next);
                let _ = writeln!(
                    s,
                    "{:>4} {:<3} {} {} ({}): {}\n       {}",
                    i + 1,
                    w.thread(t).name(),
                    inf.function,
                    inf.id,
                    inf.anchor,
                    inf.what,
                    if d.is_empty() {
                        "(no change)".into()
                    } else {
                        d.join(", ")
                    }
                );
                w = next;
            }
            None => {
                complete = false;
                let th = w.thread(t);
                let why = if th.finished(&w) {
                    format!("{} has already finished", th.name())
                } else {
                    match w.page.locked_by {
                        Some(o) if o != t => format!(
                            "the page lock is held by {} (at {} in {})",
                            w.thread(o).name(),
                            info(&cfg, &w, o).id,
                            info(&cfg, &w, o).function
                        ),
                        _ => "the step is not enabled in this state (it waits for writeback, \
                              for the other threads to finish, or for I/O)"
                            .to_string(),
                    }
                };
                let _ = writeln!(
                    s,
                    "{:>4} {:<3} cannot take {} ({}) here: {why}.\nstopped after {} of {} steps.",
                    i + 1,
                    th.name(),
                    inf.id,
                    inf.function,
                    i,
                    tids.len()
                );
                break;
            }
        }
    }
    let _ = writeln!(s, "state: {w}");
    let violated: Vec<Inv> = Inv::ALL
        .iter()
        .copied()
        .filter(|i| !mkwrite_model::invariants::check_fn(*i)(&cfg, &w))
        .collect();
    if violated.is_empty() {
        let _ = writeln!(s, "no invariant is violated in this state");
    } else {
        let ids: Vec<String> = violated
            .iter()
            .map(|i| format!("{} ({})", i.name(), i.id()))
            .collect();
        let _ = writeln!(s, "violated in this state: {}", ids.join(", "));
    }
    Ok(Replayed {
        cfg,
        own_config,
        text: s,
        complete,
        violated,
    })
}
