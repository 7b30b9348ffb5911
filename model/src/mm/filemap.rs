//! `filemap_fault()`, mm/filemap.c:1451, v2.6.29.4 (unchanged by the patch, docs/protocol.md §4.4):
//! ->fault of a regular file. It returns the page with a reference and locked
//! (VM_FAULT_LOCKED), after rechecking i_size under the page lock.
//!
//! Model: left out: readahead and the read of a page that is not uptodate; the page of the model is
//! always in the cache and uptodate until truncate removes it.

use crate::anchors::{anchor, Tree};
use crate::config::Config;
use crate::kernel::{get_page, lock_page, put_page, unlock_page, Acquire};
use crate::mm::memory::{fault_return, Exit};
use crate::world::{FaultPc, Pc, Tid, World};
use crate::world::{Step, StepInfo};

/// One step of filemap_fault.
pub fn step(cfg: &Config, w: &mut World, me: Tid, pc: FaultPc) -> Step {
    match pc {
        FaultPc::FilemapLookup => {
            // FF1: the page index lies at or beyond i_size in pages -> VM_FAULT_SIGBUS;
            // else find_lock_page's lookup takes reference F.
            if !w.isize_covers_page {
                return fault_return(w, me, Exit::SigBus);
            }
            if w.evicted {
                // no_cached_page: page_cache_read (mm/filemap.c:1413) allocates a page, adds it
                // to the page cache and reads it from disk (->readpage); retry_find finds it.
                // Model: the read is one step, and the new page takes the freed page's place
                // in the world: reclaim freed that one only when nobody held it.
                read_page(cfg, w);
            } else if !w.page.mapping {
                // Model: a page truncated out of the cache while i_size still covers it cannot
                // happen here: truncate lowers i_size first, and nothing raises it again.
                return fault_return(w, me, Exit::SigBus);
            }
            get_page(w, me);
            Step::Next(Pc::Fault(FaultPc::FilemapLockPage))
        }
        FaultPc::FilemapLockPage => {
            // FF2: find_lock_page's lock_page, its "mapping changed while we slept" retry, and
            // the i_size recheck under the page lock.
            // Model: both tests share the step that takes the lock. The mapping only changes
            // under the lock; i_size_write takes no lock and commutes with taking it.
            match lock_page(w, me) {
                Acquire::Blocked => Step::Blocked,
                Acquire::SelfDeadlock => Step::Next(Pc::Fault(FaultPc::Hung)),
                Acquire::Got if !w.page.mapping || !w.isize_covers_page => {
                    unlock_page(w, me);
                    put_page(w, me);
                    fault_return(w, me, Exit::SigBus)
                }
                // Without ->page_mkwrite __do_fault keeps the lock ->fault returned and goes
                // straight to the pte (DF3-DF7 are the page_mkwrite branch).
                Acquire::Got if !crate::fs::has_page_mkwrite(cfg) => {
                    Step::Next(Pc::Fault(FaultPc::DfPteSame))
                }
                Acquire::Got => Step::Next(Pc::Fault(FaultPc::DfUnlockBeforeMkwrite)),
            }
        }
        _ => unreachable!("not a filemap_fault step: {pc:?}"),
    }
}

/// page_cache_read: a new page in the page cache, clean and uptodate, holding what the disk
/// holds, with the page cache's reference; the filesystem's ->readpage sets its private state.
fn read_page(cfg: &Config, w: &mut World) {
    w.evicted = false;
    w.page.mapping = true;
    w.page.dirty = false;
    w.page.tagged_dirty = false;
    w.page.writeback = false;
    w.page.locked_by = None;
    w.page.refcount = 1;
    w.data.mem = w.data.disk;
    crate::fs::readpage(cfg, w);
}

/// The description of a filemap_fault step.
pub fn info(cfg: &Config, w: &World, pc: FaultPc) -> StepInfo {
    let s = |id, what| StepInfo {
        id,
        function: "filemap_fault",
        anchor: anchor("filemap_fault", Tree::of(cfg)),
        what,
    };
    let beyond = !w.isize_covers_page || (!w.page.mapping && !w.evicted);
    match pc {
        FaultPc::FilemapLookup if beyond => s("FF1", "the page lies beyond i_size: SIGBUS"),
        FaultPc::FilemapLookup if w.evicted => s(
            "FF1",
            "not in the page cache (reclaim freed it): page_cache_read reads a new page; get_page",
        ),
        FaultPc::FilemapLookup => s("FF1", "i_size covers the page: find_get_page (get_page)"),
        _ if beyond => s(
            "FF2",
            "lock_page; truncated meanwhile: unlock_page, put_page, SIGBUS",
        ),
        _ => s("FF2", "lock_page; i_size rechecked: return VM_FAULT_LOCKED"),
    }
}
