//! `ceph`: the ceph client at its first release (2.6.34, fs/ceph/addr.c after 4af6b2257ee;
//! read in the 2.6.36 tree, whose page_mkwrite and writeback paths are the same).
//!
//! | slot | function | anchor (2.6.36) |
//! |---|---|---|
//! | `->page_mkwrite` | `ceph_page_mkwrite`: i_size read, lock_page, truncate check, `ceph_update_writeable_page`, `set_page_dirty`, return VM_FAULT_LOCKED | fs/ceph/addr.c:1122 |
//! | `->set_page_dirty` | `ceph_set_page_dirty`: TestSetPageDirty, then under tree_lock the accounting and the snap context in page->private | addr.c:62 |
//! | `->writepages` | `ceph_writepages_start`: a locked dirty page beyond i_size is unlocked and ends the pass, still dirty; otherwise its page->private is dereferenced as its snap context, before clear_page_dirty_for_io; the page stays locked until the OSD's reply | addr.c:587, 734-742, 750-751, 760 |
//! | write completion | `writepages_finish`: the snap context is dropped, page->private cleared, end_page_writeback, unlock_page | addr.c:485 |
//! | `->writepage` (reclaim) | `ceph_writepage` → `writepage_nounlock`: no snap context, nothing written; else a synchronous write | addr.c:364 |
//! | `->invalidatepage` | `ceph_invalidatepage`: drops the snap context | addr.c:140 |
//! | `->releasepage` | `ceph_releasepage`: returns 0 | addr.c:179 |
//!
//! "Tracked" is "a snap context in page->private". ceph did not exist beside the old VM: under
//! the old VM the model runs its code counterfactually with the old convention (unlock_page and
//! return 0 instead of VM_FAULT_LOCKED), to ask whether it would have been exposed.
//!
//! Model: one snap context (no snapshots, so ceph_update_writeable_page has no older context to
//! flush, snap_size is 0 and the EOF test reads i_size, and the page is uptodate); no OSD
//! errors. ceph_writepages_start's per-page checks after lock_page (mapping and PG_dirty, the
//! WB_SYNC_ALL wait, EOF, PG_writeback, the snap context) run where write_cache_pages' W2-W5
//! run, in one step with them (`writepages_check`); the EOF test comes before the PG_writeback
//! skip in the kernel and after it in the model, and both unlock the page and end the pass.

use super::ops::{window as w, Era, FsInfo, FsOps, PackedState, Packer, Unpacker};
use super::{mkwrite_return, MkPc, WbCtx, Writepage};
use crate::config::Config;
use crate::kernel::{lock_page, unlock_page, Acquire};
use crate::world::FsBits;
use crate::world::{FaultPc, MkwriteRet, Pc, Tid, World};
use crate::world::{Step, StepInfo};

/// page->private.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct State {
    /// A snap context is attached (PagePrivate).
    pub snapc: bool,
}

fn state(w: &World) -> State {
    super::ops::state(w)
}

fn set(w: &mut World, snapc: bool) {
    super::ops::set_state(w, State { snapc });
}

/// A dirty page carries its snap context; a clean one none.
pub fn init(cfg: &Config) -> State {
    State {
        snapc: cfg.page_dirty,
    }
}

/// Tracked: a snap context is attached.
pub fn tracked(w: &World) -> bool {
    state(w).snapc
}

/// The first step: i_size is read before the page lock (addr.c:1131).
pub fn entry() -> MkPc {
    MkPc::Prepare
}

/// ceph's own safeguards (`mkwrite ablate --fs ceph`).
pub static SAFEGUARDS: [super::ops::Safeguard; 2] = [
    super::ops::Safeguard {
        id: "truncate-check",
        function: "ceph_page_mkwrite",
        anchor: "fs/ceph/addr.c:1143-1145",
        protects: "no snap context is attached to, and no dirtying of, a page beyond the size read or out of the file",
        guard: "truncate_removes_page_under_fault",
    },
    super::ops::Safeguard {
        id: "dirty-under-lock",
        function: "ceph_page_mkwrite",
        anchor: "fs/ceph/addr.c:1150",
        protects: "the page is dirtied, its snap context attached to page->private, under the page lock ->page_mkwrite holds",
        guard: "writeback_reaches_lock_in_mkwrite_window",
    },
];

/// One step of ceph_page_mkwrite.
pub fn page_mkwrite(cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
    match pc {
        MkPc::Prepare => {
            // CM1 (1131): size = i_size_read(inode), before lock_page.
            let covers = w.isize_covers_page;
            w.local(me).mk_size_ok = covers;
            Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::LockPage)))
        }
        MkPc::LockPage => match lock_page(w, me) {
            // CM2 (1140): lock_page.
            Acquire::Blocked => Step::Blocked,
            Acquire::SelfDeadlock => Step::Next(Pc::Fault(FaultPc::Hung)),
            Acquire::Got => Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Attach))),
        },
        MkPc::Attach => {
            // CM3 (1142-1145): the size read before the lock says the page starts beyond EOF,
            // or the mapping changed: unlock, VM_FAULT_NOPAGE.
            if (!w.thread(me).local.mk_size_ok || !w.page.mapping)
                && !super::removed(cfg, "truncate-check")
            {
                unlock_page(w, me);
                return mkwrite_return(w, me, MkwriteRet::NoPage);
            }
            // CM4 (1147-1152): ceph_update_writeable_page (nothing to flush), set_page_dirty
            // (ceph_set_page_dirty: the snap context goes into page->private), keep the lock.
            if !super::removed(cfg, "dirty-under-lock") {
                super::of(cfg).set_page_dirty(cfg, w);
            }
            if super::returns_locked(cfg) {
                mkwrite_return(w, me, MkwriteRet::Locked)
            } else {
                Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Unlock)))
            }
        }
        MkPc::Unlock => {
            // Counterfactual (old VM): unlock_page, return 0.
            unlock_page(w, me);
            mkwrite_return(w, me, MkwriteRet::Ok)
        }
        MkPc::WaitOrdered | MkPc::FillLock | MkPc::Fill => {
            panic!("model bug: ceph_page_mkwrite has no {pc:?} step")
        }
    }
}

/// The description of a ceph_page_mkwrite step.
pub fn page_mkwrite_info(cfg: &Config, w: &World, me: Tid, pc: MkPc) -> StepInfo {
    let s = |id, what| StepInfo {
        id,
        function: "ceph_page_mkwrite",
        anchor: "fs/ceph/addr.c:1122",
        what,
    };
    match pc {
        MkPc::Prepare => s("CM1", "i_size_read, before the page lock"),
        MkPc::LockPage => s("CM2", "lock_page"),
        MkPc::Attach if !w.thread(me).local.mk_size_ok || !w.page.mapping => s(
            "CM3",
            "beyond EOF by the size read before the lock, or truncated: unlock_page, \
             VM_FAULT_NOPAGE",
        ),
        // ceph_set_page_dirty (73-77): TestSetPageDirty finds the page dirty (a zap or a
        // second fault dirtied it) and returns at once, with no snap context.
        MkPc::Attach if w.page.dirty && !state(w).snapc => s(
            "CM3-CM4",
            if super::returns_locked(cfg) {
                "ceph_update_writeable_page; set_page_dirty finds PG_dirty already set and \
                 returns: no snap context is attached; return VM_FAULT_LOCKED"
            } else {
                "ceph_update_writeable_page; set_page_dirty finds PG_dirty already set and \
                 returns: no snap context is attached"
            },
        ),
        MkPc::Attach if super::returns_locked(cfg) => s(
            "CM3-CM4",
            "ceph_update_writeable_page, set_page_dirty (the snap context into page->private); \
             return VM_FAULT_LOCKED",
        ),
        MkPc::Attach => s(
            "CM3-CM4",
            "ceph_update_writeable_page, set_page_dirty (the snap context into page->private)",
        ),
        _ => s("CM5", "(counterfactual, old VM) unlock_page, return 0"),
    }
}

/// ceph_set_page_dirty's tree_lock section (addr.c:105-121): if the page is still in the cache,
/// the accounting, the tag, and the snap context stored in page->private.
pub fn set_page_dirty_account(w: &mut World) {
    if w.page.mapping {
        crate::kernel::account_page_dirtied(w);
        set(w, true);
    }
}

/// ceph_writepages_start's checks of the locked dirty page before clear_page_dirty_for_io
/// (the flusher and fsync; not reclaim, whose ceph_writepage has none of them): a page beyond
/// i_size (734-736) is unlocked and the pass ends (`done = 1`, 737-741), PG_dirty and the tag
/// left as they are; otherwise page->private is loaded as the page's snap context (750) and
/// dereferenced (751, `pgsnapc->seq`): a NULL oopses.
pub fn writepages_check(w: &mut World) -> super::WbCheck {
    if !w.isize_covers_page {
        return super::WbCheck::Skip;
    }
    if !state(w).snapc {
        w.bug("ceph_writepages_start: NULL page->private dereferenced (fs/ceph/addr.c:750-751)");
        return super::WbCheck::Bug;
    }
    super::WbCheck::Go
}

/// The description of those checks where they stop the page.
pub fn writepages_check_info(w: &World, id: &'static str) -> Option<StepInfo> {
    let s = |anchor, what| {
        Some(StepInfo {
            id,
            function: "ceph_writepages_start",
            anchor,
            what,
        })
    };
    if !w.isize_covers_page {
        s(
            "fs/ceph/addr.c:734",
            "lock_page; the page lies beyond i_size: unlock it, end the pass (PG_dirty kept)",
        )
    } else if !state(w).snapc {
        s(
            "fs/ceph/addr.c:750",
            "lock_page; page->private is the snap context: NULL, dereferenced (oops)",
        )
    } else {
        None
    }
}

/// Writeback of the locked page whose PG_dirty clear_page_dirty_for_io just cleared. The
/// flusher and fsync (`ceph_writepages_start`, whose `writepages_check` found a snap context
/// before it: only the lock holder or an I/O it started could clear it): set_page_writeback,
/// and the OSD write goes out with the page still locked: the lock passes to the request, and
/// its reply unlocks. Reclaim (`ceph_writepage`): no snap context, nothing is written (393);
/// else a synchronous write, the snap context dropped, the page unlocked.
pub fn writepage(w: &mut World, me: Tid, ctx: WbCtx) -> Writepage {
    let s = state(w);
    if ctx.reclaim {
        // writepage_nounlock: without a snap context it returns at once (391-393), with no
        // set_page_writeback, so the DIRTY tag stays; with one, set_page_writeback (422; the
        // tag goes while PG_dirty is clear) and the synchronous write.
        if s.snapc {
            w.data.disk = w.data.mem;
            set(w, false);
            if !w.page.dirty {
                w.page.tagged_dirty = false;
            }
        }
        unlock_page(w, me);
        return Writepage::Done;
    }
    assert!(
        s.snapc,
        "model bug: ceph_writepages_start writes a page writepages_check did not pass"
    );
    crate::kernel::set_page_writeback(w);
    let io = w
        .threads
        .iter()
        .position(|t| t.role == crate::contract::Role::Io)
        .map(|t| t as Tid);
    w.page.locked_by = io;
    Writepage::Done
}

/// The description of ceph's writeback in the current state, for its caller: reclaim's
/// ceph_writepage writes synchronously, or nothing without a snap context.
pub fn writepage_info(w: &World, ctx: WbCtx) -> StepInfo {
    if ctx.reclaim {
        return StepInfo {
            id: "W8,W10",
            function: "writepage_nounlock",
            anchor: "fs/ceph/addr.c:364",
            what: if state(w).snapc {
                "ceph_writepage: a synchronous OSD write (set_page_writeback, the reply, \
                 end_page_writeback), the snap context dropped; unlock"
            } else {
                "ceph_writepage: no snap context: return at once, nothing written, the DIRTY \
                 tag stays; unlock"
            },
        };
    }
    let s = |what| StepInfo {
        id: "W8,W10",
        function: "ceph_writepages_start",
        anchor: "fs/ceph/addr.c:587",
        what,
    };
    s("the OSD write goes out (PG_writeback); the page stays locked until its reply; put_page")
}

/// writepages_finish (addr.c:485): the snap context is dropped, end_page_writeback, and the
/// page lock the request held is released.
pub fn end_io(w: &mut World, v: u8) {
    w.data.disk = v;
    set(w, false);
    w.page.locked_by = None;
}

/// ->invalidatepage(page, 0): the snap context goes.
pub fn invalidatepage(w: &mut World) {
    set(w, false);
}

/// A snap context is the page's private data.
pub fn page_private(w: &World) -> bool {
    state(w).snapc
}

/// A page read from the OSDs has none.
pub fn readpage(w: &mut World) {
    set(w, false);
}

/// Trace fields.
pub fn fields(s: State) -> Vec<(String, String)> {
    vec![(
        "ceph.snapc".to_string(),
        if s.snapc { "attached" } else { "none" }.to_string(),
    )]
}

/// One-line form.
pub fn display(s: State) -> String {
    format!("ceph.snapc:{}", if s.snapc { "attached" } else { "none" })
}

// ---- the ops table ----

impl PackedState for State {
    fn pack(&self) -> u64 {
        Packer::default().flag(self.snapc).done()
    }
    fn unpack(bits: u64) -> State {
        State {
            snapc: Unpacker::new(bits).flag(),
        }
    }
}

/// The ceph client at its first release.
pub struct Ceph;

/// `--fs ceph`.
pub static CEPH: Ceph = Ceph;

impl FsOps for Ceph {
    fn id(&self) -> &'static str {
        "ceph"
    }

    fn safeguards(&self) -> &'static [super::ops::Safeguard] {
        &SAFEGUARDS
    }

    fn info(&self) -> FsInfo {
        FsInfo {
            id: "ceph",
            profile: "the ceph client",
            code: "2.6.34, its first release (after 4af6b2257ee), read in 2.6.36",
            old_vm: "0, page unlocked (counterfactual: ceph came after the fix)",
            new_vm: "VM_FAULT_LOCKED",
            tracked: "a snap context is attached in page->private",
            files: "fs/ceph/addr.c",
        }
    }

    fn era(&self) -> Option<Era> {
        Some(Era {
            family: "ceph",
            old_vm: None,
            new_vm: w("2.6.34", None),
            source: "ceph merged in 2.6.34 returning VM_FAULT_LOCKED",
        })
    }

    fn counterfactual(&self, cfg: &Config) -> bool {
        !cfg.protocol.patched()
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
        page_private(w)
    }

    fn locked_return(&self) -> bool {
        true
    }

    fn page_mkwrite_entry(&self, _: &Config) -> MkPc {
        entry()
    }

    fn page_mkwrite(&self, cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
        page_mkwrite(cfg, w, me, pc)
    }

    fn page_mkwrite_info(&self, cfg: &Config, w: &World, me: Tid, pc: MkPc) -> StepInfo {
        page_mkwrite_info(cfg, w, me, pc)
    }

    fn set_page_dirty_account(&self, _: &Config, w: &mut World) {
        set_page_dirty_account(w)
    }

    fn writeback_check(&self, _: &Config, w: &mut World) -> super::WbCheck {
        writepages_check(w)
    }

    fn writeback_check_info(&self, _: &Config, w: &World, id: &'static str) -> Option<StepInfo> {
        writepages_check_info(w, id)
    }

    fn writepage(&self, _: &Config, w: &mut World, me: Tid, ctx: WbCtx) -> Writepage {
        writepage(w, me, ctx)
    }

    fn writepage_info(&self, _: &Config, w: &World, ctx: WbCtx) -> StepInfo {
        writepage_info(w, ctx)
    }

    fn releasepage(&self, _: &Config, _: &mut World) -> bool {
        false
    }

    fn readpage(&self, _: &Config, w: &mut World) {
        readpage(w)
    }

    fn invalidatepage(&self, _: &Config, w: &mut World) -> bool {
        invalidatepage(w);
        true
    }

    fn end_io(&self, _: &Config, w: &mut World, v: u8) {
        end_io(w, v)
    }

    fn end_io_info(&self, _: &Config) -> Option<StepInfo> {
        Some(StepInfo {
            id: "W9",
            function: "writepages_finish",
            anchor: "fs/ceph/addr.c:485",
            what: "the OSD's reply: the snap context dropped, page->private cleared, \
                   end_page_writeback, unlock_page",
        })
    }
}
