//! The contract every checker and every later piece of work builds on: the invariants with
//! their reference ids and kinds, the thread roles, the protocol ids, the patch's fixes as named
//! switches, and the textbook scenarios R1–R5 as exact configurations.
//!
//! Ids in this file are the vocabulary of docs/protocol.md (INV-1…INV-7,
//! H1…H8, R1…R5). Nothing here knows about a checker.

/// Whether an invariant is judged in every state or when its event happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A predicate over the current state, checked in every reachable state.
    State,
    /// A ghost flag set by the step at which the event happens; the state property
    /// "the flag is clear" is then checked in every state.
    Event,
}

/// One invariant of the contract. The `name` is the claim, in kernel words, that every checker
/// reports; `id` is its id in docs/protocol.md §9.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Inv {
    /// INV-1: a writable pte maps a page whose filesystem metadata is attached and dirty.
    WritablePteHasFsMetadata,
    /// INV-2: when clear_page_dirty_for_io returns 1, the metadata is still attached and dirty.
    CleanedPageHadFsMetadata,
    /// INV-3a: a writable pte on a page with PG_dirty clear belongs to a fault that has not yet
    /// reached its set_page_dirty.
    WritablePteImpliesDirtyOrDirtying,
    /// INV-3c: when the final fsync returns 0, what the user stored is on disk (no silent loss).
    NoStoreLostSilently,
    /// INV-3d: when the final fsync returns an error, what the user stored is on disk all the
    /// same (a loss the application is told about).
    NoStoreLostReported,
    /// INV-4: no pte is installed for a page removed from the page cache, and none maps it
    /// after truncate has finished.
    NoPteOnTruncatedPage,
    /// INV-5a: every fault returns with the page lock not held by the faulting thread.
    FaultReturnsPageUnlocked,
    /// INV-5b: no thread sleeps on a page lock it owns itself.
    NoSelfWaitOnPageLock,
    /// INV-5c: ->page_mkwrite returns VM_FAULT_LOCKED only with the page locked by the faulting
    /// thread, and NOPAGE/ERROR only with it not owned by that thread.
    PageMkwriteReturnMatchesLock,
    /// INV-5d: file_update_time and balance_dirty_pages run with the page lock free.
    NoFsWorkUnderPageLock,
    /// INV-6: the page refcount equals the references the model can account for, every fault
    /// exit is net-zero (net +1 with a new pte), and a page never drops to 0 while locked.
    PageRefcountBalanced,
    /// INV-7: after ->page_mkwrite fails (NOPAGE/ERROR) the VM neither installs a pte nor
    /// dirties the page for that fault.
    FailedMkwriteLeavesNoTrace,
    /// INV-8: ->writepage is never entered for a page under writeback: one write of the page
    /// in flight at a time.
    NoWritepageUnderWriteback,
    /// INV-9: a page that a get_user_pages holder dirties (set_page_dirty_lock at the end of
    /// its I/O) still has the filesystem metadata that ->page_mkwrite attached: INV-1's claim
    /// for the door without a pte.
    DmaDirtiedPageHasFsMetadata,
    /// ACCT: NR_FILE_DIRTY counts the page exactly while it is dirty and in the page cache,
    /// whenever no set_page_dirty is between its TestSetPageDirty and its accounting.
    DirtyAccountingBalanced,
    /// BUG: no modelled BUG_ON / VM_BUG_ON fired.
    NoKernelBugFired,
    /// DEADLOCK: some thread can make progress, or every thread has finished.
    SomeThreadCanRun,
    /// FREEZE (`--freeze`): while the filesystem is frozen (SB_FREEZE_COMPLETE), no pte maps
    /// the page writable and PG_dirty is clear.
    FrozenFsHasNoDirtyPage,
    /// STABLE (`--stable-writes`): when the mapping requires stable writes, no store lands in
    /// the folio while it is under writeback I/O (PG_writeback set).
    NoStoreDuringStableWriteback,
}

impl Inv {
    /// Every invariant, in the fixed order in which they are checked and reported.
    pub const ALL: [Inv; 19] = [
        Inv::WritablePteHasFsMetadata,
        Inv::CleanedPageHadFsMetadata,
        Inv::WritablePteImpliesDirtyOrDirtying,
        Inv::NoStoreLostSilently,
        Inv::NoStoreLostReported,
        Inv::NoPteOnTruncatedPage,
        Inv::FaultReturnsPageUnlocked,
        Inv::NoSelfWaitOnPageLock,
        Inv::PageMkwriteReturnMatchesLock,
        Inv::NoFsWorkUnderPageLock,
        Inv::PageRefcountBalanced,
        Inv::FailedMkwriteLeavesNoTrace,
        Inv::NoWritepageUnderWriteback,
        Inv::DmaDirtiedPageHasFsMetadata,
        Inv::DirtyAccountingBalanced,
        Inv::NoKernelBugFired,
        Inv::SomeThreadCanRun,
        Inv::FrozenFsHasNoDirtyPage,
        Inv::NoStoreDuringStableWriteback,
    ];

    /// The function name in `invariants.rs`, and the property name every checker prints.
    pub const fn name(self) -> &'static str {
        match self {
            Inv::WritablePteHasFsMetadata => "writable_pte_has_fs_metadata",
            Inv::CleanedPageHadFsMetadata => "cleaned_page_had_fs_metadata",
            Inv::WritablePteImpliesDirtyOrDirtying => "writable_pte_implies_dirty_or_dirtying",
            Inv::NoStoreLostSilently => "no_store_lost_silently",
            Inv::NoStoreLostReported => "no_store_lost_reported",
            Inv::NoPteOnTruncatedPage => "no_pte_on_truncated_page",
            Inv::FaultReturnsPageUnlocked => "fault_returns_page_unlocked",
            Inv::NoSelfWaitOnPageLock => "no_self_wait_on_page_lock",
            Inv::PageMkwriteReturnMatchesLock => "page_mkwrite_return_matches_lock",
            Inv::NoFsWorkUnderPageLock => "no_fs_work_under_page_lock",
            Inv::PageRefcountBalanced => "page_refcount_balanced",
            Inv::FailedMkwriteLeavesNoTrace => "failed_mkwrite_leaves_no_trace",
            Inv::NoWritepageUnderWriteback => "no_writepage_under_writeback",
            Inv::DmaDirtiedPageHasFsMetadata => "dma_dirtied_page_has_fs_metadata",
            Inv::DirtyAccountingBalanced => "dirty_accounting_balanced",
            Inv::NoKernelBugFired => "no_kernel_bug_fired",
            Inv::SomeThreadCanRun => "some_thread_can_run",
            Inv::FrozenFsHasNoDirtyPage => "frozen_fs_has_no_dirty_page",
            Inv::NoStoreDuringStableWriteback => "no_store_during_stable_writeback",
        }
    }

    /// The id of docs/protocol.md §9: INV-1 … INV-7, ACCT, `BUG`, `DEADLOCK`.
    pub const fn id(self) -> &'static str {
        match self {
            Inv::WritablePteHasFsMetadata => "INV-1",
            Inv::CleanedPageHadFsMetadata => "INV-2",
            Inv::WritablePteImpliesDirtyOrDirtying => "INV-3a",
            Inv::NoStoreLostSilently => "INV-3c",
            Inv::NoStoreLostReported => "INV-3d",
            Inv::NoPteOnTruncatedPage => "INV-4",
            Inv::FaultReturnsPageUnlocked => "INV-5a",
            Inv::NoSelfWaitOnPageLock => "INV-5b",
            Inv::PageMkwriteReturnMatchesLock => "INV-5c",
            Inv::NoFsWorkUnderPageLock => "INV-5d",
            Inv::PageRefcountBalanced => "INV-6",
            Inv::FailedMkwriteLeavesNoTrace => "INV-7",
            Inv::NoWritepageUnderWriteback => "INV-8",
            Inv::DmaDirtiedPageHasFsMetadata => "INV-9",
            Inv::DirtyAccountingBalanced => "ACCT",
            Inv::NoKernelBugFired => "BUG",
            Inv::SomeThreadCanRun => "DEADLOCK",
            Inv::FrozenFsHasNoDirtyPage => "FREEZE",
            Inv::NoStoreDuringStableWriteback => "STABLE",
        }
    }

    /// State or event property.
    pub const fn kind(self) -> Kind {
        match self {
            Inv::WritablePteHasFsMetadata
            | Inv::WritablePteImpliesDirtyOrDirtying
            | Inv::NoStoreLostSilently
            | Inv::NoStoreLostReported
            | Inv::DirtyAccountingBalanced
            | Inv::SomeThreadCanRun
            | Inv::FrozenFsHasNoDirtyPage => Kind::State,
            // INV-4 and INV-6 have a state half too (no pte after truncate; refcount equals
            // holders); both halves are evaluated by the same function.
            Inv::NoPteOnTruncatedPage | Inv::PageRefcountBalanced => Kind::State,
            Inv::CleanedPageHadFsMetadata
            | Inv::NoStoreDuringStableWriteback
            | Inv::FaultReturnsPageUnlocked
            | Inv::NoSelfWaitOnPageLock
            | Inv::PageMkwriteReturnMatchesLock
            | Inv::NoFsWorkUnderPageLock
            | Inv::FailedMkwriteLeavesNoTrace
            | Inv::NoWritepageUnderWriteback
            | Inv::DmaDirtiedPageHasFsMetadata
            | Inv::NoKernelBugFired => Kind::Event,
        }
    }

    /// One line: what a violation means for a user of the file.
    pub const fn meaning(self) -> &'static str {
        match self {
            Inv::WritablePteHasFsMetadata => {
                "a store can land through a writable pte in a page the filesystem does not track"
            }
            Inv::CleanedPageHadFsMetadata => {
                "writeback found the page dirty but the filesystem had already written it \
                 (NFS: BUG at write.c:252; delalloc: nothing reserved to write it with)"
            }
            Inv::WritablePteImpliesDirtyOrDirtying => {
                "stores through a writable pte go unnoticed: PG_dirty is clear and no fault is \
                 about to set it (msync data loss)"
            }
            Inv::NoStoreLostSilently => {
                "fsync returned 0 but the user's data is not on disk: silent data loss"
            }
            Inv::NoStoreLostReported => {
                "fsync returned an error (ENOSPC/EIO) and the user's data is not on disk: a \
                 reported loss"
            }
            Inv::NoPteOnTruncatedPage => {
                "a pte maps a page that truncate removed from the file: stores go nowhere"
            }
            Inv::FaultReturnsPageUnlocked => "a fault returned to user space holding the page lock",
            Inv::NoSelfWaitOnPageLock => "a thread sleeps on its own page lock: it never wakes",
            Inv::PageMkwriteReturnMatchesLock => {
                "the page lock state disagrees with what ->page_mkwrite returned"
            }
            Inv::NoFsWorkUnderPageLock => {
                "journal or throttling work under the page lock: lock-order inversion"
            }
            Inv::PageRefcountBalanced => "a page reference leaked or was dropped twice",
            Inv::FailedMkwriteLeavesNoTrace => {
                "the page became writable or dirty although ->page_mkwrite refused"
            }
            Inv::NoWritepageUnderWriteback => {
                "->writepage ran while the page's last write was still in flight: the second \
                 write can overtake the first, whose completion is lost"
            }
            Inv::DmaDirtiedPageHasFsMetadata => {
                "a DMA through get_user_pages dirtied a page whose metadata the filesystem had \
                 released: writeback finds it dirty with nothing behind it (Jan Kara, 2018)"
            }
            Inv::DirtyAccountingBalanced => {
                "NR_FILE_DIRTY drifts: dirty-page throttling and writeback decisions go wrong"
            }
            Inv::NoKernelBugFired => "a BUG_ON/VM_BUG_ON of the modelled code would fire",
            Inv::SomeThreadCanRun => "every unfinished thread is blocked: deadlock",
            Inv::FrozenFsHasNoDirtyPage => {
                "a frozen filesystem has a dirty page or a writable pte: stores land after the \
                 freeze, and writeback writes to a frozen device"
            }
            Inv::NoStoreDuringStableWriteback => {
                "a store landed in a folio under writeback I/O on a mapping that requires \
                 stable writes: the device may write data that no longer matches its checksum"
            }
        }
    }

    /// Find an invariant by function name or reference id.
    pub fn parse(s: &str) -> Option<Inv> {
        Inv::ALL
            .iter()
            .copied()
            .find(|i| i.name().eq_ignore_ascii_case(s) || i.id().eq_ignore_ascii_case(s))
    }
}

/// The thread roles of every configuration. Threads are named by role and index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// `F0`, `F1`: a user thread that stores once into the mapped page, faulting as needed.
    Writer,
    /// `W0`: the flusher, doing `--writeback N` sequential WB_SYNC_NONE passes of
    /// write_cache_pages over the file.
    Writeback,
    /// `IO`: completion of the I/O that ->writepage submitted (end_page_writeback, interrupt
    /// context). A separate actor so that completion interleaves with everything else.
    Io,
    /// `T0`: vmtruncate of the file to 0 bytes (the page, index 1, is wholly beyond the new EOF).
    Truncate,
    /// `S`: the final fsync (WB_SYNC_ALL write_cache_pages, then wait for writeback). It starts
    /// only after every writer, `W0` and `T0` have finished.
    Sync,
    /// `E0` (`--enospc`): the rest of the system, which at some moment takes the filesystem's
    /// last free blocks; from then on every allocation fails with ENOSPC.
    Env,
    /// `R0` (`--reclaim 1`): kswapd, making one shrink_page_list pass over the page.
    Reclaim,
    /// `X0`: a filesystem's own worker thread (btrfs's fixup worker).
    FsWorker,
    /// `D0` (`--dio 1`): a thread that takes the page with get_user_pages(FOLL_WRITE), lets a
    /// device write into it without any pte, and completes with set_page_dirty_lock and
    /// put_page (an O_DIRECT read into a MAP_SHARED mapping of the file).
    Dma,
    /// `Z0` (`--freeze`, 6.12): freeze_super (fs/super.c:2066) and thaw_super.
    Freeze,
}

impl Role {
    /// Short prefix used in thread names (`F`, `W`, `IO`, `T`, `S`).
    pub const fn prefix(self) -> &'static str {
        match self {
            Role::Writer => "F",
            Role::Writeback => "W",
            Role::Io => "IO",
            Role::Truncate => "T",
            Role::Sync => "S",
            Role::Env => "E",
            Role::Reclaim => "R",
            Role::FsWorker => "X",
            Role::Dma => "D",
            Role::Freeze => "Z",
        }
    }

    /// Whether the final fsync waits for this thread to finish before it starts. I/O
    /// completion and the environment run on concurrently with it.
    pub const fn waited_for_by_sync(self) -> bool {
        matches!(
            self,
            Role::Writer
                | Role::Writeback
                | Role::Truncate
                | Role::Reclaim
                | Role::Dma
                | Role::Freeze
        )
    }
}

/// A protocol: a set of [`Fix`]es (switches), with an id used on the CLI and in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// 2.6.29.4 just before the backport: e58fcb489af^ (= upstream b827e496c893^).
    Old,
    /// e58fcb489af (= upstream b827e496c893), "mm: close page_mkwrite races".
    New,
    /// The new protocol without one part of the patch (the ablation).
    NewMinus(Fix),
    /// Calibration, not a faithful 2007 kernel: the old protocol without the
    /// wait_on_page_locked that 79352894b28 added to do_wp_page in 2007 (WP13).
    Pre2007,
    /// The new protocol with v3.15's do_page_mkwrite as first posted (fb09a4642582, before
    /// Kirill Shutemov's own fix in -mm): an unlocked return is relocked but not reported as
    /// VM_FAULT_LOCKED, and the callers take a plain 0 as "retry".
    V315Rc,
    /// The new protocol after 2d6d7f982846 (v3.19, 2014): do_wp_page's branch for filesystems
    /// without ->page_mkwrite locks the page around set_page_dirty instead of waiting.
    New2014,
    /// The new protocol with the history switch `isize-extended` (90a8020278c1, v3.18):
    /// extending i_size write-protects the page that straddled the old EOF.
    NewIsizeExtended,
    /// Linux 6.12.118's VM (`mm::v612`): wp_page_shared, do_page_mkwrite,
    /// finish_mkwrite_fault, do_shared_fault, finish_fault, fault_dirty_shared_page; writeback
    /// through writeback_iter; reclaim without ->writepage; truncate under the invalidate lock.
    /// Only the 6.12 profiles (`ext4@6.12`, `xfs@6.12`, `generic@6.12`) run beside it.
    V612,
    /// The 6.12 VM and profiles without one piece of today's locking (the 6.12 ablation).
    V612Minus(Cut612),
}

/// One piece of the 6.12 locking, as a switch that the 6.12 ablation removes
/// (`v6.12-minus-<cut>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cut612 {
    /// ext4's and XFS's ->page_mkwrite take `mapping->invalidate_lock` shared (ext4
    /// fs/ext4/inode.c:6277, XFS fs/xfs/xfs_file.c:1461); truncate holds it exclusive.
    InvalidateLock,
    /// ->page_mkwrite locks the folio, rechecks `folio->mapping` and i_size under the lock
    /// and returns VM_FAULT_LOCKED (fs/buffer.c:2645-2651, fs/iomap/buffered-io.c:1533-1538,
    /// mm/filemap.c:3731-3736).
    MkwriteLocksAndRechecks,
    /// fault_dirty_shared_page marks the folio dirty before it unlocks it
    /// (mm/memory.c:3200, 3209).
    DirtyBeforeUnlock,
    /// finish_mkwrite_fault rechecks the pte with pte_same under the PTL
    /// (mm/memory.c:3520-3524).
    PteSame,
    /// ->page_mkwrite holds freeze protection, `sb_start_pagefault` (ext4
    /// fs/ext4/inode.c:6274, XFS fs/xfs/xfs_file.c:1453, mm/filemap.c:3729); matters with
    /// `--freeze`.
    SbStartPagefault,
    /// ->page_mkwrite waits for the folio's writeback I/O with folio_wait_stable when the
    /// mapping requires stable writes (mm/page-writeback.c:3236-3240; fs/buffer.c:2666,
    /// fs/iomap/buffered-io.c:1544, mm/filemap.c:3743, fs/ext4/inode.c:6327); matters with
    /// `--stable-writes`.
    WaitStable,
}

impl Cut612 {
    /// Every cut, in the order of the 6.12 ablation table.
    pub const ALL: [Cut612; 6] = [
        Cut612::InvalidateLock,
        Cut612::MkwriteLocksAndRechecks,
        Cut612::DirtyBeforeUnlock,
        Cut612::PteSame,
        Cut612::SbStartPagefault,
        Cut612::WaitStable,
    ];

    /// The protocol id `v6.12-minus-<cut>`.
    pub const fn minus_id(self) -> &'static str {
        match self {
            Cut612::InvalidateLock => "v6.12-minus-invalidate-lock",
            Cut612::MkwriteLocksAndRechecks => "v6.12-minus-mkwrite-lock-recheck",
            Cut612::DirtyBeforeUnlock => "v6.12-minus-dirty-before-unlock",
            Cut612::PteSame => "v6.12-minus-pte-same",
            Cut612::SbStartPagefault => "v6.12-minus-sb-start-pagefault",
            Cut612::WaitStable => "v6.12-minus-wait-stable",
        }
    }

    /// One line: what removing this piece reverts to.
    pub const fn reverts(self) -> &'static str {
        match self {
            Cut612::InvalidateLock => {
                "->page_mkwrite takes no invalidate_lock: truncate and the fault's body overlap"
            }
            Cut612::MkwriteLocksAndRechecks => {
                "->page_mkwrite works without the folio lock, rechecks nothing and returns 0; \
                 only do_page_mkwrite's relock and mapping test remain"
            }
            Cut612::DirtyBeforeUnlock => {
                "fault_dirty_shared_page unlocks the folio before folio_mark_dirty"
            }
            Cut612::PteSame => "finish_mkwrite_fault makes the pte writable without pte_same",
            Cut612::SbStartPagefault => {
                "->page_mkwrite takes no freeze protection: a freeze does not wait for it"
            }
            Cut612::WaitStable => {
                "->page_mkwrite does not wait for writeback I/O (no folio_wait_stable), even \
                 when the mapping requires stable writes"
            }
        }
    }
}

impl Protocol {
    /// Every protocol, in display order.
    pub fn all() -> Vec<Protocol> {
        let mut v = vec![Protocol::Old, Protocol::New];
        v.extend(Fix::ALL.iter().map(|f| Protocol::NewMinus(*f)));
        v.extend([
            Protocol::Pre2007,
            Protocol::V315Rc,
            Protocol::New2014,
            Protocol::NewIsizeExtended,
            Protocol::V612,
        ]);
        v.extend(Cut612::ALL.iter().map(|c| Protocol::V612Minus(*c)));
        v
    }

    /// Whether this is the 6.12 VM (or its ablation).
    pub const fn is_v612(self) -> bool {
        matches!(self, Protocol::V612 | Protocol::V612Minus(_))
    }

    /// Whether this protocol keeps a piece of the 6.12 locking (always true off 6.12, where
    /// the question does not arise).
    pub const fn keeps(self, cut: Cut612) -> bool {
        match self {
            Protocol::V612Minus(c) => c as u8 != cut as u8,
            _ => true,
        }
    }

    /// Id used on the CLI and in JSON.
    pub const fn id(self) -> &'static str {
        match self {
            Protocol::Old => "old",
            Protocol::New => "new",
            Protocol::NewMinus(f) => f.minus_id(),
            Protocol::Pre2007 => "pre2007",
            Protocol::V315Rc => "v3.15-rc",
            Protocol::New2014 => "new+2014",
            Protocol::NewIsizeExtended => "new+isize-extended",
            Protocol::V612 => "v6.12",
            Protocol::V612Minus(c) => c.minus_id(),
        }
    }

    /// Parse a CLI/JSON id.
    pub fn parse(s: &str) -> Option<Protocol> {
        Protocol::all()
            .into_iter()
            .find(|p| p.id().eq_ignore_ascii_case(s))
    }

    /// The switches this protocol applies: old has only 79352894b28's wait, new every part of
    /// the patch as well, `new-minus-<fix>` all but one.
    pub const fn fixes(self) -> Fixes {
        match self {
            Protocol::Old => Fixes::NONE.with(Fix::Wait2007),
            Protocol::New => Fixes::ALL.with(Fix::Wait2007),
            Protocol::NewMinus(f) => Fixes::ALL.with(Fix::Wait2007).without(f),
            Protocol::Pre2007 => Fixes::NONE,
            Protocol::V315Rc => Fixes::ALL.with(Fix::Wait2007).with(Fix::DoPageMkwrite315),
            Protocol::New2014 => Fixes::ALL
                .with(Fix::Wait2007)
                .with(Fix::LockAroundDirty2014),
            Protocol::NewIsizeExtended => Fixes::ALL.with(Fix::Wait2007).with(Fix::IsizeExtended),
            // The 6.12 VM is its own code (`mm::v612`) and consults no 2.6.29 switch; its
            // fault tail has the order every part of the patch gives.
            Protocol::V612 | Protocol::V612Minus(_) => Fixes::ALL,
        }
    }

    /// The filesystem used when `--fs` is not given: the seed filesystem, returning unlocked
    /// under the old VM (and the variants built on it) and VM_FAULT_LOCKED under the new.
    pub const fn default_fs(self) -> FsId {
        match self {
            Protocol::Old | Protocol::Pre2007 | Protocol::V315Rc => FsId::UNLOCKED,
            Protocol::New
            | Protocol::NewMinus(_)
            | Protocol::New2014
            | Protocol::NewIsizeExtended => FsId::LOCKED,
            Protocol::V612 | Protocol::V612Minus(_) => FsId::EXT4_V612,
        }
    }

    /// Whether the VM is the patched one (the new mm/memory.c and fs/buffer.c), so that a
    /// ->page_mkwrite may return VM_FAULT_LOCKED.
    pub const fn patched(self) -> bool {
        !matches!(self, Protocol::Old | Protocol::Pre2007)
    }
}

/// A filesystem profile (and era): its place in the registry of profiles (`fs::REGISTRY`),
/// which maps it to the profile's ops table, name and facts. The contract knows only the seed
/// filesystem's three conventions (the patch's own description), the registry's first three
/// entries; every other profile is found by name (`FsId::parse`) or by the registry's constants.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FsId(pub u8);

impl FsId {
    /// The seed filesystem, ->page_mkwrite returning unlocked (registry entry 0).
    pub const UNLOCKED: FsId = FsId(0);
    /// The seed filesystem, ->page_mkwrite returning VM_FAULT_LOCKED (registry entry 1).
    pub const LOCKED: FsId = FsId(1);
    /// The seed filesystem without ->page_mkwrite (registry entry 2).
    pub const NONE: FsId = FsId(2);
    /// ext4 in 6.12.118 (`ext4@6.12`), the default filesystem of `--protocol v6.12`; its
    /// place in `fs::REGISTRY` is checked by a test of the registry.
    pub const EXT4_V612: FsId = FsId(17);
}

/// How the seed filesystem's ->page_mkwrite returns on success.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FsConvention {
    /// Unlocks the page and returns 0: the only convention of the old VM (BM7 old).
    Unlocked,
    /// Returns VM_FAULT_LOCKED with the page still locked (BM7 new, hunk H7).
    Locked,
    /// The filesystem has no ->page_mkwrite (docs/protocol.md §4.2): do_wp_page takes its
    /// `!page_mkwrite` branch (N1-N5) and __do_fault dirties the page itself.
    None,
}

impl FsConvention {
    /// Id used on the CLI and in JSON.
    pub const fn id(self) -> &'static str {
        match self {
            FsConvention::Unlocked => "unlocked",
            FsConvention::Locked => "locked",
            FsConvention::None => "none",
        }
    }

    /// Parse a CLI/JSON id.
    pub fn parse(s: &str) -> Option<FsConvention> {
        [
            FsConvention::Unlocked,
            FsConvention::Locked,
            FsConvention::None,
        ]
        .into_iter()
        .find(|c| c.id().eq_ignore_ascii_case(s))
    }
}

/// One independent part of a hunk of b827e496c893, as a switch. The old protocol has none
/// switched on, the new one all; "new minus one fix" is every fix but one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fix {
    /// H1: do_wp_page relocks the page after an unlocked ->page_mkwrite return and retries the
    /// fault if the page lost its mapping; it accepts a VM_FAULT_LOCKED return (WP5a).
    WpRelockAfterMkwrite,
    /// H2: do_wp_page keeps the ->page_mkwrite reference across pte_same and, when the pte
    /// changed, unlocks the page before dropping it (WP8'); old dropped it first (WP7).
    WpUnlockOnPteChange,
    /// H3, part 1: do_wp_page skips wait_on_page_locked after ->page_mkwrite, which would wait
    /// on its own lock (WP12').
    WpSkipSelfWait,
    /// H3, part 2: do_wp_page calls set_page_dirty before unlock_page (WP14'-WP15').
    WpDirtyBeforeUnlock,
    /// H3, part 3: do_wp_page drops its last page reference only after unlock_page (WP16').
    WpPutAfterUnlock,
    /// H3, part 4: do_wp_page balances dirty pages only after unlock_page, and only with a
    /// non-NULL mapping (WP17').
    WpBalanceAfterUnlock,
    /// H3, part 5: do_wp_page calls file_update_time outside the page lock, last (WP18').
    WpUpdateTimeAfterUnlock,
    /// H5: __do_fault accepts a VM_FAULT_LOCKED return from ->page_mkwrite instead of locking
    /// again (DF6').
    DfAcceptLocked,
    /// H6: __do_fault calls set_page_dirty before unlock_page for every shared write fault
    /// (DF12').
    DfDirtyBeforeUnlock,
    /// History, not part of the patch: 79352894b28 (2007) "mm: fix clear_page_dirty_for_io vs
    /// fault race" added do_wp_page's wait_on_page_locked before set_page_dirty (WP13, N3).
    Wait2007,
    /// History: v3.15's do_page_mkwrite as first posted relocks an unlocked return without
    /// reporting VM_FAULT_LOCKED; the callers take the plain 0 as "retry".
    DoPageMkwrite315,
    /// History: 2d6d7f982846 (2014) locks the page around set_page_dirty in do_wp_page's
    /// branch for filesystems without ->page_mkwrite, instead of wait_on_page_locked.
    LockAroundDirty2014,
    /// History: 90a8020278c1 (Jan Kara, 2014, merged for 3.18) "vfs: fix data corruption when
    /// blocksize < pagesize for mmaped data": when i_size grows, pagecache_isize_extended
    /// write-protects the page that straddled the old EOF, so the next store into the new part
    /// faults into ->page_mkwrite.
    IsizeExtended,
}

impl Fix {
    /// Every part of the patch b827e496c893, in hunk order (the history switches are not).
    pub const ALL: [Fix; 9] = [
        Fix::WpRelockAfterMkwrite,
        Fix::WpUnlockOnPteChange,
        Fix::WpSkipSelfWait,
        Fix::WpDirtyBeforeUnlock,
        Fix::WpPutAfterUnlock,
        Fix::WpBalanceAfterUnlock,
        Fix::WpUpdateTimeAfterUnlock,
        Fix::DfAcceptLocked,
        Fix::DfDirtyBeforeUnlock,
    ];

    /// The protocol id `new-minus-<fix>`.
    pub const fn minus_id(self) -> &'static str {
        match self {
            Fix::WpRelockAfterMkwrite => "new-minus-wp-relock",
            Fix::WpUnlockOnPteChange => "new-minus-wp-unlock-on-pte-change",
            Fix::WpSkipSelfWait => "new-minus-wp-skip-self-wait",
            Fix::WpDirtyBeforeUnlock => "new-minus-wp-dirty-before-unlock",
            Fix::WpPutAfterUnlock => "new-minus-wp-put-after-unlock",
            Fix::WpBalanceAfterUnlock => "new-minus-wp-balance-after-unlock",
            Fix::WpUpdateTimeAfterUnlock => "new-minus-wp-update-time-after-unlock",
            Fix::DfAcceptLocked => "new-minus-df-accept-locked",
            Fix::DfDirtyBeforeUnlock => "new-minus-df-dirty-before-unlock",
            Fix::Wait2007 => "new-minus-wait2007",
            Fix::DoPageMkwrite315 => "new-minus-do-page-mkwrite-315",
            Fix::LockAroundDirty2014 => "new-minus-lock-around-dirty-2014",
            Fix::IsizeExtended => "new-minus-isize-extended",
        }
    }

    /// One line: what removing this part of the patch reverts to.
    pub const fn reverts(self) -> &'static str {
        match self {
            Fix::WpRelockAfterMkwrite => "do_wp_page neither relocks nor rechecks the mapping after ->page_mkwrite",
            Fix::WpUnlockOnPteChange => "do_wp_page drops its reference before pte_same and does not unlock on a changed pte",
            Fix::WpSkipSelfWait => "do_wp_page calls wait_on_page_locked on the page it holds locked",
            Fix::WpDirtyBeforeUnlock => "do_wp_page unlocks the page before set_page_dirty",
            Fix::WpPutAfterUnlock => "do_wp_page drops its references before unlock_page",
            Fix::WpBalanceAfterUnlock => "do_wp_page balances dirty pages with the page still locked",
            Fix::WpUpdateTimeAfterUnlock => "do_wp_page calls file_update_time before set_page_dirty, under the page lock (as try 3 did)",
            Fix::DfAcceptLocked => "__do_fault locks again after a VM_FAULT_LOCKED return",
            Fix::DfDirtyBeforeUnlock => "__do_fault unlocks the page before set_page_dirty",
            Fix::Wait2007 => "do_wp_page does not wait on the page lock before set_page_dirty",
            Fix::DoPageMkwrite315 => "(history switch)",
            Fix::LockAroundDirty2014 => "(history switch)",
            Fix::IsizeExtended => "(history switch)",
        }
    }

    /// The name of the switch.
    pub const fn id(self) -> &'static str {
        match self {
            Fix::WpRelockAfterMkwrite => "wp-relock",
            Fix::WpUnlockOnPteChange => "wp-unlock-on-pte-change",
            Fix::WpSkipSelfWait => "wp-skip-self-wait",
            Fix::WpDirtyBeforeUnlock => "wp-dirty-before-unlock",
            Fix::WpPutAfterUnlock => "wp-put-after-unlock",
            Fix::WpBalanceAfterUnlock => "wp-balance-after-unlock",
            Fix::WpUpdateTimeAfterUnlock => "wp-update-time-after-unlock",
            Fix::DfAcceptLocked => "df-accept-locked",
            Fix::DfDirtyBeforeUnlock => "df-dirty-before-unlock",
            Fix::Wait2007 => "wait2007",
            Fix::DoPageMkwrite315 => "do-page-mkwrite-315",
            Fix::LockAroundDirty2014 => "lock-around-dirty-2014",
            Fix::IsizeExtended => "isize-extended",
        }
    }

    /// The hunk of docs/protocol.md §10 this fix is part of (or the commit of a history switch).
    pub const fn hunk(self) -> &'static str {
        match self {
            Fix::WpRelockAfterMkwrite => "H1",
            Fix::WpUnlockOnPteChange => "H2",
            Fix::WpSkipSelfWait
            | Fix::WpDirtyBeforeUnlock
            | Fix::WpPutAfterUnlock
            | Fix::WpBalanceAfterUnlock
            | Fix::WpUpdateTimeAfterUnlock => "H3",
            Fix::DfAcceptLocked => "H5",
            Fix::DfDirtyBeforeUnlock => "H6",
            Fix::Wait2007 => "79352894b28",
            Fix::DoPageMkwrite315 => "fb09a4642582",
            Fix::LockAroundDirty2014 => "2d6d7f982846",
            Fix::IsizeExtended => "90a8020278c1",
        }
    }

    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of [`Fix`]es.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fixes(u16);

impl Fixes {
    /// No fix: the old protocol.
    pub const NONE: Fixes = Fixes(0);
    /// Every fix: the new protocol.
    pub const ALL: Fixes = Fixes((1 << Fix::ALL.len()) - 1);

    /// Whether `fix` is applied.
    pub const fn has(self, fix: Fix) -> bool {
        self.0 & fix.bit() != 0
    }

    /// This set without `fix`.
    pub const fn without(self, fix: Fix) -> Fixes {
        Fixes(self.0 & !fix.bit())
    }

    /// This set with `fix`.
    pub const fn with(self, fix: Fix) -> Fixes {
        Fixes(self.0 | fix.bit())
    }
}

/// A textbook scenario of docs/protocol.md §8: a name usable with `--scenario`, the race
/// it shows, and its exact configuration flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// Litmus-style name: roles joined by `+`.
    pub name: &'static str,
    /// The race id of docs/protocol.md §8 (R1…R5, H2007…).
    pub race: &'static str,
    /// One line: what the scenario shows.
    pub doc: &'static str,
    /// Protocol.
    pub protocol: Protocol,
    /// The filesystem, by its `--fs` id (the registry resolves it: `Config::from_scenario`).
    pub fs: &'static str,
    /// Number of writer threads.
    pub writers: u8,
    /// Number of WB_SYNC_NONE writeback passes.
    pub writeback: u8,
    /// Whether a truncate thread runs.
    pub truncate: bool,
    /// Initial pte of every writer: present read-only (`true`) or none.
    pub pte_ro: bool,
    /// The scenario constraint of `Config::late_writeback` (R2, R4).
    pub late_writeback: bool,
    /// Stores per writer.
    pub stores: u8,
    /// The filesystem can run out of space (`Config::enospc`).
    pub enospc: bool,
    /// Blocks per page (`Config::blocks`).
    pub blocks: u8,
    /// Truncate to the block boundary inside the page (`Config::truncate_partial`).
    pub truncate_partial: bool,
    /// Truncate up again after the partial truncate (`Config::extend`).
    pub extend: bool,
}

/// R1–R5. R2 and R4 run R1's and R3's configuration (both need a second writeback pass, so
/// that the page is cleaned again before the writer's next store re-runs ->page_mkwrite) with
/// the constraint `late_writeback`: writeback cannot clean the page inside the R1/R3 window,
/// so the shortest counterexample left is the race in their own, later window.
pub const SCENARIOS: [Scenario; 5] = [
    Scenario {
        name: "wp-fault+writeback",
        race: "R1",
        doc: "old do_wp_page: writeback cleans the page between ->page_mkwrite and the pte",
        protocol: Protocol::Old,
        fs: "unlocked",
        writers: 1,
        writeback: 2,
        truncate: false,
        pte_ro: true,
        late_writeback: false,
        stores: 1,
        enospc: false,
        blocks: 1,
        truncate_partial: false,
        extend: false,
    },
    Scenario {
        name: "wp-fault+writeback-between-pte-and-dirty",
        race: "R2",
        doc: "old do_wp_page: writeback cleans between the pte install and set_page_dirty",
        protocol: Protocol::Old,
        fs: "unlocked",
        writers: 1,
        writeback: 2,
        truncate: false,
        pte_ro: true,
        late_writeback: true,
        stores: 1,
        enospc: false,
        blocks: 1,
        truncate_partial: false,
        extend: false,
    },
    Scenario {
        name: "nopage-fault+writeback",
        race: "R3",
        doc: "old __do_fault: writeback cleans between ->page_mkwrite's unlock and the relock",
        protocol: Protocol::Old,
        fs: "unlocked",
        writers: 1,
        writeback: 2,
        truncate: false,
        pte_ro: false,
        late_writeback: false,
        stores: 1,
        enospc: false,
        blocks: 1,
        truncate_partial: false,
        extend: false,
    },
    Scenario {
        name: "nopage-fault+writeback-between-unlock-and-dirty",
        race: "R4",
        doc: "old __do_fault: writeback cleans between unlock_page and set_page_dirty",
        protocol: Protocol::Old,
        fs: "unlocked",
        writers: 1,
        writeback: 2,
        truncate: false,
        pte_ro: false,
        late_writeback: true,
        stores: 1,
        enospc: false,
        blocks: 1,
        truncate_partial: false,
        extend: false,
    },
    Scenario {
        name: "unlocked-mkwrite+writeback",
        race: "R5",
        doc: "new VM, ->page_mkwrite still returns unlocked: the R1 window stays open",
        protocol: Protocol::New,
        fs: "unlocked",
        writers: 1,
        writeback: 2,
        truncate: false,
        pte_ro: true,
        late_writeback: false,
        stores: 1,
        enospc: false,
        blocks: 1,
        truncate_partial: false,
        extend: false,
    },
];

/// The history of the locking rule as scenarios: the pre-2007 calibration, the old protocol's
/// accounting race with truncate (which the patch closed for ->page_mkwrite filesystems),
/// v3.15's do_page_mkwrite deadlock, and the 2014 accounting race of the branch for
/// filesystems without ->page_mkwrite (check it with `--protocol new+2014` for the fix).
pub const HISTORY: [Scenario; 4] = [
    Scenario {
        name: "pre2007-wp-fault+writeback",
        race: "H2007",
        doc: "old without 79352894b28's wait_on_page_locked: a writable pte outlives PG_dirty",
        protocol: Protocol::Pre2007,
        fs: "unlocked",
        writers: 1,
        writeback: 1,
        truncate: false,
        pte_ro: true,
        late_writeback: false,
        stores: 1,
        enospc: false,
        blocks: 1,
        truncate_partial: false,
        extend: false,
    },
    Scenario {
        name: "wp-fault+truncate",
        race: "H2009",
        doc: "old do_wp_page: set_page_dirty after unlock_page races with truncate: NR_FILE_DIRTY \
              ends one too low",
        protocol: Protocol::Old,
        fs: "unlocked",
        writers: 1,
        writeback: 0,
        truncate: true,
        pte_ro: true,
        late_writeback: false,
        stores: 1,
        enospc: false,
        blocks: 1,
        truncate_partial: false,
        extend: false,
    },
    Scenario {
        name: "v3.15-rc-wp-fault",
        race: "H2014a",
        doc: "v3.15's do_page_mkwrite as first posted: an unlocked ->page_mkwrite deadlocks",
        protocol: Protocol::V315Rc,
        fs: "unlocked",
        writers: 1,
        writeback: 0,
        truncate: false,
        pte_ro: true,
        late_writeback: false,
        stores: 1,
        enospc: false,
        blocks: 1,
        truncate_partial: false,
        extend: false,
    },
    Scenario {
        name: "nomkwrite-wp-fault+truncate",
        race: "H2014b",
        doc: "no ->page_mkwrite: set_page_dirty without the page lock races with truncate",
        protocol: Protocol::New,
        fs: "none",
        writers: 1,
        writeback: 0,
        truncate: true,
        pte_ro: true,
        late_writeback: false,
        stores: 1,
        enospc: false,
        blocks: 1,
        truncate_partial: false,
        extend: false,
    },
];

/// The partial page at EOF (R7): a block size half the page size, XFS on buffer.c (the only
/// in-tree user of block_page_mkwrite in 2.6.29), a truncate to the block boundary inside the
/// page and back up. Under the new VM the straddling page keeps its writable pte through the
/// truncate, so a store into the re-extended block lands on a hole without ->page_mkwrite;
/// 90a8020278c1 (`new+isize-extended`) write-protects the page when i_size grows.
pub const PARTIAL_PAGE: [Scenario; 2] = [
    R7,
    Scenario {
        name: "partial-page+truncate+extend-fixed",
        race: "R7-fixed",
        doc: "the same with 90a8020278c1 (v3.18): extending i_size write-protects the \
              straddling page, so the store into the new block faults into ->page_mkwrite",
        protocol: Protocol::NewIsizeExtended,
        ..R7
    },
];

const R7: Scenario = Scenario {
    name: "partial-page+truncate+extend",
    race: "R7",
    doc: "new VM, blocksize < pagesize: after a truncate into the page and back up, the \
          writable pte maps a block with no space behind it",
    protocol: Protocol::New,
    fs: "buffer",
    writers: 1,
    writeback: 1,
    truncate: true,
    pte_ro: true,
    late_writeback: false,
    stores: 2,
    enospc: false,
    blocks: 2,
    truncate_partial: true,
    extend: true,
};

/// Find a scenario by name or by race id (`R1`…`R5`, `R7`, `H2007`…, any case).
pub fn scenario(name: &str) -> Option<&'static Scenario> {
    SCENARIOS
        .iter()
        .chain(HISTORY.iter())
        .chain(PARTIAL_PAGE.iter())
        .find(|s| s.name == name || s.race.eq_ignore_ascii_case(name))
}
