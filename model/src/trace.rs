//! Traces: a path of thread ids from the initial state, replayed through `step`, rendered one
//! line per step with the kernel function, step id, anchor, what the step does, and only the
//! fields that changed. Shared by every checker.

use crate::config::Config;
use crate::contract::{Inv, Role};
use crate::step::{info, step, StepInfo};
use crate::world::{version_name, Pc, Tid, WbPc, World};
use std::fmt;

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
        if !w.isize_covers_page {
            "0"
        } else if w.isize_partial {
            "block0"
        } else {
            "covers"
        }
        .to_string(),
    ));
    f.push((
        "i_mmap_lock".to_string(),
        w.i_mmap_lock
            .map_or("-".to_string(), |t| w.thread(t).name()),
    ));
    f.push(("AS_ENOSPC".to_string(), yn(w.mapping_error)));
    f.push(("fs.full".to_string(), yn(w.fs_full)));
    f.extend(crate::fs::of_world(w).fields(w));
    f.push(("NR_FILE_DIRTY".to_string(), w.nr_file_dirty.to_string()));
    f.push(("data.stored".to_string(), version_name(w.data.stored)));
    f.push(("data.mem".to_string(), version_name(w.data.mem)));
    f.push(("data.disk".to_string(), version_name(w.data.disk)));
    f.push((
        "data.io".to_string(),
        w.data.in_flight.map_or("-".to_string(), version_name),
    ));
    if w.threads.iter().any(|t| t.role == Role::Freeze) {
        // `sb->s_writers.frozen` (fs/super.c:2106, 2113, 2127, 2147 in 6.12.118), as Z0's
        // position gives it (`World::freeze_level`).
        let level = match w.freeze_level() {
            0 => "no",
            1 => "WRITE",
            2 => "PAGEFAULT",
            3 => "FS",
            _ => "COMPLETE",
        };
        f.push(("sb.frozen".to_string(), level.to_string()));
    }
    if let Some(s) = w.threads.iter().find(|t| t.role == Role::Sync) {
        let ret = match (s.pc, s.local.fsync_err) {
            (Pc::Writeback(WbPc::Done), false) => "0",
            (Pc::Writeback(WbPc::Done), true) => "-ENOSPC",
            (Pc::Writeback(WbPc::Stopped), _) => "never (oops)",
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
            after: next,
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

/// The width every terminal output of the project fits by default.
pub const WIDTH: usize = 100;

/// The width in force: [`WIDTH`] unless a command set another (`--width`).
static CURRENT_WIDTH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(WIDTH);

/// Set the width every later [`wrap`] and rendered trace fits (a process-wide setting, made
/// once by the command line before any output; `--width 72` for a trace pasted in a mail).
pub fn set_width(n: usize) {
    CURRENT_WIDTH.store(n, std::sync::atomic::Ordering::Relaxed);
}

/// The width in force (see [`set_width`]).
pub fn width() -> usize {
    CURRENT_WIDTH.load(std::sync::atomic::Ordering::Relaxed)
}

/// `text` wrapped at spaces to [`width`] columns: the first line starts with `first`, the
/// others with `indent`. A word longer than a line stays whole. Ends with a newline.
pub fn wrap(first: &str, text: &str, indent: &str) -> String {
    let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
    fill(first, &words, " ", indent)
}

/// `items` joined by `, ` and wrapped to [`width`] columns only between items, so that no
/// item (a change such as `NR_FILE_DIRTY: 0 -> 1`) is split. Ends with a newline.
pub fn wrap_list(first: &str, items: &[&str], indent: &str) -> String {
    let n = items.len();
    let with_commas: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            if i + 1 < n {
                format!("{it},")
            } else {
                it.to_string()
            }
        })
        .collect();
    let refs: Vec<&str> = with_commas.iter().map(String::as_str).collect();
    fill(first, &refs, " ", indent)
}

fn fill(first: &str, tokens: &[&str], sep: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut fresh = true;
    for tok in tokens {
        if !fresh && line.chars().count() + sep.len() + tok.chars().count() > width() {
            out.push_str(line.trim_end());
            out.push('\n');
            line = indent.to_string();
            fresh = true;
        }
        if !fresh {
            line.push_str(sep);
        }
        line.push_str(tok);
        fresh = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// One step as text: `n thread function id anchor`, then what the step does, then `=>` and
/// the fields that changed (the ghost `fired.*` flags are left to the `>>` line).
pub fn render_step(n: usize, thread: &str, info: &StepInfo, delta: &[String]) -> String {
    let pad = "       ";
    let head = format!(
        "{n:>4} {thread:<3} {:<26} {:<14} {}",
        info.function, info.id, info.anchor
    );
    let head = head.trim_end();
    // Narrower than the columns need (`--width 72`): the same words, then wrapped.
    let mut s = if head.chars().count() <= width() {
        format!("{head}\n")
    } else {
        wrap(
            &format!("{n:>4} {thread:<3} "),
            &format!("{} {} {}", info.function, info.id, info.anchor),
            pad,
        )
    };
    s.push_str(&wrap(pad, info.what, pad));
    let changes: Vec<&str> = delta
        .iter()
        .map(String::as_str)
        .filter(|d| !d.starts_with("fired."))
        .collect();
    let changes = if changes.is_empty() {
        vec!["no field changes"]
    } else {
        changes
    };
    s.push_str(&wrap_list("       => ", &changes, "          "));
    s
}

/// Render a trace as numbered text, at most [`width`] columns: per step a line with the step
/// number, thread, kernel function, step id and function anchor; below it what the step does,
/// then `=>` and the fields that changed; `>>` where an invariant breaks, with its meaning;
/// `(blocked: …)` whenever the set of waiting threads changes. Ends with the final state.
pub fn render(cfg: &Config, path: &[Tid]) -> Result<String, String> {
    let steps = replay(cfg, path)?;
    let mut s = String::new();
    let mut prev_blocked: Vec<String> = Vec::new();
    let pad = "       ";
    for (i, st) in steps.iter().enumerate() {
        s.push_str(&render_step(i + 1, &st.thread, &st.info, &st.delta));
        let before = if i == 0 {
            World::init(cfg)
        } else {
            steps[i - 1].after
        };
        for inv in Inv::ALL {
            let holds = crate::invariants::check_fn(inv);
            if holds(cfg, &before) && !holds(cfg, &st.after) {
                s.push_str(&wrap(
                    &format!("       >> {} ({}) breaks here: ", inv.id(), inv.name()),
                    crate::fs::meaning(cfg, inv),
                    "          ",
                ));
            }
        }
        // Between TestSetPageDirty and its accounting half the counter lags PG_dirty; a
        // TestClearPageDirty in between takes it below zero for a moment (ACCT is judged
        // outside that window only).
        let lagging =
            |w: &World| w.nr_file_dirty < 0 && w.threads.iter().any(|t| t.local.dirty_unaccounted);
        if lagging(&st.after) && !lagging(&before) {
            let who: Vec<String> = st
                .after
                .threads
                .iter()
                .filter(|t| t.local.dirty_unaccounted)
                .map(|t| t.name())
                .collect();
            s.push_str(&wrap(
                pad,
                &format!(
                    "(NR_FILE_DIRTY is below 0 for now: {} set PG_dirty and has not accounted it \
                     yet; ACCT is judged once it has)",
                    who.join(", ")
                ),
                pad,
            ));
        }
        let now = blocked(cfg, &st.after);
        if now != prev_blocked && !now.is_empty() {
            s.push_str(&wrap(
                pad,
                &format!("(blocked: {})", now.join(", ")),
                "                 ",
            ));
        }
        prev_blocked = now;
    }
    let last = steps.last().map_or_else(|| World::init(cfg), |s| s.after);
    s.push_str(&wrap("final: ", &last.to_string(), pad));
    Ok(s)
}

fn yn(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// Compact one-line form, used for the last line of a trace and the Explorer.
impl fmt::Display for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.page;
        write!(
            f,
            "page{{locked:{} dirty:{} writeback:{} tag:{} mapping:{} ref:{}}} pte{{",
            self.lock_owner(),
            yn(p.dirty),
            yn(p.writeback),
            yn(p.tagged_dirty),
            if p.mapping { "file" } else { "NULL" },
            p.refcount
        )?;
        for (i, pte) in self.ptes.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{i}:{pte}")?;
        }
        write!(
            f,
            "}} i_size:{} {} data{{mem:{} disk:{}",
            if !self.isize_covers_page {
                "0"
            } else if self.isize_partial {
                "block0"
            } else {
                "covers"
            },
            crate::fs::of_world(self).display(self),
            version_name(self.data.mem),
            version_name(self.data.disk)
        )?;
        if let Some(v) = self.data.in_flight {
            write!(f, " io:{}", version_name(v))?;
        }
        write!(f, "}} NR_FILE_DIRTY:{}", self.nr_file_dirty)?;
        if self.mapping_error {
            f.write_str(" AS_ENOSPC")?;
        }
        if self.fs_full {
            f.write_str(" fs:full")?;
        }
        if let Some(t) = self.i_mmap_lock {
            write!(f, " i_mmap_lock:{}", self.thread(t).name())?;
        }
        Ok(())
    }
}

/// Readable multi-line form (the Explorer's state pane and test failures).
impl fmt::Debug for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{self}")?;
        for t in self.threads.iter() {
            writeln!(f, "  {:<3} {:?} refs={}", t.name(), t.pc, t.local.refs)?;
        }
        let fired: Vec<&str> = Inv::ALL
            .iter()
            .filter(|i| self.has_fired(**i))
            .map(|i| i.name())
            .collect();
        if !fired.is_empty() {
            writeln!(f, "  fired: {}", fired.join(", "))?;
        }
        Ok(())
    }
}
