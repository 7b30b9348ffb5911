//! The DMA thread `D0` (`--dio 1`): the other door into a page. An O_DIRECT read whose buffer
//! lies in a MAP_SHARED mapping of the file takes the page with get_user_pages(FOLL_WRITE),
//! lets the device write into it, and at I/O completion dirties it with set_page_dirty_lock
//! and drops its reference (Jan Kara, linux-fsdevel, 2018-01-03). ->page_mkwrite runs only if
//! get_user_pages has to fault the page in; the device's write itself goes through no pte, so
//! nothing write-protects it, and the dirtying at the end asks the filesystem nothing.
//!
//! The steps, in 2.6.29.4:
//!
//! | id | kernel | what |
//! |---|---|---|
//! | GUP0 | `longterm` era only: `check_vma_flags` (6.12 mm/gup.c:1292-1295) | a writable long-term pin of a dirty-tracked file mapping is refused with -EFAULT |
//! | GUP1 | `__get_user_pages` mm/memory.c:1204, loop at 1306-1309; `follow_page` 1093 (1142-1149) | a writable pte: take a reference (FOLL_GET); otherwise handle_mm_fault with write access, the writer's fault path (`crate::mm::memory::trap`), then follow_page again |
//! | DMA | `dio_bio_submit` fs/direct-io.c:331 (submit_bio 345) | the device writes the page through the reference, no pte involved |
//! | DIO1 | `dio_bio_complete` fs/direct-io.c:399 (415) -> `set_page_dirty_lock` mm/page-writeback.c:1296 (1300) | lock_page_nosync |
//! | DIO2 | `set_page_dirty_lock` mm/page-writeback.c:1301-1302 | set_page_dirty (the filesystem's ->set_page_dirty), unlock_page; INV-9 is judged here |
//! | DIO3 | `dio_bio_complete` fs/direct-io.c:416 | page_cache_release: the reference goes |
//!
//! Model: the direct-I/O request is for this one page and synchronous (a read(2) on an
//! O_DIRECT file). An asynchronous one also pre-dirties the page at submission
//! (bio_set_pages_dirty, fs/direct-io.c:342-343), and its completion re-dirties a page found
//! clean through set_page_dirty_lock from a work item (bio_check_pages_dirty, fs/bio.c:1337;
//! bio_dirty_fn 1317-1335; 1280): the same step as DIO1-DIO2, once more, earlier. It is left
//! out; the synchronous form already has the dirtying at completion that the race needs.
//!
//! Model: get_user_pages_fast (arch/x86/mm/gup.c:222) is folded into GUP1. Its lock-free walk
//! takes a reference only through a present, writable pte, exactly when follow_page with
//! FOLL_WRITE does, and falls back to get_user_pages otherwise (276-287). mmap_sem, which the
//! slow path holds for read, is taken by no other modelled thread for write, so it excludes
//! nothing here.
//!
//! Model: __get_user_pages keeps FOLL_WRITE across its retries for a VM_WRITE vma: it drops
//! the flag after VM_FAULT_WRITE only when the vma is not writable (mm/memory.c:1334-1336).
//! So every retry is a write fault, and D0 takes the page only through a writable pte. That
//! is the kernel's rule, not a simplification.
//!
//! Model: the device's write is one step that stores a new version of the whole page
//! (`Data::stored` and `Data::mem`: what the read put in the file is what fsync owes). A real
//! DMA may write at any moment between submission and completion, in pieces; one write at
//! any point of that interval covers every order of the write against the other threads'
//! steps, and a torn copy on disk is no part of the invariants.

use crate::config::{Config, GupEra};
use crate::contract::Inv;
use crate::kernel::{get_page, lock_page, put_page, unlock_page, Acquire};
use crate::world::{Event, GupPc, Pc, Tid, World};
use crate::world::{Step, StepInfo};

fn next(pc: GupPc) -> Step {
    Step::Next(Pc::Gup(pc))
}

/// Where handle_mm_fault returns to in __get_user_pages: -EFAULT on VM_FAULT_SIGBUS
/// (mm/memory.c:1313-1314), else follow_page again (1306).
pub fn after_fault(sigbus: bool) -> Step {
    next(if sigbus {
        GupPc::Failed
    } else {
        GupPc::FollowPage
    })
}

/// Whether D0 holds the page pinned (FOLL_PIN, `folio_maybe_dma_pinned`) in an era that pins
/// (`GupEra::pins`): from follow_page's reference to its release. Before those eras D0's
/// reference is a plain FOLL_GET one, which nothing tells apart from any other.
///
/// Model: `folio_maybe_dma_pinned` can be true for a page with 1024 or more plain references
/// (a false positive, 6.12 include/linux/mm.h:1935-1947); the model has a handful, so it is
/// exact here.
pub fn pinned(cfg: &Config, w: &World) -> bool {
    cfg.dio
        && cfg.gup_era.pins()
        && w.threads.iter().any(|t| {
            matches!(
                t.pc,
                Pc::Gup(
                    GupPc::PinDirtyLock
                        | GupPc::PinDirty
                        | GupPc::DmaWrite
                        | GupPc::CheckDirty
                        | GupPc::LockPage
                        | GupPc::SetPageDirty
                        | GupPc::PutPage
                )
            )
        })
}

/// INV-9's claim, judged right after the DMA's set_page_dirty: a page inside i_size that is
/// dirty in the page cache has the metadata its filesystem needs to write it (the profile's
/// `tracked`, INV-1's predicate). Scope: a filesystem with ->page_mkwrite (`--fs none` has
/// nothing to attach).
fn dirtied_page_tracked(cfg: &Config, w: &World) -> bool {
    !crate::fs::has_page_mkwrite(cfg)
        || !w.page.mapping
        || !w.isize_covers_page
        || crate::fs::tracked(cfg, w)
}

/// One step of D0.
pub fn step(cfg: &Config, w: &mut World, me: Tid, pc: GupPc) -> Step {
    match pc {
        GupPc::FollowPage if cfg.gup_era == GupEra::Longterm => {
            // GUP0 (6.5+, `longterm`): check_vma_flags refuses a writable FOLL_PIN|
            // FOLL_LONGTERM get_user_pages of a file mapping that needs dirty tracking with
            // -EFAULT (6.12 mm/gup.c:1252-1267, 1292-1295; GUP-fast rejects it too, 2833-2898),
            // before any fault: no page, no DMA.
            next(GupPc::Failed)
        }
        GupPc::FollowPage => {
            // GUP1: follow_page under the pte lock: a present pte that is writable (FOLL_WRITE,
            // mm/memory.c:1140-1143) gives the page and a reference (FOLL_GET, 1148-1149).
            // FOLL_TOUCH dirties the page only through a clean pte (1150-1153).
            let n = cfg.pte_of(w.thread(me).index);
            let pte = w.ptes[n];
            if pte.present && pte.write {
                get_page(w, me);
                if !pte.dirty && !w.page.dirty {
                    crate::mm::set_page_dirty(cfg, w);
                }
                if cfg.protocol.is_v612() {
                    // 6.12: iomap_dio_bio_iter marks the pinned folio dirty before it submits
                    // the bio (fs/iomap/direct-io.c:432-433, IOMAP_DIO_DIRTY set for a user
                    // buffer at 618-619).
                    return next(GupPc::PinDirtyLock);
                }
                return next(GupPc::DmaWrite);
            }
            // 1306-1309: no page: handle_mm_fault(write), the path a store takes.
            crate::mm::memory::trap(cfg, w, me, pte)
        }
        GupPc::PinDirtyLock => {
            // 6DIO1: bio_set_pages_dirty's folio_lock (block/bio.c:1590).
            match lock_page(w, me) {
                Acquire::Blocked => Step::Blocked,
                Acquire::SelfDeadlock => next(GupPc::Done),
                Acquire::Got => next(GupPc::PinDirty),
            }
        }
        GupPc::PinDirty => {
            // 6DIO2: folio_mark_dirty, folio_unlock (block/bio.c:1591-1592). INV-9 is judged
            // here too: the filesystem is not asked.
            crate::mm::set_page_dirty(cfg, w);
            if !dirtied_page_tracked(cfg, w) {
                w.fire(Inv::DmaDirtiedPageHasFsMetadata);
            }
            unlock_page(w, me);
            next(GupPc::DmaWrite)
        }
        GupPc::CheckDirty => {
            // 6DIO4: iomap_dio_bio_end_io (fs/iomap/direct-io.c:244-245) ->
            // bio_check_pages_dirty (block/bio.c:1634): every folio still dirty: unpin at once
            // (1644, bio_release_pages without mark_dirty); one found clean: the bio goes to
            // bio_dirty_fn (1648-1652), which runs __bio_release_pages with mark_dirty (1629).
            // Model: the test is lock-free in the kernel (folio_test_dirty, 1640) and so is
            // this step; the work item is D0's next steps (a later step of another thread
            // is every order a work queue can give).
            if w.page.dirty {
                next(GupPc::PutPage)
            } else {
                next(GupPc::LockPage)
            }
        }
        GupPc::DmaWrite => {
            // DMA: the device writes the page it was given (dio_bio_submit, fs/direct-io.c:331).
            let b = crate::mm::memory::store_block(cfg, w);
            let v = crate::world::block_version(w.data.stored, b) + 1;
            w.data.stored = crate::world::with_block_version(w.data.stored, b, v);
            w.data.mem = crate::world::with_block_version(w.data.mem, b, v);
            w.note(Event::DmaWrote);
            if cfg.protocol.is_v612() {
                return next(GupPc::CheckDirty);
            }
            next(GupPc::LockPage)
        }
        GupPc::LockPage => {
            // DIO1: set_page_dirty_lock's lock_page_nosync (mm/page-writeback.c:1300).
            match lock_page(w, me) {
                Acquire::Blocked => Step::Blocked,
                Acquire::SelfDeadlock => next(GupPc::Done),
                Acquire::Got => next(GupPc::SetPageDirty),
            }
        }
        GupPc::SetPageDirty => {
            // DIO2: set_page_dirty (1301), unlock_page (1302). Nothing asks the filesystem
            // whether it still has what it needs to write the page: INV-9.
            crate::mm::set_page_dirty(cfg, w);
            if !dirtied_page_tracked(cfg, w) {
                w.fire(Inv::DmaDirtiedPageHasFsMetadata);
            }
            unlock_page(w, me);
            next(GupPc::PutPage)
        }
        GupPc::PutPage => {
            // DIO3: page_cache_release (fs/direct-io.c:416).
            put_page(w, me);
            next(GupPc::Done)
        }
        GupPc::Done | GupPc::Failed => Step::Blocked,
    }
}

/// The description of D0's step.
pub fn info(cfg: &Config, w: &World, me: Tid, pc: GupPc) -> StepInfo {
    let tree = crate::anchors::Tree::of(cfg);
    let s = |id, function, what| StepInfo {
        id,
        function,
        anchor: crate::anchors::anchor(function, tree),
        what,
    };
    match pc {
        GupPc::FollowPage if cfg.gup_era == GupEra::Longterm => StepInfo {
            id: "GUP0",
            function: "check_vma_flags",
            anchor: "6.12 mm/gup.c:1270",
            what: "FOLL_PIN|FOLL_LONGTERM|FOLL_WRITE on a dirty-tracked file mapping: -EFAULT",
        },
        GupPc::FollowPage => {
            let pte = w.ptes[cfg.pte_of(w.thread(me).index)];
            if pte.present && pte.write {
                s(
                    "GUP1",
                    "follow_page",
                    "get_user_pages(FOLL_WRITE): the pte is writable: take a page reference",
                )
            } else {
                s(
                    "GUP1",
                    "__get_user_pages",
                    "follow_page(FOLL_WRITE) finds no writable pte: handle_mm_fault(write)",
                )
            }
        }
        GupPc::PinDirtyLock | GupPc::PinDirty | GupPc::CheckDirty => info_612(cfg, w, me, pc),
        GupPc::DmaWrite => s(
            "DMA",
            "dio_bio_submit",
            "the device writes the page through the reference, with no pte",
        ),
        GupPc::LockPage => s(
            "DIO1",
            "set_page_dirty_lock",
            "dio_bio_complete: set_page_dirty_lock takes the page lock",
        ),
        GupPc::SetPageDirty => s(
            "DIO2",
            "set_page_dirty_lock",
            "set_page_dirty (->set_page_dirty; ->page_mkwrite is not asked), unlock_page",
        ),
        GupPc::PutPage => s(
            "DIO3",
            "dio_bio_complete",
            "page_cache_release: the DMA's page reference goes",
        ),
        GupPc::Done => s("-", "dio_bio_complete", "the O_DIRECT read has returned"),
        GupPc::Failed => s(
            "-",
            "__get_user_pages",
            "the fault returned VM_FAULT_SIGBUS: get_user_pages failed with -EFAULT",
        ),
    }
}

/// The description of D0's step beside the 6.12 VM (`--protocol v6.12`), where O_DIRECT goes
/// through iomap (ext4_dio_read_iter and xfs_file_dio_read -> iomap_dio_rw) and pins its
/// pages:
///
/// | id | 6.12.118 | what |
/// |---|---|---|
/// | GUP0 | `check_vma_flags` mm/gup.c:1270 (1252-1267) | `longterm` only: refused |
/// | 6GUP1 | `bio_iov_iter_get_pages` block/bio.c:1430 -> `iov_iter_extract_pages` (1357) -> `iov_iter_extract_user_pages` lib/iov_iter.c:1796 (FOLL_WRITE 1809) -> `pin_user_pages_fast` mm/gup.c:3577 (FOLL_PIN); `follow_page_pte` 839 (`try_grab_folio` 913, FOLL_TOUCH 932-935); no writable pte: `faultin_page` 1157 -> `handle_mm_fault` 1196, the writer's 6.12 fault path | pin the folio, faulting it in for write first |
/// | 6DIO1-2 | `iomap_dio_bio_iter` fs/iomap/direct-io.c:432-433 -> `bio_set_pages_dirty` block/bio.c:1585 (1590-1592) | folio_lock, folio_mark_dirty, folio_unlock before submission |
/// | DMA | `iomap_dio_submit_bio` fs/iomap/direct-io.c:446 | the device writes the folio, no pte |
/// | 6DIO4 | `iomap_dio_bio_end_io` 244-245 -> `bio_check_pages_dirty` block/bio.c:1634 (1640) | all dirty: unpin; one clean: defer |
/// | 6DIO5-6 | `bio_dirty_fn` 1629 -> `__bio_release_pages` 1211 (1219-1221) | folio_lock, folio_mark_dirty, folio_unlock |
/// | 6DIO7 | `unpin_user_folio` mm/gup.c:434 (block/bio.c:1225) | the pin goes |
///
/// Model: the read is synchronous and of one folio, as in 2.6.29's D0. The inode lock the
/// filesystem's direct read takes (ext4_dio_read_iter's inode_lock_shared, fs/ext4/file.c:
/// 75-78; XFS's IOLOCK_SHARED through xfs_ilock_iocb, fs/xfs/xfs_file.c:188) is the read
/// file's, not the mapped file's: it excludes nothing that the model's truncate, writeback or
/// reclaim of the mapped file does, so it is no step. GUP-fast (gup_fast_pte_range, mm/gup.c:
/// 2935, which pins through a writable pte, 2961) is folded into 6GUP1 as in 2.6.29.
pub fn info_612(cfg: &Config, w: &World, me: Tid, pc: GupPc) -> StepInfo {
    let s = |id, function, anchor, what| StepInfo {
        id,
        function,
        anchor,
        what,
    };
    match pc {
        GupPc::FollowPage if cfg.gup_era == GupEra::Longterm => info(cfg, w, me, pc),
        GupPc::FollowPage => {
            let pte = w.ptes[cfg.pte_of(w.thread(me).index)];
            if pte.present && pte.write {
                s(
                    "6GUP1",
                    "follow_page_pte",
                    "mm/gup.c:839",
                    "pin_user_pages_fast(FOLL_WRITE|FOLL_PIN): the pte is writable: pin the folio",
                )
            } else {
                s(
                    "6GUP1",
                    "faultin_page",
                    "mm/gup.c:1157",
                    "the pin finds no writable pte: handle_mm_fault(FAULT_FLAG_WRITE)",
                )
            }
        }
        GupPc::PinDirtyLock => s(
            "6DIO1",
            "bio_set_pages_dirty",
            "block/bio.c:1590",
            "iomap_dio_bio_iter: before submitting the read, folio_lock",
        ),
        GupPc::PinDirty => s(
            "6DIO2",
            "bio_set_pages_dirty",
            "block/bio.c:1591",
            "folio_mark_dirty (->page_mkwrite is not asked), folio_unlock",
        ),
        GupPc::DmaWrite => s(
            "DMA",
            "iomap_dio_submit_bio",
            "fs/iomap/direct-io.c:446",
            "the device writes the pinned folio, with no pte",
        ),
        GupPc::CheckDirty => s(
            "6DIO4",
            "bio_check_pages_dirty",
            "block/bio.c:1634",
            "completion: the folio still dirty? unpin; clean: defer to bio_dirty_fn",
        ),
        GupPc::LockPage => s(
            "6DIO5",
            "__bio_release_pages",
            "block/bio.c:1219",
            "bio_dirty_fn: folio_lock",
        ),
        GupPc::SetPageDirty => s(
            "6DIO6",
            "__bio_release_pages",
            "block/bio.c:1220",
            "folio_mark_dirty (->page_mkwrite is not asked), folio_unlock",
        ),
        GupPc::PutPage => s(
            "6DIO7",
            "unpin_user_folio",
            "mm/gup.c:434",
            "the DMA's pin goes",
        ),
        GupPc::Done => s(
            "-",
            "iomap_dio_rw",
            "fs/iomap/direct-io.c:771",
            "the O_DIRECT read has returned",
        ),
        GupPc::Failed => s(
            "-",
            "faultin_page",
            "mm/gup.c:1157",
            "the fault returned VM_FAULT_SIGBUS: the pin failed with -EFAULT",
        ),
    }
}
