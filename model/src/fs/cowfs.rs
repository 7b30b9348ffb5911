//! `cowfs`: the worked example of docs/your-filesystem.md. Not a kernel filesystem: a small,
//! made-up one with the shape of several real ones (UBIFS's budget, ext4's delalloc
//! reservation, btrfs's space reservation), written the way a profile of your own would be.
//! It is not in [`super::REGISTRY`], so it adds nothing to the tables of real filesystems;
//! its test (`checks/tests/your_filesystem.rs`) adds it with [`super::register`] and checks it.
//!
//! cowfs writes every page to a new place (copy on write), so a dirty page must hold a
//! *reservation*: space set aside for its next write. ->page_mkwrite takes the reservation and
//! dirties the page; writeback consumes it as it writes the page; truncate gives it back.
//! Without a reservation, writeback must find space at the last moment, and on a full
//! filesystem it cannot: the write fails and the data is lost.
//!
//! | slot | what fills it |
//! |---|---|
//! | `->page_mkwrite` | lock_page; a truncated page gets VM_FAULT_NOPAGE; reserve space for the page (ENOSPC: VM_FAULT_SIGBUS) unless it holds a reservation already; set_page_dirty; return 0 after unlock_page (`cowfs`) or VM_FAULT_LOCKED (`cowfs@locked`) |
//! | `->set_page_dirty` | the default, `__set_page_dirty_nobuffers` |
//! | `->writepage` | consume the page's reservation and submit the write; without one, allocate from free space, or fail with ENOSPC on a full filesystem |
//! | `->invalidatepage` | give the reservation back |
//!
//! "Tracked" is "the page holds a reservation".
//!
//! Model: the reservation is a flag of the page, not a count of the inode (one page, one
//! block); the allocation and the dirtying are one step under the page lock, as in the seed
//! filesystem.

use super::ops::{FsInfo, FsOps, PackedState, Packer, Unpacker};
use super::{mkwrite_return, MkPc, WbCtx, Writepage};
use crate::config::Config;
use crate::kernel::{lock_page, set_page_writeback, unlock_page, Acquire};
use crate::world::{FaultPc, FsBits, MkwriteRet, Pc, Step, StepInfo, Tid, World};

/// The page's cowfs state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State {
    /// The page holds a reservation for its next write.
    pub reserved: bool,
}

impl PackedState for State {
    fn pack(&self) -> u64 {
        Packer::default().flag(self.reserved).done()
    }
    fn unpack(bits: u64) -> State {
        let mut u = Unpacker::new(bits);
        State { reserved: u.flag() }
    }
}

fn state(w: &World) -> State {
    super::ops::state(w)
}

fn set(w: &mut World, s: State) {
    super::ops::set_state(w, s);
}

/// Where the steps stand: there is no kernel file to cite.
const ANCHOR: &str = "cowfs (the example)";

/// cowfs: `locked` is its ->page_mkwrite's return convention.
pub struct CowFs {
    /// Return VM_FAULT_LOCKED (the convention of the fixed kernel).
    pub locked: bool,
}

/// `cowfs`: ->page_mkwrite returns 0, the page unlocked.
pub static COWFS: CowFs = CowFs { locked: false };
/// `cowfs@locked`: ->page_mkwrite returns VM_FAULT_LOCKED.
pub static COWFS_LOCKED: CowFs = CowFs { locked: true };

impl FsOps for CowFs {
    fn id(&self) -> &'static str {
        if self.locked {
            "cowfs@locked"
        } else {
            "cowfs"
        }
    }

    fn info(&self) -> FsInfo {
        FsInfo {
            id: self.id(),
            profile: "cowfs, the worked example (not a kernel filesystem)",
            code: "model/src/fs/cowfs.rs",
            old_vm: if self.locked {
                "0, page unlocked (counterfactual)"
            } else {
                "0, page unlocked"
            },
            new_vm: if self.locked {
                "VM_FAULT_LOCKED"
            } else {
                "0, page unlocked"
            },
            tracked: "the page holds a reservation for its next write",
            files: "none",
        }
    }

    /// The locked era beside the old VM runs code no kernel ran (it returns unlocked there).
    fn counterfactual(&self, cfg: &Config) -> bool {
        self.locked && !cfg.protocol.patched()
    }

    fn conversion(&self) -> Option<&'static str> {
        (!self.locked).then_some("cowfs@locked")
    }

    // ---- its per-page state ----

    /// A dirty page (written by write(2)) holds its reservation; a clean one none.
    fn init(&self, cfg: &Config) -> FsBits {
        FsBits(
            State {
                reserved: cfg.page_dirty,
            }
            .pack(),
        )
    }

    fn fields(&self, w: &World) -> Vec<(String, String)> {
        let r = if state(w).reserved { "yes" } else { "no" };
        vec![("cowfs.reserved".to_string(), r.to_string())]
    }

    fn display(&self, w: &World) -> String {
        format!(
            "cowfs.reserved:{}",
            if state(w).reserved { "yes" } else { "no" }
        )
    }

    fn tracked(&self, _: &Config, w: &World) -> bool {
        state(w).reserved
    }

    /// PagePrivate marks a reserved page, so that truncate calls ->invalidatepage for it.
    fn page_private(&self, _: &Config, w: &World) -> bool {
        state(w).reserved
    }

    // ---- vm_operations_struct ----

    fn locked_return(&self) -> bool {
        self.locked
    }

    fn mkwrite_can_fail(&self, _: &Config) -> bool {
        true
    }

    fn page_mkwrite(&self, cfg: &Config, w: &mut World, me: Tid, pc: MkPc) -> Step {
        match pc {
            // CW1: lock_page.
            MkPc::LockPage => match lock_page(w, me) {
                Acquire::Blocked => Step::Blocked,
                Acquire::SelfDeadlock => Step::Next(Pc::Fault(FaultPc::Hung)),
                Acquire::Got => Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Attach))),
            },
            MkPc::Attach => {
                // CW2: truncated, or beyond i_size: unlock, VM_FAULT_NOPAGE.
                if !w.page.mapping || !w.isize_covers_page {
                    unlock_page(w, me);
                    return mkwrite_return(w, me, MkwriteRet::NoPage);
                }
                let mut s = state(w);
                if !s.reserved {
                    // CW2: no space to reserve: unlock, VM_FAULT_SIGBUS.
                    if w.fs_full {
                        unlock_page(w, me);
                        return mkwrite_return(w, me, MkwriteRet::SigBus);
                    }
                    s.reserved = true;
                    set(w, s);
                }
                // CW2: dirty the page through the ops table's ->set_page_dirty.
                self.set_page_dirty(cfg, w);
                // Beside the old VM there is no VM_FAULT_LOCKED: `returns_locked` is this
                // profile's convention where the VM knows it.
                if super::returns_locked(cfg) {
                    mkwrite_return(w, me, MkwriteRet::Locked)
                } else {
                    Step::Next(Pc::Fault(FaultPc::Mkwrite(MkPc::Unlock)))
                }
            }
            // CW3: unlock_page, return 0.
            MkPc::Unlock => {
                unlock_page(w, me);
                mkwrite_return(w, me, MkwriteRet::Ok)
            }
            MkPc::Prepare | MkPc::WaitOrdered | MkPc::FillLock | MkPc::Fill => {
                panic!("model bug: cowfs's ->page_mkwrite has no {pc:?} step")
            }
        }
    }

    fn page_mkwrite_info(&self, cfg: &Config, w: &World, _: Tid, pc: MkPc) -> StepInfo {
        let s = |id, what| StepInfo {
            id,
            function: "cowfs_page_mkwrite",
            anchor: ANCHOR,
            what,
        };
        match pc {
            MkPc::LockPage => s("CW1", "lock_page"),
            MkPc::Attach if !w.page.mapping || !w.isize_covers_page => s(
                "CW2",
                "the page was truncated: unlock_page, VM_FAULT_NOPAGE",
            ),
            MkPc::Attach if w.fs_full && !state(w).reserved => {
                s("CW2", "no space to reserve: unlock_page, VM_FAULT_SIGBUS")
            }
            MkPc::Attach if super::returns_locked(cfg) => s(
                "CW2",
                "reserve space for the page, set_page_dirty; return VM_FAULT_LOCKED",
            ),
            MkPc::Attach => s("CW2", "reserve space for the page, set_page_dirty"),
            MkPc::Unlock => s("CW3", "unlock_page, return 0"),
            MkPc::Prepare | MkPc::WaitOrdered | MkPc::FillLock | MkPc::Fill => s("?", "?"),
        }
    }

    // ---- address_space_operations ----

    /// Consume the reservation and submit; without one, allocate now or fail with ENOSPC.
    fn writepage(&self, _: &Config, w: &mut World, me: Tid, _: WbCtx) -> Writepage {
        let had = state(w).reserved;
        set(w, State { reserved: false });
        if had || !w.fs_full {
            set_page_writeback(w);
            unlock_page(w, me);
            Writepage::Done
        } else {
            // The write cannot be placed: the page stays clean, the error goes to the mapping.
            if !w.page.dirty {
                w.page.tagged_dirty = false;
            }
            unlock_page(w, me);
            Writepage::Failed
        }
    }

    fn writepage_info(&self, _: &Config, w: &World, _: WbCtx) -> StepInfo {
        StepInfo {
            id: "W8,W10",
            function: "cowfs_writepage",
            anchor: ANCHOR,
            what: if state(w).reserved {
                "consume the reservation, submit, PG_writeback, unlock; put_page"
            } else if !w.fs_full {
                "no reservation: allocate from free space, submit, PG_writeback, unlock; put_page"
            } else {
                "no reservation and a full filesystem: -ENOSPC, the data is dropped; unlock; \
                 put_page"
            },
        }
    }

    /// ->releasepage gives the reservation back (reclaim frees only clean pages, and a clean
    /// page holds none: the step that reserves also dirties).
    fn releasepage(&self, _: &Config, w: &mut World) -> bool {
        set(w, State { reserved: false });
        true
    }

    /// A page read back from disk holds no reservation.
    fn readpage(&self, _: &Config, w: &mut World) {
        set(w, State { reserved: false });
    }

    /// Truncate gives the reservation back.
    fn invalidatepage(&self, _: &Config, w: &mut World) -> bool {
        set(w, State { reserved: false });
        true
    }
}
