//! `ext4`: ext4 with delayed allocation (the default mount), as in 2.6.29.4, where
//! fs/ext4/inode.c is the same in e58fcb489af^ and e58fcb489af; and `ext4@9ea7df534ed2`, its
//! rewrite onto the generic helpers (3.1, read in a 3.1 release tree).
//!
//! | slot | function | anchor (2.6.29.4) |
//! |---|---|---|
//! | `->page_mkwrite` | `ext4_page_mkwrite`: down_read(i_alloc_sem); without the page lock, a truncated page or one beyond i_size gets SIGBUS; a page PageMappedToDisk, or whose buffers are all mapped (a delayed block counts), returns 0 at once; otherwise `->write_begin` / `->write_end` over the page (the delalloc reservation, buffers dirty), which lock and unlock it; up_read; return 0 | fs/ext4/inode.c:5119 |
//! | `->write_begin` | `ext4_da_write_begin` → `block_write_begin(ext4_da_get_block_prep)`: a hole gets a reservation (`ext4_da_reserve_space`) and a Delay buffer | inode.c:2636, 2212, 2232 |
//! | `->set_page_dirty` | none: `__set_page_dirty_buffers` re-dirties every attached buffer | fs/buffer.c:809 |
//! | `->writepages` | `ext4_da_writepages`: the flusher's path; allocates the delayed blocks from their reservation, then writes | inode.c:2435 |
//! | `->writepage` | `ext4_da_writepage`: reclaim's path; never allocates: a dirty buffer unmapped or delayed is only redirtied | inode.c:2327, 2357 |
//! | `->invalidatepage` | `ext4_da_invalidatepage`: gives back the reservation of delayed buffers, drops the buffers | inode.c:2802 |
//! | `->releasepage` | `ext4_releasepage` → `jbd2_journal_try_to_free_buffers` → `try_to_free_buffers`: data buffers have no journal_head in 2.6.29's inode-based ordered mode, so it refuses exactly what `try_to_free_buffers` refuses: dirty (so every delayed) buffers | inode.c:3133, fs/jbd2/transaction.c:1616, 1648 |
//!
//! "Tracked" is "the block inside i_size is delayed (reserved) or allocated": the extent map
//! survives writeback, and `__set_page_dirty_buffers` re-dirties mapped buffers, so a page
//! written in the window is dirtied again with its block in place. The untracked state is a
//! dirty page over a hole with no delayed buffer: writeback would allocate it without a
//! reservation.
//!
//! truncate takes i_alloc_sem for write in notify_change (fs/attr.c:167-183, around the whole
//! vmtruncate), so it cannot start while a mkwrite holds it for read, and a mkwrite cannot
//! start while a truncate runs; the window after the mkwrite has returned is open to both.
//!
//! Model: the file is sparse (the block starts as a hole, as for a file extended with
//! ftruncate and then written through a mapping): an allocated block read from disk is
//! PageMappedToDisk and takes the first fast path, which touches nothing and has no window.
//! The journal (jbd2 handles, data=ordered) is left out. Its commit is one more ->writepage
//! caller: journal_submit_inode_data_buffers (fs/jbd2/commit.c:209-228) writes a filed
//! inode's dirty pages through ext4_da_writepage, which never allocates and redirties a
//! delayed page (inode.c:2345-2360). Its effect is that of the model's reclaim-path
//! ->writepage (`ctx.reclaim`), so leaving the commit out drops interleavings of a writer the
//! model already has in kind, not a new behaviour. ext4_da_writepages' gathering of pages into one extent
//! (write_cache_pages with __mpage_da_writepage, mpage_da_map_blocks, mpage_da_submit_io) is
//! one ->writepage step on the locked page. The unlocked buffer walk of 2.6.29-2.6.31, which
//! can race with try_to_free_buffers (a use after free, fixed by a827eaffff0 in 2.6.32), is
//! not modelled: buffers are a flag here, not memory.
//!
//! 0e499890c1f (3.0-rc1; read in 3.0.8, fs/ext4/inode.c:5863) returns VM_FAULT_LOCKED from
//! every successful path: the fast paths keep the lock taken at 5887, and the hole path
//! unlocks (5912) for write_begin/write_end (5920-5927), then relocks, waits for writeback and
//! returns locked (5935-5938). Its remaining window is between write_end's unlock and that
//! relock, in which writeback can allocate the delayed block; the VM's set_page_dirty under
//! the relocked page then re-dirties the mapped buffer. Not modelled.

use super::bh::Bh;
use super::ops::{window as w, Era, FsInfo, FsOps, PackedState, Packer, Unpacker};
use super::{mkwrite_return, MkPc, WbCtx, Writepage};
use crate::config::Config;
use crate::kernel::{lock_page, set_page_dirty_nobuffers, unlock_page, Acquire};
use crate::world::FsBits;
use crate::world::{FaultPc, MkwriteRet, Pc, Tid, World};
use crate::world::{Step, StepInfo};

/// Where the page's block lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Block {
    /// A hole: no block, no reservation.
    #[default]
    Hole,
    /// A delayed allocation: one unit of i_reserved_data_blocks, a Delay buffer.
    Delayed,
    /// Allocated in the extent tree.
    Allocated,
}

/// The page's buffer and block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct State {
    /// The block.
    pub block: Block,
    /// The page's buffer_head.
    pub bh: Bh,
    /// PageMappedToDisk: set by a read that found the block allocated (fs/mpage.c:286).
    pub mapped_to_disk: bool,
}

fn state(w: &World) -> State {
    super::ops::state(w)
}

fn set(w: &mut World, s: State) {
    super::ops::set_state(w, s);
}

fn converted(cfg: &Config) -> bool {
    cfg.fs == super::FsId::EXT4_CONVERTED
}

/// A clean page over a hole; a dirty one (as after write(2)) over a delayed block with a dirty
/// buffer.
pub fn init(cfg: &Config) -> State {
    if cfg.page_dirty {
        State {
            block: Block::Delayed,
            bh: Bh::of_dirty_page(true),
            mapped_to_disk: false,
        }
    } else {
        State::default()
    }
}

/// Tracked: the block is delayed or allocated. From the `ext4-bug` era on (`--gup-era`, D0's
/// door) the profile also asks for the buffer: the later ext4 cannot write a dirty page
/// without one (`no_buffers_era`), where 2.6.29 rebuilt it.
pub fn tracked(w: &World) -> bool {
    state(w).block != Block::Hole
}

/// ext4's own safeguards before 3.1 (`mkwrite ablate --fs ext4`).
pub static SAFEGUARDS: [super::ops::Safeguard; 3] = [
    super::ops::Safeguard {
        id: "i_alloc_sem",
        function: "ext4_page_mkwrite",
        anchor: "fs/ext4/inode.c:5134; fs/attr.c:167, 183",
        protects: "truncate (notify_change holds it for write) and the body of ->page_mkwrite exclude each other",
        guard: "truncate_removes_page_under_fault",
    },
    super::ops::Safeguard {
        id: "truncate-check",
        function: "ext4_page_mkwrite",
        anchor: "fs/ext4/inode.c:5136-5140",
        protects: "no reservation or dirty buffer for a page that truncate took out of the file",
        guard: "truncate_removes_page_under_fault",
    },
    super::ops::Safeguard {
        id: "dirty-buffers",
        function: "__set_page_dirty_buffers",
        anchor: "fs/buffer.c:818-826",
        protects: "a page dirtied again gets its attached buffers dirty again, so that the next write of the page writes them",
        guard: "writeback_reaches_lock_in_mkwrite_window",
    },
];

/// ext4's own safeguards in 3.1: i_alloc_sem is gone, and the truncate check is the generic helper's.
pub static SAFEGUARDS_31: [super::ops::Safeguard; 1] = [
    super::ops::Safeguard {
        id: "dirty-buffers",
        function: "__set_page_dirty_buffers",
        anchor: "fs/buffer.c:818-826",
        protects: "a page dirtied again gets its attached buffers dirty again, so that the next write of the page writes them",
        guard: "writeback_reaches_lock_in_mkwrite_window",
    },
];

/// The first step: 2.6.29.4 takes i_alloc_sem and checks without the page lock; 3.1 locks.
pub fn entry(cfg: &Config) -> MkPc {
    if converted(cfg) {
        MkPc::LockPage
    } else {
        MkPc::Prepare
    }
}

/// The hole path's fill under the page lock: a hole gets its reservation (ENOSPC on a full
/// filesystem), the buffer is attached, mapped (delayed or by lookup) and dirtied, and with
/// it the page. Returns `false` on ENOSPC, having changed nothing.
fn fill(w: &mut World) -> bool {
    let mut s = state(w);
    if s.block == Block::Hole {
        if w.fs_full {
            return false;
        }
        // ext4_da_get_block_prep (2212-2240): ext4_da_reserve_space(inode, 1), map_bh to
        // block 0 with New and Delay.
        s.block = Block::Delayed;
    }
    // __block_prepare_write / block_commit_write: mark_buffer_dirty (fs/buffer.c:1952-1958),
    // which dirties the page itself when the buffer was clean.
    s.bh.attach_and_mark_dirty(w);
    set(w, s);
    true
}

/// One step of ext4_page_mkwrite.
pub fn page_mkwrite(cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
    if converted(cfg) {
        return page_mkwrite_31(cfg, w, me, pc);
    }
    match pc {
        MkPc::Prepare => {
            // E1 (5134): down_read(&inode->i_alloc_sem), asleep while truncate holds it.
            if super::truncate_running(w) && !super::removed(cfg, "i_alloc_sem") {
                return Step::Blocked;
            }
            // E2 (5135-5140): no page lock: mapping changed, or the page at or beyond i_size:
            // up_read, VM_FAULT_SIGBUS (5173-5175).
            if (!w.page.mapping || !w.isize_covers_page) && !super::removed(cfg, "truncate-check") {
                return mkwrite_return(w, me, MkwriteRet::SigBus);
            }
            let s = state(w);
            // E3 (5142-5143): PageMappedToDisk; E4 (5150-5155): every buffer mapped (a
            // delayed one counts): up_read, return 0.
            if s.mapped_to_disk || (s.bh.attached && s.block != Block::Hole) {
                return mkwrite_return(w, me, MkwriteRet::Ok);
            }
            Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::LockPage)))
        }
        MkPc::LockPage => match lock_page(w, me) {
            // E5 (5163): ->write_begin: ext4_da_write_begin's grab_cache_page_write_begin
            // finds the page and locks it.
            Acquire::Blocked => Step::Blocked,
            Acquire::SelfDeadlock => Step::Next(Pc::Fault(FaultPc::Hung)),
            Acquire::Got => Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Attach))),
        },
        MkPc::Attach => {
            // E6 (2686, 2212-2240): block_write_begin with ext4_da_get_block_prep; ENOSPC:
            // write_begin unlocks and fails, ext4_page_mkwrite returns VM_FAULT_SIGBUS.
            if !fill(w) {
                unlock_page(w, me);
                return mkwrite_return(w, me, MkwriteRet::SigBus);
            }
            Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Unlock)))
        }
        MkPc::Unlock => {
            // E7 (5167, 2790; buffer.c:2145-2146): ->write_end: generic_write_end unlocks and
            // releases the page; up_read (5175); return 0.
            unlock_page(w, me);
            mkwrite_return(w, me, MkwriteRet::Ok)
        }
        MkPc::WaitOrdered | MkPc::FillLock | MkPc::Fill => {
            panic!("model bug: ext4_page_mkwrite has no {pc:?} step")
        }
    }
}

/// 3.1's ext4_page_mkwrite (delalloc): __block_page_mkwrite(ext4_da_get_block_prep) under the
/// page lock, returning VM_FAULT_LOCKED through block_page_mkwrite_return.
fn page_mkwrite_31(cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
    match pc {
        MkPc::LockPage => match lock_page(w, me) {
            // E1' (__block_page_mkwrite, 3.1 fs/buffer.c:2341): lock_page.
            Acquire::Blocked => Step::Blocked,
            Acquire::SelfDeadlock => Step::Next(Pc::Fault(FaultPc::Hung)),
            Acquire::Got => Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Attach))),
        },
        MkPc::Attach => {
            // E2': truncated or beyond i_size: unlock, -EFAULT, VM_FAULT_NOPAGE.
            if !w.page.mapping || !w.isize_covers_page {
                unlock_page(w, me);
                return mkwrite_return(w, me, MkwriteRet::NoPage);
            }
            // E3': write_begin's block preparation and block_commit_write, then set_page_dirty
            // (3.1 fs/buffer.c:2378); ENOSPC: unlock, VM_FAULT_SIGBUS (after ext4's retry loop
            // gives up).
            if !fill(w) {
                unlock_page(w, me);
                return mkwrite_return(w, me, MkwriteRet::SigBus);
            }
            super::of(cfg).set_page_dirty(cfg, w);
            if w.page.writeback {
                return Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::WaitOrdered)));
            }
            finish_31(cfg, w, me)
        }
        MkPc::WaitOrdered => {
            // E4': wait_on_page_writeback with the page locked (2383, after set_page_dirty:
            // stable pages), then return.
            if w.page.writeback {
                return Step::Blocked;
            }
            finish_31(cfg, w, me)
        }
        MkPc::Unlock => {
            // Counterfactual (the old VM): unlock_page, return 0.
            unlock_page(w, me);
            mkwrite_return(w, me, MkwriteRet::Ok)
        }
        MkPc::Prepare | MkPc::FillLock | MkPc::Fill => {
            panic!("model bug: 3.1's ext4_page_mkwrite has no {pc:?} step")
        }
    }
}

/// 3.1's return: VM_FAULT_LOCKED with the page locked, or (counterfactually, beside the old
/// VM) on to unlock_page and 0.
fn finish_31(cfg: &Config, w: &mut World, me: Tid) -> Step {
    if super::returns_locked(cfg) {
        mkwrite_return(w, me, MkwriteRet::Locked)
    } else {
        Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Unlock)))
    }
}

/// The description of a step of ext4_page_mkwrite.
pub fn page_mkwrite_info(cfg: &Config, w: &World, pc: MkPc) -> StepInfo {
    let s = |id, anchor, what| StepInfo {
        id,
        function: "ext4_page_mkwrite",
        anchor,
        what,
    };
    let st = state(w);
    if converted(cfg) {
        return match pc {
            MkPc::LockPage => s("E1'", "fs/buffer.c:2341 (3.1)", "lock_page"),
            MkPc::Attach if !w.page.mapping || !w.isize_covers_page => s(
                "E2'",
                "fs/buffer.c:2352-2353 (3.1)",
                "the page was truncated: unlock_page, return VM_FAULT_NOPAGE",
            ),
            MkPc::Attach if st.block == Block::Hole && w.fs_full => s(
                "E2'-E3'",
                "fs/ext4/inode.c:4348 (3.1.10; 4345 in v3.1)",
                "the hole's reservation fails (ENOSPC): unlock_page, return VM_FAULT_SIGBUS",
            ),
            MkPc::Attach if w.page.writeback => s(
                "E2'-E3'",
                "fs/ext4/inode.c:4348 (3.1.10; 4345 in v3.1)",
                "reserve a hole (delalloc), buffers dirty, set_page_dirty; then wait for the \
                 write in flight",
            ),
            MkPc::Attach if super::returns_locked(cfg) => s(
                "E2'-E4'",
                "fs/ext4/inode.c:4348 (3.1.10; 4345 in v3.1)",
                "reserve a hole (delalloc), buffers dirty, set_page_dirty; no writeback to \
                 wait for; return VM_FAULT_LOCKED",
            ),
            MkPc::Attach => s(
                "E2'-E4'",
                "fs/ext4/inode.c:4348 (3.1.10; 4345 in v3.1)",
                "reserve a hole (delalloc), buffers dirty, set_page_dirty; no writeback to \
                 wait for (counterfactually, beside the old VM: on to unlock_page)",
            ),
            MkPc::WaitOrdered if super::returns_locked(cfg) => s(
                "E4'",
                "fs/buffer.c:2383 (3.1)",
                "wait_on_page_writeback, the page locked; return VM_FAULT_LOCKED",
            ),
            MkPc::WaitOrdered => s(
                "E4'",
                "fs/buffer.c:2383 (3.1)",
                "wait_on_page_writeback, the page locked (counterfactually, beside the old \
                 VM: on to unlock_page)",
            ),
            _ => s(
                "E5'",
                "fs/ext4/inode.c:4348 (3.1.10; 4345 in v3.1)",
                "unlock_page, return 0",
            ),
        };
    }
    match pc {
        MkPc::Prepare if !w.page.mapping || !w.isize_covers_page => s(
            "E1-E2",
            "fs/ext4/inode.c:5134",
            "down_read(i_alloc_sem); the page was truncated: up_read, return VM_FAULT_SIGBUS",
        ),
        MkPc::Prepare if st.mapped_to_disk || (st.bh.attached && st.block != Block::Hole) => s(
            "E1-E4",
            "fs/ext4/inode.c:5134",
            "down_read(i_alloc_sem); the block is mapped or delayed: up_read, return 0",
        ),
        MkPc::Prepare => s(
            "E1-E4",
            "fs/ext4/inode.c:5134",
            "down_read(i_alloc_sem); no page lock: size and mapping fine, the block is a hole",
        ),
        MkPc::LockPage => s(
            "E5",
            "fs/ext4/inode.c:2636",
            "->write_begin (ext4_da_write_begin): lock_page",
        ),
        MkPc::Attach if st.block == Block::Hole && w.fs_full => s(
            "E6",
            "fs/ext4/inode.c:2232",
            "ext4_da_reserve_space fails (ENOSPC): unlock_page, return VM_FAULT_SIGBUS",
        ),
        MkPc::Attach => s(
            "E6",
            "fs/ext4/inode.c:2212",
            "block_write_begin (ext4_da_get_block_prep): reserve the hole, Delay buffer; \
             mark_buffer_dirty dirties the page",
        ),
        MkPc::Unlock => s(
            "E7",
            "fs/ext4/inode.c:5167",
            "->write_end: generic_write_end unlocks the page; up_read(i_alloc_sem); return 0",
        ),
        MkPc::WaitOrdered | MkPc::FillLock | MkPc::Fill => s("?", "?", "?"),
    }
}

/// __set_page_dirty_buffers (fs/buffer.c:809), first half: every attached buffer dirty, then
/// TestSetPageDirty.
pub fn set_page_dirty_begin(cfg: &Config, w: &mut World) -> bool {
    let mut s = state(w);
    let newly =
        s.bh.set_page_dirty_buffers(w, !super::removed(cfg, "dirty-buffers"));
    set(w, s);
    newly
}

/// The flusher's ext4_da_writepages, or reclaim's ext4_da_writepage, for the locked page whose
/// PG_dirty clear_page_dirty_for_io just cleared.
pub fn writepage(cfg: &Config, w: &mut World, me: Tid, ctx: WbCtx) -> Writepage {
    let mut s = state(w);
    if !w.isize_covers_page {
        // block_write_full_page (fs/buffer.c:2930 old, 2932 new): a page wholly beyond i_size
        // is invalidated (do_invalidatepage: ext4_da_invalidatepage gives a delayed block's
        // reservation back and drops the buffers, 2952-2953 new), unlocked and left to truncate.
        invalidatepage(w);
        unlock_page(w, me);
        return Writepage::Done;
    }
    if !s.bh.attached {
        if let Some(r) = no_buffers_era(cfg, w, me) {
            return r;
        }
    }
    if s.bh.clean() {
        // Attached buffers, all clean: __mpage_da_writepage gathers no dirty buffer
        // (2138-2155), mpage_da_map_blocks returns at once (1916-1917) and allocates nothing,
        // and ext4_da_writepage (flusher and reclaim alike: ext4_bh_unmapped_or_delay asks
        // for a dirty buffer, 2293-2300) goes to block_write_full_page, which submits nothing.
        super::bh::write_nothing(w, me);
        return Writepage::Done;
    }
    if ctx.reclaim && (s.block != Block::Allocated) {
        // ext4_da_writepage (2345-2360, 2361-2398): a delayed or unmapped dirty block is not
        // allocated here: redirty_page_for_writepage, unlock, return 0.
        set_page_dirty_nobuffers(w);
        unlock_page(w, me);
        return Writepage::Done;
    }
    if s.block == Block::Hole && w.fs_full {
        // A dirty hole without a reservation on a full filesystem: the allocation fails and
        // ext4_da_writepages gives the pages up; the error is recorded on the mapping.
        // Model: the page stays clean and unlocked, as after the failure of the seed's
        // ->writepage.
        unlock_page(w, me);
        return Writepage::Failed;
    }
    // mpage_da_map_blocks (1896-1972): a delayed or hole block is allocated
    // (ext4_get_blocks_wrap, 1065-1152; a delayed one from its reservation), the buffer mapped;
    // then ->writepage submits it: PG_writeback, the buffer clean, unlock.
    s.block = Block::Allocated;
    s.bh.written();
    set(w, s);
    crate::kernel::set_page_writeback(w);
    unlock_page(w, me);
    Writepage::Done
}

/// A dirty page without buffers under a later ext4 (`--gup-era`, D0's door): `None` in 2.6.29,
/// which rebuilds them (fs/ext4/inode.c:2111-2121, 2361-2396: the code below).
/// - `ext4-bug`: page_buffers() on it BUGs (BUG_ON(!PagePrivate), 3.18
///   include/linux/buffer_head.h:137-141, from mpage_prepare_extent_to_map, 3.18
///   fs/ext4/inode.c:2290, and ext4_writepage, 1736).
/// - `ext4-warn` and later (cc5095747edf, 5.18; 6.12 fs/ext4/inode.c:2525-2530): a warning,
///   PG_dirty cleared, the page unlocked and skipped: nothing written, no error recorded.
///
/// Model: 6.12 clears PG_dirty with folio_clear_dirty before folio_clear_dirty_for_io; here
/// the VM's TestClearPageDirty has already cleared it when ->writepage runs, so the page ends
/// clean and unwritten either way. The raw clear's dirty accounting is not modelled.
fn no_buffers_era(cfg: &Config, w: &mut World, me: Tid) -> Option<Writepage> {
    use crate::config::GupEra;
    match cfg.gup_era {
        GupEra::V2629 => None,
        GupEra::Ext4Bug => {
            w.bug("ext4: page_buffers() BUG_ON(!PagePrivate) on a dirty page without buffers");
            Some(Writepage::Bug)
        }
        GupEra::Ext4Warn | GupEra::PinSkip | GupEra::Longterm => {
            unlock_page(w, me);
            Some(Writepage::Done)
        }
    }
}

/// The description of ext4's writeback in the current state, for its caller.
pub fn writepage_info(cfg: &Config, w: &World, ctx: WbCtx) -> StepInfo {
    use crate::config::GupEra;
    let s = state(w);
    let (function, anchor, what) = if !w.isize_covers_page {
        (
            "ext4_da_writepages",
            "fs/ext4/inode.c:2435",
            "the page lies beyond EOF: invalidate it (reservation back, buffers dropped), \
             unlock, write nothing; put_page",
        )
    } else if !s.bh.attached && cfg.gup_era == GupEra::Ext4Bug {
        (
            "mpage_prepare_extent_to_map",
            "3.18 fs/ext4/inode.c:2209",
            "a dirty page without buffers: page_buffers() hits BUG_ON(!PagePrivate)",
        )
    } else if !s.bh.attached && cfg.gup_era >= GupEra::Ext4Warn {
        (
            "mpage_prepare_extent_to_map",
            "6.12 fs/ext4/inode.c:2423",
            "a dirty page without buffers: ext4_warning \"does not have buffers attached\", \
             PG_dirty cleared, unlock, skip: nothing written, no error",
        )
    } else if s.bh.clean() {
        (
            "ext4_da_writepages",
            "fs/ext4/inode.c:2435",
            "the buffer is clean: nothing to map or submit, the page ends clean and untagged, \
             nothing written; unlock; put_page",
        )
    } else if ctx.reclaim && s.block != Block::Allocated {
        (
            "ext4_da_writepage",
            "fs/ext4/inode.c:2327",
            "reclaim: a delayed or unmapped buffer is not allocated here: \
             redirty_page_for_writepage, nothing written; unlock",
        )
    } else if s.block == Block::Hole && w.fs_full {
        (
            "ext4_da_writepages",
            "fs/ext4/inode.c:2435",
            "a dirty hole with no reservation and a full filesystem: ENOSPC; unlock",
        )
    } else if s.block == Block::Hole {
        (
            "ext4_da_writepages",
            "fs/ext4/inode.c:2435",
            "a dirty hole with no reservation: allocate it anyway, submit, PG_writeback, unlock",
        )
    } else if s.block == Block::Delayed {
        (
            "ext4_da_writepages",
            "fs/ext4/inode.c:2435",
            "allocate the delayed block from its reservation, submit, buffer clean, \
             PG_writeback, unlock",
        )
    } else {
        (
            "ext4_da_writepages",
            "fs/ext4/inode.c:2435",
            "the block is allocated: submit, buffer clean, PG_writeback, unlock",
        )
    };
    StepInfo {
        id: "W8,W10",
        function,
        anchor,
        what,
    }
}

/// ext4_da_invalidatepage(page, 0): a delayed block's reservation is given back; the buffer
/// goes.
pub fn invalidatepage(w: &mut World) {
    let mut s = state(w);
    if s.block == Block::Delayed {
        s.block = Block::Hole;
    }
    s.bh.discard();
    s.mapped_to_disk = false;
    set(w, s);
}

/// Whether the block is a delayed allocation: ext4_releasepage keeps such a page (its buffer is
/// dirty besides).
pub fn delayed(w: &World) -> bool {
    state(w).block == Block::Delayed
}

/// mpage_readpage: no buffers; PageMappedToDisk when the block is allocated.
pub fn readpage(w: &mut World) {
    let mut s = state(w);
    s.bh.discard();
    s.mapped_to_disk = s.block == Block::Allocated;
    set(w, s);
}

fn block_name(b: Block) -> &'static str {
    match b {
        Block::Hole => "hole",
        Block::Delayed => "delayed",
        Block::Allocated => "allocated",
    }
}

/// Trace fields.
pub fn fields(s: State) -> Vec<(String, String)> {
    vec![
        ("ext4.block".to_string(), block_name(s.block).to_string()),
        ("bh".to_string(), s.bh.name().to_string()),
        (
            "MappedToDisk".to_string(),
            if s.mapped_to_disk { "yes" } else { "no" }.to_string(),
        ),
    ]
}

/// One-line form.
pub fn display(s: State) -> String {
    format!(
        "ext4:{} bh:{}{}",
        block_name(s.block),
        s.bh.name(),
        if s.mapped_to_disk {
            " MappedToDisk"
        } else {
            ""
        }
    )
}

// ---- the ops table ----

fn block_bits(b: Block) -> u64 {
    match b {
        Block::Hole => 0,
        Block::Delayed => 1,
        Block::Allocated => 2,
    }
}

fn block_of(b: u64) -> Block {
    match b {
        0 => Block::Hole,
        1 => Block::Delayed,
        _ => Block::Allocated,
    }
}

impl PackedState for State {
    fn pack(&self) -> u64 {
        // The buffer first, in the two low bits (`bh`'s helpers read it there).
        Packer::default()
            .put(self.bh.pack(), 2)
            .put(block_bits(self.block), 2)
            .flag(self.mapped_to_disk)
            .done()
    }
    fn unpack(bits: u64) -> State {
        let mut u = Unpacker::new(bits);
        let bh = Bh::unpack(u.take(2));
        let block = block_of(u.take(2));
        State {
            block,
            bh,
            mapped_to_disk: u.flag(),
        }
    }
}

/// ext4 with delayed allocation; `converted`: after 9ea7df534ed2, as a 3.1 tree has it.
pub struct Ext4 {
    /// After the filesystem's own conversion to VM_FAULT_LOCKED.
    pub converted: bool,
}

/// `--fs ext4`.
pub static EXT4: Ext4 = Ext4 { converted: false };
/// `--fs ext4@9ea7df534ed2`.
pub static EXT4_CONVERTED: Ext4 = Ext4 { converted: true };

impl FsOps for Ext4 {
    fn id(&self) -> &'static str {
        if self.converted {
            "ext4@9ea7df534ed2"
        } else {
            "ext4"
        }
    }

    fn conversion(&self) -> Option<&'static str> {
        (!self.converted).then_some("ext4@9ea7df534ed2")
    }

    fn safeguards(&self) -> &'static [super::ops::Safeguard] {
        if self.converted {
            &SAFEGUARDS_31
        } else {
            &SAFEGUARDS
        }
    }

    fn info(&self) -> FsInfo {
        if self.converted {
            FsInfo {
                id: "ext4@9ea7df534ed2",
                profile: "ext4 with delayed allocation",
                code: "after 9ea7df534ed2, read in a 3.1 release tree (a bracket, not history)",
                old_vm: "0, page unlocked (counterfactual)",
                new_vm: "VM_FAULT_LOCKED",
                tracked: "the block is delayed (reserved) or allocated",
                files: "fs/ext4/inode.c, fs/buffer.c (3.1)",
            }
        } else {
            FsInfo {
                id: "ext4",
                profile: "ext4 with delayed allocation",
                code: "2.6.29.4 (the same in the old and the new tree)",
                old_vm: "0, page unlocked",
                new_vm: "0, page unlocked (not converted until 3.0/3.1: the R5 window)",
                tracked: "the block is delayed (reserved) or allocated",
                files: "fs/ext4/inode.c, fs/buffer.c, fs/attr.c",
            }
        }
    }

    fn era(&self) -> Option<Era> {
        if self.converted {
            Some(Era {
                family: "ext4",
                old_vm: None,
                new_vm: w("3.1", None),
                source: "9ea7df534ed2: absent from a 3.0.8 tree, present in a 3.1 tree",
            })
        } else {
            Some(Era {
                family: "ext4",
                old_vm: w("2.6.29", Some("2.6.29.3")),
                new_vm: w("2.6.29.4", Some("2.6.39")),
                source: "the code modelled is 2.6.29.4's (ext4 had a ->page_mkwrite from \
                         2e9ee850355, 2.6.27-rc1; 2.6.27-2.6.28 were not read); a827eaffff0 \
                         (2.6.32-rc1) only locks around the buffer walk; 0e499890c1f (3.0-rc1) \
                         returns VM_FAULT_LOCKED from every path, relocking after write_end on \
                         the hole path (read in 3.0.8, fs/ext4/inode.c:5863, 5935-5938)",
            })
        }
    }

    fn counterfactual(&self, cfg: &Config) -> bool {
        self.converted && !cfg.protocol.patched()
    }

    fn init(&self, cfg: &Config) -> FsBits {
        FsBits(init(cfg).pack())
    }

    fn fields(&self, w: &World) -> Vec<(String, String)> {
        fields(state(w))
    }

    fn display(&self, w: &World) -> String {
        display(state(w))
    }

    fn tracked(&self, cfg: &Config, w: &World) -> bool {
        tracked(w) && (cfg.gup_era == crate::config::GupEra::V2629 || state(w).bh.attached)
    }

    fn page_private(&self, _: &Config, w: &World) -> bool {
        super::bh::page_private(w)
    }

    /// Before 3.1, i_alloc_sem: truncate reads where the writers are, a ->page_mkwrite step
    /// where truncate is. 3.1's ext4_page_mkwrite no longer takes it.
    fn hook_threads(&self, _: &Config, w: &World, pc: Pc) -> (Vec<Tid>, Vec<Tid>) {
        if self.converted {
            (Vec::new(), Vec::new())
        } else {
            super::ops::truncate_lock_threads(w, pc)
        }
    }

    fn locked_return(&self) -> bool {
        self.converted
    }

    fn nopage_on_truncate(&self, _: &Config) -> bool {
        self.converted
    }

    fn mkwrite_can_fail(&self, _: &Config) -> bool {
        true
    }

    fn page_mkwrite_entry(&self, cfg: &Config) -> MkPc {
        entry(cfg)
    }

    fn page_mkwrite(&self, cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
        page_mkwrite(cfg, w, me, pc)
    }

    fn page_mkwrite_info(&self, cfg: &Config, w: &World, _: Tid, pc: MkPc) -> StepInfo {
        page_mkwrite_info(cfg, w, pc)
    }

    /// Before 3.1, notify_change takes i_alloc_sem for write around the truncate, which the
    /// mkwrite body holds for read.
    fn truncate_waits(&self, cfg: &Config, w: &World) -> bool {
        !self.converted && super::writer_in_mkwrite_body(w) && !super::removed(cfg, "i_alloc_sem")
    }

    fn set_page_dirty_begin(&self, cfg: &Config, w: &mut World) -> bool {
        set_page_dirty_begin(cfg, w)
    }

    fn writepage(&self, cfg: &Config, w: &mut World, me: Tid, ctx: WbCtx) -> Writepage {
        writepage(cfg, w, me, ctx)
    }

    fn writepage_info(&self, cfg: &Config, w: &World, ctx: WbCtx) -> StepInfo {
        writepage_info(cfg, w, ctx)
    }

    /// ext4_releasepage keeps a page whose block is a delayed allocation.
    fn releasepage(&self, _: &Config, w: &mut World) -> bool {
        super::bh::release(w, delayed(w))
    }

    fn private_releasable(&self, _: &Config) -> bool {
        true
    }

    fn readpage(&self, _: &Config, w: &mut World) {
        readpage(w)
    }

    fn invalidatepage(&self, _: &Config, w: &mut World) -> bool {
        invalidatepage(w);
        true
    }
}
