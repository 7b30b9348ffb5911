//! Footprints: the shared objects each step reads and writes.
//!
//! Two steps on disjoint objects (neither writes what the other touches) commute: the shuttle
//! scheduler's sleep sets and source sets (`checks::explore::engine`) take one order of them
//! where they would otherwise take both. A footprint is a function of the stepping thread alone
//! (its role, pc and locals), so that a scheduler knows it before the step runs.
//!
//! A declaration that is too small would silently lose states, so it is checked, not trusted:
//! over every reachable state of the matrix, the profile sweep and their variants
//! (`checks/tests/footprint.rs`), an enabled step changes no object outside its write set,
//! neither its effect nor whether it is blocked changes when an object outside its read set
//! takes another value it has in some reachable state, and two steps declared independent
//! commute (both orders reach the same world, ghost fields included).

use crate::config::Config;
use crate::contract::Role;
use crate::world::{EnvPc, FaultPc, Pc, Thread, Tid, TruncPc, WbPc, World, MAX_THREADS};

/// A shared object of the state: a field or a group of fields that steps read or write together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Obj {
    /// PG_locked and its owner (`page.locked_by`).
    PageLock,
    /// PG_dirty and the radix-tree DIRTY tag.
    PageDirty,
    /// PG_writeback.
    PageWriteback,
    /// page->mapping, and whether reclaim freed the page (`evicted`).
    PageMapping,
    /// The page's reference count.
    PageRef,
    /// The pte of mm `n`.
    Pte(u8),
    /// i_size (`isize_covers_page`, `isize_partial`).
    ISize,
    /// mapping->i_mmap_lock.
    IMmapLock,
    /// AS_EIO / AS_ENOSPC in mapping->flags.
    MappingError,
    /// The filesystem's free blocks (`fs_full`).
    FsFull,
    /// The filesystem's private per-page state.
    FsMeta,
    /// NR_FILE_DIRTY.
    NrDirty,
    /// The page's contents: the last store and the version the page holds (`data.stored`,
    /// `data.mem`).
    Contents,
    /// The disk: the version on disk and the one in flight (`data.disk`, `data.in_flight`).
    Disk,
    /// Another thread's program counter and locals.
    Thread(Tid),
}

/// The objects that are neither a pte nor a thread, in bit order.
const FIXED: [Obj; 13] = [
    Obj::PageLock,
    Obj::PageDirty,
    Obj::PageWriteback,
    Obj::PageMapping,
    Obj::PageRef,
    Obj::ISize,
    Obj::IMmapLock,
    Obj::MappingError,
    Obj::FsFull,
    Obj::FsMeta,
    Obj::NrDirty,
    Obj::Contents,
    Obj::Disk,
];

/// The bit of `Pte(0)`; the ptes' bits follow, then the threads'.
const PTE0: usize = FIXED.len();
/// The bit of `Thread(0)`.
const THREAD0: usize = PTE0 + crate::world::MAX_PTES;

/// How many objects there are at most (the bit width of `Objs`).
pub const OBJS: usize = THREAD0 + MAX_THREADS;

impl Obj {
    /// This object's bit in an `Objs`.
    pub const fn bit(self) -> usize {
        match self {
            Obj::PageLock => 0,
            Obj::PageDirty => 1,
            Obj::PageWriteback => 2,
            Obj::PageMapping => 3,
            Obj::PageRef => 4,
            Obj::ISize => 5,
            Obj::IMmapLock => 6,
            Obj::MappingError => 7,
            Obj::FsFull => 8,
            Obj::FsMeta => 9,
            Obj::NrDirty => 10,
            Obj::Contents => 11,
            Obj::Disk => 12,
            Obj::Pte(n) => PTE0 + n as usize,
            Obj::Thread(t) => THREAD0 + t as usize,
        }
    }

    /// The object of bit `b`.
    pub fn of_bit(b: usize) -> Obj {
        match b {
            b if b < PTE0 => FIXED[b],
            b if b < THREAD0 => Obj::Pte((b - PTE0) as u8),
            b if b < OBJS => Obj::Thread((b - THREAD0) as Tid),
            _ => panic!("no object has bit {b}"),
        }
    }

    /// Every object of a world with `threads` threads and `ptes` ptes.
    pub fn all(ptes: usize, threads: usize) -> Objs {
        let mut s: Objs = FIXED.into_iter().collect();
        for n in 0..ptes {
            s = s.with(Obj::Pte(n as u8));
        }
        for t in 0..threads {
            s = s.with(Obj::Thread(t as Tid));
        }
        s
    }

    /// Copy this object's value from `src` into `dst`.
    pub fn copy(self, dst: &mut World, src: &World) {
        match self {
            Obj::PageLock => dst.page.locked_by = src.page.locked_by,
            Obj::PageDirty => {
                dst.page.dirty = src.page.dirty;
                dst.page.tagged_dirty = src.page.tagged_dirty;
            }
            Obj::PageWriteback => dst.page.writeback = src.page.writeback,
            Obj::PageMapping => {
                dst.page.mapping = src.page.mapping;
                dst.evicted = src.evicted;
            }
            Obj::PageRef => dst.page.refcount = src.page.refcount,
            Obj::Pte(n) => dst.ptes[n as usize] = src.ptes[n as usize],
            Obj::ISize => {
                dst.isize_covers_page = src.isize_covers_page;
                dst.isize_partial = src.isize_partial;
            }
            Obj::IMmapLock => dst.i_mmap_lock = src.i_mmap_lock,
            Obj::MappingError => dst.mapping_error = src.mapping_error,
            Obj::FsFull => dst.fs_full = src.fs_full,
            Obj::FsMeta => dst.fs = src.fs,
            Obj::NrDirty => dst.nr_file_dirty = src.nr_file_dirty,
            Obj::Contents => {
                dst.data.stored = src.data.stored;
                dst.data.mem = src.data.mem;
            }
            Obj::Disk => {
                dst.data.disk = src.data.disk;
                dst.data.in_flight = src.data.in_flight;
            }
            Obj::Thread(t) => *dst.thread_mut(t) = *src.thread(t),
        }
    }

    /// Whether this object has the same value in `a` and `b`.
    pub fn same(self, a: &World, b: &World) -> bool {
        let mut x = *a;
        self.copy(&mut x, b);
        x == *a
    }
}

/// A set of objects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Objs(pub u32);

impl Objs {
    /// No object.
    pub const EMPTY: Objs = Objs(0);

    /// This set with `o`.
    pub const fn with(self, o: Obj) -> Objs {
        Objs(self.0 | 1 << o.bit())
    }

    /// Whether `o` is in the set.
    pub const fn has(self, o: Obj) -> bool {
        self.0 & 1 << o.bit() != 0
    }

    /// The union.
    pub const fn union(self, o: Objs) -> Objs {
        Objs(self.0 | o.0)
    }

    /// The objects of `self` not in `o`.
    pub const fn minus(self, o: Objs) -> Objs {
        Objs(self.0 & !o.0)
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The objects, in bit order.
    pub fn iter(self) -> impl Iterator<Item = Obj> {
        (0..OBJS)
            .filter(move |b| self.0 & 1 << b != 0)
            .map(Obj::of_bit)
    }

    /// Names, for messages: `PageLock+Pte(0)`.
    pub fn names(self) -> String {
        let v: Vec<String> = self.iter().map(|o| format!("{o:?}")).collect();
        if v.is_empty() {
            "nothing".into()
        } else {
            v.join("+")
        }
    }
}

impl FromIterator<Obj> for Objs {
    fn from_iter<I: IntoIterator<Item = Obj>>(it: I) -> Self {
        it.into_iter().fold(Objs::EMPTY, Objs::with)
    }
}

/// The objects whose values differ between `a` and `b` (the ghost fields `fired`, `events`
/// and `bug` are no object: no step reads them, see `merge_ghosts`).
pub fn changed(a: &World, b: &World) -> Objs {
    Obj::all(a.ptes.len(), a.threads.len())
        .iter()
        .filter(|o| !o.same(a, b))
        .collect()
}

/// A step's footprint: the objects it may read and the objects it may write (a written object
/// is also read: the runner holds it for the whole step), and the objects a blocked step waits
/// on: only a change of one of those can enable it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Footprint {
    /// Read, and not written.
    pub reads: Objs,
    /// Written (and possibly read).
    pub writes: Objs,
    /// When the step is blocked, the objects whose change may enable it (the page lock for
    /// lock_page, PG_writeback for wait_on_page_writeback): part of `reads` and `writes`.
    pub waits: Objs,
}

impl Footprint {
    /// A step that touches nothing shared: only its own thread's pc and locals.
    pub const LOCAL: Footprint = Footprint {
        reads: Objs::EMPTY,
        writes: Objs::EMPTY,
        waits: Objs::EMPTY,
    };

    /// Every object the step touches.
    pub const fn all(self) -> Objs {
        self.reads.union(self.writes)
    }

    /// The same footprint, blocked only on `waits` (when it blocks at all).
    const fn waiting(self, waits: Objs) -> Footprint {
        Footprint { waits, ..self }
    }
}

/// A set of objects, written as a list.
const fn set<const N: usize>(list: [Obj; N]) -> Objs {
    let mut s = Objs::EMPTY;
    let mut i = 0;
    while i < N {
        s = s.with(list[i]);
        i += 1;
    }
    s
}

/// A footprint that, if it blocks, may be enabled by a change of anything it touches.
const fn fp(reads: Objs, writes: Objs) -> Footprint {
    Footprint {
        reads,
        writes,
        waits: reads.union(writes),
    }
}

/// lock_page and wait_on_page_locked sleep on PG_locked.
const ON_LOCK: Objs = set([PageLock]);

/// Every object: the footprint of a step nobody has declared. Sound (it conflicts with every
/// other step), and it gives the reduction nothing.
pub fn everything(cfg: &Config) -> Footprint {
    fp(Objs::EMPTY, Obj::all(cfg.ptes(), MAX_THREADS))
}

/// Every pte of the configuration.
fn ptes(cfg: &Config) -> Objs {
    (0..cfg.ptes()).map(|n| Obj::Pte(n as u8)).collect()
}

/// The threads the final sync waits for (every step of S first checks they have finished).
fn waited_for(cfg: &Config) -> Objs {
    let w = World::init(cfg);
    w.threads
        .iter()
        .enumerate()
        .filter(|(_, th)| th.role.waited_for_by_sync())
        .map(|(u, _)| Obj::Thread(u as Tid))
        .collect()
}

/// The writers (their `dirtying`, read by `--late-writeback`'s constraint).
fn writers(cfg: &Config) -> Objs {
    (0..cfg.writers).map(|u| Obj::Thread(u as Tid)).collect()
}

use Obj::*;

/// set_page_dirty of the seed filesystem (__set_page_dirty_nobuffers): PG_dirty, and the
/// accounting and tag when page->mapping is still set.
const SET_PAGE_DIRTY: Objs = set([PageDirty, NrDirty, PageMapping]);
/// put_page: the count, and PG_locked (freeing a locked page is an INV-6 event).
const PUT: Objs = set([PageRef, PageLock]);
/// A fault's return (fault_return): INV-5a looks at PG_locked.
const RETURN: Objs = set([PageLock]);
/// lock_page, and on the retry exits unlock_page and put_page.
const RELOCK: Objs = set([PageLock, PageRef, PageMapping]);

/// The footprint of the step a thread in state `th` takes next: every object the step may
/// read or write, whatever the rest of the state holds. A function of the thread alone.
///
/// The seed filesystem is declared step by step below. Every other filesystem runs the same VM
/// steps with its own hooks inside some of them: those steps are widened by what a hook may
/// touch ([`widen`]). Reclaim, the filesystems' workers and the partial page (two blocks per
/// page) touch too much to be worth splitting: `everything` (sound, no reduction).
pub fn of(cfg: &Config, th: &Thread) -> Footprint {
    if cfg.freeze {
        // A freeze (`--freeze`): sb_start_pagefault and sb_start_write read where Z0 stands,
        // and Z0's steps where every other thread stands: `everything`, conservative.
        return everything(cfg);
    }
    if cfg.stable_writes {
        // Stable writes (`--stable-writes`): a store reads PG_writeback (STABLE) and
        // ->page_mkwrite waits on it: `everything`, conservative and sound.
        return everything(cfg);
    }
    if cfg.protocol.is_v612() && cfg.protocol != crate::contract::Protocol::V612 {
        // The 6.12 ablation (`v6.12-minus-<cut>`) moves work between steps (a set_page_dirty
        // after the unlock, a pte written without pte_same): `everything`, conservative and
        // sound, not argued step by step. The 6.12 VM itself runs steps of the same shape as
        // the new VM's (mm/v612) and is declared below; tests/footprint.rs checks both.
        return everything(cfg);
    }
    if cfg.blocks > 1 {
        // The partial page: a store picks its block by what the truncating thread has done,
        // the truncate's steps rewrite the contents block by block.
        return everything(cfg);
    }
    let seed = seed_vm(cfg, th);
    if crate::fs::of(cfg).exact_footprints() {
        seed
    } else {
        widen(cfg, th, seed)
    }
}

/// What a filesystem's hooks may touch besides its own per-page state: the page's flags and
/// count, its contents and the disk, the mapping's error, the free blocks and i_size. Not the
/// ptes, i_mmap_lock or another thread (the hooks that do, the workers' page_mkclean, are
/// `everything`).
const HOOK: Objs = set([
    PageLock,
    PageDirty,
    PageWriteback,
    PageMapping,
    PageRef,
    ISize,
    MappingError,
    FsFull,
    FsMeta,
    NrDirty,
    Contents,
    Disk,
]);

/// The seed footprint of a step, widened for another filesystem (or the partial page): a step
/// that calls a hook of the filesystem (->page_mkwrite, ->readpage, ->writepage, I/O
/// completion, ->write_inode, ->fsync, ->invalidatepage, ->releasepage, the writeback lookup's
/// own rules) may touch [`HOOK`]; a step that sets PG_dirty calls the filesystem's
/// ->set_page_dirty, which may touch its per-page state (buffers, a request).
fn widen(cfg: &Config, th: &Thread, seed: Footprint) -> Footprint {
    let hook = match th.pc {
        Pc::Fault(pc) => matches!(
            pc,
            FaultPc::FilemapLookup | FaultPc::FilemapLockPage | FaultPc::Mkwrite(_)
        ),
        Pc::Writeback(pc) => !matches!(
            pc,
            WbPc::NotStarted | WbPc::Done | WbPc::Stopped | WbPc::Mkclean(_)
        ),
        Pc::Io => true,
        Pc::Truncate(TruncPc::FlushWrite(pc) | TruncPc::FlushNfs(pc)) => !matches!(
            pc,
            WbPc::NotStarted | WbPc::Done | WbPc::Stopped | WbPc::Mkclean(_)
        ),
        Pc::Truncate(pc) => matches!(
            pc,
            TruncPc::LockPage
                | TruncPc::WaitOnWriteback
                | TruncPc::CompletePage
                | TruncPc::RemoveFromPageCache
                | TruncPc::UnlockPage
        ),
        Pc::Env(_) => false,
        Pc::Reclaim(_) | Pc::FsWorker(_) | Pc::Gup(_) | Pc::Freeze(_) => return everything(cfg),
    };
    let mut f = seed;
    if hook {
        f.writes = f.writes.union(HOOK);
        f.waits = f.waits.union(HOOK);
    } else if seed.writes.has(PageDirty) {
        f.writes = f.writes.with(FsMeta);
        f.waits = f.waits.with(FsMeta);
    }
    let (reads, writes) = crate::fs::hook_threads(cfg, &World::init(cfg), th.pc);
    for u in reads {
        f.reads = f.reads.with(Thread(u));
        f.waits = f.waits.with(Thread(u));
    }
    for u in writes {
        f.writes = f.writes.with(Thread(u));
    }
    f
}

/// The seed filesystem's footprint of a step (mm/ with the seed's hooks).
fn seed_vm(cfg: &Config, th: &Thread) -> Footprint {
    let w = Objs::EMPTY;
    match th.pc {
        Pc::Fault(pc) => writer(cfg, th, pc),
        Pc::Writeback(pc) => {
            let s = if th.role == Role::Sync {
                fp(waited_for(cfg), w)
            } else {
                Footprint::LOCAL
            };
            let f = writeback(cfg, pc);
            Footprint {
                reads: s.reads.union(f.reads),
                writes: f.writes,
                waits: s.reads.union(f.waits),
            }
        }
        // IO: end_page_writeback: PG_writeback clear, the in-flight version lands on disk.
        Pc::Io => fp(w, set([PageWriteback, Disk])).waiting(set([Disk])),
        Pc::Truncate(pc) => truncate(cfg, pc),
        // E0: the filesystem's last free blocks go.
        Pc::Env(EnvPc::FillsUp) => fp(w, set([FsFull])),
        Pc::Env(EnvPc::Done) => Footprint::LOCAL,
        // D0 (`--dio 1`): conservatively everything (sound, no reduction); its fault steps
        // are the writers' (`Pc::Fault`) and declared with them. Z0 (`--freeze`) likewise.
        Pc::Reclaim(_) | Pc::FsWorker(_) | Pc::Gup(_) | Pc::Freeze(_) => everything(cfg),
    }
}

/// A writer's steps (mm/memory.c, mm/filemap.c, the seed ->page_mkwrite). Its own pte is the
/// one of its mm.
fn writer(cfg: &Config, th: &Thread, pc: FaultPc) -> Footprint {
    use FaultPc::*;
    let own = Objs::EMPTY.with(Pte(cfg.pte_of(th.index) as u8));
    let none = Objs::EMPTY;
    match pc {
        // ST/HPF: the store lands through a writable pte (its dirty bit, the contents), or
        // traps; do_wp_page's WP1-WP3 take a reference. Without ->page_mkwrite the reuse path
        // (N1) may dirty the page at once.
        Store => fp(
            RETURN,
            own.union(set([Contents, PageRef])).union(SET_PAGE_DIRTY),
        ),
        // filemap_fault: i_size, the page-cache lookup (a reference); then lock_page and the
        // i_size recheck under it (SIGBUS beyond EOF drops both).
        // With reclaim the lookup may find the page freed and read a new one
        // (filemap::read_page): the page's flags and count, its contents from the disk, the
        // filesystem's state of a page just read.
        FilemapLookup if cfg.reclaim => fp(
            set([ISize, PageMapping, Disk]),
            set([
                PageLock,
                PageRef,
                PageMapping,
                PageDirty,
                PageWriteback,
                Contents,
                FsMeta,
            ]),
        )
        .waiting(ON_LOCK),
        FilemapLookup | FilemapLockPage => {
            fp(set([ISize, PageMapping]), set([PageLock, PageRef])).waiting(ON_LOCK)
        }
        // __do_fault: unlock_page before ->page_mkwrite.
        DfUnlockBeforeMkwrite => fp(none, set([PageLock])),
        // The seed ->page_mkwrite: PM1 lock_page; PM2 the truncate and i_size checks, the
        // allocation (ENOSPC once the filesystem is full), the metadata and set_page_dirty;
        // PM3 unlock_page. Each returns to the VM (mkwrite_return).
        Mkwrite(crate::fs::MkPc::LockPage) => fp(none, set([PageLock])).waiting(ON_LOCK),
        Mkwrite(_) => fp(
            set([ISize, FsFull]),
            set([PageLock, FsMeta]).union(SET_PAGE_DIRTY),
        ),
        // WP5/WP5a, DF5-DF7: act on the return; relock and recheck the mapping.
        WpAfterMkwrite | DfAfterMkwrite => fp(none, RELOCK).waiting(ON_LOCK),
        // WP6-WP11 / DF9-DF11: ptl, pte_same, the writable dirty pte (INV-4 looks at the
        // mapping); a changed pte drops the lock and reference and retries.
        WpPteSame | DfPteSame => fp(none, own.union(RELOCK)).waiting(ON_LOCK),
        // WP12, WP13 (old): file_update_time and wait_on_page_locked look at PG_locked.
        WpUpdateTimeEarly | WpWaitOnPageLocked => fp(set([PageLock]), none).waiting(ON_LOCK),
        // WP13'-WP14', DF12'a-b: set_page_dirty with the page locked (without
        // wp-balance-after-unlock, balance_dirty_pages follows under the lock: INV-5d).
        WpSetPageDirtyLocked | DfSetPageDirtyLocked => fp(set([PageLock]), SET_PAGE_DIRTY),
        // put_page before unlock_page (without wp-put-after-unlock).
        WpPutBeforeUnlock => fp(none, PUT),
        // WP15', DF12 / DF12'c: unlock_page (and, in __do_fault, put_page of a reference the
        // pte did not take over).
        WpUnlockPage | DfUnlockPage => fp(none, PUT),
        // WP14, DF15, N4 (old): TestSetPageDirty without the page lock (its accounting is
        // AccountPageDirtied).
        WpSetPageDirtyBalance | NoMkwriteSetPageDirty => fp(set([PageLock]), SET_PAGE_DIRTY),
        // The split set_page_dirty's second half: under tree_lock, the mapping, the account.
        AccountPageDirtied => fp(none, SET_PAGE_DIRTY),
        // WP15-WP18', DF16, DF finish: put_page, balance and file_update_time (INV-5d looks at
        // PG_locked); the old __do_fault tail dirties the page unlocked.
        WpFinish | DfPut | DfFinish => fp(none, PUT.union(SET_PAGE_DIRTY)),
        // Without ->page_mkwrite: wait_on_page_locked (N3), or lock_page and set_page_dirty
        // (2014); then unlock_page and put_page (N5).
        NoMkwriteWaitOrLock | NoMkwriteFinish => {
            fp(none, PUT.union(SET_PAGE_DIRTY)).waiting(ON_LOCK)
        }
        // Finished: no step.
        Done | SigBus | Hung => Footprint::LOCAL,
    }
}

/// write_cache_pages (W0, S) with the seed ->writepage; page_mkclean's pte sections.
fn writeback(cfg: &Config, pc: WbPc) -> Footprint {
    use WbPc::*;
    let none = Objs::EMPTY;
    // skip_page: unlock_page and put_page.
    let skip = PUT;
    match pc {
        NotStarted | Done | Stopped => Footprint::LOCAL,
        // W1: the DIRTY-tag lookup (a reference).
        Lookup => fp(set([PageDirty, PageMapping]), set([PageRef])),
        // W2-W5: lock_page; mapping, PG_dirty, PG_writeback; page_mkclean starts only on a
        // mapped page (mapcount: every pte). `--late-writeback` waits while a writer is in
        // the R1/R3 window.
        LockPage => {
            let late = if cfg.late_writeback {
                writers(cfg)
            } else {
                none
            };
            fp(
                set([PageDirty, PageWriteback, PageMapping])
                    .union(ptes(cfg))
                    .union(late),
                skip,
            )
            .waiting(ON_LOCK.union(late))
        }
        // W5 (WB_SYNC_ALL): wait_on_page_writeback; then page_mkclean's start, as above.
        WaitOnWriteback => fp(set([PageWriteback, PageMapping]).union(ptes(cfg)), none)
            .waiting(set([PageWriteback])),
        // W6a: one pte section of page_mkclean under i_mmap_lock (kernel::page_mkclean_pte).
        Mkclean(n) => fp(none, set([IMmapLock, Pte(n)])).waiting(set([IMmapLock])),
        // W6b: set_page_dirty.
        SetPageDirty => fp(none, SET_PAGE_DIRTY),
        // W6c, W7: TestClearPageDirty (INV-2 looks at the metadata and i_size); a clean page
        // is skipped.
        TestClearPageDirty => fp(set([ISize, FsMeta]), SET_PAGE_DIRTY.union(skip)),
        // W8, W10: the seed ->writepage (metadata, PG_writeback, the in-flight version of the
        // contents, the tag; ENOSPC on the mapping), unlock_page, put_page.
        Writepage => fp(
            set([Contents, FsFull]),
            set([PageDirty, PageWriteback, MappingError, FsMeta, Disk]).union(skip),
        ),
        // ->write_inode, ->fsync: nothing of the seed filesystem's.
        WriteInode | Fsync => fp(set([FsMeta]), none),
        // SY: filemap_fdatawait: PG_writeback, then AS_ENOSPC/AS_EIO while i_size covers
        // the page.
        WaitForIo => {
            fp(set([PageWriteback, ISize]), set([MappingError])).waiting(set([PageWriteback]))
        }
    }
}

/// vmtruncate (T0).
fn truncate(cfg: &Config, pc: TruncPc) -> Footprint {
    use TruncPc::*;
    let none = Objs::EMPTY;
    // A zap of pte `n` (kernel::zap_pte): the pte, its dirty bit into PG_dirty, a reference;
    // unmap_mapping_range's zaps run under i_mmap_lock.
    let zap = |n: u8| {
        fp(
            set([IMmapLock]),
            set([Pte(n), PageRef]).union(SET_PAGE_DIRTY),
        )
        .waiting(set([IMmapLock]))
    };
    match pc {
        // TF1, TF2 (NFS's flush): the writeback steps, run by T0.
        FlushWrite(wb) | FlushNfs(wb) => writeback(cfg, wb),
        // T1: i_size_write.
        SetSize => fp(none, set([ISize])),
        Unmap(n) | UnmapLocked(n) => zap(n),
        // T3: find_lock_page (a reference, the page lock; a removed page is skipped).
        LockPage => fp(set([PageMapping]), set([PageLock, PageRef])).waiting(ON_LOCK),
        // T3: wait_on_page_writeback; then a mapped page is zapped under the lock.
        WaitOnWriteback => {
            fp(set([PageWriteback]).union(ptes(cfg)), none).waiting(set([PageWriteback]))
        }
        // truncate_complete_page: ->invalidatepage (the metadata), cancel_dirty_page.
        CompletePage => fp(none, set([FsMeta]).union(SET_PAGE_DIRTY)),
        // remove_from_page_cache: the mapping, the page cache's reference (INV-4: no pte).
        RemoveFromPageCache => fp(ptes(cfg), set([PageRef]).union(SET_PAGE_DIRTY)),
        // T3: unlock_page, page_cache_release.
        UnlockPage => fp(none, PUT),
        // The partial page and the extension are the buffer profile's (`everything` above).
        PartialPage | FreeBlocks | ExtendSize | ExtendLockPage | ExtendMkclean(_)
        | ExtendUnlock => everything(cfg),
        Done => Footprint::LOCAL,
    }
}
