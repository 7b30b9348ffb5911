//! The state of the model, in kernel vocabulary: one page of a regular file, the ptes that map
//! it, the inode's size, the filesystem's per-page metadata, ghost data versions, and every
//! thread's program counter and locals.
//!
//! Model: one page (index 1) of one file, mapped MAP_SHARED|PROT_WRITE by every writer. The
//! races of the patch involve a single page; a second page only adds interleavings of
//! independent pages.

use crate::contract::{FsId, Inv, Role};
use std::fmt;

/// Ghost events the `sometimes` guards look for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Event {
    /// Reclaim released the page's private data (buffers stripped by try_to_free_buffers).
    ReclaimReleasedPrivate = 1,
    /// An NFS COMMIT's reply freed the request.
    CommitFreedRequest = 2,
    /// btrfs's fixup worker set EXTENT_DELALLOC again.
    FixupSetDelalloc = 4,
    /// fb_defio's worker write-protected a writable pte.
    DefioReprotected = 8,
    /// pagecache_isize_extended write-protected a writable pte of the straddling page.
    IsizeExtendedReprotected = 16,
    /// A store landed in the block a partial truncate had dropped, after the extension.
    StoreInExtendedBlock = 32,
    /// The device of a get_user_pages holder wrote into the page (`--dio 1`).
    DmaWrote = 64,
}

/// A thread id: an index into `World::threads`.
pub type Tid = u8;

/// The most ptes a state holds: one per writer (`config::MAX_WRITERS`).
pub const MAX_PTES: usize = crate::config::MAX_WRITERS as usize;
/// The most threads a state holds: the writers, D0, W0, T0, R0, E0, X0, IO and S.
pub const MAX_THREADS: usize = MAX_PTES + 8;

/// A vector of at most `N` elements stored inline, so that a state is one flat `Copy` value
/// (no allocation when the checker clones it). It reads and writes as a slice of its `len`
/// elements; equality and hashing see only those, exactly as a `Vec`'s do.
#[derive(Clone, Copy)]
pub struct Inline<T: Copy, const N: usize> {
    len: u8,
    items: [T; N],
}

impl<T: Copy, const N: usize> Inline<T, N> {
    /// An empty vector; `fill` is the value of the unused slots.
    pub fn new(fill: T) -> Self {
        Inline {
            len: 0,
            items: [fill; N],
        }
    }

    /// Append `x`.
    ///
    /// # Panics
    ///
    /// Past `N` elements: a model bug (a configuration beyond the bounds `Config::validate`
    /// enforces).
    pub fn push(&mut self, x: T) {
        let i = self.len as usize;
        assert!(
            i < N,
            "model bug: more than {N} elements in an inline vector"
        );
        self.items[i] = x;
        self.len += 1;
    }
}

impl<T: Copy, const N: usize> std::ops::Deref for Inline<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.items[..self.len as usize]
    }
}

impl<T: Copy, const N: usize> std::ops::DerefMut for Inline<T, N> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.items[..self.len as usize]
    }
}

impl<'a, T: Copy, const N: usize> IntoIterator for &'a Inline<T, N> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: Copy + PartialEq, const N: usize> PartialEq for Inline<T, N> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Copy + Eq, const N: usize> Eq for Inline<T, N> {}

impl<T: Copy + std::hash::Hash, const N: usize> std::hash::Hash for Inline<T, N> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl<T: Copy + fmt::Debug, const N: usize> fmt::Debug for Inline<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The page's flags and counts (struct page).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Page {
    /// PG_locked, with its owner.
    pub locked_by: Option<Tid>,
    /// PG_dirty.
    pub dirty: bool,
    /// PG_writeback.
    pub writeback: bool,
    /// The radix-tree DIRTY tag that write_cache_pages looks pages up by. set_page_dirty sets
    /// it (with a mapping); test_set_page_writeback clears it when PG_dirty is clear;
    /// TestClearPageDirty leaves it.
    pub tagged_dirty: bool,
    /// page->mapping: in the page cache (`true`) or removed by truncate (NULL).
    pub mapping: bool,
    /// page refcount (page_count).
    pub refcount: u8,
}

/// A pte of one writer's mm mapping the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pte {
    /// pte_present (a none pte has no other bits).
    pub present: bool,
    /// pte_write.
    pub write: bool,
    /// pte_dirty: set by the hardware on a store through a writable pte.
    pub dirty: bool,
}

/// Ghost data versions: the last store the user made, which store the page holds, which one is
/// on disk, which one is in flight. Versions count stores: 0 is the file's content before the
/// run.
///
/// Model: with 2 blocks per page (`--blocks-per-page 2`) a version is two 4-bit counters, one
/// per block (block 0 in the low nibble, `block_version`), so that copying a version copies
/// the whole page and comparing two compares every block. Counters stay far below 16: at most
/// 2 writers of 2 stores each and a dirty start (a named panic guards the bound). A block of
/// zeros (the tail a partial truncate cleared) is version 0 again, as it is on disk once its
/// blocks are freed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Data {
    /// The last store the user made (write(2) for `--page dirty` included): what fsync owes.
    pub stored: u8,
    /// Version in the page (the last store, or what was read from disk after reclaim freed the
    /// page that held it).
    pub mem: u8,
    /// Version on disk.
    pub disk: u8,
    /// Version submitted by ->writepage and not yet completed.
    pub in_flight: Option<u8>,
}

/// What ->page_mkwrite returned to the VM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MkwriteRet {
    /// Not called yet in this fault.
    None,
    /// 0: success, page unlocked.
    Ok,
    /// VM_FAULT_LOCKED: success, page locked.
    Locked,
    /// VM_FAULT_NOPAGE: the page was truncated; retry the fault.
    NoPage,
    /// VM_FAULT_SIGBUS: the filesystem could not prepare the page (ENOSPC from its block
    /// allocation); the store never lands.
    SigBus,
}

impl MkwriteRet {
    /// An error or NOPAGE: the VM must neither make the pte writable nor dirty the page.
    pub const fn refused(self) -> bool {
        matches!(self, MkwriteRet::NoPage | MkwriteRet::SigBus)
    }
}

/// Which VM function called ->page_mkwrite (where it returns to).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Caller {
    /// do_wp_page.
    Wp,
    /// __do_fault.
    Df,
    /// do_wp_page's branch for a filesystem without ->page_mkwrite.
    NoMkwrite,
}

/// Ghost progress of a fault towards dirtying the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dirtying {
    /// Not inside ->page_mkwrite's dirtying window.
    Idle,
    /// ->page_mkwrite succeeded; the pte is not installed yet.
    Mkwrote,
    /// The writable pte is installed; set_page_dirty has not run yet.
    PteInstalled,
}

/// The steps of a ->page_mkwrite: each filesystem gives them its own meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MkPc {
    /// Work before the page lock (btrfs's space reservation, ceph's i_size read).
    Prepare,
    /// Take the page lock.
    LockPage,
    /// The filesystem's work under the page lock (checks, attaching its state, PG_dirty).
    Attach,
    /// Unlock and return 0 (the unlocked convention).
    Unlock,
    /// Wait, unlocked, for an ordered extent over the page to complete (btrfs); wait for
    /// writeback before returning (nilfs2's `mapped:`).
    WaitOrdered,
    /// A second locked section (nilfs2's hole path: the transaction and block_page_mkwrite's
    /// lock_page).
    FillLock,
    /// The work of that second section (nilfs2: block_page_mkwrite's fill).
    Fill,
}

/// A filesystem's private per-page state (buffers, an NFS request, a delalloc range, ...),
/// packed by its profile (`fs::ops::PackedState`): the world holds it without knowing the
/// filesystem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FsBits(pub u64);

/// The outcome of trying one step: the next program counter, or "this thread sleeps".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The step ran; the thread continues at this pc.
    Next(Pc),
    /// The thread is blocked; nothing was mutated.
    Blocked,
}

/// Where a step stands in the kernel, for traces and the Explorer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepInfo {
    /// The step id of docs/protocol.md (WP5a, DF12', W6c, T3, ST, HPF, FF1…).
    pub id: &'static str,
    /// The kernel function.
    pub function: &'static str,
    /// The function's anchor, file:line in the modelled tree.
    pub anchor: &'static str,
    /// What the step does, in our words.
    pub what: &'static str,
}

/// Program counter of a writer (F0, F1, F2): the user store and every fault path it can take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultPc {
    /// The user's store (and, when it traps, handle_pte_fault's dispatch).
    Store,
    /// filemap_fault: i_size check and page-cache lookup.
    FilemapLookup,
    /// filemap_fault: lock_page and the i_size recheck under the lock.
    FilemapLockPage,
    /// __do_fault: unlock the page ->fault returned locked, before ->page_mkwrite.
    DfUnlockBeforeMkwrite,
    /// A step of the filesystem's ->page_mkwrite.
    Mkwrite(MkPc),
    /// do_wp_page: act on ->page_mkwrite's return (WP5, WP5a).
    WpAfterMkwrite,
    /// do_wp_page: retake ptl, pte_same, make the pte writable and dirty (WP6-WP11).
    WpPteSame,
    /// do_wp_page: file_update_time before the dirtying (WP12, old).
    WpUpdateTimeEarly,
    /// do_wp_page: wait_on_page_locked (WP13, old).
    WpWaitOnPageLocked,
    /// do_wp_page: read mapping, set_page_dirty with the page locked (WP13'-WP14').
    WpSetPageDirtyLocked,
    /// do_wp_page: drop the references before unlock_page (only without wp-put-after-unlock).
    WpPutBeforeUnlock,
    /// do_wp_page: unlock_page (WP15').
    WpUnlockPage,
    /// do_wp_page: set_page_dirty_balance without the page lock (WP14, old).
    WpSetPageDirtyBalance,
    /// do_wp_page: drop references, balance, file_update_time, return (WP15 / WP16'-WP18').
    WpFinish,
    /// __do_fault: act on ->page_mkwrite's return (DF5-DF7 / DF5'-DF6').
    DfAfterMkwrite,
    /// __do_fault: ptl, pte_same, install the writable dirty pte (DF9-DF11).
    DfPteSame,
    /// do_wp_page without ->page_mkwrite: wait_on_page_locked (N3), or lock_page and
    /// set_page_dirty (2014).
    NoMkwriteWaitOrLock,
    /// do_wp_page without ->page_mkwrite: set_page_dirty_balance without the page lock (N4).
    NoMkwriteSetPageDirty,
    /// The second half of a set_page_dirty made without the page lock (the first half,
    /// TestSetPageDirty, ends the step before): re-read the mapping under tree_lock and
    /// account the page.
    AccountPageDirtied,
    /// do_wp_page without ->page_mkwrite: unlock_page (2014), put_page, return (N5).
    NoMkwriteFinish,
    /// __do_fault (old tail): put_page, return (DF16).
    DfPut,
    /// __do_fault: read mapping, set_page_dirty with the page locked (DF12'a-b).
    DfSetPageDirtyLocked,
    /// __do_fault: unlock_page (DF12 / DF12'c).
    DfUnlockPage,
    /// __do_fault: drop reference, dirty (old), balance, file_update_time, return.
    DfFinish,
    /// The store has landed.
    Done,
    /// The fault returned VM_FAULT_SIGBUS (the page lies beyond EOF): the store never lands.
    SigBus,
    /// Asleep forever on a page lock this thread owns itself.
    Hung,
}

/// Program counter of a write_cache_pages caller: W0 (WB_SYNC_NONE passes) or S (the final
/// WB_SYNC_ALL sync).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WbPc {
    /// S only: not started (it starts when every other thread has finished).
    NotStarted,
    /// W1: look the page up by its DIRTY tag.
    Lookup,
    /// W2-W5: lock_page; mapping, PG_dirty and PG_writeback checks.
    LockPage,
    /// W5 (WB_SYNC_ALL): wait_on_page_writeback with the page locked.
    WaitOnWriteback,
    /// W6a: page_mkclean, one pte-lock section for pte `n`.
    Mkclean(u8),
    /// W6b: set_page_dirty because page_mkclean cleaned a pte.
    SetPageDirty,
    /// W6c, W7: TestClearPageDirty; skip the page if it was clean.
    TestClearPageDirty,
    /// W8, W10: ->writepage (submit, PG_writeback, unlock), release the lookup reference.
    Writepage,
    /// W0 only, after a pass: ->write_inode (NFS: the COMMIT).
    WriteInode,
    /// S only: the filesystem's ->fsync (NFS: wait for RPCs, COMMIT).
    Fsync,
    /// S only: filemap_fdatawait, waiting for PG_writeback to clear.
    WaitForIo,
    /// Finished.
    Done,
    /// Stopped for good: a BUG() oopsed the task, or it would sleep on the page lock it holds
    /// (INV-5b). It never returns: for S, fsync returns nothing.
    /// Model: the thread keeps what it held (an oops does not unlock the page); the checker
    /// counts it as finished so that no deadlock is reported on top of the invariant that
    /// fired.
    Stopped,
}

/// Program counter of the truncate thread T0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TruncPc {
    /// TF1 (NFS): nfs_setattr's filemap_write_and_wait, one step of its WB_SYNC_ALL
    /// write_cache_pages pass or of the filemap_fdatawait after it.
    FlushWrite(WbPc),
    /// TF2 (NFS): nfs_setattr's nfs_wb_all, one step of its WB_SYNC_ALL pass or of the
    /// nfs_sync_mapping_wait loop after it.
    FlushNfs(WbPc),
    /// T1: i_size_write(0), or to the block boundary inside the page (`--truncate-to partial`).
    SetSize,
    /// T2: unmap_mapping_range, zap of pte `n` under its ptl, without the page lock.
    Unmap(u8),
    /// T3: truncate_inode_pages pass 2: lookup and lock_page.
    LockPage,
    /// T3: wait_on_page_writeback.
    WaitOnWriteback,
    /// T3: the page is still mapped: zap pte `n` under the page lock.
    UnmapLocked(u8),
    /// T3: truncate_complete_page: ->invalidatepage, cancel_dirty_page.
    CompletePage,
    /// T3: truncate_complete_page: remove_from_page_cache.
    RemoveFromPageCache,
    /// T3: unlock_page and release the lookup reference.
    UnlockPage,
    /// T3, partial: truncate_partial_page: zero the page past the new EOF, ->invalidatepage
    /// with that offset (the buffers wholly past it are discarded).
    PartialPage,
    /// T6, partial: the filesystem frees the blocks past the new EOF (xfs_itruncate_finish).
    FreeBlocks,
    /// T7 (`--extend`): the truncate up: i_size_write past the dropped block.
    ExtendSize,
    /// T8 (`isize-extended`): pagecache_isize_extended: find_lock_page of the straddling page.
    ExtendLockPage,
    /// T8: page_mkclean of that page, one pte-lock section for pte `n`.
    ExtendMkclean(u8),
    /// T8: set_page_dirty if page_mkclean cleaned a pte; unlock_page, release.
    ExtendUnlock,
    /// Finished.
    Done,
}

/// Program counter of the environment thread `E0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EnvPc {
    /// The filesystem still has free blocks.
    FillsUp,
    /// The filesystem is full.
    Done,
}

/// Program counter of the reclaim thread R0: one pass of shrink_page_list over the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RcPc {
    /// isolate_lru_page (a reference), trylock_page, the PG_writeback and referenced checks.
    Isolate,
    /// try_to_unmap: try_to_unmap_one for pte `n`, under i_mmap_lock for the whole walk.
    Unmap(u8),
    /// pageout: is_page_cache_freeable, then clear_page_dirty_for_io's TestClearPageDirty.
    Pageout,
    /// pageout: ->writepage for reclaim (WB_SYNC_NONE, for_reclaim).
    Writepage,
    /// After a write that left the page clean and idle: trylock_page again.
    Relock,
    /// try_to_release_page, then __remove_mapping; unlock, putback.
    Release,
    /// The pass is over.
    Done,
}

/// Program counter of a filesystem's worker thread (X0: btrfs's fixup worker, fb_defio's
/// deferred-I/O work). `Lock` is lock_page for both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum XPc {
    /// Idle until work is queued.
    Wait,
    /// lock_page.
    Lock,
    /// The work under the page lock.
    Work,
    /// fb_defio's worker: mutex_lock(&fbdefio->lock).
    DefioMutex,
    /// fb_defio's worker: page_mkclean of the listed page, under its page lock.
    DefioMkclean,
    /// fb_defio's worker: unlock_page after page_mkclean.
    DefioUnlock,
    /// fb_defio's worker: the driver's deferred_io callback over the list.
    DefioCallback,
    /// fb_defio's worker: empty the list, mutex_unlock.
    DefioClear,
}

/// Program counter of any thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pc {
    /// A writer.
    Fault(FaultPc),
    /// W0 or S.
    Writeback(WbPc),
    /// T0.
    Truncate(TruncPc),
    /// IO: completes the in-flight write whenever there is one.
    Io,
    /// E0: takes the filesystem's last free blocks, once.
    Env(EnvPc),
    /// R0: reclaim.
    Reclaim(RcPc),
    /// X0: the filesystem's worker.
    FsWorker(XPc),
    /// D0: a get_user_pages holder and its device (`crate::mm::gup`).
    Gup(GupPc),
    /// Z0: a filesystem freeze (`--freeze`).
    Freeze(FzPc),
}

/// Program counter of the freeze thread Z0: freeze_super (fs/super.c:2066, 6.12.118), the
/// frozen filesystem, thaw_super.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FzPc {
    /// 6Z1: `frozen = SB_FREEZE_WRITE`, sb_wait_write: wait for sb_start_write holders
    /// (truncate) to leave (2106-2109).
    Write,
    /// 6Z2: `frozen = SB_FREEZE_PAGEFAULT`, wait for sb_start_pagefault holders (faults in
    /// ->page_mkwrite) to leave (2113-2114).
    Pagefault,
    /// 6Z3: sync_filesystem (2117): one step of a WB_SYNC_ALL writeback pass and the wait
    /// for its I/O.
    Sync(WbPc),
    /// 6Z4-6Z5: `frozen = SB_FREEZE_FS`, ->freeze_fs, `frozen = SB_FREEZE_COMPLETE`
    /// (2127-2147).
    Complete,
    /// Frozen; the next step is thaw_super.
    Frozen,
    /// Thawed.
    Done,
}

impl World {
    /// The freeze level of `s_writers.frozen`: 0 unfrozen, 1 SB_FREEZE_WRITE, 2
    /// SB_FREEZE_PAGEFAULT, 3 SB_FREEZE_FS, 4 SB_FREEZE_COMPLETE. Derived from where Z0
    /// stands: a level is set by the step before.
    pub fn freeze_level(&self) -> u8 {
        self.threads
            .iter()
            .find_map(|t| match t.pc {
                Pc::Freeze(pc) => Some(match pc {
                    FzPc::Write | FzPc::Done => 0,
                    FzPc::Pagefault => 1,
                    FzPc::Sync(_) | FzPc::Complete => 2,
                    FzPc::Frozen => 4,
                }),
                _ => None,
            })
            .unwrap_or(0)
    }
}

/// Program counter of the DMA thread D0 (`--dio 1`): get_user_pages with FOLL_WRITE, the
/// device's write, and the completion of dio_bio_complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GupPc {
    /// __get_user_pages: follow_page(FOLL_WRITE|FOLL_GET|FOLL_TOUCH); without a writable pte,
    /// handle_mm_fault(write) (the writer's fault path) and follow_page again.
    FollowPage,
    /// 6.12 only: bio_set_pages_dirty at submission: folio_lock.
    PinDirtyLock,
    /// 6.12 only: bio_set_pages_dirty: folio_mark_dirty, folio_unlock.
    PinDirty,
    /// The device writes into the page through the reference, with no pte.
    DmaWrite,
    /// 6.12 only: bio_check_pages_dirty at completion: a dirty folio is unpinned at once, a
    /// clean one goes to bio_dirty_fn (LockPage, SetPageDirty, PutPage).
    CheckDirty,
    /// dio_bio_complete -> set_page_dirty_lock: lock_page_nosync.
    LockPage,
    /// set_page_dirty_lock: set_page_dirty, unlock_page.
    SetPageDirty,
    /// dio_bio_complete: page_cache_release.
    PutPage,
    /// The read returned.
    Done,
    /// get_user_pages failed (the fault returned VM_FAULT_SIGBUS: -EFAULT): no I/O.
    Failed,
}

/// Per-thread locals. Fields a role does not use stay at their initial value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Local {
    /// Page references this thread holds (transient: fault, lookup, pagevec).
    pub refs: u8,
    /// Writers: the pte value read at fault entry (orig_pte).
    pub orig_pte: Pte,
    /// Writers: which VM function called ->page_mkwrite.
    pub caller: Caller,
    /// Writers: ->page_mkwrite's return in this fault.
    pub mkwrite: MkwriteRet,
    /// Writers: ghost progress towards set_page_dirty.
    pub dirtying: Dirtying,
    /// Writers: a fault returned 0/NOPAGE without making the pte writable (exit E1, E2 or E3),
    /// so the store re-executed into a new fault.
    pub retried: bool,
    /// Writers: __do_fault found the pte changed and will release the ->fault reference.
    pub release_fault_ref: bool,
    /// Writers: between TestSetPageDirty and the accounting of a split set_page_dirty.
    pub dirty_unaccounted: bool,
    /// W0: passes completed.
    pub pass: u8,
    /// W0, S: page_mkclean cleaned some pte in this pass. T0: pagecache_isize_extended's
    /// page_mkclean cleaned some pte.
    pub cleaned: bool,
    /// Writers: stores that have landed.
    pub stores: u8,
    /// Writers: the i_size a ->page_mkwrite read before taking the page lock still covered the
    /// page (ceph).
    pub mk_size_ok: bool,
    /// W0: the inode was I_DIRTY_DATASYNC when this pass started (__sync_single_inode's
    /// snapshot), so ->write_inode follows the pass.
    pub inode_dirty: bool,
    /// S: an error that vfs_fsync will return (a failed ->writepage in its own pass, or an
    /// AS_ENOSPC/AS_EIO flag collected by filemap_fdatawait).
    pub fsync_err: bool,
}

impl Default for Local {
    fn default() -> Self {
        Local {
            refs: 0,
            orig_pte: Pte::default(),
            caller: Caller::Wp,
            mkwrite: MkwriteRet::None,
            dirtying: Dirtying::Idle,
            retried: false,
            release_fault_ref: false,
            dirty_unaccounted: false,
            pass: 0,
            cleaned: false,
            stores: 0,
            inode_dirty: false,
            mk_size_ok: false,
            fsync_err: false,
        }
    }
}

/// One thread: its role and index (for its name) and its state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Thread {
    /// Role.
    pub role: Role,
    /// Index within the role (F0, F1, F2).
    pub index: u8,
    /// Program counter.
    pub pc: Pc,
    /// Locals.
    pub local: Local,
}

impl Thread {
    /// `F0`, `W0`, `IO`, `T0`, `S`.
    pub fn name(&self) -> String {
        match self.role {
            Role::Io | Role::Sync => self.role.prefix().to_string(),
            // D0's index is its pte's (`Config::pte_of`), after the writers'.
            Role::Dma => "D0".to_string(),
            _ => format!("{}{}", self.role.prefix(), self.index),
        }
    }
}

/// The whole state.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct World {
    /// The page.
    pub page: Page,
    /// The ptes mapping it, one per mm (see `Config::pte_of`).
    pub ptes: Inline<Pte, MAX_PTES>,
    /// i_size still covers the page (`false` once truncate's i_size_write ran).
    ///
    /// Model: one boolean stands for i_size at two positions, exact at both. The page is index
    /// 1 (page_offset 4096). Before T1 i_size is at least 8192: page 1 lies wholly inside the
    /// file, so every "last page" computation sees a full page (OCFS2's `len`, fs/ocfs2/
    /// mmap.c:134-135; block_page_mkwrite's `end`, fs/buffer.c:2486-2488; gfs2_write_alloc_
    /// required's end_of_file, fs/gfs2/bmap.c:1264-1284). After T1 i_size is 0, and every EOF
    /// test of the modelled code says "beyond": the `>` forms (UBIFS file.c:1489, OCFS2
    /// mmap.c:104, GFS2 ops_file.c:388, buffer.c:2480, 3.1's buffer.c:2353, ceph addr.c:1143
    /// and 734-736) and the `>=`/`<=` forms (ext4 inode.c:5136, nilfs2 file.c:67, btrfs
    /// inode.c:4326, filemap.c:1464, buffer.c:2946, gfs2 ops_address.c:113, ubifs file.c:994)
    /// agree at 0. The position where they differ, i_size == page_offset (a truncate to 4096:
    /// the `>` forms go on with nothing to prepare, the `>=` forms exit, and truncate still
    /// removes the page, mm/memory.c:2397-2399, mm/truncate.c:164), is not modelled.
    pub isize_covers_page: bool,
    /// i_size ends inside the page, at the boundary between its two blocks (a partial
    /// truncate's i_size_write ran, and no extension since): block 1 lies beyond EOF. The page
    /// itself is still inside the file (`isize_covers_page`).
    pub isize_partial: bool,
    /// mapping->i_mmap_lock, the spinlock over the file's vmas: page_mkclean holds it across
    /// its walk, each of unmap_mapping_range's zaps under it.
    pub i_mmap_lock: Option<Tid>,
    /// AS_ENOSPC / AS_EIO in mapping->flags: mapping_set_error recorded a failed write, which
    /// the next filemap_fdatawait reports and clears.
    pub mapping_error: bool,
    /// The filesystem has no free blocks left (`--enospc`, after `E0` ran): every allocation
    /// fails with ENOSPC.
    pub fs_full: bool,
    /// Reclaim freed the page (`__remove_mapping`): it is out of the page cache and nobody
    /// holds it; the next fault reads a new page from disk.
    pub evicted: bool,
    /// The filesystem's private per-page state (buffers, an NFS request, a delalloc range ...),
    /// packed by its profile.
    pub fs: FsBits,
    /// The filesystem profile whose state `fs` is (constant for a run: the page's
    /// `mapping->a_ops`).
    pub profile: FsId,
    /// NR_FILE_DIRTY as far as this page is concerned: +1 when set_page_dirty accounts it,
    /// -1 when clear_page_dirty_for_io or cancel_dirty_page clears an accounted PG_dirty.
    pub nr_file_dirty: i8,
    /// Ghost data versions.
    pub data: Data,
    /// The threads.
    pub threads: Inline<Thread, MAX_THREADS>,
    /// Event invariants whose event happened (bit `i` = `Inv::ALL[i]`).
    pub fired: u32,
    /// Ghost events the `sometimes` guards look for (bits of `Event`).
    pub events: u8,
    /// The first BUG_ON/VM_BUG_ON message, for the trace.
    pub bug: Option<&'static str>,
}

// The hashes of the hot parts of a state, packed: a state's hash is its fingerprint, and the
// checker keeps fingerprints only, so each packing below is injective (every field has bits
// of its own) and a function of the fields `Eq` compares. Each impl names every field of its
// type (an exhaustive destructuring), so a field added later cannot be left out of the hash
// without a compile error: a state that differs only in it would otherwise be merged with
// another.

impl std::hash::Hash for Pte {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u8(self.bits());
    }
}

impl Pte {
    /// present, write, dirty as bits 0-2.
    fn bits(&self) -> u8 {
        let Pte {
            present,
            write,
            dirty,
        } = *self;
        u8::from(present) | u8::from(write) << 1 | u8::from(dirty) << 2
    }
}

impl std::hash::Hash for Page {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let Page {
            locked_by,
            dirty,
            writeback,
            tagged_dirty,
            mapping,
            refcount,
        } = *self;
        state.write_u8(locked_by.map_or(0xff, |t| t));
        state.write_u8(
            u8::from(dirty)
                | u8::from(writeback) << 1
                | u8::from(tagged_dirty) << 2
                | u8::from(mapping) << 3,
        );
        state.write_u8(refcount);
    }
}

impl std::hash::Hash for Local {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let Local {
            refs,
            orig_pte,
            caller,
            mkwrite,
            dirtying,
            retried,
            release_fault_ref,
            dirty_unaccounted,
            pass,
            cleaned,
            stores,
            mk_size_ok,
            inode_dirty,
            fsync_err,
        } = *self;
        let flags = u16::from(retried)
            | u16::from(release_fault_ref) << 1
            | u16::from(dirty_unaccounted) << 2
            | u16::from(cleaned) << 3
            | u16::from(mk_size_ok) << 4
            | u16::from(inode_dirty) << 5
            | u16::from(fsync_err) << 6
            | u16::from(orig_pte.bits()) << 7
            | (caller as u16) << 10
            | (dirtying as u16) << 12;
        state.write_u16(flags);
        state.write_u8(mkwrite as u8);
        state.write_u8(refs);
        state.write_u8(pass);
        state.write_u8(stores);
    }
}

/// A thread's role and index are fixed by `World::init` for the whole run (the symmetry moves
/// program counters and locals, not roles), so two states of one run never differ in them
/// alone: the hash leaves them out.
impl std::hash::Hash for Thread {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let Thread {
            role: _,
            index: _,
            pc,
            local,
        } = self;
        pc.hash(state);
        local.hash(state);
    }
}

/// A `Hasher` that only collects the bytes it is fed, so that a state reaches the checker's
/// hasher in one `write` instead of one call per field (the derived `Hash` feeds it byte by
/// byte). Equal states feed equal bytes, so the hash agrees with `Eq`.
struct ByteSink {
    buf: [u8; 256],
    len: usize,
}

impl ByteSink {
    #[inline]
    fn push(&mut self, b: u8) {
        assert!(
            self.len < self.buf.len(),
            "model bug: a state wider than 256 bytes"
        );
        self.buf[self.len] = b;
        self.len += 1;
    }
}

impl std::hash::Hasher for ByteSink {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.push(b);
        }
    }

    #[inline]
    fn write_u8(&mut self, b: u8) {
        self.push(b);
    }

    #[inline]
    fn write_i8(&mut self, b: i8) {
        self.push(b as u8);
    }

    #[inline]
    fn write_u16(&mut self, v: u16) {
        self.push(v as u8);
        self.push((v >> 8) as u8);
    }

    /// Enum discriminants and lengths, all below 256 in this model: one byte keeps the
    /// encoding injective.
    #[inline]
    fn write_isize(&mut self, v: isize) {
        assert!((0..256).contains(&v), "model bug: a discriminant above 255");
        self.push(v as u8);
    }

    #[inline]
    fn write_usize(&mut self, v: usize) {
        assert!(v < 256, "model bug: a length above 255");
        self.push(v as u8);
    }

    fn finish(&self) -> u64 {
        unreachable!("ByteSink only collects bytes")
    }
}

impl std::hash::Hash for World {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let mut sink = ByteSink {
            buf: [0; 256],
            len: 0,
        };
        let World {
            page,
            ptes,
            isize_covers_page,
            isize_partial,
            i_mmap_lock,
            mapping_error,
            fs_full,
            evicted,
            fs,
            profile: _,
            nr_file_dirty,
            data,
            threads,
            fired,
            events,
            bug,
        } = self;
        page.hash(&mut sink);
        ptes.hash(&mut sink);
        isize_covers_page.hash(&mut sink);
        isize_partial.hash(&mut sink);
        i_mmap_lock.hash(&mut sink);
        mapping_error.hash(&mut sink);
        fs_full.hash(&mut sink);
        evicted.hash(&mut sink);
        fs.hash(&mut sink);
        nr_file_dirty.hash(&mut sink);
        data.hash(&mut sink);
        threads.hash(&mut sink);
        fired.hash(&mut sink);
        events.hash(&mut sink);
        bug.hash(&mut sink);
        state.write(&sink.buf[..sink.len]);
    }
}

impl World {
    /// Number of present ptes (page_mapcount).
    pub fn mapcount(&self) -> u8 {
        self.ptes.iter().filter(|p| p.present).count() as u8
    }

    /// Record that the event of invariant `inv` happened.
    ///
    /// # Panics
    ///
    /// For an invariant past the 32 bits of `fired` (a model bug: only event invariants fire).
    pub fn fire(&mut self, inv: Inv) {
        if let Some(i) = Inv::ALL.iter().position(|x| *x == inv) {
            self.fired |= 1 << i;
        }
    }

    /// Record a ghost event for the guards.
    pub fn note(&mut self, e: Event) {
        self.events |= e as u8;
    }

    /// Whether a ghost event has happened.
    pub fn noted(&self, e: Event) -> bool {
        self.events & e as u8 != 0
    }

    /// Whether the event of invariant `inv` has happened.
    pub fn has_fired(&self, inv: Inv) -> bool {
        Inv::ALL
            .iter()
            .position(|x| *x == inv)
            .is_some_and(|i| self.fired & (1u32 << i) != 0)
    }

    /// A modelled BUG_ON / VM_BUG_ON fired.
    pub fn bug(&mut self, what: &'static str) {
        self.fire(Inv::NoKernelBugFired);
        if self.bug.is_none() {
            self.bug = Some(what);
        }
    }

    /// The thread `t`.
    pub fn thread(&self, t: Tid) -> &Thread {
        &self.threads[t as usize]
    }

    /// The thread `t`, mutably.
    pub fn thread_mut(&mut self, t: Tid) -> &mut Thread {
        &mut self.threads[t as usize]
    }

    /// The locals of thread `t`, mutably.
    pub fn local(&mut self, t: Tid) -> &mut Local {
        &mut self.threads[t as usize].local
    }

    /// Whether block `b` of the page lies inside i_size.
    pub fn block_in_eof(&self, b: usize) -> bool {
        self.isize_covers_page && !(b == 1 && self.isize_partial)
    }

    /// Whether T0 is inside an extension's ftruncate after its i_size_write, before it returns
    /// (pagecache_isize_extended is still to run or running).
    pub fn extending(&self) -> bool {
        self.threads.iter().any(|t| {
            matches!(
                t.pc,
                Pc::Truncate(
                    TruncPc::ExtendLockPage | TruncPc::ExtendMkclean(_) | TruncPc::ExtendUnlock
                )
            )
        })
    }

    /// The name of the thread holding the page lock, or `-`.
    pub fn lock_owner(&self) -> String {
        self.page
            .locked_by
            .map_or_else(|| "-".to_string(), |t| self.thread(t).name())
    }
}

/// Block `b`'s store counter in a data version (see `Data`).
pub const fn block_version(v: u8, b: usize) -> u8 {
    (v >> (4 * b)) & 0xf
}

/// The version `v` with block `b`'s counter replaced by `x`.
pub fn with_block_version(v: u8, b: usize, x: u8) -> u8 {
    assert!(x < 16, "model bug: more than 15 stores to one block");
    (v & !(0xf << (4 * b))) | (x << (4 * b))
}

/// A version as the traces print it: `v1` while block 1 holds the file's first content, else
/// `v1|v2` (block 0, block 1).
pub fn version_name(v: u8) -> String {
    if block_version(v, 1) == 0 {
        format!("v{}", block_version(v, 0))
    } else {
        format!("v{}|v{}", block_version(v, 0), block_version(v, 1))
    }
}

impl fmt::Display for Pte {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.present {
            return f.write_str("none");
        }
        f.write_str(match (self.write, self.dirty) {
            (false, false) => "ro",
            (false, true) => "ro+dirty",
            (true, false) => "write",
            (true, true) => "write+dirty",
        })
    }
}
