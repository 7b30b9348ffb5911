//! `mkwrite play`: the teaching page's model side. The page is static HTML/JS/CSS shipped in
//! the binary; everything it shows comes from here, as JSON, computed by the model's own step
//! functions, invariants and step descriptions: a path (thread names, one per step) is
//! replayed from the initial state on every request, so the server keeps no session. The
//! questions only a search can answer (what is violated, the shortest counterexample, whether
//! the level's invariant can still break from a position) go to stateright through
//! [`crate::run`].

use crate::progress::Progress;
use crate::run::{check_within, reach_within, Incomplete, Origin, Reach, INTERNAL_BUDGET};
use mkwrite_model::contract::{scenario, Cut612, Fix, Role};
use mkwrite_model::explain::{how_ended, why_blocked};
use mkwrite_model::invariants::check_fn;
use mkwrite_model::step::{info, step, StepInfo};
use mkwrite_model::trace::fields;
use mkwrite_model::world::{Pc, WbPc, XPc};
use mkwrite_model::{Config, Fs, Inv, Protocol, Tid, World};
use serde_json::{json, Value};

/// The page, its script and its style, shipped inside the binary.
pub const INDEX_HTML: &str = include_str!("play/index.html");
/// The page's script.
pub const PLAY_JS: &str = include_str!("play/play.js");
/// The page's style.
pub const PLAY_CSS: &str = include_str!("play/play.css");

/// The page's icon (an SVG; its only URL is the SVG namespace, which is a name, not a fetch).
pub const FAVICON: &str = include_str!("play/favicon.svg");

/// The longest run of one thread alone that a thread's column lists.
const SOLO_STEPS: usize = 24;

/// A level: a configuration, the invariant to break, and the challenge in one sentence.
#[derive(Clone, Debug)]
pub struct Level {
    /// Short id, used in links (`R1`, `nfs-bug`, `custom`; `R1-fix` for R1's fixed side).
    pub id: String,
    /// Title.
    pub title: String,
    /// The configuration.
    pub cfg: Config,
    /// The invariant whose violation solves the level (`None`: a free configuration).
    pub target: Option<Inv>,
    /// The challenge.
    pub goal: String,
    /// The events the goal describes, in its order: (thread, step id) pairs that the checker's
    /// shortest counterexample of the target passes through in this order, the last one the
    /// step that breaks it (a test keeps the goal and "Show me" on one path).
    pub order: Vec<(&'static str, &'static str)>,
    /// The threads the student schedules (`None`: every thread). The searches move only these.
    pub threads: Option<Vec<&'static str>>,
    /// The state fields shown (`None`: every field).
    pub fields: Option<Vec<&'static str>>,
    /// Show the target invariant only.
    pub only_target: bool,
    /// A hint at every step (the first level).
    pub guided: bool,
    /// For the fixed side of a level: the level's id.
    pub fix_of: Option<String>,
}

impl Level {
    /// A level of free play on `cfg`: no target, every thread, every field.
    pub fn free(id: &str, title: &str, cfg: Config) -> Level {
        Level {
            id: id.into(),
            title: title.into(),
            cfg,
            target: None,
            goal: String::new(),
            order: Vec::new(),
            threads: None,
            fields: None,
            only_target: false,
            guided: false,
            fix_of: None,
        }
    }

    /// The threads the student may move, as a bit set of thread ids (`None`: all).
    pub fn movable(&self) -> Option<u32> {
        let names = self.threads.as_ref()?;
        let w = World::init(&self.cfg);
        Some(
            w.threads
                .iter()
                .enumerate()
                .filter(|(_, t)| names.contains(&t.name().as_str()))
                .fold(0u32, |m, (i, _)| m | 1 << i),
        )
    }

    fn may_move(&self, t: Tid) -> bool {
        self.movable().is_none_or(|m| m & (1 << t) != 0)
    }
}

fn scenario_cfg(name: &str) -> Config {
    scenario(name).map_or_else(|| Config::new(Protocol::Old), Config::from_scenario)
}

/// Every level: a first level for beginners, the races R1-R5, the partial page (R7), the
/// pre-2007 msync loss, the v3.15-rc deadlock, the filesystem profiles' failures, the
/// other door (a DMA through get_user_pages, `--dio 1`), and Linux 6.12: the freeze that
/// unmodified 6.12 ext4 mounted nodelalloc misses, and 6.12 without finish_mkwrite_fault's
/// pte_same recheck.
pub fn levels() -> Vec<Level> {
    let lvl = |id: &str,
               title: &str,
               cfg: Config,
               target: Inv,
               goal: &str,
               order: &[(&'static str, &'static str)]| Level {
        target: Some(target),
        goal: goal.into(),
        order: order.to_vec(),
        ..Level::free(id, title, cfg)
    };
    let nfs_old = Config {
        fs: Fs::NFS,
        writeback: 2,
        ..Config::new(Protocol::Old)
    };
    let btrfs_new = Config {
        fs: Fs::BTRFS,
        writeback: 2,
        ..Config::new(Protocol::New)
    };
    let defio_new = Config {
        fs: Fs::FB_DEFIO,
        ..Config::new(Protocol::New)
    };
    let first = Level {
        threads: Some(vec!["F0", "W0"]),
        fields: Some(vec!["page.locked", "page.dirty", "pte0", "fs.meta"]),
        only_target: true,
        guided: true,
        ..lvl(
            "first",
            "First steps: two threads, one page",
            Config::new(Protocol::Old),
            Inv::WritablePteHasFsMetadata,
            "F0 writes to a page it maps read-only, so it faults; W0, the flusher, writes dirty \
             pages to disk. Let F0's ->page_mkwrite attach the page's metadata and unlock the \
             page, let W0 lock the page before F0 makes its pte writable, and then let W0 write \
             the page while that pte is writable: the metadata ends up clean under a writable \
             pte (INV-1). The hint under the goal says, at every step, which thread the \
             checker's shortest way to that moves next, and why.",
            &[
                ("F0", "PM3"),
                ("W0", "W2-W5"),
                ("F0", "WP6-WP11"),
                ("W0", "W8,W10"),
            ],
        )
    };
    let freeze_612 = Config {
        fs: Fs::parse("ext4@6.12-nodelalloc").unwrap_or(Fs::LOCKED),
        writeback: 0,
        freeze: true,
        ..Config::new(Protocol::V612)
    };
    let pte_same_612 = Config {
        fs: Fs::parse("ext4@6.12").unwrap_or(Fs::LOCKED),
        writeback: 0,
        truncate: true,
        ..Config::new(Protocol::V612Minus(Cut612::PteSame))
    };
    vec![
        first,
        lvl(
            "R1",
            "R1: the flusher in do_wp_page's window",
            scenario_cfg("R1"),
            Inv::WritablePteHasFsMetadata,
            "F0's ->page_mkwrite attaches the metadata and returns with the page unlocked. \
             Before F0 makes its pte writable, let the flusher W0 lock the page and look at its \
             pte (page_mkclean finds nothing writable yet); then let F0 make the pte writable, \
             and W0 clear PG_dirty and write the page: ->writepage marks the metadata clean \
             under a writable pte (INV-1).",
            &[
                ("F0", "PM3"),
                ("W0", "W2-W5"),
                ("W0", "W6a"),
                ("F0", "WP6-WP11"),
                ("W0", "W6c"),
                ("W0", "W8,W10"),
            ],
        ),
        lvl(
            "R2",
            "R2: cleaning between the pte and set_page_dirty",
            scenario_cfg("R2"),
            Inv::CleanedPageHadFsMetadata,
            "Let F0 make its pte writable and stop before its set_page_dirty (WP14); let the \
             flusher lock the page, write-protect the pte and clear PG_dirty. Now F0's \
             set_page_dirty dirties the page again, and W0 writes it, which cleans the \
             metadata: the page is dirty with nothing behind it. Let the I/O complete (IO), and \
             W0's second pass cleans that page (INV-2).",
            &[
                ("F0", "WP6-WP11"),
                ("W0", "W2-W5"),
                ("W0", "W6c"),
                ("F0", "WP14"),
                ("W0", "W8,W10"),
                ("IO", "W9"),
                ("W0", "W6c"),
            ],
        ),
        lvl(
            "R3",
            "R3: the nopage path's window",
            scenario_cfg("R3"),
            Inv::WritablePteHasFsMetadata,
            "F0 has no pte: its fault goes through __do_fault, which unlocks the page for \
             ->page_mkwrite and locks it again afterwards. Let the flusher W0 lock, clean and \
             write the page between ->page_mkwrite's unlock and __do_fault's relock; F0 then \
             installs a writable pte on a page whose metadata is clean (INV-1).",
            &[
                ("F0", "PM3"),
                ("W0", "W2-W5"),
                ("W0", "W8,W10"),
                ("F0", "DF6-DF7"),
                ("F0", "DF9-DF11"),
            ],
        ),
        lvl(
            "R4",
            "R4: __do_fault dirties after unlock_page",
            scenario_cfg("R4"),
            Inv::CleanedPageHadFsMetadata,
            "On the nopage path, let F0 install its pte and unlock the page (DF12); let the \
             flusher W0 clean the page before F0's set_page_dirty (DF14-DF15), which dirties it \
             again; W0 writes it, and its second pass cleans a dirty page without metadata \
             (INV-2).",
            &[
                ("F0", "DF12"),
                ("W0", "W6c"),
                ("F0", "DF14-DF15"),
                ("W0", "W8,W10"),
                ("W0", "W6c"),
            ],
        ),
        lvl(
            "R5",
            "R5: the new VM, an unconverted filesystem",
            scenario_cfg("R5"),
            Inv::WritablePteHasFsMetadata,
            "The VM is patched but ->page_mkwrite still returns unlocked: let the flusher W0 \
             clean and write the page between ->page_mkwrite's unlock and do_wp_page's relock \
             (WP5a); F0 then makes its pte writable on a page whose metadata is clean (INV-1).",
            &[
                ("F0", "PM3"),
                ("W0", "W8,W10"),
                ("F0", "WP5a"),
                ("F0", "WP6-WP11"),
            ],
        ),
        lvl(
            "R7",
            "R7: the partial page at EOF",
            scenario_cfg("R7"),
            Inv::WritablePteHasFsMetadata,
            "XFS with two blocks per page, beside the new VM: T0 truncates the file to the end \
             of block 0 and then back up. Let T0 truncate into the page first, then let F0's \
             fault make its pte writable; let T0 free block 1 and extend the file: block 1 is \
             inside i_size again, a hole with no space behind it, under F0's writable pte \
             (INV-1).",
            &[("T0", "T1"), ("F0", "WP6-WP11"), ("T0", "T6"), ("T0", "T7")],
        ),
        lvl(
            "H2007",
            "Before 2007: the msync loss",
            scenario_cfg("H2007"),
            Inv::WritablePteImpliesDirtyOrDirtying,
            "Without wait_on_page_locked in do_wp_page: let the flusher W0 lock the page inside \
             F0's fault, let F0 make its pte writable and set PG_dirty (WP14) while W0 holds \
             the lock, and then let W0 clear PG_dirty: a writable pte on a clean page, whose \
             stores msync will not see (INV-3a).",
            &[
                ("W0", "W2-W5"),
                ("F0", "WP6-WP11"),
                ("F0", "WP14"),
                ("W0", "W6c"),
            ],
        ),
        lvl(
            "H2014a",
            "v3.15-rc: do_page_mkwrite's deadlock",
            scenario_cfg("H2014a"),
            Inv::FaultReturnsPageUnlocked,
            "v3.15-rc's do_page_mkwrite relocked an unlocked return without saying so: let \
             F0's ->page_mkwrite return with the page unlocked and do_wp_page take it as a \
             retry: the fault returns to user space holding the page lock (INV-5a).",
            &[("F0", "PM3"), ("F0", "WP5a (3.15-rc)")],
        ),
        lvl(
            "nfs-bug",
            "NFS: the BUG at write.c:252",
            nfs_old,
            Inv::NoKernelBugFired,
            "NFS before its conversion: let the flusher W0 clear PG_dirty while F0's fault is \
             between its pte and its set_page_dirty (WP14), which dirties the page again; W0's \
             writepage sends the request as a WRITE, whose UNSTABLE reply (IO) puts it on the \
             commit list. The second pass's writepage finds that request: \
             nfs_page_async_flush BUG()s.",
            &[
                ("W0", "W6c"),
                ("F0", "WP14"),
                ("W0", "W8,W10"),
                ("IO", "W9"),
                ("W0", "W8,W10"),
            ],
        ),
        lvl(
            "nfs-loss",
            "NFS: fsync returns 0, the data is gone",
            nfs_old,
            Inv::NoStoreLostSilently,
            "Let the flusher W0 lock the page while F0's fault is between ->page_mkwrite and its \
             pte, and send the WRITE before F0's set_page_dirty (WP14): the page is dirty again \
             with no request behind it. F0's store lands after the WRITE went out, so the final \
             fsync (S) writes nothing and returns 0 while the store is only in memory (INV-3c).",
            &[
                ("W0", "W2-W5"),
                ("F0", "WP6-WP11"),
                ("W0", "W8,W10"),
                ("F0", "WP14"),
                ("F0", "ST"),
                ("S", "W8,W10"),
                ("S", "SY"),
                ("S", "SY"),
            ],
        ),
        lvl(
            "btrfs",
            "btrfs: the fixup worker's fsync gap",
            btrfs_new,
            Inv::NoStoreLostSilently,
            "btrfs before its conversion, beside the new VM: let the flusher W0 write the page \
             between btrfs_page_mkwrite's unlock (BT7) and do_wp_page's relock (WP5a), so that \
             F0 dirties a page with no delalloc range behind it. The final fsync's (S) writepage only \
             queues the fixup worker and writes nothing, and fsync returns 0 while the store \
             is not on disk (INV-3c).",
            &[
                ("F0", "BT7"),
                ("W0", "W8,W10"),
                ("F0", "WP5a"),
                ("F0", "ST"),
                ("S", "W8,W10"),
                ("S", "SY"),
                ("S", "SY"),
            ],
        ),
        lvl(
            "fb_defio",
            "fb_defio: the display that never updates",
            defio_new,
            Inv::NoStoreLostSilently,
            "Framebuffer deferred I/O before d6d03f91585, beside the new VM (X0 is the \
             deferred work): let X0 write-protect the page (DW3) between F0's ->page_mkwrite \
             and its relock (WP5a), and copy the page to the display (DW5) before F0's store \
             lands; the work then empties its list. When every thread has stopped (the final \
             fsync S too), F0's store never reached the display (INV-3c).",
            &[
                ("F0", "FD4"),
                ("X0", "DW3"),
                ("F0", "WP5a"),
                ("X0", "DW5"),
                ("F0", "ST"),
                ("X0", "DW6-DW7"),
                ("S", "SY"),
                ("S", "SY"),
            ],
        ),
        lvl(
            "dma",
            "The page that was never faulted",
            crate::gup::config(
                Protocol::New,
                Fs::parse("ext4@9ea7df534ed2").unwrap_or(Fs::LOCKED),
                true,
                mkwrite_model::config::GupEra::Ext4Warn,
            ),
            Inv::DmaDirtiedPageHasFsMetadata,
            "The other door (docs/gup.md): D0 is an O_DIRECT read into the mapped page. Its \
             get_user_pages faults the page in through ->page_mkwrite and keeps a reference; \
             its device then writes the page with no pte. Let the flusher W0 clean and write \
             the page, let the I/O complete (IO), let kswapd R0 strip the clean buffers (it \
             cannot free the page D0 holds), and then let D0's set_page_dirty_lock dirty the \
             page with nothing behind it (INV-9).",
            &[
                ("D0", "DMA"),
                ("W0", "W6c"),
                ("W0", "W8,W10"),
                ("IO", "W9"),
                ("R0", "RC6"),
                ("D0", "DIO2"),
            ],
        ),
        Level {
            threads: Some(vec!["F0", "Z0"]),
            fields: Some(vec![
                "page.locked",
                "page.dirty",
                "page.writeback",
                "page.tag_dirty",
                "page.ref",
                "pte0",
                "ext4.block",
                "buffers",
                "sb.frozen",
            ]),
            ..lvl(
            "freeze",
            "6.12: the freeze that missed a page",
            freeze_612,
            Inv::FrozenFsHasNoDirtyPage,
            "Linux 6.12, ext4 mounted nodelalloc, the file's block already allocated; Z0 \
             freezes the filesystem (freeze_super). F0's ext4_page_mkwrite finds every buffer \
             mapped and takes its fast path (6EN2): it returns with the folio locked but not \
             dirty, and leaves its freeze protection (sb_end_pagefault). Let F0 make its pte \
             writable (6WP5) and stop before fault_dirty_shared_page; then let Z0 freeze: it \
             waits for no fault, its sync finds no folio tagged dirty (6Z3), and the \
             filesystem is frozen (6Z4-6Z5) under a writable pte whose folio F0 dirties next: \
             a store lands on a frozen filesystem (FREEZE).",
            &[
                ("F0", "6EN2"),
                ("F0", "6WP5"),
                ("Z0", "6Z2"),
                ("Z0", "6Z3"),
                ("Z0", "6Z4-6Z5"),
            ],
        )
        },
        Level {
            threads: Some(vec!["F0", "T0"]),
            ..lvl(
            "pte-same",
            "6.12 without pte_same: the pte truncate zapped",
            pte_same_612,
            Inv::PageRefcountBalanced,
            "Linux 6.12 with one check cut: finish_mkwrite_fault makes the pte writable without \
             its pte_same recheck. Let F0's ext4_page_mkwrite return with the folio locked \
             (6WP4); then let T0 truncate the file (T1) and zap F0's pte, which drops the \
             pte's reference to the page (T2); now let F0 take the PTL and make a pte \
             writable anyway (6WP5): a pte on a page truncate is removing, and a page \
             reference count that no longer adds up (INV-6).",
            &[
                ("F0", "6WP4"),
                ("T0", "T1"),
                ("T0", "T2"),
                ("F0", "6WP5 (ablation)"),
            ],
        )
        },
    ]
}

/// The fix a configuration is replayed against on the page, and what it is in one line: for
/// a race of the old VM, the new VM with the filesystem's converted era (the seed filesystem
/// returning VM_FAULT_LOCKED); for a filesystem left unconverted beside the new VM, its
/// converted era; for the partial page, 90a8020278c1; for the pre-2007 calibration, the 2007
/// wait; for v3.15-rc's do_page_mkwrite, the released code; for the branch without
/// ->page_mkwrite, 2d6d7f982846; for a cut of the 6.12 ablation, 6.12 as released; for the
/// freeze of ext4 mounted nodelalloc, delalloc ext4 (whose ->page_mkwrite dirties the folio,
/// as filemap_page_mkwrite does, mm/filemap.c:3737-3742). `Err` says why there is none.
pub fn fix(cfg: &Config) -> Result<(Config, String), String> {
    let with = |protocol: Protocol, fs: Fs| Config {
        protocol,
        fixes: protocol.fixes(),
        fs,
        ..*cfg
    };
    let converted = |fs: Fs| fs.ops().conversion().and_then(Fs::parse);
    let the_patch = "b827e496c893 (e58fcb489af in 2.6.29.4): the fault holds the page lock \
                     from ->page_mkwrite until the page is dirty";
    let conversion = |fs: Fs| {
        format!(
            "{}: {} returns with the page locked (VM_FAULT_LOCKED)",
            fs.id(),
            fs.info().profile
        )
    };
    let unconverted = |fs: Fs| {
        format!(
            "{} has no era converted to VM_FAULT_LOCKED in the model: beside the new VM it \
             keeps the window (R5), so there is no fix to replay against",
            fs.id()
        )
    };
    let (fixed, what) = match cfg.protocol {
        _ if cfg.dio && !cfg.gup_era.pins() => (
            Config {
                gup_era: mkwrite_model::config::GupEra::PinSkip,
                ..*cfg
            },
            "d824ec2a1546 (6.4) with a7e689dd1c06 (6.5): direct I/O pins the page, and reclaim \
             keeps a pinned page before it releases the filesystem's private data"
                .to_string(),
        ),
        _ if cfg.extend && !cfg.fixes.has(Fix::IsizeExtended) => (
            with(Protocol::NewIsizeExtended, cfg.fs),
            "90a8020278c1: extending i_size write-protects the page that straddled the old EOF"
                .to_string(),
        ),
        Protocol::Pre2007 => (
            with(Protocol::Old, cfg.fs),
            "79352894b28 (2007): do_wp_page waits for the page lock (wait_on_page_locked) \
             before set_page_dirty"
                .to_string(),
        ),
        Protocol::V315Rc => (
            with(Protocol::New2014, cfg.fs),
            "the released do_page_mkwrite (new+2014): an unlocked return is relocked and \
             reported as VM_FAULT_LOCKED"
                .to_string(),
        ),
        Protocol::New if cfg.fs == Fs::NONE => (
            with(Protocol::New2014, cfg.fs),
            "2d6d7f982846 (2014): do_wp_page locks the page around set_page_dirty when the \
             filesystem has no ->page_mkwrite"
                .to_string(),
        ),
        Protocol::Old => match cfg.fs {
            Fs::NONE => (
                with(Protocol::New2014, cfg.fs),
                "2d6d7f982846 (2014): do_wp_page locks the page around set_page_dirty when the \
                 filesystem has no ->page_mkwrite"
                    .to_string(),
            ),
            fs if fs.is_seed() => (
                with(Protocol::New, Fs::LOCKED),
                format!("{the_patch}; ->page_mkwrite returns VM_FAULT_LOCKED"),
            ),
            fs => match converted(fs) {
                Some(c) => (
                    with(Protocol::New, c),
                    format!("{the_patch}, and {}", conversion(c)),
                ),
                None if mkwrite_model::fs::returns_locked(&with(Protocol::New, fs)) => {
                    (with(Protocol::New, fs), the_patch.to_string())
                }
                None => return Err(unconverted(fs)),
            },
        },
        Protocol::V612Minus(c) => (
            with(Protocol::V612, cfg.fs),
            format!(
                "Linux 6.12.118 as released, without the cut of {} ({})",
                c.minus_id(),
                c.reverts()
            ),
        ),
        Protocol::V612 if cfg.freeze && cfg.fs.id() == "ext4@6.12-nodelalloc" => (
            Config {
                fs: Fs::parse("ext4@6.12").unwrap_or(cfg.fs),
                ..*cfg
            },
            "ext4 with delayed allocation (the default mount): block_page_mkwrite marks the \
             folio dirty inside ->page_mkwrite, under its freeze protection, so the freeze's \
             sync finds it and write-protects the pte"
                .to_string(),
        ),
        Protocol::NewMinus(f) => (
            with(Protocol::New, cfg.fs),
            format!(
                "the whole patch, with the part this protocol leaves out: {}",
                f.id()
            ),
        ),
        _ => match converted(cfg.fs) {
            Some(c) if cfg.fs.is_seed() => (
                Config { fs: c, ..*cfg },
                "the converted filesystem: ->page_mkwrite returns VM_FAULT_LOCKED".to_string(),
            ),
            Some(c) => (Config { fs: c, ..*cfg }, conversion(c)),
            None if !mkwrite_model::fs::has_page_mkwrite(cfg)
                || mkwrite_model::fs::returns_locked(cfg) =>
            {
                return Err("this is the fixed kernel already".into())
            }
            None => return Err(unconverted(cfg.fs)),
        },
    };
    fixed.validate().map_err(|e| e.0)?;
    Ok((fixed, what))
}

/// The fixed side of `l` as a level of its own (`R1-fix`): the same threads and target on
/// [`fix`]'s configuration.
pub fn fix_level(l: &Level) -> Result<Level, String> {
    if l.fix_of.is_some() {
        return Err("this is the fixed side already".into());
    }
    let (cfg, what) = fix(&l.cfg)?;
    let goal = match l.target {
        Some(t) => format!(
            "The fixed side of {}: {what}. The same threads; try to break {} here.",
            l.id,
            t.id()
        ),
        None => format!("The fixed side of {}: {what}.", l.id),
    };
    Ok(Level {
        id: format!("{}-fix", l.id),
        title: format!("{}, fixed: {}", l.id, cfg.label()),
        cfg,
        goal,
        order: Vec::new(),
        fix_of: Some(l.id.clone()),
        ..l.clone()
    })
}

/// The level `id`: a level of [`levels`], the configuration given on the command line
/// (`custom`), or the fixed side of either (`R1-fix`).
pub fn level(id: &str, custom: &Level) -> Option<Level> {
    if let Some(base) = id.strip_suffix("-fix") {
        return level(base, custom).and_then(|l| fix_level(&l).ok());
    }
    if id == custom.id {
        return Some(custom.clone());
    }
    levels().into_iter().find(|l| l.id == id)
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
        if t as usize >= w.threads.len() {
            return (history, Some((i + 1, t, "no such thread".into())));
        }
        match step(cfg, w, t) {
            Some(n) => history.push(n),
            None => {
                let why = state_of(cfg, &history, t, false).1;
                return (history, Some((i + 1, t, why)));
            }
        }
    }
    (history, None)
}

/// Who a thread is, in one line.
fn who(cfg: &Config, w: &World, t: Tid) -> String {
    let th = w.thread(t);
    match th.role {
        Role::Writer => "a writer: a user thread that stores into the shared mapping, faulting \
                         as needed"
            .into(),
        Role::Writeback => format!(
            "the flusher: {} background writeback pass{} (write_cache_pages)",
            cfg.writeback,
            if cfg.writeback == 1 { "" } else { "es" }
        ),
        Role::Io => "the completion of the I/O that ->writepage submitted".into(),
        Role::Truncate => "truncate".into(),
        Role::Sync => {
            "the final fsync: it starts once the writers, W0, T0 and R0 have finished".into()
        }
        Role::Env => "the rest of the system: it takes the filesystem's last free blocks \
                      (--enospc)"
            .into(),
        Role::Reclaim => "reclaim: kswapd's shrink_page_list over the page".into(),
        Role::Dma => "an O_DIRECT read into the mapping: get_user_pages(FOLL_WRITE), the \
                      device's write through no pte, set_page_dirty_lock"
            .into(),
        Role::Freeze => "a filesystem freeze (freeze_super, then thaw_super)".into(),
        Role::FsWorker => match cfg.fs.name() {
            "fb_defio" => "fb_defio's deferred work (fb_deferred_io_work)".into(),
            "btrfs" => "btrfs's writepage fixup worker".into(),
            _ => "the filesystem's own worker".into(),
        },
    }
}

/// A thread's state in the last world of `history`: `runnable`, `blocked`, `finished` or
/// `idle`, and the reason in kernel terms when it cannot move. `ran` says whether the thread
/// has taken a step along the path (an idle worker that never ran has not finished anything).
fn state_of(cfg: &Config, history: &[World], t: Tid, ran: bool) -> (&'static str, String) {
    let w = history.last().expect("a world");
    if step(cfg, w, t).is_some() {
        return ("runnable", String::new());
    }
    let th = w.thread(t);
    if th.pc == Pc::FsWorker(XPc::Wait) {
        return (
            "idle",
            if ran {
                "idle: no work queued since it last ran".into()
            } else {
                "idle: no work queued yet".into()
            },
        );
    }
    if th.role == Role::Io && th.finished(w) {
        return ("idle", "idle: no I/O in flight".into());
    }
    if th.role == Role::Sync && th.pc == Pc::Writeback(WbPc::NotStarted) {
        let waiting: Vec<String> = w
            .threads
            .iter()
            .filter(|o| o.role.waited_for_by_sync() && !o.finished(w))
            .map(|o| o.name())
            .collect();
        if !waiting.is_empty() {
            return (
                "blocked",
                format!(
                    "waits until {} {} finished: fsync starts after them",
                    list(&waiting),
                    if waiting.len() == 1 { "has" } else { "have" }
                ),
            );
        }
    }
    if th.finished(w) {
        return ("finished", polish(&how_ended(cfg, w, t)));
    }
    let why = why_blocked(cfg, history, t).unwrap_or_else(|| "cannot run".into());
    ("blocked", polish(&why))
}

/// Small corrections of the model's sentences for the page.
fn polish(s: &str) -> String {
    s.replace("its 1 writeback passes", "its 1 writeback pass")
}

/// `a`, `a and b`, `a, b and c`.
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn step_json(i: &StepInfo) -> Value {
    json!({"function": i.function, "id": i.id, "anchor": i.anchor, "what": i.what})
}

/// The fields shown for `l`, with the previous world's values for comparison.
fn fields_of(l: &Level, w: &World) -> Vec<(String, String)> {
    fields(w)
        .into_iter()
        .filter(|(n, _)| !n.starts_with("fired."))
        .filter(|(n, _)| l.fields.as_ref().is_none_or(|f| f.contains(&n.as_str())))
        .collect()
}

/// The fields that differ between two worlds: name, before, after.
fn changes(l: &Level, before: &World, after: &World) -> Vec<Value> {
    let a = fields_of(l, before);
    fields_of(l, after)
        .into_iter()
        .filter_map(|(n, v)| {
            let old = a
                .iter()
                .find(|(m, _)| *m == n)
                .map_or("-".to_string(), |(_, o)| o.clone());
            (old != v).then(|| json!({"name": n, "from": old, "to": v}))
        })
        .collect()
}

/// The step ids' letters (`WP` of `WP6-WP11`, `W` of `W8,W10`): the code path a step belongs
/// to.
fn code_of(id: &str) -> String {
    id.chars().take_while(|c| c.is_ascii_uppercase()).collect()
}

/// What each part of the configuration's label means.
pub fn label_legend(cfg: &Config) -> Vec<(String, String)> {
    let vm = match cfg.protocol {
        Protocol::Old => "the kernel before the fix (2.6.29.4 before e58fcb489af)".to_string(),
        Protocol::New => "the kernel with the fix b827e496c893 (e58fcb489af)".to_string(),
        Protocol::NewMinus(f) => format!("the fix without one part: {}", f.reverts()),
        Protocol::Pre2007 => {
            "the old kernel without 79352894b28 (2007): do_wp_page does not wait for the page \
             lock"
                .to_string()
        }
        Protocol::V315Rc => "the fixed kernel with v3.15-rc's do_page_mkwrite".to_string(),
        Protocol::New2014 => "the fixed kernel with 2d6d7f982846 (2014)".to_string(),
        Protocol::NewIsizeExtended => "the fixed kernel with 90a8020278c1 (v3.18)".to_string(),
        Protocol::V612 => "Linux 6.12.118".to_string(),
        Protocol::V612Minus(c) => format!("Linux 6.12.118 without one piece: {}", c.reverts()),
    };
    let fs = match cfg.fs {
        Fs::UNLOCKED => {
            "the patch's abstract filesystem; its ->page_mkwrite returns with the page unlocked"
                .to_string()
        }
        Fs::LOCKED => {
            "the patch's abstract filesystem; its ->page_mkwrite returns with the page locked \
             (VM_FAULT_LOCKED)"
                .to_string()
        }
        Fs::NONE => "the patch's abstract filesystem without a ->page_mkwrite".to_string(),
        f => format!("{}, {}", f.info().profile, f.info().code),
    };
    let n = |k: u8, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
    let mut out = vec![
        (
            format!("{}/{}", cfg.protocol.id(), cfg.fs.id()),
            format!("the VM: {vm}; the filesystem: {fs}"),
        ),
        (
            format!("w{}", cfg.writers),
            format!("{} (F0...)", n(cfg.writers, "writer", "writers")),
        ),
    ];
    if cfg.shared_mm {
        out.push((
            "shared-mm".into(),
            "the writers share one mm and one pte".into(),
        ));
    }
    out.push((
        format!("wb{}", cfg.writeback),
        format!(
            "{} of the flusher W0",
            n(cfg.writeback, "writeback pass", "writeback passes")
        ),
    ));
    out.push((
        format!("t{}", u8::from(cfg.truncate)),
        if cfg.truncate {
            "a truncate thread T0".into()
        } else {
            "no truncate".into()
        },
    ));
    out.push((
        format!("pte={}", if cfg.pte_ro { "ro" } else { "none" }),
        if cfg.pte_ro {
            "each writer's pte starts present and read-only: the store faults into do_wp_page"
                .into()
        } else {
            "each writer starts without a pte: the store faults into __do_fault".into()
        },
    ));
    out.push((
        format!("page={}", if cfg.page_dirty { "dirty" } else { "clean" }),
        if cfg.page_dirty {
            "the page starts dirty, as after write(2)".into()
        } else {
            "the page starts clean".into()
        },
    ));
    if cfg.fs.convention().is_some() {
        out.push(if cfg.strict {
            (
                "strict".into(),
                "->writepage cannot write a page whose metadata is missing (a delalloc \
                 filesystem's ENOSPC)"
                    .into(),
            )
        } else {
            (
                "lenient".into(),
                "->writepage writes a page whose metadata is missing".into(),
            )
        });
    }
    let extra = [
        (
            mkwrite_model::fs::counterfactual(cfg),
            "counterfactual",
            "a combination no release ran",
        ),
        (cfg.stores > 1, "stores2", "each writer stores twice"),
        (cfg.reclaim, "reclaim", "a reclaim thread R0"),
        (
            cfg.enospc,
            "enospc",
            "the filesystem can run out of space: E0 takes the last free blocks",
        ),
        (
            cfg.late_writeback,
            "late-wb",
            "a scenario constraint, not the kernel: writeback may not lock the page while a \
             fault is between ->page_mkwrite and its pte",
        ),
        (cfg.blocks > 1, "bpp2", "two blocks per page"),
        (
            cfg.truncate_partial,
            "to-partial",
            "T0 truncates to the block boundary inside the page",
        ),
        (cfg.extend, "extend", "T0 then truncates the file up again"),
    ];
    for (on, token, meaning) in extra {
        if on {
            out.push((token.into(), meaning.into()));
        }
    }
    out
}

fn level_json(l: &Level, next: Option<&str>) -> Value {
    let w = World::init(&l.cfg);
    let fix = match (&l.fix_of, fix(&l.cfg)) {
        (Some(_), _) => json!({"none": "this is the fixed side"}),
        (None, Ok((c, what))) => {
            json!({"id": format!("{}-fix", l.id), "label": c.label(), "what": what})
        }
        (None, Err(e)) => json!({ "none": e }),
    };
    json!({
        "id": l.id,
        "title": l.title,
        "goal": l.goal,
        "label": l.cfg.label(),
        "legend": label_legend(&l.cfg).into_iter().map(|(t, m)| json!({"token": t, "meaning": m})).collect::<Vec<_>>(),
        "filesystem": crate::report::fs_line(&l.cfg).replace('\n', " ").split_whitespace().collect::<Vec<_>>().join(" "),
        "target": l.target.map(|i| json!({"id": i.id(), "name": i.name(), "meaning": mkwrite_model::fs::meaning(&l.cfg, i)})),
        "threads": (0..w.threads.len() as Tid).filter(|&t| l.may_move(t)).map(|t| json!({"name": w.thread(t).name(), "who": who(&l.cfg, &w, t)})).collect::<Vec<_>>(),
        "guided": l.guided,
        "only_target": l.only_target,
        "fix": fix,
        "fix_of": l.fix_of,
        "next": next,
    })
}

/// `GET /api/levels`.
pub fn levels_json(custom: Option<&Level>) -> Value {
    let mut all: Vec<Level> = custom.into_iter().cloned().collect();
    all.extend(levels());
    let ids: Vec<String> = all.iter().map(|l| l.id.clone()).collect();
    Value::Array(
        all.iter()
            .enumerate()
            .map(|(k, l)| level_json(l, ids.get(k + 1).map(String::as_str)))
            .collect(),
    )
}

/// Why `path` cannot be played on `l`: the message, and how many of its steps can.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreachable {
    /// One sentence naming the step.
    pub message: String,
    /// The steps before it, which can be played.
    pub valid: usize,
}

/// The worlds along `path` on `l` (the initial world first), or the first step that cannot
/// be played there.
pub fn worlds(l: &Level, path: &[Tid]) -> Result<Vec<World>, Unreachable> {
    let w0 = World::init(&l.cfg);
    if let Some(k) = path.iter().position(|&t| !l.may_move(t)) {
        return Err(Unreachable {
            message: format!(
                "step {}: {} is not one of this level's threads to schedule",
                k + 1,
                w0.thread(path[k]).name()
            ),
            valid: k,
        });
    }
    let (history, stopped) = replay(&l.cfg, path);
    match stopped {
        None => Ok(history),
        Some((n, t, why)) => Err(Unreachable {
            message: format!(
                "step {n}: {} cannot move there: {why}",
                w0.threads
                    .get(t as usize)
                    .map_or("?".into(), |th| th.name())
            ),
            valid: n - 1,
        }),
    }
}

/// `GET /api/view`: everything the page shows for a level and a path.
pub fn view(l: &Level, path: &[Tid]) -> Result<Value, Unreachable> {
    let cfg = &l.cfg;
    let history = worlds(l, path)?;
    let w = history.last().expect("a world");
    let mut broke_at: Vec<(Inv, usize)> = Vec::new();
    let mut steps = Vec::new();
    let mut codes: Vec<(String, Vec<&'static str>)> = Vec::new();
    let mut note = |i: &StepInfo| {
        let c = code_of(i.id);
        if c.is_empty() {
            return;
        }
        match codes.iter_mut().find(|(k, _)| *k == c) {
            Some((_, f)) if !f.contains(&i.function) => f.push(i.function),
            Some(_) => {}
            None => codes.push((c, vec![i.function])),
        }
    };
    for (k, &t) in path.iter().enumerate() {
        let (before, after) = (&history[k], &history[k + 1]);
        let i = info(cfg, before, t);
        note(&i);
        let broke: Vec<Value> = Inv::ALL
            .iter()
            .filter(|inv| check_fn(**inv)(cfg, before) && !check_fn(**inv)(cfg, after))
            .map(|inv| {
                if !broke_at.iter().any(|(x, _)| x == inv) {
                    broke_at.push((*inv, k + 1));
                }
                json!({"id": inv.id(), "name": inv.name(), "target": l.target == Some(*inv)})
            })
            .collect();
        steps.push(json!({
            "n": k + 1,
            "thread": before.thread(t).name(),
            "function": i.function,
            "id": i.id,
            "anchor": i.anchor,
            "what": i.what,
            "changes": changes(l, before, after),
            "broke": broke,
        }));
    }
    let mut threads = Vec::new();
    for t in (0..w.threads.len() as Tid).filter(|&t| l.may_move(t)) {
        let th = w.thread(t);
        let ran = path.contains(&t);
        let (state, why) = state_of(cfg, &history, t, ran);
        let done: Vec<Value> = path
            .iter()
            .enumerate()
            .filter(|(_, &x)| x == t)
            .map(|(k, _)| {
                let i = info(cfg, &history[k], t);
                json!({"n": k + 1, "id": i.id, "function": i.function, "what": i.what})
            })
            .collect();
        // The thread alone from here: its next step, then what it would do if no other
        // thread moved, and where that ends.
        let mut alone = history.clone();
        let mut solo = Vec::new();
        let mut more = false;
        while let Some(n) = step(cfg, alone.last().expect("a world"), t) {
            if solo.len() == SOLO_STEPS {
                more = true;
                break;
            }
            let i = info(cfg, alone.last().expect("a world"), t);
            note(&i);
            solo.push(step_json(&i));
            alone.push(n);
        }
        let end = if more {
            String::new()
        } else {
            state_of(cfg, &alone, t, ran || !solo.is_empty()).1
        };
        let runnable = state == "runnable";
        let next = if runnable {
            Some(solo[0].clone())
        } else if state == "blocked" {
            let i = info(cfg, w, t);
            note(&i);
            let mut v = step_json(&i);
            if th.role == Role::Sync && th.pc == Pc::Writeback(WbPc::NotStarted) {
                v["what"] = json!("fsync starts here, once the threads it waits for have finished");
            }
            Some(v)
        } else {
            None
        };
        let pass = (th.role == Role::Writeback).then(|| {
            if th.finished(w) {
                format!("passes {0}/{0}", cfg.writeback)
            } else {
                format!(
                    "pass {}/{}",
                    (th.local.pass + 1).min(cfg.writeback),
                    cfg.writeback
                )
            }
        });
        let preview = if runnable {
            step(cfg, w, t).map_or_else(Vec::new, |n| changes(l, w, &n))
        } else {
            Vec::new()
        };
        threads.push(json!({
            "name": th.name(),
            "who": who(cfg, w, t),
            "state": state,
            "runnable": runnable,
            "finished": state == "finished",
            "next": next,
            "why": (!runnable).then_some(why),
            "done": done,
            "later": if runnable { solo[1..].to_vec() } else { Vec::new() },
            "end": end,
            "more": more,
            "pass": pass,
            "preview": preview,
        }));
    }
    let prev = if history.len() > 1 {
        history[history.len() - 2]
    } else {
        *w
    };
    let before_fields = fields_of(l, &prev);
    let fields_json: Vec<Value> = fields_of(l, w)
        .into_iter()
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
        .filter(|inv| !l.only_target || l.target == Some(**inv))
        .map(|inv| {
            json!({
                "id": inv.id(),
                "name": inv.name(),
                "meaning": mkwrite_model::fs::meaning(cfg, *inv),
                "holds": check_fn(*inv)(cfg, w),
                "broke_at": broke_at.iter().find(|(x, _)| x == inv).map(|(_, k)| *k),
                "target": l.target == Some(*inv),
            })
        })
        .collect();
    let solved_at = l
        .target
        .and_then(|inv| broke_at.iter().find(|(x, _)| *x == inv).map(|(_, k)| *k));
    let others: Vec<Value> = broke_at
        .iter()
        .filter(|(inv, _)| Some(*inv) != l.target)
        .filter(|(inv, _)| !l.only_target || Some(*inv) == l.target)
        .map(|(inv, k)| json!({"id": inv.id(), "name": inv.name(), "meaning": mkwrite_model::fs::meaning(cfg, *inv), "at": k}))
        .collect();
    let over = (0..w.threads.len() as Tid)
        .filter(|&t| l.may_move(t))
        .all(|t| step(cfg, w, t).is_none());
    Ok(json!({
        "level": level_json(l, None),
        "steps": steps,
        "threads": threads,
        "fields": fields_json,
        "lock": w.lock_owner(),
        "invariants": invariants,
        "solved": solved_at.is_some(),
        "solved_at": solved_at,
        "other_breaks": others,
        "over": over,
        "codes": codes.into_iter().map(|(c, f)| json!({"code": c, "functions": f})).collect::<Vec<_>>(),
    }))
}

/// `GET /api/violations`: every invariant the configuration violates, with the length of its
/// shortest counterexample, and the unique states the checker found, as stateright decides it
/// within `budget` unique states; [`Incomplete`] when the budget stopped it. A level that
/// lets the student move some threads only lists its target, with the shortest
/// counterexample over those threads.
pub fn violations_within(l: &Level, budget: usize, p: &Progress) -> Result<Value, Incomplete> {
    if let (Some(m), Some(inv)) = (l.movable(), l.target) {
        let from = Origin {
            start: None,
            movable: Some(m),
        };
        let r = reach_within(&l.cfg, &from, inv, budget, p)?;
        let violated: Vec<Value> = r
            .path
            .iter()
            .map(|t| json!({"id": inv.id(), "name": inv.name(), "meaning": mkwrite_model::fs::meaning(&l.cfg, inv), "steps": t.len()}))
            .collect();
        return Ok(json!({"states": r.states, "violated": violated}));
    }
    let r = check_within(&l.cfg, budget, p, None)?;
    let violated: Vec<Value> = r
        .verdicts
        .iter()
        .filter(|v| !l.only_target || l.target == Some(v.inv))
        .filter_map(|v| {
            v.trace.as_ref().map(|t| {
                json!({"id": v.inv.id(), "name": v.inv.name(), "meaning": mkwrite_model::fs::meaning(&l.cfg, v.inv), "steps": t.len()})
            })
        })
        .collect();
    Ok(json!({"states": r.states, "violated": violated}))
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

fn names(cfg: &Config, path: &[Tid]) -> Vec<String> {
    let w = World::init(cfg);
    path.iter().map(|&x| w.thread(x).name()).collect()
}

/// `GET /api/shortest`: the shortest counterexample of `inv` as thread names (over the
/// level's threads), searched within `budget` unique states.
pub fn shortest_path_within(
    l: &Level,
    inv: Inv,
    budget: usize,
    p: &Progress,
) -> Result<Value, String> {
    let from = Origin {
        start: None,
        movable: l.movable(),
    };
    let t = reach_within(&l.cfg, &from, inv, budget, p)
        .map_err(|i| budget_message(&i))?
        .path
        .ok_or_else(|| format!("{} holds in {}", inv.id(), l.cfg.label()))?;
    Ok(json!({"inv": inv.id(), "path": names(&l.cfg, &t)}))
}

/// `GET /api/shortest` with the library's budget.
pub fn shortest_path(l: &Level, inv: Inv) -> Result<Value, String> {
    shortest_path_within(l, inv, INTERNAL_BUDGET, &Progress::off())
}

/// A key for the position `path` reaches on `l` (its world's hash), for caching what the
/// checker says from there; `None` when the path cannot be played.
pub fn position_key(l: &Level, path: &[Tid]) -> Option<String> {
    use std::hash::{Hash, Hasher};
    let w = *worlds(l, path).ok()?.last()?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    w.hash(&mut h);
    Some(format!("{:016x}", h.finish()))
}

/// What the first level's hint adds to the checker's next step: why it matters, in our words.
fn tutorial(id: &str) -> Option<&'static str> {
    Some(match id {
        "ST/HPF/WP1-3" => {
            "F0 stores into the page, but its pte is read-only: the CPU traps, and the write \
             fault (do_wp_page) must first ask the filesystem to prepare the page."
        }
        "PM1" => "->page_mkwrite starts by taking the page lock: watch page.locked.",
        "PM2" => {
            "With the page locked, the filesystem attaches its metadata (think: the disk blocks \
             this page will be written to) and marks the page dirty: fs.meta is dirty, so \
             writeback will know how to write the page."
        }
        "PM3" => {
            "The old ->page_mkwrite unlocks the page before it returns. From here until F0 \
             makes its pte writable, nothing keeps the flusher away: this is the window."
        }
        "WP5" => {
            "Back in do_wp_page, which holds no page lock now. Its next step makes the pte \
             writable; the flusher should get in first."
        }
        "W1" => "Switch to the flusher: W0 finds the page by its dirty tag.",
        "W2-W5" => {
            "W0 locks the page. Nobody holds the lock now, so it succeeds, while F0 is still \
             inside its fault."
        }
        "W6a" => {
            "page_mkclean write-protects every writable pte of the page; F0's is still \
             read-only, so there is nothing to do. Now let F0 go on."
        }
        "WP6-WP11" => {
            "F0 makes its pte writable: from now on its stores reach the page without a fault, \
             and the filesystem relies on the metadata it attached."
        }
        "W6c" => "W0 clears PG_dirty: the page is about to be written.",
        "W8,W10" => {
            "->writepage writes the page and marks its metadata clean, but F0's pte is still \
             writable: F0's next stores land in a page the filesystem no longer tracks (INV-1)."
        }
        _ => return None,
    })
}

/// `GET /api/reach`: whether the level's target can still break from the position `path`
/// reaches, as stateright's search from that state (over the level's threads) says, within
/// `budget` unique states. When it can: how many steps the shortest way takes and its next
/// step (with the first level's explanation). When it cannot: the step after which it no
/// longer could (searched from the earlier positions, within what is left of the budget).
pub fn reach_json(l: &Level, path: &[Tid], budget: usize, p: &Progress) -> Value {
    let Some(inv) = l.target else {
        return json!({"error": "this level has no target"});
    };
    let history = match worlds(l, path) {
        Ok(h) => h,
        Err(e) => return json!({ "error": e.message }),
    };
    let from = |w: &World| Origin {
        start: Some(*w),
        movable: l.movable(),
    };
    let here = history.last().expect("a world");
    let r: Reach = match reach_within(&l.cfg, &from(here), inv, budget, p) {
        Ok(r) => r,
        Err(i) => return json!({"incomplete": true, "message": budget_message(&i)}),
    };
    if let Some(rest) = &r.path {
        let next = rest.first().map(|&t| {
            let i = info(&l.cfg, here, t);
            json!({
                "thread": here.thread(t).name(),
                "id": i.id, "function": i.function, "what": i.what,
                "why": if l.guided { tutorial(i.id) } else { None },
            })
        });
        return json!({
            "inv": inv.id(),
            "reachable": true,
            "remaining": rest.len(),
            "states": r.states,
            "next": next,
        });
    }
    // Lost: find the last position from which it still could break.
    let mut left = budget.saturating_sub(r.states);
    let mut lost_at = None;
    // Whether every earlier position was searched and none could reach it: the target cannot
    // break on this level at all.
    let mut never = true;
    for k in (0..path.len()).rev() {
        match reach_within(&l.cfg, &from(&history[k]), inv, left.max(1), p) {
            Ok(b) if b.path.is_some() => {
                lost_at = Some(k + 1);
                never = false;
                break;
            }
            Ok(b) => left = left.saturating_sub(b.states),
            Err(_) => {
                never = false;
                break;
            }
        }
        if left == 0 && k > 0 {
            never = false;
            break;
        }
    }
    let lost = lost_at.map(|k| {
        let t = path[k - 1];
        let i = info(&l.cfg, &history[k - 1], t);
        json!({"n": k, "thread": history[0].thread(t).name(), "id": i.id, "function": i.function})
    });
    json!({
        "inv": inv.id(),
        "reachable": false,
        "states": r.states,
        "lost_at": lost,
        "never": never,
    })
}

/// For a wait on i_mmap_lock or PG_writeback, the step that took the lock or set the flag
/// along `history` (the worlds of `path`): `" (since step 4, W0 W6a)"`. The page lock's
/// wait names it already.
fn since(cfg: &Config, history: &[World], path: &[Tid], why: &str) -> String {
    let changed = |k: usize| -> bool {
        let (a, b) = (&history[k - 1], &history[k]);
        if why.starts_with("waits for i_mmap_lock") {
            b.i_mmap_lock.is_some() && a.i_mmap_lock != b.i_mmap_lock
        } else if why.starts_with("waits for PG_writeback") {
            b.page.writeback && !a.page.writeback
        } else {
            false
        }
    };
    (1..history.len())
        .rev()
        .find(|&k| changed(k))
        .map_or_else(String::new, |k| {
            let t = path[k - 1];
            let i = info(cfg, &history[k - 1], t);
            let set = if why.starts_with("waits for PG_writeback") {
                "set"
            } else {
                "taken"
            };
            format!(
                " ({set} at step {k} by {} {}, {})",
                history[0].thread(t).name(),
                i.id,
                i.function
            )
        })
}

/// How one step of a path went on the fixed side.
fn against_row(n: usize, thread: &str, old: &StepInfo, fixed: Option<&StepInfo>) -> Value {
    let same =
        fixed.is_some_and(|f| f.id == old.id && f.function == old.function && f.what == old.what);
    json!({
        "n": n,
        "thread": thread,
        "old": step_json(old),
        "fixed": fixed.map(step_json),
        "same": same,
    })
}

/// `GET /api/against`: the path replayed on the level's own fix ([`fix`]), the same thread
/// at each step, each step compared with the one it took before the fix. It ends in one of
/// three ways: every step runs (`ran`), with the target's verdict along the fixed side; a
/// thread must wait for a lock or flag at a point where, before the fix, it went on
/// (`blocked`: the wait the fix introduces, its holder and the step that took it); or a
/// thread has no such step on the fixed side (`diverged`: it finished, has no work, or waits
/// for threads the fixed kernel has not finished), with the first step at which that
/// thread's code differed.
pub fn against(l: &Level, path: &[Tid]) -> Value {
    let (fixed_cfg, what) = match fix(&l.cfg) {
        Ok(f) if l.fix_of.is_none() => f,
        Ok(_) => return json!({"fix": null, "none": "this is the fixed side already"}),
        Err(e) => return json!({"fix": null, "none": e}),
    };
    let old = match worlds(l, path) {
        Ok(h) => h,
        Err(e) => return json!({"fix": null, "none": e.message}),
    };
    let name = |t: Tid| old[0].thread(t).name();
    let threads =
        |c: &Config| -> Vec<String> { World::init(c).threads.iter().map(|t| t.name()).collect() };
    if threads(&l.cfg) != threads(&fixed_cfg) {
        // A fix stays within the filesystem's family, so this does not happen; if it did, a
        // thread-by-thread replay would mean nothing.
        return json!({"fix": null, "none": "the fixed configuration has other threads"});
    }
    let mut fixed = vec![World::init(&fixed_cfg)];
    let mut rows = Vec::new();
    let mut stop: Option<(usize, Tid, &'static str, String)> = None;
    for (k, &t) in path.iter().enumerate() {
        let o = info(&l.cfg, &old[k], t);
        let w = *fixed.last().expect("a world");
        match step(&fixed_cfg, &w, t) {
            Some(n) => {
                let f = info(&fixed_cfg, &w, t);
                rows.push(against_row(k + 1, &name(t), &o, Some(&f)));
                fixed.push(n);
            }
            None => {
                rows.push(against_row(k + 1, &name(t), &o, None));
                let ran = path[..k].contains(&t);
                let (state, why) = state_of(&fixed_cfg, &fixed, t, ran);
                let lock = why.starts_with("waits for the page lock")
                    || why.starts_with("waits for i_mmap_lock")
                    || why.starts_with("waits for PG_writeback");
                let kind = if state == "blocked" && lock {
                    "blocked"
                } else {
                    "diverged"
                };
                stop = Some((k + 1, t, kind, why));
                break;
            }
        }
    }
    let end = fixed.last().expect("a world");
    let target = l.target.map(|inv| {
        let broke = (1..fixed.len()).find(|&k| {
            check_fn(inv)(&fixed_cfg, &fixed[k - 1]) && !check_fn(inv)(&fixed_cfg, &fixed[k])
        });
        json!({"id": inv.id(), "broke_at": broke, "holds_at_end": check_fn(inv)(&fixed_cfg, end)})
    });
    let violated: Vec<&str> = Inv::ALL
        .iter()
        .filter(|i| !check_fn(**i)(&fixed_cfg, end))
        .map(|i| i.id())
        .collect();
    let differs = |r: &&Value| r["same"] != json!(true);
    let first_difference = |thread: Option<&str>| {
        rows.iter()
            .filter(|r| thread.is_none_or(|n| r["thread"] == n))
            .find(differs)
            .cloned()
    };
    let ran = fixed.len() - 1;
    let label = fixed_cfg.label();
    let (outcome, text, at) = match &stop {
        None if path.is_empty() => (
            "ran",
            format!("No steps yet: play some, and they are replayed on {label}."),
            None,
        ),
        None => (
            "ran",
            format!("All {} steps of your path run on {label}.", path.len()),
            None,
        ),
        Some((n, t, kind, why)) => {
            let th = name(*t);
            let f = info(&fixed_cfg, end, *t);
            if *kind == "blocked" {
                (
                    "blocked",
                    format!(
                        "The fix blocks your path at step {n}: {th} cannot take {} ({}): \
                         {why}{}.",
                        f.id,
                        f.function,
                        since(&fixed_cfg, &fixed, path, why)
                    ),
                    Some(*n),
                )
            } else {
                let reason = match fixed[ran].thread(*t).pc {
                    _ if why.starts_with("waits until") => {
                        format!("{th} cannot start yet on the fixed side: it {why}")
                    }
                    Pc::FsWorker(_) => format!(
                        "{th} has no work queued on the fixed side, so it has no step to take"
                    ),
                    Pc::Io => format!("{th} has no I/O to complete on the fixed side"),
                    _ if fixed[ran].thread(*t).finished(end) => {
                        format!("{th} has no step left on the fixed side ({why})")
                    }
                    _ => format!(
                        "{th} cannot take {} ({}) on the fixed side: {why}",
                        f.id, f.function
                    ),
                };
                (
                    "diverged",
                    format!("Your path diverges from the fixed kernel at step {n}: {reason}."),
                    Some(*n),
                )
            }
        }
    };
    let thread = stop.as_ref().map(|(_, t, _, _)| name(*t));
    let first = first_difference(thread.as_deref())
        .filter(|r| r["fixed"] != Value::Null)
        .or_else(|| first_difference(None).filter(|r| r["fixed"] != Value::Null));
    let where_ = first.map(|r| {
        format!(
            "The fixed kernel first takes a different step at step {}: {} runs {} ({}: {}) \
             where the old code ran {} ({}: {}).",
            r["n"],
            r["thread"].as_str().unwrap_or_default(),
            r["fixed"]["id"].as_str().unwrap_or_default(),
            r["fixed"]["function"].as_str().unwrap_or_default(),
            r["fixed"]["what"].as_str().unwrap_or_default(),
            r["old"]["id"].as_str().unwrap_or_default(),
            r["old"]["function"].as_str().unwrap_or_default(),
            r["old"]["what"].as_str().unwrap_or_default(),
        )
    });
    json!({
        "fix": {"level": format!("{}-fix", l.id), "label": label, "what": what},
        "outcome": outcome,
        "text": text,
        "difference": where_,
        "at": at,
        "ran": ran,
        "total": path.len(),
        "path": names(&fixed_cfg, &path[..ran]),
        "rows": rows,
        "target": target,
        "violated": violated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::shortest;

    fn lvl(id: &str) -> Level {
        levels()
            .into_iter()
            .find(|l| l.id == id)
            .unwrap_or_else(|| panic!("{id}"))
    }

    fn shortest_of(l: &Level) -> Vec<Tid> {
        let from = Origin {
            start: None,
            movable: l.movable(),
        };
        let inv = l.target.expect("a target");
        reach_within(&l.cfg, &from, inv, INTERNAL_BUDGET, &Progress::off())
            .expect("small")
            .path
            .unwrap_or_else(|| panic!("{}: {} holds", l.id, inv.id()))
    }

    #[test]
    fn r1_view_explains_the_block_and_marks_inv1() {
        let l = lvl("R1");
        let path = shortest(&l.cfg, Inv::WritablePteHasFsMetadata, None).expect("a trace");
        let v = view(&l, &path).expect("view");
        assert_eq!(v["solved"], true);
        let inv1 = v["invariants"]
            .as_array()
            .and_then(|a| a.iter().find(|i| i["id"] == "INV-1"))
            .cloned()
            .expect("INV-1");
        assert_eq!(inv1["broke_at"], path.len());
        assert_eq!(inv1["target"], true);
        // Against the new protocol the flusher cannot lock the page at step 7: F0 holds it.
        let a = against(&l, &path);
        assert_eq!(a["outcome"], "blocked", "{a}");
        assert_eq!(a["at"], 7, "{a}");
        assert!(a["fix"]["label"]
            .as_str()
            .is_some_and(|s| s.starts_with("new/locked ")));
        assert!(a["text"]
            .as_str()
            .is_some_and(|w| w.contains("held by F0 since step 2")));
    }

    #[test]
    fn the_page_fetches_nothing_from_outside() {
        for f in [INDEX_HTML, PLAY_JS, PLAY_CSS] {
            assert!(!f.contains("http://") && !f.contains("https://") && !f.contains("//cdn"));
        }
        let icon = FAVICON.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(!icon.contains("http") && !icon.contains("href"));
    }

    #[test]
    fn every_level_can_be_solved_and_names_its_threads() {
        for l in levels() {
            let path = shortest_of(&l);
            let v = view(&l, &path).expect("view");
            assert_eq!(v["solved"], true, "{}", l.id);
            assert_eq!(v["solved_at"], path.len(), "{}", l.id);
        }
    }

    /// The goal's words and "Show me" are one path: the events the goal names happen in the
    /// checker's shortest counterexample in the goal's order, and the last one breaks it.
    #[test]
    fn every_goal_describes_the_shortest_counterexample() {
        for l in levels() {
            let path = shortest_of(&l);
            let h = worlds(&l, &path).expect("plays");
            let steps: Vec<(String, &str)> = path
                .iter()
                .enumerate()
                .map(|(k, &t)| (h[k].thread(t).name(), info(&l.cfg, &h[k], t).id))
                .collect();
            let mut k = 0;
            for (thread, id) in &l.order {
                let at = steps[k..]
                    .iter()
                    .position(|(n, i)| n == thread && i == id)
                    .unwrap_or_else(|| {
                        panic!("{}: no {thread} {id} after step {k} in {steps:?}", l.id)
                    });
                k += at + 1;
                assert!(l.goal.contains(thread), "{}: the goal names {thread}", l.id);
            }
            assert_eq!(k, path.len(), "{}: the goal's last event breaks it", l.id);
        }
    }

    #[test]
    fn each_level_is_replayed_against_its_own_fix() {
        let expect = [
            ("first", "new/locked ", "blocked"),
            ("R1", "new/locked ", "blocked"),
            ("R2", "new/locked ", "diverged"),
            ("R3", "new/locked ", "blocked"),
            ("R4", "new/locked ", "diverged"),
            ("R5", "new/locked ", "blocked"),
            ("R7", "new+isize-extended/buffer ", "ran"),
            ("H2007", "old/unlocked ", "blocked"),
            ("H2014a", "new+2014/unlocked ", "ran"),
            ("nfs-bug", "new/nfs@7fdf5230676 ", "diverged"),
            ("nfs-loss", "new/nfs@7fdf5230676 ", "blocked"),
            ("btrfs", "new/btrfs@50a9b214bc6 ", "blocked"),
            ("fb_defio", "new/fb_defio@d6d03f91585 ", "diverged"),
            ("dma", "new/ext4@9ea7df534ed2 ", "diverged"),
            ("freeze", "v6.12/ext4@6.12 ", "blocked"),
            ("pte-same", "v6.12/ext4@6.12 ", "ran"),
        ];
        assert_eq!(expect.len(), levels().len());
        for (id, label, outcome) in expect {
            let l = lvl(id);
            let path = shortest_of(&l);
            let a = against(&l, &path);
            assert!(
                a["fix"]["label"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(label)),
                "{id}: {a}"
            );
            assert_eq!(a["outcome"], outcome, "{id}: {}", a["text"]);
            let text = a["text"].as_str().expect("text");
            // "blocks" only for a wait on a lock or flag, named with its holder.
            assert_eq!(
                text.contains("blocks"),
                outcome == "blocked",
                "{id}: {text}"
            );
            if outcome == "blocked" {
                assert!(
                    text.contains("held by") || text.contains("PG_writeback"),
                    "{id}: {text}"
                );
            }
            assert!(!text.contains("cannot take -"), "{id}: {text}");
            // The target never breaks on the fixed side of the replay, and the fixed side can
            // be played from where the replay ended.
            assert_eq!(a["target"]["broke_at"], Value::Null, "{id}: {a}");
            let f = fix_level(&l).expect("a fix level");
            let ran = parse_path(
                &f.cfg,
                &a["path"]
                    .as_array()
                    .expect("path")
                    .iter()
                    .map(|n| n.as_str().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join("."),
            )
            .expect("names");
            assert_eq!(ran.len(), a["ran"].as_u64().expect("ran") as usize);
            view(&f, &ran).expect("the fixed side plays");
        }
    }

    #[test]
    fn a_custom_configuration_has_its_own_fix_or_says_there_is_none() {
        let old = Config::new(Protocol::Old);
        assert_eq!(fix(&old).expect("a fix").0.fs, Fs::LOCKED);
        let new = Config::new(Protocol::New);
        assert!(fix(&new)
            .expect_err("none")
            .contains("fixed kernel already"));
        let ubifs = Config {
            fs: Fs::UBIFS,
            ..Config::new(Protocol::New)
        };
        assert!(fix(&ubifs).is_err());
        let custom = Level::free("custom", "x", new);
        let a = against(&custom, &[]);
        assert_eq!(a["fix"], Value::Null);
        assert!(a["none"].as_str().is_some_and(|s| !s.is_empty()));
    }

    #[test]
    fn two_flusher_steps_first_lose_r1_and_the_checker_says_so() {
        let l = lvl("R1");
        let w0 = parse_path(&l.cfg, "W0.W0").expect("names");
        let r = reach_json(&l, &w0, INTERNAL_BUDGET, &Progress::off());
        assert_eq!(r["reachable"], false, "{r}");
        assert_eq!(r["lost_at"]["n"], 2, "{r}");
        assert_eq!(r["never"], false, "{r}");
        let fixed = fix_level(&l).expect("R1's fix");
        let never = reach_json(&fixed, &w0, INTERNAL_BUDGET, &Progress::off());
        assert_eq!(never["never"], true, "{never}");
        let one = reach_json(&l, &w0[..1], INTERNAL_BUDGET, &Progress::off());
        assert_eq!(one["reachable"], true, "{one}");
        assert_eq!(one["next"]["thread"], "F0", "{one}");
    }

    #[test]
    fn a_thread_says_what_it_waits_for_and_an_idle_worker_is_not_finished() {
        let l = lvl("fb_defio");
        let v = view(&l, &[]).expect("view");
        let t = |n: &str| {
            v["threads"]
                .as_array()
                .and_then(|a| a.iter().find(|t| t["name"] == n))
                .cloned()
                .expect("thread")
        };
        assert_eq!(t("X0")["state"], "idle");
        assert_eq!(t("X0")["why"], "idle: no work queued yet");
        assert!(t("S")["why"]
            .as_str()
            .is_some_and(|w| w.starts_with("waits until F0 and W0")));
        assert!(!t("S")["next"]["what"]
            .as_str()
            .is_some_and(|w| w.contains("every other thread has finished")));
        let r1 = lvl("R1");
        let v = view(&r1, &parse_path(&r1.cfg, "W0.W0").expect("names")).expect("view");
        let w0 = v["threads"][1].clone();
        assert_eq!(w0["why"], "finished its 2 writeback passes");
        assert_eq!(w0["pass"], "passes 2/2");
        let first = lvl("first");
        let v = view(&first, &parse_path(&first.cfg, "W0").expect("names")).expect("view");
        assert_eq!(v["threads"][1]["why"], "finished its 1 writeback pass");
        assert_eq!(v["threads"].as_array().map(Vec::len), Some(2));
        assert_eq!(v["invariants"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn a_path_that_cannot_happen_says_which_step() {
        let l = lvl("R1");
        let io_first = parse_path(&l.cfg, "F0.IO").expect("IO is a thread");
        let e = view(&l, &io_first).expect_err("IO has nothing to complete");
        assert!(e.message.starts_with("step 2: IO cannot move"), "{e:?}");
        assert_eq!(e.valid, 1);
        assert!(parse_path(&l.cfg, "F0.Z9").is_err());
        let first = lvl("first");
        let s = parse_path(&first.cfg, "F0.S").expect("S is a thread");
        let e = view(&first, &s).expect_err("S is not the student's");
        assert_eq!(e.valid, 1, "{e:?}");
    }

    #[test]
    fn a_wait_for_a_flag_names_the_step_that_set_it() {
        let l = lvl("R1");
        let path = shortest(&l.cfg, Inv::WritablePteHasFsMetadata, None).expect("a trace");
        let h = worlds(&l, &path).expect("plays");
        let s = since(&l.cfg, &h, &path, "waits for PG_writeback to clear");
        assert_eq!(s, " (set at step 11 by W0 W8,W10, ->writepage)");
        assert_eq!(since(&l.cfg, &h, &path, "waits for the page lock"), "");
        let a = against(&l, &[]);
        assert!(
            a["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("No steps yet")),
            "{a}"
        );
    }

    #[test]
    fn the_fixed_side_is_a_level() {
        let custom = Level::free("custom", "x", Config::new(Protocol::Old));
        let f = level("R5-fix", &custom).expect("R5's fixed side");
        assert_eq!(f.cfg.fs, Fs::LOCKED);
        assert_eq!(f.fix_of.as_deref(), Some("R5"));
        assert!(level("R5-fix-fix", &custom).is_none());
        assert!(level("custom-fix", &custom).is_some());
    }
}
