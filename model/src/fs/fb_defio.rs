//! `fb_defio`: framebuffer deferred I/O (drivers/video/fb_defio.c), the oldest in-tree
//! ->page_mkwrite. Its "writeback" is a display refresh: a write fault puts the page on
//! `fbdefio->pagelist` and schedules a delayed work item, which write-protects the listed
//! pages again (page_mkclean), hands the list to the driver's `deferred_io` callback (which
//! copies those pages to the device) and empties the list.
//!
//! | slot | function | anchor (2.6.29.4; after d6d03f91585 in 2.6.35/2.6.36) |
//! |---|---|---|
//! | `->fault` | `fb_deferred_io_fault`: get_page, set page->mapping and page->index, return 0 | drivers/video/fb_defio.c:41 |
//! | `->page_mkwrite` | `fb_deferred_io_mkwrite`: under `fbdefio->lock`, add the page to the sorted pagelist; `schedule_delayed_work`; return 0 (2.6.35: also lock_page under the mutex and return VM_FAULT_LOCKED) | fb_defio.c:87 (2.6.36: :86) |
//! | `->set_page_dirty` | `fb_deferred_io_set_page_dirty`: SetPageDirty only, no accounting, no tag | fb_defio.c:133 |
//! | `->writepage` | none: the pages are not in the page cache's radix tree, so write_cache_pages never sees them | |
//! | worker | `fb_deferred_io_work`: mutex_lock; per listed page lock_page, page_mkclean, unlock_page; the driver callback; empty the list; mutex_unlock | fb_defio.c:153 (2.6.36: :164) |
//!
//! "Tracked" is "on the pagelist, and not yet passed by the pass that will remove it": a
//! writable pte on such a page is write-protected again before the list is emptied, so the
//! next store faults and lists the page again. A writable pte on an untracked page is the
//! failure 49bbd815fd8 describes: stores go to the page and no pass ever reports them, so the
//! display never shows them. The model's "disk" is the display: the callback copies the page.
//!
//! Model: one page and the driver's callback copies every listed page (metronomefb and
//! xen-fbfront use the list; drivers that repaint the whole screen would hide the loss until
//! some other page faults). The work item's delay is not modelled: the worker may run at any
//! moment after it is scheduled, which covers every delay. run_workqueue clears
//! WORK_STRUCT_PENDING just before it calls the function (kernel/workqueue.c:293), so a fault
//! during a pass schedules the next one; the model clears it as the worker starts. There is no
//! truncate (the file is a character device), no reclaim (the pages are not on the LRU) and no
//! allocation to fail; the configuration rejects those threads. fb_deferred_io_fault is played
//! by the VM's filemap_fault steps: without truncate or reclaim the page is always found, and
//! __do_fault then locks it where filemap_fault would; only the descriptions differ.

use super::ops::{window as w, Era, FsInfo, FsOps, PackedState, Packer, Unpacker};
use super::{mkwrite_return, MkPc};
use crate::config::Config;
use crate::contract::Inv;
use crate::kernel::{lock_page, unlock_page, Acquire};
use crate::world::FsBits;
use crate::world::{FaultPc, MkwriteRet, Pc, Tid, World, XPc};
use crate::world::{Step, StepInfo};

/// The deferred-I/O state of the framebuffer (one page of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct State {
    /// The page is on `fbdefio->pagelist`.
    pub on_list: bool,
    /// Ghost: the current pass has already run page_mkclean on the page (it will still be
    /// removed from the list at the end of the pass).
    pub cleaned: bool,
    /// `fbdefio->lock`, with its owner.
    pub mutex: Option<Tid>,
    /// WORK_STRUCT_PENDING of the delayed work.
    pub pending: bool,
}

fn state(w: &World) -> State {
    super::ops::state(w)
}

fn set(w: &mut World, s: State) {
    super::ops::set_state(w, s);
}

/// Nothing listed, nothing scheduled.
pub fn init(_: &Config) -> State {
    State::default()
}

/// Tracked: on the list and not yet passed by page_mkclean.
pub fn tracked(w: &World) -> bool {
    let s = state(w);
    s.on_list && !s.cleaned
}

fn converted(cfg: &Config) -> bool {
    cfg.fs == super::FsId::FB_DEFIO_CONVERTED
}

/// The first step: 2.6.29.4's mutex section is one step; 2.6.35's takes the mutex first, then
/// the page lock under it.
pub fn entry(cfg: &Config) -> MkPc {
    if converted(cfg) {
        MkPc::Prepare
    } else {
        MkPc::Attach
    }
}

/// Take `fbdefio->lock` for `me`; `false` while another thread holds it (a sleeping mutex).
fn mutex_lock(w: &mut World, me: Tid) -> bool {
    let mut s = state(w);
    match s.mutex {
        None => {
            s.mutex = Some(me);
            set(w, s);
            true
        }
        Some(o) if o == me => panic!("model bug: fbdefio->lock taken twice by one thread"),
        Some(_) => false,
    }
}

/// One step of fb_deferred_io_mkwrite.
pub fn page_mkwrite(cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
    match pc {
        MkPc::Prepare => {
            // FD1' (2.6.36:101): mutex_lock(&fbdefio->lock).
            if !mutex_lock(w, me) {
                return Step::Blocked;
            }
            Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::LockPage)))
        }
        MkPc::LockPage => match lock_page(w, me) {
            // FD2' (2.6.36:111): lock_page under the mutex (the worker's order: mutex, then
            // page lock).
            Acquire::Blocked => Step::Blocked,
            Acquire::SelfDeadlock => Step::Next(Pc::Fault(FaultPc::Hung)),
            Acquire::Got => Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Attach))),
        },
        MkPc::Attach => {
            // FD1-FD3 (2.6.29.4:102-121; 2.6.36:115-130): under the mutex, add the page to the
            // sorted list unless it is there already; mutex_unlock.
            // Model: in 2.6.29.4 mutex_lock, the list walk and mutex_unlock are one step: only
            // mutex holders read or write the list, and the section touches nothing else.
            let mut s = state(w);
            if !converted(cfg) {
                match s.mutex {
                    None => {}
                    Some(o) if o == me => panic!("model bug: fbdefio->lock held on entry"),
                    Some(_) => return Step::Blocked,
                }
            }
            s.on_list = true;
            s.mutex = None;
            set(w, s);
            Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Unlock)))
        }
        MkPc::Unlock => {
            // FD4 (2.6.29.4:124-125; 2.6.36:133-134): schedule_delayed_work (a no-op if it is
            // pending already); return 0, or VM_FAULT_LOCKED after d6d03f91585. Beside the old
            // VM the converted code is run counterfactually: it unlocks and returns 0.
            let mut s = state(w);
            s.pending = true;
            set(w, s);
            if !converted(cfg) {
                mkwrite_return(w, me, MkwriteRet::Ok)
            } else if super::returns_locked(cfg) {
                mkwrite_return(w, me, MkwriteRet::Locked)
            } else {
                unlock_page(w, me);
                mkwrite_return(w, me, MkwriteRet::Ok)
            }
        }
        MkPc::WaitOrdered | MkPc::FillLock | MkPc::Fill => {
            panic!("model bug: fb_deferred_io_mkwrite has no {pc:?} step")
        }
    }
}

/// The description of a step of fb_deferred_io_mkwrite.
pub fn page_mkwrite_info(cfg: &Config, pc: MkPc) -> StepInfo {
    let new = converted(cfg);
    let s = |id, anchor, what| StepInfo {
        id,
        function: "fb_deferred_io_mkwrite",
        anchor,
        what,
    };
    match pc {
        MkPc::Prepare => s(
            "FD1'",
            "drivers/video/fb_defio.c:101",
            "mutex_lock(&fbdefio->lock)",
        ),
        MkPc::LockPage => s("FD2'", "drivers/video/fb_defio.c:111", "lock_page"),
        MkPc::Attach if new => s(
            "FD3'",
            "drivers/video/fb_defio.c:115",
            "add the page to the sorted pagelist unless listed; mutex_unlock (page still \
             locked)",
        ),
        MkPc::Attach => s(
            "FD1-FD3",
            "drivers/video/fb_defio.c:102",
            "mutex_lock, add the page to the sorted pagelist unless listed, mutex_unlock",
        ),
        MkPc::Unlock if new && super::returns_locked(cfg) => s(
            "FD4'",
            "drivers/video/fb_defio.c:133",
            "schedule_delayed_work; return VM_FAULT_LOCKED",
        ),
        MkPc::Unlock if new => s(
            "FD4'",
            "drivers/video/fb_defio.c:133",
            "schedule_delayed_work; unlock_page, return 0 (counterfactual: the old VM)",
        ),
        MkPc::Unlock => s(
            "FD4",
            "drivers/video/fb_defio.c:124",
            "schedule_delayed_work; return 0, the page unlocked",
        ),
        MkPc::WaitOrdered | MkPc::FillLock | MkPc::Fill => s("?", "?", "?"),
    }
}

/// Whether the work is scheduled.
pub fn pending(w: &World) -> bool {
    state(w).pending
}

/// fb_defio's own safeguards (`mkwrite ablate --fs fb_defio`).
pub static SAFEGUARDS: [super::ops::Safeguard; 1] = [
    super::ops::Safeguard {
        id: "worker-mkclean",
        function: "fb_deferred_io_work",
        anchor: "drivers/video/fb_defio.c:165 (2.6.36: 176)",
        protects: "the deferred worker write-protects the listed page's ptes, so that the next store faults and lists the page again",
        guard: "defio_worker_reprotects",
    },
];

/// One step of fb_deferred_io_work.
pub fn worker_step(cfg: &Config, w: &mut World, me: Tid, pc: XPc) -> Step {
    let mut s = state(w);
    match pc {
        XPc::Wait => {
            // DW0 (kernel/workqueue.c:293): run_workqueue clears PENDING and calls the work.
            if !s.pending {
                return Step::Blocked;
            }
            s.pending = false;
            set(w, s);
            Step::Next(Pc::FsWorker(XPc::DefioMutex))
        }
        XPc::DefioMutex => {
            // DW1 (fb_defio.c:162; 2.6.36: 173): mutex_lock; the walk over the list starts.
            if !mutex_lock(w, me) {
                return Step::Blocked;
            }
            if state(w).on_list {
                Step::Next(Pc::FsWorker(XPc::Lock))
            } else {
                Step::Next(Pc::FsWorker(XPc::DefioCallback))
            }
        }
        XPc::Lock => match lock_page(w, me) {
            // DW2 (:164; 2.6.36: 175): lock_page of the listed page.
            Acquire::Blocked => Step::Blocked,
            Acquire::SelfDeadlock => panic!("model bug: the defio worker relocks its page"),
            Acquire::Got => Step::Next(Pc::FsWorker(XPc::DefioMkclean)),
        },
        XPc::DefioMkclean => {
            // DW3 (:165; 2.6.36: 176): page_mkclean (mm/rmap.c:567); page_mkclean_one (rmap.c:533-542)
            // write-protects and cleans each pte that is writable or dirty, under its ptl. The
            // return value is ignored.
            // Model: the walk over the ptes is one step; each pte's section is atomic against
            // the fault's pte update, and the fault cannot install a pte between two of them
            // without taking the page lock the worker holds (new VM), or it installs it and the
            // order of the two ptes does not matter (one writer per pte).
            let mut reprotected = false;
            let mkclean = !super::removed(cfg, "worker-mkclean");
            for p in w
                .ptes
                .iter_mut()
                .filter(|p| mkclean && p.present && (p.write || p.dirty))
            {
                reprotected |= p.write;
                p.write = false;
                p.dirty = false;
            }
            if reprotected {
                w.note(crate::world::Event::DefioReprotected);
            }
            s.cleaned = true;
            set(w, s);
            Step::Next(Pc::FsWorker(XPc::DefioUnlock))
        }
        XPc::DefioUnlock => {
            // DW4 (:166; 2.6.36: 177): unlock_page.
            unlock_page(w, me);
            Step::Next(Pc::FsWorker(XPc::DefioCallback))
        }
        XPc::DefioCallback => {
            // DW5 (:170; 2.6.36: 181): fbdefio->deferred_io(info, &pagelist): the driver copies the listed
            // pages to the display.
            if s.on_list {
                w.data.disk = w.data.mem;
            }
            Step::Next(Pc::FsWorker(XPc::DefioClear))
        }
        XPc::DefioClear => {
            // DW6-DW7 (:173-176; 2.6.36: 184-187): list_del every entry; mutex_unlock.
            s.on_list = false;
            s.cleaned = false;
            s.mutex = None;
            set(w, s);
            Step::Next(Pc::FsWorker(XPc::Wait))
        }
        XPc::Work => panic!("model bug: fb_deferred_io_work has no {pc:?} step"),
    }
}

/// The description of a step of fb_deferred_io_work: the lines of 2.6.29.4, or of 2.6.36 for
/// the converted era (the same code, 11 lines further down).
pub fn worker_info(cfg: &Config, w: &World, pc: XPc) -> StepInfo {
    let s = |id, anchor, what| StepInfo {
        id,
        function: "fb_deferred_io_work",
        anchor,
        what,
    };
    let new = converted(cfg);
    let at = |old: &'static str, v2636: &'static str| if new { v2636 } else { old };
    match pc {
        XPc::Wait => s(
            "DW0",
            "kernel/workqueue.c:293",
            "the delayed work runs: PENDING cleared",
        ),
        XPc::DefioMutex => s(
            "DW1",
            at(
                "drivers/video/fb_defio.c:162",
                "drivers/video/fb_defio.c:173",
            ),
            "mutex_lock(&fbdefio->lock); walk the pagelist",
        ),
        XPc::Lock => s(
            "DW2",
            at(
                "drivers/video/fb_defio.c:164",
                "drivers/video/fb_defio.c:175",
            ),
            "lock_page",
        ),
        XPc::DefioMkclean => s(
            "DW3",
            at(
                "drivers/video/fb_defio.c:165",
                "drivers/video/fb_defio.c:176",
            ),
            "page_mkclean: a writable pte is write-protected again (a read-only one is left)",
        ),
        XPc::DefioUnlock => s(
            "DW4",
            at(
                "drivers/video/fb_defio.c:166",
                "drivers/video/fb_defio.c:177",
            ),
            "unlock_page",
        ),
        XPc::DefioCallback if state(w).on_list => s(
            "DW5",
            at(
                "drivers/video/fb_defio.c:170",
                "drivers/video/fb_defio.c:181",
            ),
            "deferred_io callback: the listed page is copied to the display",
        ),
        XPc::DefioCallback => s(
            "DW5",
            at(
                "drivers/video/fb_defio.c:170",
                "drivers/video/fb_defio.c:181",
            ),
            "deferred_io callback: nothing is listed",
        ),
        XPc::DefioClear => s(
            "DW6-DW7",
            at(
                "drivers/video/fb_defio.c:173",
                "drivers/video/fb_defio.c:184",
            ),
            "empty the pagelist; mutex_unlock",
        ),
        XPc::Work => s("?", "?", "?"),
    }
}

/// Trace fields.
pub fn fields(s: State) -> Vec<(String, String)> {
    let yn = |b: bool| if b { "yes" } else { "no" }.to_string();
    vec![
        ("defio.listed".to_string(), yn(s.on_list)),
        ("defio.mkcleaned".to_string(), yn(s.cleaned)),
        ("defio.pending".to_string(), yn(s.pending)),
        (
            "defio.mutex".to_string(),
            if s.mutex.is_some() { "held" } else { "free" }.to_string(),
        ),
    ]
}

/// One-line form.
pub fn display(s: State) -> String {
    format!(
        "defio:{}{}{}{}",
        if s.on_list { "listed" } else { "unlisted" },
        if s.cleaned { ",mkcleaned" } else { "" },
        if s.pending { ",pending" } else { "" },
        if s.mutex.is_some() { ",mutex" } else { "" }
    )
}

// ---- the ops table ----

impl PackedState for State {
    fn pack(&self) -> u64 {
        Packer::default()
            .flag(self.on_list)
            .flag(self.cleaned)
            .flag(self.mutex.is_some())
            .put(u64::from(self.mutex.unwrap_or(0)), 8)
            .flag(self.pending)
            .done()
    }
    fn unpack(bits: u64) -> State {
        let mut u = Unpacker::new(bits);
        let on_list = u.flag();
        let cleaned = u.flag();
        let held = u.flag();
        let owner = u.take(8) as Tid;
        State {
            on_list,
            cleaned,
            mutex: held.then_some(owner),
            pending: u.flag(),
        }
    }
}

/// Framebuffer deferred I/O; `converted`: after d6d03f91585 "fb_defio: redo fix for non-dirty ptes".
pub struct FbDefio {
    /// After the filesystem's own conversion to VM_FAULT_LOCKED.
    pub converted: bool,
}

/// `--fs fb_defio`.
pub static FB_DEFIO: FbDefio = FbDefio { converted: false };
/// `--fs fb_defio@d6d03f91585`.
pub static FB_DEFIO_CONVERTED: FbDefio = FbDefio { converted: true };

impl FsOps for FbDefio {
    fn id(&self) -> &'static str {
        if self.converted {
            "fb_defio@d6d03f91585"
        } else {
            "fb_defio"
        }
    }

    fn harm(&self, inv: Inv) -> Option<&'static str> {
        match inv {
            Inv::NoStoreLostSilently => Some("a store never reaches the display"),
            Inv::WritablePteHasFsMetadata => Some("writable pte on an unlisted page"),
            _ => None,
        }
    }

    fn conversion(&self) -> Option<&'static str> {
        (!self.converted).then_some("fb_defio@d6d03f91585")
    }

    fn safeguards(&self) -> &'static [super::ops::Safeguard] {
        &SAFEGUARDS
    }

    fn info(&self) -> FsInfo {
        if self.converted {
            FsInfo {
                id: "fb_defio@d6d03f91585",
                profile: "framebuffer deferred I/O",
                code: "after d6d03f91585 (2.6.35-rc2), read in 2.6.36",
                old_vm: "0, page unlocked (counterfactual)",
                new_vm: "VM_FAULT_LOCKED",
                tracked: "on the defio pagelist, not yet write-protected by the pass",
                files: "drivers/video/fb_defio.c",
            }
        } else {
            FsInfo {
                id: "fb_defio",
                profile: "framebuffer deferred I/O",
                code: "2.6.29.4 (the same in the old and the new tree)",
                old_vm: "0, page unlocked",
                new_vm: "0, page unlocked (not converted yet: the R5 window)",
                tracked: "on the defio pagelist, not yet write-protected by the pass",
                files: "drivers/video/fb_defio.c",
            }
        }
    }

    fn era(&self) -> Option<Era> {
        if self.converted {
            Some(Era {
                family: "fb_defio",
                old_vm: None,
                new_vm: w("2.6.35", None),
                source: "d6d03f91585 (2.6.35-rc2)",
            })
        } else {
            Some(Era {
                family: "fb_defio",
                old_vm: w("2.6.25", Some("2.6.29.3")),
                new_vm: w("2.6.29.4", Some("2.6.34")),
                source: "60b59beafba (2.6.22-rc1) added fb_defio, but its fault handler set no \
                         page->mapping, so the worker's page_mkclean did nothing (a different \
                         failure) until de7c6d15e35 (2.6.25-rc7); the code modelled is \
                         2.6.29.4's, its ->page_mkwrite and worker unchanged since d847471d063 \
                         (2.6.27-rc5); 2.6.25-2.6.26 had no set_page_dirty of their own \
                         (d847471d063) and, before f31ad92f349 (2.6.26), listed a page twice \
                         when two mms faulted it; d6d03f91585 (2.6.35-rc2) converted it",
            })
        }
    }

    fn counterfactual(&self, cfg: &Config) -> bool {
        self.converted && !cfg.protocol.patched()
    }

    fn unsupported(&self, cfg: &Config) -> Option<&'static str> {
        if cfg.truncate {
            Some("a framebuffer is a character device: there is no truncate (use --truncate 0)")
        } else if cfg.reclaim {
            Some("the framebuffer's pages are not on the LRU: reclaim never sees them")
        } else if cfg.enospc {
            Some("fb_defio allocates nothing: there is no ENOSPC to model")
        } else if cfg.page_dirty {
            Some("no write(2) dirties a framebuffer page: start it clean (--page clean)")
        } else {
            None
        }
    }

    fn meaning(&self, _: &Config, inv: Inv) -> &'static str {
        match inv {
            Inv::NoStoreLostSilently => {
                "every thread has stopped and the display does not show the user's last store: \
                 a lost display update"
            }
            Inv::WritablePteHasFsMetadata => {
                "a writable pte maps a page no deferred-I/O pass will report: later stores never \
                 reach the display"
            }
            _ => inv.meaning(),
        }
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

    fn lock_owner(&self, w: &World) -> Option<Tid> {
        state(w).mutex
    }

    fn rename_lock_owner(&self, w: &mut World, f: &dyn Fn(Option<Tid>) -> Option<Tid>) {
        let mut s = state(w);
        s.mutex = f(s.mutex);
        set(w, s);
    }

    fn locked_return(&self) -> bool {
        self.converted
    }

    fn nopage_on_truncate(&self, _: &Config) -> bool {
        false
    }

    fn page_mkwrite_entry(&self, cfg: &Config) -> MkPc {
        entry(cfg)
    }

    fn page_mkwrite(&self, cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
        page_mkwrite(cfg, w, me, pc)
    }

    fn page_mkwrite_info(&self, cfg: &Config, _: &World, _: Tid, pc: MkPc) -> StepInfo {
        page_mkwrite_info(cfg, pc)
    }

    fn set_page_dirty_account(&self, _: &Config, _: &mut World) {
        // fb_deferred_io_set_page_dirty (drivers/video/fb_defio.c:133): SetPageDirty only.
    }

    /// fb_deferred_io_mkwrite lists the page; the dirtying is the VM's set_page_dirty.
    fn mkwrite_dirties(&self) -> bool {
        false
    }

    fn accounts_dirty(&self) -> bool {
        // Its pages are in no radix tree. Model: for fb_defio `page.mapping` is the
        // page->mapping its fault sets, not membership in the page cache; no truncate runs, so
        // it never changes.
        false
    }

    fn writepage(&self, _: &Config, _: &mut World, _: Tid, _: super::WbCtx) -> super::Writepage {
        panic!("model bug: ->writepage on a framebuffer page (it is in no radix tree)")
    }

    fn writepage_info(&self, _: &Config, _: &World, _: super::WbCtx) -> StepInfo {
        StepInfo {
            id: "W8",
            function: "(none)",
            anchor: "drivers/video/fb_defio.c:140",
            what: "fb_defio has no ->writepage",
        }
    }

    fn releasepage(&self, _: &Config, _: &mut World) -> bool {
        false
    }

    fn fsync_is_durable(&self) -> bool {
        // fb_deferred_io_fsync (drivers/video/fb_defio.c:70) only reschedules the work with no
        // delay; its data reaches the display once every thread has stopped, or never.
        false
    }

    fn has_worker(&self) -> bool {
        true
    }

    fn worker_step(&self, cfg: &Config, w: &mut World, me: Tid, pc: XPc) -> Step {
        worker_step(cfg, w, me, pc)
    }

    fn worker_info(&self, cfg: &Config, w: &World, pc: XPc) -> StepInfo {
        worker_info(cfg, w, pc)
    }

    fn worker_pending(&self, w: &World) -> bool {
        pending(w)
    }
}
