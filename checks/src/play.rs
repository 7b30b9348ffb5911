//! `mkwrite play`: the teaching page's model side. The page is static HTML/JS/CSS shipped in
//! the binary; everything it shows comes from here, as JSON, computed by the model's own step
//! functions, invariants and step descriptions: a path (thread names, one per step) is
//! replayed from the initial state on every request, so the server keeps no session.

use crate::progress::Progress;
#[cfg(test)]
use crate::run::shortest;
use crate::run::{check_within, shortest_within, Incomplete, INTERNAL_BUDGET};
use mkwrite_model::contract::scenario;
use mkwrite_model::explain::why_blocked;
use mkwrite_model::invariants::check_fn;
use mkwrite_model::step::{info, step};
use mkwrite_model::trace::{delta, fields};
use mkwrite_model::{Config, Fs, Inv, Protocol, Tid, World};
use serde_json::{json, Value};

/// The page, its script and its style, shipped inside the binary.
pub const INDEX_HTML: &str = include_str!("play/index.html");
/// The page's script.
pub const PLAY_JS: &str = include_str!("play/play.js");
/// The page's style.
pub const PLAY_CSS: &str = include_str!("play/play.css");

/// A level: a configuration, the invariant to break, and the challenge in one sentence.
#[derive(Clone, Debug)]
pub struct Level {
    /// Short id, used in links (`R1`, `nfs-bug`, `custom`).
    pub id: String,
    /// Title.
    pub title: String,
    /// The configuration.
    pub cfg: Config,
    /// The invariant whose violation solves the level (`None`: a free configuration).
    pub target: Option<Inv>,
    /// The challenge.
    pub goal: String,
}

fn scenario_cfg(name: &str) -> Config {
    scenario(name).map_or_else(|| Config::new(Protocol::Old), Config::from_scenario)
}

/// Every level: the races R1-R5, the partial page (R7), the pre-2007 msync loss, the v3.15-rc
/// deadlock, and the filesystem profiles' failures.
pub fn levels() -> Vec<Level> {
    let lvl = |id: &str, title: &str, cfg: Config, target: Inv, goal: &str| Level {
        id: id.into(),
        title: title.into(),
        cfg,
        target: Some(target),
        goal: goal.into(),
    };
    let nfs_old = Config {
        fs: Fs::Nfs { converted: false },
        writeback: 2,
        ..Config::new(Protocol::Old)
    };
    let btrfs_new = Config {
        fs: Fs::Btrfs { converted: false },
        writeback: 2,
        ..Config::new(Protocol::New)
    };
    let defio_new = Config {
        fs: Fs::FbDefio { converted: false },
        ..Config::new(Protocol::New)
    };
    vec![
        lvl(
            "R1",
            "R1: the flusher in do_wp_page's window",
            scenario_cfg("R1"),
            Inv::WritablePteHasFsMetadata,
            "Make the flusher lock and clean the page while F0's fault is between \
             ->page_mkwrite and making the pte writable, so that the pte becomes writable on a \
             page whose metadata was just written (INV-1).",
        ),
        lvl(
            "R2",
            "R2: cleaning between the pte and set_page_dirty",
            scenario_cfg("R2"),
            Inv::CleanedPageHadFsMetadata,
            "Let F0 make the pte writable first, then have the flusher clean the page before \
             F0's set_page_dirty, so that a later writeback finds a dirty page without \
             metadata (INV-2).",
        ),
        lvl(
            "R3",
            "R3: the nopage path's window",
            scenario_cfg("R3"),
            Inv::WritablePteHasFsMetadata,
            "F0 has no pte: make the flusher clean the page between ->page_mkwrite's unlock \
             and __do_fault's relock (INV-1).",
        ),
        lvl(
            "R4",
            "R4: __do_fault dirties after unlock_page",
            scenario_cfg("R4"),
            Inv::CleanedPageHadFsMetadata,
            "On the nopage path, let F0 install the pte and unlock, then clean the page \
             before its set_page_dirty (INV-2).",
        ),
        lvl(
            "R5",
            "R5: the new VM, an unconverted filesystem",
            scenario_cfg("R5"),
            Inv::WritablePteHasFsMetadata,
            "The VM is patched but ->page_mkwrite still returns unlocked: show that the \
             relock comes too late (INV-1).",
        ),
        lvl(
            "R7",
            "R7: the partial page at EOF",
            scenario_cfg("R7"),
            Inv::WritablePteHasFsMetadata,
            "XFS with two blocks per page, beside the new VM: T0 truncates the file to the end \
             of block 0 and then back up. Leave F0 a writable pte while block 1, inside i_size \
             again, is a hole with no space behind it (INV-1).",
        ),
        lvl(
            "H2007",
            "Before 2007: the msync loss",
            scenario_cfg("H2007"),
            Inv::WritablePteImpliesDirtyOrDirtying,
            "Without wait_on_page_locked in do_wp_page, leave a writable pte on a page whose \
             PG_dirty writeback has cleared: stores it takes are invisible to msync (INV-3a).",
        ),
        lvl(
            "H2014a",
            "v3.15-rc: do_page_mkwrite's deadlock",
            scenario_cfg("H2014a"),
            Inv::FaultReturnsPageUnlocked,
            "v3.15-rc's do_page_mkwrite relocked an unlocked return without saying so: make \
             the fault return to user space holding the page lock (INV-5a).",
        ),
        lvl(
            "nfs-bug",
            "NFS: the BUG at write.c:252",
            nfs_old,
            Inv::NoKernelBugFired,
            "With NFS before its conversion, let a writepage find the page's request already \
             sent and waiting for its COMMIT: nfs_page_async_flush BUG()s.",
        ),
        lvl(
            "nfs-loss",
            "NFS: fsync returns 0, the data is gone",
            nfs_old,
            Inv::NoStoreLostSilently,
            "Lose F0's store without anybody noticing: fsync must return 0 while the new data \
             is only in memory (INV-3c).",
        ),
        lvl(
            "btrfs",
            "btrfs: the fixup worker's fsync gap",
            btrfs_new,
            Inv::NoStoreLostSilently,
            "btrfs before its conversion, beside the new VM: make fsync return 0 while the \
             store is not on disk (INV-3c).",
        ),
        lvl(
            "fb_defio",
            "fb_defio: the display that never updates",
            defio_new,
            Inv::NoStoreLostSilently,
            "Framebuffer deferred I/O before d6d03f91585, beside the new VM: let the worker \
             pass over the page between F0's ->page_mkwrite and its relock, so that F0's \
             store never reaches the display (INV-3c; X0 is the deferred work).",
        ),
    ]
}

/// The level `id`, or the configuration given on the command line as `custom`.
pub fn level(id: &str, custom: &Level) -> Option<Level> {
    if id == custom.id {
        return Some(custom.clone());
    }
    levels().into_iter().find(|l| l.id == id)
}

/// The protocol and filesystem "against the fix" replays on: the patched VM with the
/// filesystem's converted era beside an old configuration, and the old VM (with the
/// filesystem's unlocked behaviour) beside a patched one.
pub fn other_side(cfg: &Config) -> Config {
    // The partial page's fix is 90a8020278c1, not the patch: the new VM with and without it.
    if cfg.extend {
        let p = if cfg.fixes.has(mkwrite_model::contract::Fix::IsizeExtended) {
            Protocol::New
        } else {
            Protocol::NewIsizeExtended
        };
        return Config {
            protocol: p,
            fixes: p.fixes(),
            ..*cfg
        };
    }
    if cfg.protocol.patched() {
        let fs = match cfg.fs {
            Fs::Seed(_) if cfg.fs != Fs::NONE => Fs::UNLOCKED,
            f => f,
        };
        Config {
            protocol: Protocol::Old,
            fixes: Protocol::Old.fixes(),
            fs,
            ..*cfg
        }
    } else {
        let fs = match cfg.fs {
            Fs::Seed(_) if cfg.fs != Fs::NONE => Fs::LOCKED,
            Fs::Nfs { .. } => Fs::Nfs { converted: true },
            Fs::Btrfs { .. } => Fs::Btrfs { converted: true },
            Fs::FbDefio { .. } => Fs::FbDefio { converted: true },
            Fs::Ext4 { .. } => Fs::Ext4 { converted: true },
            f => f,
        };
        Config {
            protocol: Protocol::New,
            fixes: Protocol::New.fixes(),
            fs,
            ..*cfg
        }
    }
}

/// Parse a path of thread names (`F0.F0.W0`) against the configuration's threads.
pub fn parse_path(cfg: &Config, path: &str) -> Result<Vec<Tid>, String> {
    let w = World::init(cfg);
    path.split(['.', ','])
        .filter(|s| !s.is_empty())
        .enumerate()
        .map(|(i, name)| {
            w.threads
                .iter()
                .position(|t| t.name() == name)
                .map(|t| t as Tid)
                .ok_or_else(|| format!("step {}: no thread {name} here", i + 1))
        })
        .collect()
}

/// Replay `path`; the worlds before and after every step (the initial world first). Stops at
/// the first step that cannot happen, with why.
fn replay(cfg: &Config, path: &[Tid]) -> (Vec<World>, Option<(usize, Tid, String)>) {
    let mut history = vec![World::init(cfg)];
    for (i, &t) in path.iter().enumerate() {
        let w = history.last().expect("initial world");
        match step(cfg, w, t) {
            Some(n) => history.push(n),
            None => {
                let why = why_blocked(cfg, &history, t).unwrap_or_default();
                return (history, Some((i + 1, t, why)));
            }
        }
    }
    (history, None)
}

fn level_json(l: &Level) -> Value {
    json!({
        "id": l.id,
        "title": l.title,
        "goal": l.goal,
        "label": l.cfg.label(),
        "filesystem": crate::report::fs_line(&l.cfg).replace('\n', " ").split_whitespace().collect::<Vec<_>>().join(" "),
        "target": l.target.map(|i| json!({"id": i.id(), "name": i.name(), "meaning": mkwrite_model::fs::meaning(&l.cfg, i)})),
        "threads": World::init(&l.cfg).threads.iter().map(|t| t.name()).collect::<Vec<_>>(),
    })
}

/// `GET /api/levels`.
pub fn levels_json(custom: Option<&Level>) -> Value {
    let mut all: Vec<Value> = custom.iter().map(|l| level_json(l)).collect();
    all.extend(levels().iter().map(level_json));
    Value::Array(all)
}

/// `GET /api/view`: everything the page shows for a level and a path.
pub fn view(l: &Level, path: &[Tid]) -> Result<Value, String> {
    let cfg = &l.cfg;
    let (history, stopped) = replay(cfg, path);
    if let Some((n, t, why)) = stopped {
        let name = history[0].thread(t).name();
        return Err(format!("step {n}: {name} cannot move: {why}"));
    }
    let w = history.last().expect("a world");
    let mut broke_at: Vec<(Inv, usize)> = Vec::new();
    let mut steps = Vec::new();
    for (k, &t) in path.iter().enumerate() {
        let (before, after) = (&history[k], &history[k + 1]);
        let i = info(cfg, before, t);
        let broke: Vec<Value> = Inv::ALL
            .iter()
            .filter(|inv| check_fn(**inv)(cfg, before) && !check_fn(**inv)(cfg, after))
            .map(|inv| {
                if !broke_at.iter().any(|(x, _)| x == inv) {
                    broke_at.push((*inv, k + 1));
                }
                json!({"id": inv.id(), "name": inv.name(), "meaning": mkwrite_model::fs::meaning(cfg, *inv)})
            })
            .collect();
        steps.push(json!({
            "n": k + 1,
            "thread": before.thread(t).name(),
            "function": i.function,
            "id": i.id,
            "anchor": i.anchor,
            "what": i.what,
            "changes": delta(before, after).into_iter().filter(|d| !d.starts_with("fired.")).collect::<Vec<_>>(),
            "broke": broke,
        }));
    }
    let threads: Vec<Value> = (0..w.threads.len() as Tid)
        .map(|t| {
            let th = w.thread(t);
            let can = step(cfg, w, t).is_some();
            let next = (!th.finished(w) || can).then(|| {
                let i = info(cfg, w, t);
                json!({"function": i.function, "id": i.id, "anchor": i.anchor, "what": i.what})
            });
            json!({
                "name": th.name(),
                "runnable": can,
                "finished": th.finished(w) && !can,
                "next": next,
                "why": why_blocked(cfg, &history, t),
            })
        })
        .collect();
    let prev = if history.len() > 1 {
        history[history.len() - 2]
    } else {
        *w
    };
    let before_fields = fields(&prev);
    let fields_json: Vec<Value> = fields(w)
        .into_iter()
        .filter(|(n, _)| !n.starts_with("fired."))
        .map(|(n, v)| {
            let changed = !path.is_empty()
                && before_fields
                    .iter()
                    .find(|(m, _)| *m == n)
                    .is_none_or(|(_, old)| *old != v);
            json!({"name": n, "value": v, "changed": changed})
        })
        .collect();
    let invariants: Vec<Value> = Inv::ALL
        .iter()
        .map(|inv| {
            json!({
                "id": inv.id(),
                "name": inv.name(),
                "meaning": mkwrite_model::fs::meaning(cfg, *inv),
                "holds": check_fn(*inv)(cfg, w),
                "broke_at": broke_at.iter().find(|(x, _)| x == inv).map(|(_, k)| *k),
            })
        })
        .collect();
    let solved = l
        .target
        .is_some_and(|inv| broke_at.iter().any(|(x, _)| *x == inv));
    Ok(json!({
        "level": level_json(l),
        "steps": steps,
        "threads": threads,
        "fields": fields_json,
        "lock": w.lock_owner(),
        "invariants": invariants,
        "solved": solved,
    }))
}

/// `GET /api/violations`: every invariant the configuration violates, with the length of its
/// shortest counterexample, as stateright decides it within `budget` unique states;
/// [`Incomplete`] when the budget stopped it.
pub fn violations_within(l: &Level, budget: usize, p: &Progress) -> Result<Value, Incomplete> {
    let r = check_within(&l.cfg, budget, p, None)?;
    Ok(Value::Array(
        r.verdicts
            .iter()
            .filter_map(|v| {
                v.trace.as_ref().map(|t| {
                    json!({"id": v.inv.id(), "name": v.inv.name(), "meaning": mkwrite_model::fs::meaning(&l.cfg, v.inv), "steps": t.len()})
                })
            })
            .collect(),
    ))
}

/// [`violations_within`] with the library's budget, for the built-in levels (all small).
pub fn violations(l: &Level) -> Value {
    violations_within(l, INTERNAL_BUDGET, &Progress::off())
        .unwrap_or_else(|i| json!({"incomplete": true, "message": budget_message(&i)}))
}

/// What the page says when the budget stopped a search: readable, one sentence, with the
/// flags of `mkwrite play` that help.
pub fn budget_message(i: &Incomplete) -> String {
    let found = if i.violated.is_empty() {
        "no invariant is decided".to_string()
    } else {
        let ids: Vec<&str> = i.violated.iter().map(|v| v.id()).collect();
        format!(
            "{} {} violated already, the others are undecided",
            ids.join(", "),
            if ids.len() == 1 { "is" } else { "are" }
        )
    };
    let smaller = i.smaller();
    let smaller = if smaller.is_empty() {
        String::new()
    } else {
        format!(" A smaller configuration: {}.", smaller.join(" "))
    };
    format!(
        "This configuration is too large for the checker here: it stopped at its state budget \
         of {} states (mkwrite play --max-states N raises it) before the end, so {found}. You \
         can still play it step by step.{smaller}",
        crate::progress::count(i.budget)
    )
}

/// `GET /api/shortest`: the shortest counterexample of `inv` as thread names, searched within
/// `budget` unique states.
pub fn shortest_path_within(
    l: &Level,
    inv: Inv,
    budget: usize,
    p: &Progress,
) -> Result<Value, String> {
    let t = shortest_within(&l.cfg, inv, budget, p)
        .map_err(|i| budget_message(&i))?
        .ok_or_else(|| format!("{} holds in {}", inv.id(), l.cfg.label()))?;
    let w = World::init(&l.cfg);
    Ok(json!({"inv": inv.id(), "path": t.iter().map(|&x| w.thread(x).name()).collect::<Vec<_>>()}))
}

/// `GET /api/shortest` with the library's budget.
pub fn shortest_path(l: &Level, inv: Inv) -> Result<Value, String> {
    shortest_path_within(l, inv, INTERNAL_BUDGET, &Progress::off())
}

/// `GET /api/against`: the path replayed against the other side of the fix; where it stops
/// and why, or that it runs through, and what is violated at its end.
pub fn against(l: &Level, path: &[Tid]) -> Value {
    let other = other_side(&l.cfg);
    let (history, stopped) = replay(&other, path);
    let w = history.last().expect("a world");
    let violated: Vec<&str> = Inv::ALL
        .iter()
        .filter(|i| !check_fn(**i)(&other, w))
        .map(|i| i.id())
        .collect();
    let blocked = stopped.map(|(n, t, why)| {
        let i = info(&other, w, t);
        json!({"n": n, "thread": w.thread(t).name(), "function": i.function, "id": i.id, "why": why})
    });
    json!({
        "label": other.label(),
        "done": history.len() - 1,
        "total": path.len(),
        "blocked": blocked,
        "violated": violated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r1_view_explains_the_block_and_marks_inv1() {
        let l = levels().into_iter().find(|l| l.id == "R1").expect("R1");
        let path = shortest(&l.cfg, Inv::WritablePteHasFsMetadata, None).expect("a trace");
        let v = view(&l, &path).expect("view");
        assert_eq!(v["solved"], true);
        let inv1 = v["invariants"]
            .as_array()
            .and_then(|a| a.iter().find(|i| i["id"] == "INV-1"))
            .cloned()
            .expect("INV-1");
        assert_eq!(inv1["broke_at"], path.len());
        // Against the new protocol the flusher cannot lock the page at step 7: F0 holds it.
        let a = against(&l, &path);
        assert_eq!(a["blocked"]["thread"], "W0", "{a}");
        assert!(a["blocked"]["why"]
            .as_str()
            .is_some_and(|w| w.contains("held by F0")));
    }

    #[test]
    fn the_page_fetches_nothing_from_outside() {
        for f in [INDEX_HTML, PLAY_JS, PLAY_CSS] {
            assert!(!f.contains("http://") && !f.contains("https://") && !f.contains("//cdn"));
        }
    }

    #[test]
    fn every_level_can_be_solved_and_names_its_threads() {
        for l in levels() {
            let target = l.target.expect("a target");
            let path = shortest(&l.cfg, target, None)
                .unwrap_or_else(|| panic!("{}: {} holds", l.id, target.id()));
            let v = view(&l, &path).expect("view");
            assert_eq!(v["solved"], true, "{}", l.id);
        }
    }

    #[test]
    fn r7_against_the_fix_breaks_nothing() {
        let l = levels().into_iter().find(|l| l.id == "R7").expect("R7");
        let path = shortest(&l.cfg, Inv::WritablePteHasFsMetadata, None).expect("a trace");
        let a = against(&l, &path);
        assert!(a["label"]
            .as_str()
            .is_some_and(|s| s.starts_with("new+isize-extended/")));
        assert_eq!(a["violated"], json!([]), "{a}");
    }

    #[test]
    fn a_path_that_cannot_happen_says_which_step() {
        let l = levels().into_iter().find(|l| l.id == "R1").expect("R1");
        let io_first = parse_path(&l.cfg, "IO").expect("IO is a thread");
        let e = view(&l, &io_first).expect_err("IO has nothing to complete");
        assert!(e.starts_with("step 1: IO cannot move"), "{e}");
        assert!(parse_path(&l.cfg, "F0.Z9").is_err());
    }
}
