//! Every invariant, one function each, named as the claim that should hold; and the
//! `sometimes` guards that show the interesting interleavings happen, so that no pass is
//! vacuous. Each checker calls these same functions.

use crate::config::Config;
use crate::contract::{Fix, Inv, Role};
use crate::fs;
use crate::step::enabled;
use crate::world::{
    block_version, Dirtying, Event, FaultPc, MkwriteRet, Pc, Tid, TruncPc, WbPc, World,
};

/// INV-1: every writable pte maps a page whose metadata is attached and dirty, as long as the
/// page lies inside i_size. If violated: a store lands in a page writeback cannot account for.
///
/// Scope: a filesystem with ->page_mkwrite; without one (`--fs none`) nothing is attached.
pub fn writable_pte_has_fs_metadata(cfg: &Config, w: &World) -> bool {
    if !fs::has_page_mkwrite(cfg) {
        return true;
    }
    let writable = w.ptes.iter().any(|p| p.present && p.write);
    !(writable && w.isize_covers_page) || fs::tracked(cfg, w)
}

/// INV-2 (event): whenever clear_page_dirty_for_io returned 1, the metadata was attached and
/// dirty. If violated: NFS BUG()s in nfs_page_async_flush; delalloc loses the data at ENOSPC.
pub fn cleaned_page_had_fs_metadata(_: &Config, w: &World) -> bool {
    !w.has_fired(Inv::CleanedPageHadFsMetadata)
}

/// INV-3a: a writable pte on a page with PG_dirty clear belongs to a fault between its pte
/// install and its set_page_dirty. If violated: later stores are invisible to msync/fsync.
pub fn writable_pte_implies_dirty_or_dirtying(_: &Config, w: &World) -> bool {
    let writable = w.ptes.iter().any(|p| p.present && p.write);
    !writable
        || w.page.dirty
        || w.threads
            .iter()
            .any(|t| t.local.dirtying == Dirtying::PteInstalled)
}

/// The final fsync's result once it has returned: `Some(true)` for an error. Where fsync
/// promises nothing (fb_defio), the moment of judgement is the end of the run: every thread
/// has stopped, and what the display shows then it shows for good.
fn fsync_returned(cfg: &Config, w: &World) -> Option<bool> {
    if !fs::fsync_is_durable(cfg) {
        return w.threads.iter().all(|t| t.finished(w)).then_some(false);
    }
    w.threads
        .iter()
        .find(|t| t.role == Role::Sync && t.pc == Pc::Writeback(WbPc::Done))
        .map(|t| t.local.fsync_err)
}

/// Whether some block of the page inside the file lacks, on disk, the last store the user made
/// to it (with one block per page: the file covers the page and its last store is not on disk).
fn store_missing_from_disk(w: &World) -> bool {
    (0..2).any(|b| {
        w.block_in_eof(b) && block_version(w.data.disk, b) != block_version(w.data.stored, b)
    })
}

/// INV-3c: when the final fsync returns 0, a page still in the file has its last store on disk.
/// If violated: fsync said the data is safe and it is lost, silently.
pub fn no_store_lost_silently(cfg: &Config, w: &World) -> bool {
    fsync_returned(cfg, w) != Some(false) || !store_missing_from_disk(w)
}

/// INV-3d: when the final fsync returns ENOSPC or EIO, the last store is on disk all the same.
/// If violated: the data is lost, and fsync told the application so.
pub fn no_store_lost_reported(cfg: &Config, w: &World) -> bool {
    fsync_returned(cfg, w) != Some(true) || !store_missing_from_disk(w)
}

/// INV-4: no writable pte was installed on a removed page, and none maps the page once truncate
/// has finished. If violated: stores go to a page that is no longer part of the file.
///
/// Scope: a truncate that removes the page (to 0 bytes); a partial truncate leaves the page
/// straddling EOF in the file, mapped, as it should.
pub fn no_pte_on_truncated_page(cfg: &Config, w: &World) -> bool {
    let truncated = cfg.removes_page()
        && w.threads
            .iter()
            .any(|t| t.pc == Pc::Truncate(TruncPc::Done));
    let mapped_after_truncate = truncated && w.mapcount() > 0;
    !(w.has_fired(Inv::NoPteOnTruncatedPage) || mapped_after_truncate)
}

/// INV-5a (event): every fault returned with the page lock not held by its thread.
/// If violated: the page stays locked forever; writeback and truncate hang on it.
pub fn fault_returns_page_unlocked(_: &Config, w: &World) -> bool {
    !w.has_fired(Inv::FaultReturnsPageUnlocked)
}

/// INV-5b (event): no thread called lock_page or wait_on_page_locked on a lock it owns.
/// If violated: that thread sleeps forever.
pub fn no_self_wait_on_page_lock(_: &Config, w: &World) -> bool {
    !w.has_fired(Inv::NoSelfWaitOnPageLock)
}

/// INV-5c (event): ->page_mkwrite returned VM_FAULT_LOCKED only holding the lock, and NOPAGE
/// only without it. If violated: the VM unlocks a lock it does not hold, or leaks one.
pub fn page_mkwrite_return_matches_lock(_: &Config, w: &World) -> bool {
    !w.has_fired(Inv::PageMkwriteReturnMatchesLock)
}

/// INV-5d (event): file_update_time and balance_dirty_pages ran without the page lock.
/// If violated: journal start under PG_locked inverts ext4's lock order.
pub fn no_fs_work_under_page_lock(_: &Config, w: &World) -> bool {
    !w.has_fired(Inv::NoFsWorkUnderPageLock)
}

/// INV-6: the refcount equals the page cache's reference, one per present pte and the
/// threads' transient references; no put without a reference, no fault exit that is not
/// net-zero, no locked page at count 0. If violated: a leak or a use-after-free.
pub fn page_refcount_balanced(_: &Config, w: &World) -> bool {
    let held: u32 = w.threads.iter().map(|t| u32::from(t.local.refs)).sum();
    let expected = u32::from(w.page.mapping) + u32::from(w.mapcount()) + held;
    !w.has_fired(Inv::PageRefcountBalanced) && u32::from(w.page.refcount) == expected
}

/// INV-7 (event): after ->page_mkwrite returned NOPAGE or an error the VM neither installed a
/// pte nor dirtied the page in that fault. If violated: a refused page becomes writable.
pub fn failed_mkwrite_leaves_no_trace(_: &Config, w: &World) -> bool {
    !w.has_fired(Inv::FailedMkwriteLeavesNoTrace)
}

/// INV-8 (event): ->writepage was never entered for a page under writeback. write_cache_pages
/// skips such a page (WB_SYNC_NONE) or waits for it (WB_SYNC_ALL) after locking it and then
/// asserts it (BUG_ON(PageWriteback), mm/page-writeback.c:1030); shrink_page_list keeps it
/// (mm/vmscan.c:619). If violated: two writes of the page are in flight and the first
/// one's completion is lost.
pub fn no_writepage_under_writeback(_: &Config, w: &World) -> bool {
    !w.has_fired(Inv::NoWritepageUnderWriteback)
}

/// INV-9 (event): when a get_user_pages holder dirtied the page at the end of its I/O
/// (set_page_dirty_lock, `crate::mm::gup`), the page inside i_size was one its filesystem
/// tracks: the metadata ->page_mkwrite attached was still there. INV-1 says this of a writable
/// pte; a DMA write has none, so it needs its own claim. If violated: the page is dirty with
/// nothing behind it, and what the next writeback does with it is the filesystem's (INV-2,
/// INV-3c/3d and BUG say which).
pub fn dma_dirtied_page_has_fs_metadata(_: &Config, w: &World) -> bool {
    !w.has_fired(Inv::DmaDirtiedPageHasFsMetadata)
}

/// ACCT: NR_FILE_DIRTY counts the page exactly while PG_dirty is set and the page is in the
/// cache, outside a set_page_dirty's TestSetPageDirty-to-accounting window (2d6d7f982846).
/// If violated: the global dirty counters drift; throttling misjudges the dirty memory.
///
/// Scope: a mapping that accounts dirty pages (not fb_defio's).
pub fn dirty_accounting_balanced(cfg: &Config, w: &World) -> bool {
    if !fs::accounts_dirty(cfg) {
        return true;
    }
    let in_window = w.threads.iter().any(|t| t.local.dirty_unaccounted);
    in_window || w.nr_file_dirty == i8::from(w.page.dirty && w.page.mapping)
}

/// BUG (event): no modelled BUG_ON/VM_BUG_ON fired. If violated: the kernel oopses.
pub fn no_kernel_bug_fired(_: &Config, w: &World) -> bool {
    !w.has_fired(Inv::NoKernelBugFired)
}

/// DEADLOCK: some thread can take a step, or every thread has finished.
/// If violated: the threads that are left sleep forever.
pub fn some_thread_can_run(cfg: &Config, w: &World) -> bool {
    w.threads.iter().all(|t| t.finished(w))
        || (0..w.threads.len() as Tid).any(|t| enabled(cfg, w, t))
}

/// FREEZE (`--freeze`): while the filesystem is frozen (SB_FREEZE_COMPLETE), no pte maps the
/// page writable and PG_dirty is clear. If violated: stores land after the freeze, and
/// writeback (which takes no freeze protection) writes to a frozen device.
pub fn frozen_fs_has_no_dirty_page(_: &Config, w: &World) -> bool {
    w.freeze_level() < 4 || (!w.page.dirty && w.ptes.iter().all(|p| !(p.present && p.write)))
}

/// STABLE (event, `--stable-writes`): when the mapping requires stable writes, no store lands
/// in the folio while PG_writeback is set. If violated: the data changes under the device's
/// write (a checksum computed over the folio, RAID parity, an integrity profile no longer
/// matches what is written).
pub fn no_store_during_stable_writeback(_: &Config, w: &World) -> bool {
    !w.has_fired(Inv::NoStoreDuringStableWriteback)
}

/// The function of an invariant.
pub fn check_fn(inv: Inv) -> fn(&Config, &World) -> bool {
    match inv {
        Inv::WritablePteHasFsMetadata => writable_pte_has_fs_metadata,
        Inv::CleanedPageHadFsMetadata => cleaned_page_had_fs_metadata,
        Inv::WritablePteImpliesDirtyOrDirtying => writable_pte_implies_dirty_or_dirtying,
        Inv::NoStoreLostSilently => no_store_lost_silently,
        Inv::NoStoreLostReported => no_store_lost_reported,
        Inv::NoPteOnTruncatedPage => no_pte_on_truncated_page,
        Inv::FaultReturnsPageUnlocked => fault_returns_page_unlocked,
        Inv::NoSelfWaitOnPageLock => no_self_wait_on_page_lock,
        Inv::PageMkwriteReturnMatchesLock => page_mkwrite_return_matches_lock,
        Inv::NoFsWorkUnderPageLock => no_fs_work_under_page_lock,
        Inv::PageRefcountBalanced => page_refcount_balanced,
        Inv::FailedMkwriteLeavesNoTrace => failed_mkwrite_leaves_no_trace,
        Inv::NoWritepageUnderWriteback => no_writepage_under_writeback,
        Inv::DmaDirtiedPageHasFsMetadata => dma_dirtied_page_has_fs_metadata,
        Inv::DirtyAccountingBalanced => dirty_accounting_balanced,
        Inv::NoKernelBugFired => no_kernel_bug_fired,
        Inv::SomeThreadCanRun => some_thread_can_run,
        Inv::FrozenFsHasNoDirtyPage => frozen_fs_has_no_dirty_page,
        Inv::NoStoreDuringStableWriteback => no_store_during_stable_writeback,
    }
}

/// Every invariant in the fixed order: the first one violated by `w`, if any.
pub fn check(cfg: &Config, w: &World) -> Result<(), Inv> {
    for inv in Inv::ALL {
        if !check_fn(inv)(cfg, w) {
            return Err(inv);
        }
    }
    Ok(())
}

/// Whether the configuration's first fault can never end without the page lock held (by
/// itself, returned to user space, or slept on by itself): the histories and ablations that
/// break the lock protocol outright. The pte picks the path: do_wp_page for a read-only pte,
/// __do_fault for none.
/// - v3.15-rc's do_page_mkwrite relocks an unlocked return and its callers return 0 with the
///   lock held (both paths).
/// - do_wp_page without the relock fix does not know VM_FAULT_LOCKED and returns holding it;
///   with it but without the self-wait fix it waits on the lock it holds.
/// - __do_fault without `df-accept-locked` locks a page it already holds.
fn first_fault_keeps_page_locked(cfg: &Config) -> bool {
    if !fs::has_page_mkwrite(cfg) {
        return false;
    }
    let f = cfg.fixes;
    let locked = fs::returns_locked(cfg);
    let v315 = f.has(Fix::DoPageMkwrite315) && !locked;
    if cfg.pte_ro {
        v315 || (!f.has(Fix::WpRelockAfterMkwrite) && locked)
            || (f.has(Fix::WpRelockAfterMkwrite) && !f.has(Fix::WpSkipSelfWait))
    } else {
        v315 || (!f.has(Fix::DfAcceptLocked) && locked)
    }
}

/// A `sometimes` guard: a state that must be reachable, or the passes are vacuous.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Guard {
    /// Writeback is about to lock the page while a fault is between ->page_mkwrite's success
    /// and its set_page_dirty (the R1-R5 window).
    WritebackReachesLockInMkwriteWindow,
    /// Truncate has removed the page while a fault still holds a reference on it.
    TruncateRemovesPageUnderFault,
    /// A fault returned 0/NOPAGE without a writable pte and the store re-executed (retry).
    FaultRetries,
    /// ->page_mkwrite returned VM_FAULT_NOPAGE (INV-7 is exercised).
    PageMkwriteReturnsNopage,
    /// ->page_mkwrite failed with VM_FAULT_SIGBUS (INV-5c and INV-7 on the error exit).
    PageMkwriteFails,
    /// A store made through the mapping reached the disk.
    DataReachesDisk,
    /// A writer's second store landed (`--stores 2`).
    SecondStoreLands,
    /// Reclaim freed the page (the next fault reads it again).
    ReclaimFreesPage,
    /// Reclaim released the page's private data (buffer.c: the buffers were stripped).
    ReclaimReleasesPrivate,
    /// An NFS COMMIT freed the request.
    CommitFreesRequest,
    /// btrfs's fixup worker re-created delalloc for a page dirtied behind its back.
    FixupSetsDelalloc,
    /// fb_defio's worker write-protected a writable pte of a listed page (page_mkclean did
    /// its job, so the next store faults and lists the page again).
    DefioWorkerReprotects,
    /// A partial truncate finished while a writable pte still mapped the page straddling the
    /// new EOF (the state R7 starts from).
    PartialTruncateKeepsWritablePte,
    /// pagecache_isize_extended write-protected a writable pte of the straddling page.
    IsizeExtendedReprotects,
    /// A store landed in the block the partial truncate dropped, after the extension returned.
    StoreLandsInExtendedBlock,
    /// The DMA thread's device wrote into the page (`--dio 1`).
    DmaWritesPage,
    /// The freeze (`--freeze`) reached SB_FREEZE_COMPLETE.
    FreezeCompletes,
    /// `--stable-writes`: a fault is inside ->page_mkwrite while the folio is under writeback
    /// I/O (the state in which folio_wait_stable waits).
    MkwriteMeetsWriteback,
}

impl Guard {
    /// Every guard.
    pub const ALL: [Guard; 18] = [
        Guard::WritebackReachesLockInMkwriteWindow,
        Guard::TruncateRemovesPageUnderFault,
        Guard::FaultRetries,
        Guard::PageMkwriteReturnsNopage,
        Guard::PageMkwriteFails,
        Guard::DataReachesDisk,
        Guard::SecondStoreLands,
        Guard::ReclaimFreesPage,
        Guard::ReclaimReleasesPrivate,
        Guard::CommitFreesRequest,
        Guard::FixupSetsDelalloc,
        Guard::DefioWorkerReprotects,
        Guard::PartialTruncateKeepsWritablePte,
        Guard::IsizeExtendedReprotects,
        Guard::StoreLandsInExtendedBlock,
        Guard::DmaWritesPage,
        Guard::FreezeCompletes,
        Guard::MkwriteMeetsWriteback,
    ];

    /// The property name every checker prints.
    pub const fn name(self) -> &'static str {
        match self {
            Guard::WritebackReachesLockInMkwriteWindow => {
                "writeback_reaches_lock_in_mkwrite_window"
            }
            Guard::TruncateRemovesPageUnderFault => "truncate_removes_page_under_fault",
            Guard::FaultRetries => "fault_retries",
            Guard::PageMkwriteReturnsNopage => "page_mkwrite_returns_nopage",
            Guard::PageMkwriteFails => "page_mkwrite_fails",
            Guard::DataReachesDisk => "data_reaches_disk",
            Guard::SecondStoreLands => "second_store_lands",
            Guard::ReclaimFreesPage => "reclaim_frees_page",
            Guard::ReclaimReleasesPrivate => "reclaim_releases_private",
            Guard::CommitFreesRequest => "commit_frees_request",
            Guard::FixupSetsDelalloc => "fixup_sets_delalloc",
            Guard::DefioWorkerReprotects => "defio_worker_reprotects",
            Guard::PartialTruncateKeepsWritablePte => "partial_truncate_keeps_writable_pte",
            Guard::IsizeExtendedReprotects => "isize_extended_reprotects",
            Guard::StoreLandsInExtendedBlock => "store_lands_in_extended_block",
            Guard::DmaWritesPage => "dma_writes_page",
            Guard::FreezeCompletes => "freeze_completes",
            Guard::MkwriteMeetsWriteback => "mkwrite_meets_writeback",
        }
    }

    /// The threads it needs, as the configuration must provide them: whether the guard can be
    /// reached at all in `cfg`.
    pub fn applicable(self, cfg: &Config) -> bool {
        // A fault from a none pte meets reclaim's unmap only once its own pte is present and
        // it faults again on it: under 6.12 (where reclaim never writes) that needs W0 to
        // write-protect the pte; under 2.6.29, a page the filesystem ever writes.
        fn reclaim_meets_pte(cfg: &Config, written: bool) -> bool {
            if cfg.protocol.is_v612() {
                cfg.writeback > 0
            } else {
                written
            }
        }
        // A filesystem that never writes the page from this start (nilfs2's hole path): the
        // guards that need a write cannot be reached.
        let written = fs::page_ever_written(cfg);
        match self {
            // Writeback must find the page tagged dirty while a fault is in its window. With
            // ->page_mkwrite, the filesystem tags it; without, only a page dirty from the start,
            // or a zap that moves a dirty pte's bit into set_page_dirty while the fault still
            // has its own set_page_dirty to make: truncate's unmap_mapping_range, or reclaim's
            // try_to_unmap.
            Guard::WritebackReachesLockInMkwriteWindow => {
                cfg.writeback > 0
                    && fs::accounts_dirty(cfg)
                    && written
                    && (fs::mkwrite_dirties(cfg)
                        || cfg.page_dirty
                        || cfg.removes_page()
                        || cfg.reclaim
                        // ext4@6.12-nodelalloc's fast path leaves the dirtying to the VM:
                        // another writer's fault_dirty_shared_page tags the folio; with a
                        // freeze the checker reaches it too (the witness was not analysed).
                        || (cfg.protocol.is_v612() && (cfg.writers > 1 || cfg.freeze)))
            }
            // A partial truncate leaves the page in the file: it is never removed, and
            // ->page_mkwrite finds it inside i_size.
            Guard::TruncateRemovesPageUnderFault => cfg.removes_page(),
            // The 6.12 ablation `v6.12-minus-mkwrite-lock-recheck` rechecks nothing: no NOPAGE.
            Guard::PageMkwriteReturnsNopage => {
                cfg.removes_page()
                    && fs::nopage_on_truncate(cfg)
                    && cfg
                        .protocol
                        .keeps(crate::contract::Cut612::MkwriteLocksAndRechecks)
            }
            // An allocation failure (`--enospc`), or NFS's SIGBUS for a truncated page.
            Guard::PageMkwriteFails => {
                (cfg.enospc && fs::mkwrite_can_fail(cfg))
                    || (cfg.removes_page()
                        && fs::has_page_mkwrite(cfg)
                        && !fs::nopage_on_truncate(cfg))
            }
            // A retry needs the page truncated (NOPAGE, mapping NULL; only with ->page_mkwrite),
            // or the pte changed under the fault: by the other writer of a shared mm (without
            // ->page_mkwrite do_wp_page keeps the ptl from check to write, so only the nopage
            // path can see that), or by reclaim's try_to_unmap (which only a fault that drops
            // the ptl with its pte present sees, as do_wp_page does around ->page_mkwrite);
            // writeback only write-protects a pte, which a
            // fault that has not installed it yet does not notice. And v3.15-rc's
            // do_page_mkwrite relocks an unlocked return and reports 0, which its callers take
            // for "retry".
            Guard::FaultRetries => {
                (cfg.shared_mm && (fs::has_page_mkwrite(cfg) || !cfg.pte_ro))
                    || (cfg.reclaim
                        && fs::has_page_mkwrite(cfg)
                        && (cfg.pte_ro || reclaim_meets_pte(cfg, written)))
                    || (cfg.removes_page() && fs::has_page_mkwrite(cfg))
                    || (cfg.fixes.has(Fix::DoPageMkwrite315)
                        && fs::has_page_mkwrite(cfg)
                        && !fs::returns_locked(cfg))
            }
            // Truncate always removes the page before the final sync; without writeback the
            // data can only reach the disk through that sync. A protocol whose first fault
            // never gives the page lock back leaves nothing to write it.
            // A freeze's sync (6.12 `--freeze`) writes the file too.
            Guard::DataReachesDisk => {
                (!cfg.removes_page()
                    || cfg.writeback > 0
                    || fs::truncate_flushes(cfg)
                    || cfg.freeze)
                    && !first_fault_keeps_page_locked(cfg)
                    && written
            }
            Guard::SecondStoreLands => cfg.stores > 1,
            // 6.12: reclaim never writes a dirty folio (no ->writepage), so a folio dirty from
            // the start is freed only after W0 cleaned it; and a folio gets buffers only by
            // being dirtied, so without W0 it is clean with buffers only if it started so
            // (ext4@6.12-nodelalloc).
            Guard::ReclaimFreesPage => {
                cfg.reclaim && !(cfg.protocol.is_v612() && cfg.page_dirty && cfg.writeback == 0)
            }
            Guard::ReclaimReleasesPrivate => {
                cfg.reclaim
                    && fs::private_releasable(cfg)
                    && written
                    && !(cfg.protocol.is_v612()
                        && cfg.writeback == 0
                        && (cfg.page_dirty || !fs::page_private(cfg, &World::init(cfg))))
            }
            // The COMMIT comes from fsync, from a flusher pass after the WRITE's reply
            // (which truncate, removing the page first, needs two passes for), or from the
            // nfs_wb_all of NFS's truncate.
            Guard::CommitFreesRequest => {
                fs::has_write_inode(cfg)
                    && (!cfg.removes_page() || cfg.writeback > 1 || fs::truncate_flushes(cfg))
            }
            // The fixup worker runs for a page dirtied without delalloc: the race of an
            // unlocked ->page_mkwrite against writeback.
            Guard::FixupSetsDelalloc => {
                cfg.fs.name() == "btrfs" && !fs::returns_locked(cfg) && cfg.writeback > 0
            }
            Guard::DefioWorkerReprotects => cfg.fs.name() == "fb_defio",
            Guard::PartialTruncateKeepsWritablePte => cfg.truncate_partial,
            Guard::IsizeExtendedReprotects => cfg.extend && cfg.fixes.has(Fix::IsizeExtended),
            Guard::StoreLandsInExtendedBlock => cfg.extend,
            // D0 faults the page in as a writer does; a protocol whose first fault never gives
            // the page lock back leaves it there.
            // The longterm era refuses D0's get_user_pages outright: no page, no write.
            Guard::DmaWritesPage => {
                cfg.dio
                    && cfg.gup_era != crate::config::GupEra::Longterm
                    && !first_fault_keeps_page_locked(cfg)
            }
            Guard::FreezeCompletes => cfg.freeze,
            // A fault in ->page_mkwrite while W0's I/O is in flight: W0 and a mapping that
            // requires stable writes.
            Guard::MkwriteMeetsWriteback => cfg.stable_writes && cfg.writeback > 0,
        }
    }

    /// The condition.
    pub fn holds(self, cfg: &Config, w: &World) -> bool {
        // The faulting threads: the writers, and D0, whose get_user_pages faults as they do.
        let writers = || {
            w.threads
                .iter()
                .filter(|t| matches!(t.role, Role::Writer | Role::Dma))
        };
        // Some writer is back in the VM with this answer from ->page_mkwrite.
        let returned = |ret: MkwriteRet| {
            writers().any(|t| {
                t.local.mkwrite == ret
                    && matches!(
                        t.pc,
                        Pc::Fault(FaultPc::WpAfterMkwrite | FaultPc::DfAfterMkwrite)
                    )
            })
        };
        match self {
            Guard::WritebackReachesLockInMkwriteWindow => {
                let wb_at_lock = w
                    .threads
                    .iter()
                    .any(|t| t.role == Role::Writeback && t.pc == Pc::Writeback(WbPc::LockPage));
                wb_at_lock && writers().any(|t| t.local.dirtying != Dirtying::Idle)
            }
            Guard::TruncateRemovesPageUnderFault => {
                !w.page.mapping && writers().any(|t| t.local.refs > 0)
            }
            Guard::FaultRetries => writers().any(|t| t.local.retried),
            Guard::PageMkwriteReturnsNopage => returned(MkwriteRet::NoPage),
            Guard::PageMkwriteFails => returned(MkwriteRet::SigBus),
            Guard::DataReachesDisk => w.data.disk > u8::from(cfg.page_dirty),
            Guard::SecondStoreLands => writers().any(|t| t.local.stores >= 2),
            Guard::ReclaimFreesPage => w.evicted,
            Guard::ReclaimReleasesPrivate => w.noted(Event::ReclaimReleasedPrivate),
            Guard::CommitFreesRequest => w.noted(Event::CommitFreedRequest),
            Guard::FixupSetsDelalloc => w.noted(Event::FixupSetDelalloc),
            Guard::DefioWorkerReprotects => w.noted(Event::DefioReprotected),
            Guard::PartialTruncateKeepsWritablePte => {
                let past_partial_page = w.threads.iter().any(|t| {
                    matches!(
                        t.pc,
                        Pc::Truncate(
                            TruncPc::FreeBlocks
                                | TruncPc::ExtendSize
                                | TruncPc::ExtendLockPage
                                | TruncPc::ExtendMkclean(_)
                                | TruncPc::ExtendUnlock
                                | TruncPc::Done
                        )
                    )
                });
                past_partial_page && w.ptes.iter().any(|p| p.present && p.write)
            }
            Guard::IsizeExtendedReprotects => w.noted(Event::IsizeExtendedReprotected),
            Guard::StoreLandsInExtendedBlock => w.noted(Event::StoreInExtendedBlock),
            Guard::DmaWritesPage => w.noted(Event::DmaWrote),
            Guard::FreezeCompletes => w.freeze_level() == 4,
            Guard::MkwriteMeetsWriteback => {
                cfg.stable_writes && w.page.writeback && crate::fs::writer_in_mkwrite_body(w)
            }
        }
    }
}
