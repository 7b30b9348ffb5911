//! The toy filesystem, modelled on fs/buffer.c as XFS used it in 2.6.29:
//! `block_page_mkwrite()` (fs/buffer.c:2468, docs/protocol.md §4.5 old / §5.3 new) as ->page_mkwrite,
//! and `block_write_full_page()` as ->writepage (§6.1 W8).
//!
//! The per-page metadata (`World::fs_meta_dirty`) stands for whatever the filesystem attaches
//! at ->page_mkwrite so that writeback can write the page: mapped dirty buffers, an NFS write
//! request, reserved delalloc space. ->writepage moves it to "clean".
//!
//! The return convention is the `--fs` knob: `unlocked` returns 0 after unlock_page (the only
//! convention of the old VM); `locked` returns VM_FAULT_LOCKED with the page still locked (hunk
//! H7). Both unlock on the truncated (NOPAGE) exit.
//!
//! Model: left out: the partial page at EOF (the model's page lies wholly inside or wholly
//! beyond i_size). block_prepare_write's failure is ENOSPC only (`--enospc`, once `E0` has filled
//! the filesystem), mapped to VM_FAULT_SIGBUS; ENOMEM (VM_FAULT_OOM) ends the fault the same way
//! for everything modelled here.

use crate::anchors::{anchor, Tree};
use crate::config::Config;
use crate::contract::{FsConvention, Inv};
use crate::kernel::{lock_page, set_page_dirty, unlock_page, Acquire};
use crate::step::{Step, StepInfo};
use crate::world::{Caller, Dirtying, FaultPc, MkwriteRet, Pc, Tid, World};

/// Return from ->page_mkwrite to its caller with `ret`; checks INV-5c.
fn mkwrite_return(w: &mut World, me: Tid, ret: MkwriteRet) -> Step {
    let owns = w.page.locked_by == Some(me);
    let consistent = match ret {
        MkwriteRet::Locked => owns,
        MkwriteRet::NoPage | MkwriteRet::SigBus => !owns,
        MkwriteRet::Ok | MkwriteRet::None => true,
    };
    if !consistent {
        w.fire(Inv::PageMkwriteReturnMatchesLock);
    }
    let l = w.local(me);
    l.mkwrite = ret;
    if matches!(ret, MkwriteRet::Ok | MkwriteRet::Locked) {
        l.dirtying = Dirtying::Mkwrote;
    }
    Step::Next(Pc::Fault(match l.caller {
        Caller::Wp => FaultPc::WpAfterMkwrite,
        Caller::Df | Caller::NoMkwrite => FaultPc::DfAfterMkwrite,
    }))
}

/// One step of block_page_mkwrite.
pub fn page_mkwrite(cfg: &Config, w: &mut World, me: Tid, pc: FaultPc) -> Step {
    match pc {
        FaultPc::MkwriteLockPage => match lock_page(w, me) {
            // BM1: lock_page; i_size is read right after, in the next step.
            Acquire::Blocked => Step::Blocked,
            Acquire::SelfDeadlock => Step::Next(Pc::Fault(FaultPc::Hung)),
            Acquire::Got => Step::Next(Pc::Fault(FaultPc::MkwritePrepareCommit)),
        },
        FaultPc::MkwritePrepareCommit => {
            // BM2: truncated (mapping NULL) or the page starts beyond i_size: unlock_page and
            // return VM_FAULT_NOPAGE.
            if !w.page.mapping || !w.isize_covers_page {
                unlock_page(w, me);
                return mkwrite_return(w, me, MkwriteRet::NoPage);
            }
            // BM6: block_prepare_write's allocation fails once the filesystem is full (its
            // get_block returns -ENOSPC): unlock_page, return VM_FAULT_SIGBUS. Metadata still
            // attached and dirty needs no allocation.
            if w.fs_full && !w.fs_meta_dirty {
                unlock_page(w, me);
                return mkwrite_return(w, me, MkwriteRet::SigBus);
            }
            // BM3-BM5: block_prepare_write maps/allocates the blocks, block_commit_write
            // marks the buffers dirty, which sets PG_dirty and the radix tag.
            // Model: i_size read, check, prepare and commit are one step; all run under the
            // page lock, and the only lock-free writers of what they touch (i_size_write,
            // a zap's set_page_dirty) commute with them.
            w.fs_meta_dirty = true;
            set_page_dirty(w);
            match cfg.fs {
                FsConvention::Locked => mkwrite_return(w, me, MkwriteRet::Locked),
                // Not reached: without ->page_mkwrite the fault paths never call this.
                FsConvention::Unlocked | FsConvention::None => {
                    Step::Next(Pc::Fault(FaultPc::MkwriteUnlock))
                }
            }
        }
        FaultPc::MkwriteUnlock => {
            // BM7 (unlocked convention): unlock_page, return 0.
            unlock_page(w, me);
            mkwrite_return(w, me, MkwriteRet::Ok)
        }
        _ => unreachable!("not a block_page_mkwrite step: {pc:?}"),
    }
}

/// The description of a block_page_mkwrite step.
pub fn mkwrite_info(cfg: &Config, w: &World, pc: FaultPc) -> StepInfo {
    let s = |id, what| StepInfo {
        id,
        function: "block_page_mkwrite",
        anchor: anchor("block_page_mkwrite", Tree::of(cfg)),
        what,
    };
    match pc {
        FaultPc::MkwriteLockPage => s("BM1", "lock_page"),
        FaultPc::MkwritePrepareCommit if !w.page.mapping || !w.isize_covers_page => s(
            "BM2",
            "the page was truncated: unlock_page, return VM_FAULT_NOPAGE",
        ),
        FaultPc::MkwritePrepareCommit if w.fs_full && !w.fs_meta_dirty => s(
            "BM2-BM4,BM6",
            "block_prepare_write fails with ENOSPC: unlock_page, return VM_FAULT_SIGBUS",
        ),
        FaultPc::MkwritePrepareCommit if cfg.fs == FsConvention::Locked => s(
            "BM2-BM5,BM7",
            "attach dirty buffers (sets PG_dirty); return VM_FAULT_LOCKED, page still locked",
        ),
        FaultPc::MkwritePrepareCommit => s(
            "BM2-BM5",
            "attach dirty buffers (block_prepare/commit_write, sets PG_dirty)",
        ),
        _ => s("BM7", "unlock_page, return 0"),
    }
}

/// ->writepage (block_write_full_page), called with the page locked after
/// clear_page_dirty_for_io returned 1 (W8): submit the page's data, move the metadata to
/// clean, set PG_writeback (clearing the DIRTY tag if PG_dirty is still clear), unlock.
///
/// A page without attached metadata: a strict filesystem cannot write it (delalloc with no
/// reservation: ENOSPC; the data is dropped, the page stays clean, and ->writepage returns
/// -ENOSPC, which write_cache_pages' caller records on the mapping); a lenient one allocates
/// now and writes it (buffer.c's get_block(create=1) at writeback time), unless the filesystem
/// is full (`--enospc`).
///
/// A filesystem without ->page_mkwrite attaches nothing at fault time and allocates in
/// ->writepage, like a lenient one.
///
/// Returns whether ->writepage failed (-ENOSPC).
pub fn writepage(cfg: &Config, w: &mut World) -> bool {
    let can_allocate = (!cfg.strict || cfg.fs == FsConvention::None) && !w.fs_full;
    let can_write = w.fs_meta_dirty || can_allocate;
    w.fs_meta_dirty = false;
    if can_write {
        w.page.writeback = true;
        w.data.in_flight = Some(w.data.mem);
    }
    // test_set_page_writeback: the DIRTY tag goes when PG_dirty is clear. On the ENOSPC path
    // __block_write_full_page also sets and ends writeback, with the same effect on the tag.
    // Model: that immediate end_page_writeback is merged into this step.
    if !w.page.dirty {
        w.page.tagged_dirty = false;
    }
    !can_write
}
