//! Traces: a path of thread ids from the initial state, replayed through `step`, rendered one
//! line per step with the kernel function, step id, anchor, what the step does, and only the
//! fields that changed. Shared by every checker.

use crate::config::Config;
use crate::contract::{Inv, Role};
use crate::step::{info, step, StepInfo};
use crate::world::{Pc, Tid, WbPc, World};

/// The observable fields of a state, by name, in a fixed order.
pub fn fields(w: &World) -> Vec<(String, String)> {
    let yn = |b: bool| if b { "yes" } else { "no" }.to_string();
    let mut f = vec![
        ("page.locked".to_string(), w.lock_owner()),
        ("page.dirty".to_string(), yn(w.page.dirty)),
        ("page.writeback".to_string(), yn(w.page.writeback)),
        ("page.tag_dirty".to_string(), yn(w.page.tagged_dirty)),
        (
            "page.mapping".to_string(),
            if w.page.mapping { "file" } else { "NULL" }.to_string(),
        ),
        ("page.ref".to_string(), w.page.refcount.to_string()),
    ];
    for (i, p) in w.ptes.iter().enumerate() {
        f.push((format!("pte{i}"), p.to_string()));
    }
    f.push((
        "i_size".to_string(),
        if w.isize_covers_page { "covers" } else { "0" }.to_string(),
    ));
    f.push((
        "i_mmap_lock".to_string(),
        w.i_mmap_lock
            .map_or("-".to_string(), |t| w.thread(t).name()),
    ));
    f.push(("AS_ENOSPC".to_string(), yn(w.mapping_error)));
    f.push(("fs.full".to_string(), yn(w.fs_full)));
    f.extend(crate::fs::fields(w));
    f.push(("NR_FILE_DIRTY".to_string(), w.nr_file_dirty.to_string()));
    f.push(("data.stored".to_string(), format!("v{}", w.data.stored)));
    f.push(("data.mem".to_string(), format!("v{}", w.data.mem)));
    f.push(("data.disk".to_string(), format!("v{}", w.data.disk)));
    f.push((
        "data.io".to_string(),
        w.data
            .in_flight
            .map_or("-".to_string(), |v| format!("v{v}")),
    ));
    if let Some(s) = w.threads.iter().find(|t| t.role == Role::Sync) {
        let ret = match (s.pc, s.local.fsync_err) {
            (Pc::Writeback(WbPc::Done), false) => "0",
            (Pc::Writeback(WbPc::Done), true) => "-ENOSPC",
            _ => "-",
        };
        f.push(("fsync".to_string(), ret.to_string()));
    }
    for inv in Inv::ALL {
        if w.has_fired(inv) {
            f.push((format!("fired.{}", inv.id()), "yes".to_string()));
        }
    }
    f
}

/// The fields that differ between two states, as `name: old -> new`.
pub fn delta(before: &World, after: &World) -> Vec<String> {
    let a = fields(before);
    let b = fields(after);
    let mut out = Vec::new();
    for (name, new) in &b {
        let old = a
            .iter()
            .find(|(n, _)| n == name)
            .map_or("-", |(_, v)| v.as_str());
        if old != new {
            out.push(format!("{name}: {old} -> {new}"));
        }
    }
    out
}

/// One step of a trace.
#[derive(Clone, Debug)]
pub struct TraceStep {
    /// The thread that moved.
    pub tid: Tid,
    /// Its name (F0, W0, …).
    pub thread: String,
    /// Where the step stands in the kernel.
    pub info: StepInfo,
    /// The changed fields.
    pub delta: Vec<String>,
    /// The state after the step.
    pub after: World,
}

/// Replay `path` from the configuration's initial state. Errors name the first step that
/// cannot happen.
pub fn replay(cfg: &Config, path: &[Tid]) -> Result<Vec<TraceStep>, String> {
    let mut w = World::init(cfg);
    let mut out = Vec::new();
    for (i, &t) in path.iter().enumerate() {
        if t as usize >= w.threads.len() {
            return Err(format!("step {}: no thread {t}", i + 1));
        }
        let inf = info(cfg, &w, t);
        let Some(next) = step(cfg, &w, t) else {
            return Err(format!(
                "step {}: {} cannot take {} ({}) here",
                i + 1,
                w.thread(t).name(),
                inf.id,
                inf.function
            ));
        };
        out.push(TraceStep {
            tid: t,
            thread: w.thread(t).name(),
            info: inf,
            delta: delta(&w, &next),
            after: next.clone(),
        });
        w = next;
    }
    Ok(out)
}

/// The threads that cannot move and have not finished, as `W0 at W2-W5` (the final sync is
/// not listed before it starts: it always waits for the others).
pub fn blocked(cfg: &Config, w: &World) -> Vec<String> {
    use crate::world::{Pc, WbPc};
    (0..w.threads.len() as Tid)
        .filter(|&t| {
            let th = w.thread(t);
            !th.finished(w) && th.pc != Pc::Writeback(WbPc::NotStarted) && step(cfg, w, t).is_none()
        })
        .map(|t| format!("{} at {}", w.thread(t).name(), info(cfg, w, t).id))
        .collect()
}

/// Render a trace as numbered text lines: step, thread, function, step id, anchor, what the
/// step does, and what changed; `(blocked: …)` whenever the set of waiting threads changes.
/// Ends with the whole final state on one line.
pub fn render(cfg: &Config, path: &[Tid]) -> Result<String, String> {
    let steps = replay(cfg, path)?;
    let mut s = String::new();
    let mut prev_blocked: Vec<String> = Vec::new();
    for (i, st) in steps.iter().enumerate() {
        let effect = if st.delta.is_empty() {
            "(no change)".to_string()
        } else {
            st.delta.join(", ")
        };
        s.push_str(&format!(
            "{:>4} {:<3} {:<26} {:<14} {:<24} {}\n       {}\n",
            i + 1,
            st.thread,
            st.info.function,
            st.info.id,
            st.info.anchor,
            st.info.what,
            effect
        ));
        let now = blocked(cfg, &st.after);
        if now != prev_blocked && !now.is_empty() {
            s.push_str(&format!("       (blocked: {})\n", now.join(", ")));
        }
        prev_blocked = now;
    }
    let last = steps
        .last()
        .map_or_else(|| World::init(cfg), |s| s.after.clone());
    s.push_str(&format!("final: {last}\n"));
    Ok(s)
}
