//! `ocfs2`: OCFS2 on one node, as in 2.6.29.4 (fs/ocfs2 is the same in e58fcb489af^ and
//! e58fcb489af), before its own conversion in 3.2 (5cffff9e2986).
//!
//! | slot | function | anchor (2.6.29.4) |
//! |---|---|---|
//! | `->page_mkwrite` | `ocfs2_page_mkwrite`: the cluster inode lock (EX) and `ip_alloc_sem`; `__ocfs2_page_mkwrite`: a page beyond i_size gets SIGBUS, a page not uptodate or no longer in the mapping returns 0 with nothing done; `ocfs2_write_begin_nolock` locks the page, allocates the cluster and maps the buffers; `ocfs2_write_end_nolock` dirties them and unlocks the page; return 0 | fs/ocfs2/mmap.c:157, 87; aops.c:1642, 1867 |
//! | `->set_page_dirty` | none: `__set_page_dirty_buffers` | fs/buffer.c:809 |
//! | `->writepage` | `ocfs2_writepage` → `block_write_full_page(ocfs2_get_block)`; `ocfs2_get_block` never allocates: on a sparse volume a hole leaves the buffer unmapped and clean, so its data is dropped without an error | aops.c:396, 129, 174-178 |
//! | `->releasepage` | `ocfs2_releasepage` → `jbd2_journal_try_to_free_buffers` → `try_to_free_buffers` (data buffers have no journal_head in 2.6.29's inode-based ordered mode: it refuses what `try_to_free_buffers` refuses) | aops.c:661, fs/jbd2/transaction.c:1616, 1648 |
//! | truncate | `ocfs2_truncate_file`: `ip_alloc_sem` for write around the unmap, the page truncation and the size change | file.c:394, 438-448 |
//!
//! "Tracked" is "the page's cluster is allocated in the extent tree": the buffers are only a
//! cache of it, which ocfs2_get_block rebuilds by lookup. Only ->page_mkwrite (and write(2))
//! allocates, under ip_alloc_sem; writeback and reclaim never free. A dirty page over a hole
//! would lose its data silently at writeback.
//!
//! Model: one node, so the cluster lock is a local lock that, like ip_alloc_sem, keeps the
//! mkwrite body and truncate apart (the downconvert worker of another node's request is
//! outside the model). The file is sparse (the cluster starts unallocated), the volume has
//! sparse allocation (the default), cluster size equals page size, and the journal (ordered
//! mode; a jbd2 commit writes the inode's pages through ->writepage too, like the flusher) is
//! left out. ocfs2_truncate_file unmaps and truncates the pages before it updates i_size,
//! vmtruncate the other way round; both run under ip_alloc_sem, which excludes the mkwrite
//! body, and a fault past its mkwrite sees the same things either way (its pte zapped, the
//! page gone), so the VM's order stands in.

use super::bh::Bh;
use super::ops::{window as w, Era, FsInfo, FsOps, PackedState, Packer, Unpacker};
use super::{mkwrite_return, MkPc, WbCtx, Writepage};
use crate::config::Config;
use crate::kernel::{lock_page, unlock_page, Acquire};
use crate::world::FsBits;
use crate::world::{FaultPc, MkwriteRet, Pc, Tid, World};
use crate::world::{Step, StepInfo};

/// OCFS2's own safeguards (`mkwrite ablate --fs ocfs2`).
pub static SAFEGUARDS: [super::ops::Safeguard; 3] = [
    super::ops::Safeguard {
        id: "ip_alloc_sem",
        function: "ocfs2_page_mkwrite",
        anchor: "fs/ocfs2/mmap.c:176, 187",
        protects: "truncate (ocfs2_truncate_file takes ip_alloc_sem for write) and the body of ->page_mkwrite exclude each other",
        guard: "truncate_removes_page_under_fault",
    },
    super::ops::Safeguard {
        id: "truncate-check",
        function: "__ocfs2_page_mkwrite",
        anchor: "fs/ocfs2/mmap.c:103-107",
        protects: "no cluster is allocated for a page beyond i_size",
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

/// The page's cluster and buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct State {
    /// The cluster is allocated (and written, not UNWRITTEN) in the extent tree.
    pub allocated: bool,
    /// The page's buffer_head.
    pub bh: Bh,
}

fn state(w: &World) -> State {
    super::ops::state(w)
}

fn set(w: &mut World, s: State) {
    super::ops::set_state(w, s);
}

/// A clean page over an unallocated cluster; a dirty one over an allocated cluster with a
/// dirty buffer (as after write(2)).
pub fn init(cfg: &Config) -> State {
    State {
        allocated: cfg.page_dirty,
        bh: Bh::of_dirty_page(cfg.page_dirty),
    }
}

/// Tracked: the cluster is allocated.
pub fn tracked(w: &World) -> bool {
    state(w).allocated
}

/// The first step: the cluster lock and ip_alloc_sem, before the page lock.
pub fn entry() -> MkPc {
    MkPc::Prepare
}

/// One step of ocfs2_page_mkwrite.
pub fn page_mkwrite(cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
    match pc {
        MkPc::Prepare => {
            // O1 (mmap.c:176, 187): ocfs2_inode_lock EX, down_write(ip_alloc_sem), asleep while
            // truncate holds them.
            if super::truncate_running(w) && !super::removed(cfg, "ip_alloc_sem") {
                return Step::Blocked;
            }
            // O2 (103-107): the page lies beyond i_size: -EINVAL -> VM_FAULT_SIGBUS.
            if !w.isize_covers_page && !super::removed(cfg, "truncate-check") {
                return mkwrite_return(w, me, MkwriteRet::SigBus);
            }
            // O3 (115-122): not uptodate, or no longer in the mapping: return 0, nothing done
            // ("let VFS retry"; in 2.6.29 the VM takes 0 for success). Before 4c1bbf1ba63
            // (2.6.28-rc5) this returned -EINVAL (SIGBUS).
            // Model: not reached: a page leaves the mapping only by a truncate (reclaim frees
            // no page a fault holds a reference on), O1 waits the whole truncate out, and O2
            // then finds i_size 0 first.
            if !w.page.mapping {
                return mkwrite_return(w, me, MkwriteRet::Ok);
            }
            // O5 (aops.c:1711-1717): ocfs2_write_begin_nolock's ocfs2_lock_allocators fails
            // (ENOSPC) before ocfs2_grab_pages_for_write locks the page (1758, 1182): nothing
            // to unlock; -ENOSPC -> VM_FAULT_SIGBUS.
            if !state(w).allocated && w.fs_full {
                return mkwrite_return(w, me, MkwriteRet::SigBus);
            }
            Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::LockPage)))
        }
        MkPc::LockPage => match lock_page(w, me) {
            // O4 (aops.c:1182): ocfs2_grab_pages_for_write: lock_page(mmap_page).
            Acquire::Blocked => Step::Blocked,
            Acquire::SelfDeadlock => Step::Next(Pc::Fault(FaultPc::Hung)),
            Acquire::Got => Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Attach))),
        },
        MkPc::Attach => {
            let mut s = state(w);
            // O5-O6 (aops.c:1242, 785-881, 1917): ocfs2_add_inode_data allocates the cluster
            // from the space ocfs2_lock_allocators reserved at O5 (before the page lock);
            // buffers created and mapped; block_commit_write dirties them and, through
            // mark_buffer_dirty, the page.
            // Model: the allocation, the mapping and the commit are one step under the page
            // lock, ip_alloc_sem and the cluster lock. A filesystem that fills up after O5
            // does not fail them: the reservation is made.
            s.allocated = true;
            s.bh.attach_and_mark_dirty(w);
            set(w, s);
            Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Unlock)))
        }
        MkPc::Unlock => {
            // O7 (aops.c:959; mmap.c:191-194): ocfs2_free_write_ctxt unlocks the page; up_write
            // ip_alloc_sem, the cluster unlock; return 0.
            unlock_page(w, me);
            mkwrite_return(w, me, MkwriteRet::Ok)
        }
        MkPc::WaitOrdered | MkPc::FillLock | MkPc::Fill => {
            panic!("model bug: ocfs2_page_mkwrite has no {pc:?} step")
        }
    }
}

/// The description of a step of ocfs2_page_mkwrite.
pub fn page_mkwrite_info(w: &World, pc: MkPc) -> StepInfo {
    let s = |id, anchor, what| StepInfo {
        id,
        function: "ocfs2_page_mkwrite",
        anchor,
        what,
    };
    match pc {
        MkPc::Prepare if !w.isize_covers_page => s(
            "O1-O2",
            "fs/ocfs2/mmap.c:176",
            "cluster lock EX, ip_alloc_sem; the page is beyond i_size: VM_FAULT_SIGBUS",
        ),
        MkPc::Prepare if !w.page.mapping => s(
            "O1-O3",
            "fs/ocfs2/mmap.c:176",
            "cluster lock EX, ip_alloc_sem; the page left the mapping: return 0, nothing done",
        ),
        MkPc::Prepare if !state(w).allocated && w.fs_full => s(
            "O1-O3,O5",
            "fs/ocfs2/aops.c:1711",
            "cluster lock EX, ip_alloc_sem; ocfs2_lock_allocators: no cluster (ENOSPC), before \
             the page lock: VM_FAULT_SIGBUS",
        ),
        MkPc::Prepare => s(
            "O1-O3",
            "fs/ocfs2/mmap.c:176",
            "the cluster inode lock (EX), down_write(ip_alloc_sem); size and mapping fine",
        ),
        MkPc::LockPage => s(
            "O4",
            "fs/ocfs2/aops.c:1182",
            "ocfs2_write_begin_nolock: lock_page",
        ),
        MkPc::Attach => s(
            "O5-O6",
            "fs/ocfs2/aops.c:1242",
            "allocate the cluster, map the buffers; write_end: block_commit_write dirties them \
             and the page",
        ),
        MkPc::Unlock => s(
            "O7",
            "fs/ocfs2/aops.c:959",
            "unlock_page; up_write(ip_alloc_sem), cluster unlock; return 0",
        ),
        MkPc::WaitOrdered | MkPc::FillLock | MkPc::Fill => s("?", "?", "?"),
    }
}

/// __set_page_dirty_buffers, first half.
pub fn set_page_dirty_begin(cfg: &Config, w: &mut World) -> bool {
    let mut s = state(w);
    let newly =
        s.bh.set_page_dirty_buffers(w, !super::removed(cfg, "dirty-buffers"));
    set(w, s);
    newly
}

/// ocfs2_writepage: block_write_full_page with ocfs2_get_block, which never allocates.
pub fn writepage(w: &mut World, me: Tid, _: WbCtx) -> Writepage {
    let mut s = state(w);
    if !w.isize_covers_page {
        // block_write_full_page (fs/buffer.c:2946-2954 new): beyond i_size, do_invalidatepage
        // (OCFS2's jbd2_journal_invalidatepage drops the buffers), unlock, nothing written.
        s.bh.discard();
        set(w, s);
        unlock_page(w, me);
        return Writepage::Done;
    }
    if s.bh.clean() {
        // __block_write_full_page maps and submits only dirty buffers: nothing.
        super::bh::write_nothing(w, me);
        return Writepage::Done;
    }
    // create_empty_buffers(dirty|uptodate) if there are none (buffer.c:1722-1725); the dirty
    // buffer is mapped by ocfs2_get_block and submitted, or, over a sparse hole, cleaned by it
    // (174-178): either way it ends clean.
    s.bh.written();
    set(w, s);
    if !s.allocated {
        // ocfs2_get_block on a sparse hole (174-178): the buffer stays unmapped and clean;
        // __block_write_full_page submits nothing and reports nothing: the data is dropped.
        if !w.page.dirty {
            w.page.tagged_dirty = false;
        }
        unlock_page(w, me);
        return Writepage::Done;
    }
    crate::kernel::set_page_writeback(w);
    unlock_page(w, me);
    Writepage::Done
}

/// The description of ocfs2_writepage.
pub fn writepage_info(w: &World) -> StepInfo {
    let s = |what| StepInfo {
        id: "W8,W10",
        function: "ocfs2_writepage",
        anchor: "fs/ocfs2/aops.c:396",
        what,
    };
    if !w.isize_covers_page {
        s(
            "the page lies beyond EOF: invalidate it (buffers dropped), unlock, write nothing; \
           put_page",
        )
    } else if state(w).bh.clean() {
        s(
            "the buffer is clean: nothing to map or submit, the page ends clean and untagged; \
           unlock; put_page",
        )
    } else if !state(w).allocated {
        s("a hole: ocfs2_get_block leaves the buffer unmapped: nothing is written, no error")
    } else {
        s("map the buffer by lookup, submit, buffer clean, PG_writeback, unlock; put_page")
    }
}

/// Trace fields.
pub fn fields(s: State) -> Vec<(String, String)> {
    vec![
        (
            "ocfs2.cluster".to_string(),
            if s.allocated { "allocated" } else { "hole" }.to_string(),
        ),
        ("bh".to_string(), s.bh.name().to_string()),
    ]
}

/// One-line form.
pub fn display(s: State) -> String {
    format!(
        "ocfs2:{} bh:{}",
        if s.allocated { "allocated" } else { "hole" },
        s.bh.name()
    )
}

// ---- the ops table ----

impl PackedState for State {
    fn pack(&self) -> u64 {
        // The buffer first, in the two low bits (`bh`'s helpers read it there).
        Packer::default()
            .put(self.bh.pack(), 2)
            .flag(self.allocated)
            .done()
    }
    fn unpack(bits: u64) -> State {
        let mut u = Unpacker::new(bits);
        let bh = Bh::unpack(u.take(2));
        State {
            bh,
            allocated: u.flag(),
        }
    }
}

/// OCFS2 on one node, as 2.6.29.4 has it.
pub struct Ocfs2;

/// `--fs ocfs2`.
pub static OCFS2: Ocfs2 = Ocfs2;

impl FsOps for Ocfs2 {
    fn id(&self) -> &'static str {
        "ocfs2"
    }

    fn safeguards(&self) -> &'static [super::ops::Safeguard] {
        &SAFEGUARDS
    }

    fn info(&self) -> FsInfo {
        FsInfo {
            id: "ocfs2",
            profile: "OCFS2 on one node",
            code: "2.6.29.4 (the same in the old and the new tree; 2.6.23-3.1 at the \
                   positions modelled)",
            old_vm: "0, page unlocked",
            new_vm: "0, page unlocked (not converted until 3.2: the R5 window)",
            tracked: "the page's cluster is allocated in the extent tree",
            files: "fs/ocfs2/mmap.c, aops.c, file.c",
        }
    }

    fn era(&self) -> Option<Era> {
        Some(Era {
            family: "OCFS2",
            old_vm: w("2.6.23", Some("2.6.29.3")),
            new_vm: w("2.6.29.4", Some("3.1")),
            source: "7307de80510 (2.6.23-rc1) added ocfs2_page_mkwrite (the code modelled \
                     is 2.6.29.4's). Before 4c1bbf1ba63 (2.6.28-rc5) O3 answered a page no \
                     longer in the mapping with -EINVAL (SIGBUS), not 0; the model never \
                     reaches O3 (a page leaves the mapping only by a truncate, which O1 \
                     waits out and whose i_size 0 O2 sees first), so 2.6.23-2.6.27 run as \
                     modelled. f63afdb2c32 (2.6.36-rc4) rewrote O2's arithmetic, with the \
                     same outcome at the positions modelled. 5cffff9e2986 returns \
                     VM_FAULT_LOCKED: absent from a 3.1.10 tree, present in a 3.2.7 tree",
        })
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

    fn tracked(&self, _: &Config, w: &World) -> bool {
        tracked(w)
    }

    fn page_private(&self, _: &Config, w: &World) -> bool {
        super::bh::page_private(w)
    }

    /// The cluster lock and ip_alloc_sem: truncate reads where the writers are, a
    /// ->page_mkwrite step where truncate is.
    fn hook_threads(&self, _: &Config, w: &World, pc: Pc) -> (Vec<Tid>, Vec<Tid>) {
        super::ops::truncate_lock_threads(w, pc)
    }

    fn locked_return(&self) -> bool {
        false
    }

    fn nopage_on_truncate(&self, _: &Config) -> bool {
        false
    }

    fn mkwrite_can_fail(&self, _: &Config) -> bool {
        true
    }

    fn page_mkwrite_entry(&self, _: &Config) -> MkPc {
        entry()
    }

    fn page_mkwrite(&self, cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
        page_mkwrite(cfg, w, me, pc)
    }

    fn page_mkwrite_info(&self, _: &Config, w: &World, _: Tid, pc: MkPc) -> StepInfo {
        page_mkwrite_info(w, pc)
    }

    /// ocfs2_truncate_file takes ip_alloc_sem (and the cluster lock) that the mkwrite body
    /// holds.
    fn truncate_waits(&self, cfg: &Config, w: &World) -> bool {
        super::writer_in_mkwrite_body(w) && !super::removed(cfg, "ip_alloc_sem")
    }

    fn set_page_dirty_begin(&self, cfg: &Config, w: &mut World) -> bool {
        set_page_dirty_begin(cfg, w)
    }

    fn writepage(&self, _: &Config, w: &mut World, me: Tid, ctx: WbCtx) -> Writepage {
        writepage(w, me, ctx)
    }

    fn writepage_info(&self, _: &Config, w: &World, _: WbCtx) -> StepInfo {
        writepage_info(w)
    }

    fn releasepage(&self, _: &Config, w: &mut World) -> bool {
        super::bh::release(w, false)
    }

    fn private_releasable(&self, _: &Config) -> bool {
        true
    }

    fn readpage(&self, _: &Config, w: &mut World) {
        super::bh::discard(w)
    }

    fn invalidatepage(&self, _: &Config, w: &mut World) -> bool {
        super::bh::discard(w);
        true
    }
}
