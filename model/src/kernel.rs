//! Kernel helpers shared by every path, named after the kernel functions they model:
//! lock_page, unlock_page, get_page/put_page, set_page_dirty, zap of one pte.
//!
//! Model: the pte lock (ptl) is never held across two steps. Every modelled section under ptl
//! (pte_same + pte install, one pte of page_mkclean, one zap) is a single atomic step, so no
//! thread can wait for the page lock while holding ptl, and INV-5e ("no sleeping on PG_locked
//! under ptl") holds by construction; it needs no runtime check.

use crate::contract::Inv;
use crate::world::{Tid, World};

/// What an attempt to take the page lock found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acquire {
    /// The lock was free and is now held by the caller.
    Got,
    /// Another thread holds it: the caller sleeps (the step is not enabled).
    Blocked,
    /// The caller holds it already: it would sleep forever (INV-5b fired).
    SelfDeadlock,
}

/// lock_page (mm/filemap.c __lock_page): take PG_locked, sleeping while another thread holds
/// it. Mutates nothing unless it returns `Got` or `SelfDeadlock`.
pub fn lock_page(w: &mut World, me: Tid) -> Acquire {
    match w.page.locked_by {
        None => {
            w.page.locked_by = Some(me);
            Acquire::Got
        }
        Some(o) if o == me => {
            w.fire(Inv::NoSelfWaitOnPageLock);
            Acquire::SelfDeadlock
        }
        Some(_) => Acquire::Blocked,
    }
}

/// wait_on_page_locked: sleep until PG_locked is clear, without taking it.
pub fn wait_on_page_locked(w: &mut World, me: Tid) -> Acquire {
    match w.page.locked_by {
        None => Acquire::Got,
        Some(o) if o == me => {
            w.fire(Inv::NoSelfWaitOnPageLock);
            Acquire::SelfDeadlock
        }
        Some(_) => Acquire::Blocked,
    }
}

/// unlock_page: clear PG_locked. unlock_page of an unlocked page is a BUG
/// (VM_BUG_ON(!PageLocked) in unlock_page); releasing another thread's lock is a model
/// hygiene error, reported the same way.
pub fn unlock_page(w: &mut World, me: Tid) {
    match w.page.locked_by {
        None => w.bug("unlock_page: VM_BUG_ON(!PageLocked(page))"),
        Some(o) if o != me => w.bug("unlock_page of a lock another thread owns"),
        Some(_) => {}
    }
    w.page.locked_by = None;
}

/// get_page / page_cache_get: one more reference, held by `me`.
pub fn get_page(w: &mut World, me: Tid) {
    w.page.refcount += 1;
    w.local(me).refs += 1;
}

/// put_page / page_cache_release of a reference `me` holds. Dropping a reference the thread
/// does not hold, or the last reference of a locked page, is an INV-6 event.
pub fn put_page(w: &mut World, me: Tid) {
    if w.local(me).refs == 0 || w.page.refcount == 0 {
        w.fire(Inv::PageRefcountBalanced);
        return;
    }
    w.local(me).refs -= 1;
    w.page.refcount -= 1;
    if w.page.refcount == 0 && w.page.locked_by.is_some() {
        // PG_locked is in PAGE_FLAGS_CHECK_AT_FREE: freeing a locked page is a bad_page().
        w.fire(Inv::PageRefcountBalanced);
    }
}

/// The first half of __set_page_dirty_nobuffers: TestSetPageDirty. Returns whether the page
/// was newly dirtied (and so needs accounting).
pub fn test_set_page_dirty(w: &mut World) -> bool {
    let newly = !w.page.dirty;
    w.page.dirty = true;
    newly
}

/// The second half (mm/page-writeback.c:1224-1239): under tree_lock, re-read page->mapping
/// ("race with truncate?"); if the page is still in the cache, account it in NR_FILE_DIRTY and
/// set the radix DIRTY tag.
///
/// Model: the kernel reads the mapping once before tree_lock too (1218) and returns at once
/// if it is NULL. That read is merged here: a mapping only goes from set to NULL, and
/// remove_from_page_cache clears it under tree_lock, so whatever the first read saw, the
/// accounting happens exactly when the read under tree_lock finds the page still cached.
pub fn account_page_dirtied(w: &mut World) {
    if w.page.mapping {
        w.nr_file_dirty += 1;
        w.page.tagged_dirty = true;
    }
}

/// __set_page_dirty_nobuffers whole (redirty_page_for_writepage, btrfs's ->set_page_dirty when
/// called with the page locked).
pub fn set_page_dirty_nobuffers(w: &mut World) -> bool {
    let newly = test_set_page_dirty(w);
    if newly {
        account_page_dirtied(w);
    }
    newly
}

/// test_set_page_writeback (mm/page-writeback.c) for a page ->writepage submits: PG_writeback
/// set, the radix DIRTY tag cleared unless PG_dirty is set again; the ghost in-flight version is
/// what the page holds now.
pub fn set_page_writeback(w: &mut World) {
    w.page.writeback = true;
    w.data.in_flight = Some(w.data.mem);
    if !w.page.dirty {
        w.page.tagged_dirty = false;
    }
}

/// One pte-lock section of page_mkclean (mm/rmap.c:567): page_mkclean_file holds i_mmap_lock
/// across its walk over the vmas (taken at pte 0, dropped after the last), and
/// page_mkclean_one makes pte `n`, if writable or dirty, read-only and clean, under its ptl;
/// the caller's `cleaned` records that it did. `None` when another thread holds i_mmap_lock;
/// else whether this pte was writable (the walk write-protected it) and whether it was the
/// last.
///
/// Model: one step per vma; the walk holds i_mmap_lock from the first to the last, so no zap
/// of unmap_mapping_range comes in between.
pub fn page_mkclean_pte(w: &mut World, me: Tid, n: u8) -> Option<(bool, bool)> {
    if n == 0 {
        match w.i_mmap_lock {
            Some(o) if o != me => return None,
            _ => w.i_mmap_lock = Some(me),
        }
    }
    let pte = &mut w.ptes[n as usize];
    let was_writable = pte.present && pte.write;
    if pte.present && (pte.write || pte.dirty) {
        pte.write = false;
        pte.dirty = false;
        w.local(me).cleaned = true;
    }
    let last = n as usize + 1 >= w.ptes.len();
    if last {
        w.i_mmap_lock = None;
    }
    Some((was_writable, last))
}

/// TestClearPageDirty with accounting (clear_page_dirty_for_io's W6c, cancel_dirty_page):
/// returns whether PG_dirty was set; an accounted page leaves NR_FILE_DIRTY.
pub fn test_clear_page_dirty_accounted(w: &mut World) -> bool {
    let was = w.page.dirty;
    w.page.dirty = false;
    if was && w.page.mapping {
        w.nr_file_dirty -= 1;
    }
    was
}

/// file_update_time / balance_dirty_pages_ratelimited: in the model, only the INV-5d check that
/// the caller does not hold the page lock (they may start a journal transaction or throttle).
///
/// Model: balance_dirty_pages may itself start writeback of this file; that writeback is what
/// `W0` models, so the call has no further effect here.
pub fn fs_work_outside_page_lock(w: &mut World, me: Tid) {
    if w.page.locked_by == Some(me) {
        w.fire(Inv::NoFsWorkUnderPageLock);
    }
}
