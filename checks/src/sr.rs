//! The stateright adapter: `State = World`, `Action = Move` (a thread id, labelled with the
//! step it takes). `actions` offers every unfinished thread, `next_state` is `model::step`
//! (`None` when the thread is blocked), and the properties are the model's invariant and guard
//! functions, by the same names.

use mkwrite_model::invariants::{self, Guard};
use mkwrite_model::{step, Config, Inv, Tid, World};
use stateright::{Model, Property};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

// Every invariant and guard has a bit of `Checked::seen`.
const _: () = assert!(Inv::ALL.len() + Guard::ALL.len() <= 64);

/// Which properties a run checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Props {
    /// Every invariant and every guard, each a stateright property of its own (the cross-check
    /// of the symmetry reduction and of `Recorded`).
    All,
    /// The deciding run: every invariant and every guard evaluated in every state by one
    /// stateright property that records which ones failed or held in `Checked::seen` and
    /// always passes, so that stateright explores the whole space with one property lookup
    /// per state instead of one per invariant and guard (31). An invariant already seen
    /// violated, or a guard already reached, is not evaluated again. The actions carry no
    /// labels: the deciding run's paths are never shown.
    Recorded,
    /// One invariant alone (the shortest-trace run: stateright's BFS keeps the first discovery
    /// only when no other property is pending: it replaces an earlier discovery by a later one).
    Only(Inv),
    /// No invariant: one property that records every state it is evaluated on (its canonical
    /// representative where writers share an mm) in `Checked::states`, the reference the loom
    /// and shuttle runs' states are compared with.
    Collect,
}

/// A stateright action: thread `tid` takes its next step. The label fields only name the step
/// in stateright's own reports (its `format_action` sees the action alone).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Move {
    /// The thread.
    pub tid: Tid,
    /// Its name (F0, W0, …).
    pub thread: &'static str,
    /// The step id (WP5a, …).
    pub id: &'static str,
    /// The kernel function.
    pub function: &'static str,
}

fn thread_name(role: mkwrite_model::contract::Role, index: u8) -> &'static str {
    use mkwrite_model::contract::Role;
    match (role, index) {
        (Role::Writer, 0) => "F0",
        (Role::Writer, 1) => "F1",
        (Role::Writer, _) => "F2",
        (Role::Writeback, _) => "W0",
        (Role::Truncate, _) => "T0",
        (Role::Io, _) => "IO",
        (Role::Sync, _) => "S",
        (Role::Env, _) => "E0",
        (Role::Reclaim, _) => "R0",
        (Role::FsWorker, _) => "X0",
        (Role::Dma, _) => "D0",
        (Role::Freeze, _) => "Z0",
    }
}

/// A configuration as a stateright model.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The configuration.
    pub cfg: Config,
    /// The properties to check.
    pub props: Props,
    /// With `Props::Recorded`: bit `i` for `Inv::ALL[i]` violated in some state, bit
    /// `Inv::ALL.len() + j` for `Guard::ALL[j]` holding in some state.
    pub seen: Arc<AtomicU64>,
    /// Whether actions carry their step labels (for stateright's own reports and
    /// `assert_discovery`); the deciding run and the shortest-trace search need only thread
    /// ids.
    pub labels: bool,
    /// With `Props::Collect`: every state checked.
    pub states: Arc<std::sync::Mutex<std::collections::HashSet<World>>>,
    /// Raised to stop a search at its state budget: no successor is within bounds after it,
    /// so the search drains (`run::decide_within`).
    pub stop: Arc<AtomicBool>,
    /// The state the search starts from: the configuration's initial state when `None`, or a
    /// state reached along some path (the teaching page asks what can still happen from the
    /// position a student reached).
    pub start: Option<World>,
    /// The threads that may move (bit `t` for thread `t`), all when `None`: a level of the
    /// teaching page that lets the student schedule two threads only is searched over those
    /// two.
    pub movable: Option<u32>,
}

impl Checked {
    /// The model of `cfg` checking `props`.
    pub fn new(cfg: Config, props: Props) -> Checked {
        Checked {
            cfg,
            props,
            seen: Arc::default(),
            labels: !matches!(props, Props::Recorded | Props::Collect),
            states: Arc::default(),
            stop: Arc::default(),
            start: None,
            movable: None,
        }
    }

    /// The states `Props::Collect` recorded.
    pub fn collected(&self) -> std::collections::HashSet<World> {
        self.states.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// `Props::Recorded`'s one property: evaluate what is not seen yet, record what fired.
    fn record(&self, w: &World) -> bool {
        let done = self.seen.load(Ordering::Relaxed);
        let mut bits = 0u64;
        for (i, inv) in Inv::ALL.iter().enumerate() {
            if done & (1 << i) == 0 && !invariants::check_fn(*inv)(&self.cfg, w) {
                bits |= 1 << i;
            }
        }
        for (j, g) in Guard::ALL.iter().enumerate() {
            let bit = 1 << (Inv::ALL.len() + j);
            if done & bit == 0 && g.holds(&self.cfg, w) {
                bits |= bit;
            }
        }
        if bits != 0 {
            self.seen.fetch_or(bits, Ordering::Relaxed);
        }
        true
    }

    /// The names of the invariants seen violated and the guards seen holding
    /// (`Props::Recorded`).
    pub fn recorded(&self) -> std::collections::BTreeSet<&'static str> {
        let bits = self.seen.load(Ordering::Relaxed);
        let invs = Inv::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, inv)| inv.name());
        let guards = Guard::ALL
            .iter()
            .enumerate()
            .filter(|(j, _)| bits & (1 << (Inv::ALL.len() + j)) != 0)
            .map(|(_, g)| g.name());
        invs.chain(guards).collect()
    }
}

/// `Property::always(name, …)` for an invariant function of the model, under its own name.
macro_rules! always {
    ($f:ident) => {
        Property::always(stringify!($f), |m: &Checked, w: &World| {
            invariants::$f(&m.cfg, w)
        })
    };
}

fn invariant_property(inv: Inv) -> Property<Checked> {
    match inv {
        Inv::WritablePteHasFsMetadata => always!(writable_pte_has_fs_metadata),
        Inv::CleanedPageHadFsMetadata => always!(cleaned_page_had_fs_metadata),
        Inv::WritablePteImpliesDirtyOrDirtying => always!(writable_pte_implies_dirty_or_dirtying),
        Inv::NoStoreLostSilently => always!(no_store_lost_silently),
        Inv::NoStoreLostReported => always!(no_store_lost_reported),
        Inv::NoPteOnTruncatedPage => always!(no_pte_on_truncated_page),
        Inv::FaultReturnsPageUnlocked => always!(fault_returns_page_unlocked),
        Inv::NoSelfWaitOnPageLock => always!(no_self_wait_on_page_lock),
        Inv::PageMkwriteReturnMatchesLock => always!(page_mkwrite_return_matches_lock),
        Inv::NoFsWorkUnderPageLock => always!(no_fs_work_under_page_lock),
        Inv::PageRefcountBalanced => always!(page_refcount_balanced),
        Inv::FailedMkwriteLeavesNoTrace => always!(failed_mkwrite_leaves_no_trace),
        Inv::NoWritepageUnderWriteback => always!(no_writepage_under_writeback),
        Inv::DmaDirtiedPageHasFsMetadata => always!(dma_dirtied_page_has_fs_metadata),
        Inv::DirtyAccountingBalanced => always!(dirty_accounting_balanced),
        Inv::NoKernelBugFired => always!(no_kernel_bug_fired),
        Inv::SomeThreadCanRun => always!(some_thread_can_run),
        Inv::FrozenFsHasNoDirtyPage => always!(frozen_fs_has_no_dirty_page),
        Inv::NoStoreDuringStableWriteback => always!(no_store_during_stable_writeback),
    }
}

fn guard_property(g: Guard) -> Property<Checked> {
    macro_rules! sometimes {
        ($g:ident) => {
            Property::sometimes(Guard::$g.name(), |m: &Checked, w: &World| {
                Guard::$g.holds(&m.cfg, w)
            })
        };
    }
    match g {
        Guard::WritebackReachesLockInMkwriteWindow => {
            sometimes!(WritebackReachesLockInMkwriteWindow)
        }
        Guard::TruncateRemovesPageUnderFault => sometimes!(TruncateRemovesPageUnderFault),
        Guard::FaultRetries => sometimes!(FaultRetries),
        Guard::PageMkwriteReturnsNopage => sometimes!(PageMkwriteReturnsNopage),
        Guard::PageMkwriteFails => sometimes!(PageMkwriteFails),
        Guard::DataReachesDisk => sometimes!(DataReachesDisk),
        Guard::SecondStoreLands => sometimes!(SecondStoreLands),
        Guard::ReclaimFreesPage => sometimes!(ReclaimFreesPage),
        Guard::ReclaimReleasesPrivate => sometimes!(ReclaimReleasesPrivate),
        Guard::CommitFreesRequest => sometimes!(CommitFreesRequest),
        Guard::FixupSetsDelalloc => sometimes!(FixupSetsDelalloc),
        Guard::DefioWorkerReprotects => sometimes!(DefioWorkerReprotects),
        Guard::PartialTruncateKeepsWritablePte => sometimes!(PartialTruncateKeepsWritablePte),
        Guard::IsizeExtendedReprotects => sometimes!(IsizeExtendedReprotects),
        Guard::StoreLandsInExtendedBlock => sometimes!(StoreLandsInExtendedBlock),
        Guard::DmaWritesPage => sometimes!(DmaWritesPage),
        Guard::FreezeCompletes => sometimes!(FreezeCompletes),
        Guard::MkwriteMeetsWriteback => sometimes!(MkwriteMeetsWriteback),
    }
}

impl Model for Checked {
    type State = World;
    type Action = Move;

    fn init_states(&self) -> Vec<World> {
        vec![self.start.unwrap_or_else(|| World::init(&self.cfg))]
    }

    fn actions(&self, w: &World, actions: &mut Vec<Move>) {
        for (t, th) in w.threads.iter().enumerate() {
            if th.finished(w) || self.movable.is_some_and(|m| m & (1 << t) == 0) {
                continue;
            }
            if !self.labels {
                actions.push(Move {
                    tid: t as Tid,
                    thread: "",
                    id: "",
                    function: "",
                });
            } else {
                let info = mkwrite_model::info(&self.cfg, w, t as Tid);
                actions.push(Move {
                    tid: t as Tid,
                    thread: thread_name(th.role, th.index),
                    id: info.id,
                    function: info.function,
                });
            }
        }
    }

    fn next_state(&self, w: &World, m: Move) -> Option<World> {
        step(&self.cfg, w, m.tid)
    }

    fn within_boundary(&self, _: &World) -> bool {
        !self.stop.load(Ordering::Relaxed)
    }

    fn format_action(&self, m: &Move) -> String {
        format!("{} {} {}", m.thread, m.id, m.function)
    }

    fn format_step(&self, w: &World, m: Move) -> Option<String> {
        let t = m.tid;
        let info = mkwrite_model::info(&self.cfg, w, t);
        let next = step(&self.cfg, w, t)?;
        Some(format!(
            "{} {} {} ({}): {}\n{}\n\n{:?}",
            w.thread(t).name(),
            info.function,
            info.id,
            info.anchor,
            info.what,
            mkwrite_model::trace::delta(w, &next).join("\n"),
            next
        ))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        match self.props {
            Props::All => Inv::ALL
                .iter()
                .map(|i| invariant_property(*i))
                .chain(Guard::ALL.iter().map(|g| guard_property(*g)))
                .collect(),
            Props::Only(inv) => vec![invariant_property(inv)],
            Props::Recorded => vec![Property::always(
                "every_invariant_and_guard",
                |m: &Checked, w: &World| m.record(w),
            )],
            Props::Collect => vec![Property::always("collect", |m: &Checked, w: &World| {
                let w = if m.cfg.shared_mm {
                    w.writers_canonical()
                } else {
                    *w
                };
                if let Ok(mut s) = m.states.lock() {
                    s.insert(w);
                }
                true
            })],
        }
    }
}

/// The stateright actions of a path given as thread ids (for `assert_discovery`): each labelled
/// with the step the thread takes at that point. Stops at the first step that cannot happen.
pub fn moves(cfg: &Config, path: &[Tid]) -> Vec<Move> {
    let mut w = World::init(cfg);
    let mut out = Vec::new();
    for &t in path {
        let Some(th) = w.threads.get(t as usize).copied() else {
            break;
        };
        let info = mkwrite_model::info(cfg, &w, t);
        out.push(Move {
            tid: t,
            thread: thread_name(th.role, th.index),
            id: info.id,
            function: info.function,
        });
        match step(cfg, &w, t) {
            Some(next) => w = next,
            None => break,
        }
    }
    out
}
