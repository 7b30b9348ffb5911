//! Why a thread cannot take its next step, and how a finished thread ended, in kernel terms:
//! "waits for the page lock, held by F0 since step 4 (do_wp_page WP5a)". Used by replay and
//! by the teaching page; the reasons read the same state the step functions read.

use crate::config::Config;
use crate::contract::Role;
use crate::step::{info, step};
use crate::world::{FaultPc, Pc, Tid, TruncPc, WbPc, World};

/// The step (1-based) at which `owner` last took the page lock along `history` (the worlds
/// after each step, the initial world first), with that step's world before it.
fn lock_taken_at(history: &[World], owner: Tid) -> Option<usize> {
    (1..history.len()).rev().find(|&k| {
        history[k].page.locked_by == Some(owner) && history[k - 1].page.locked_by != Some(owner)
    })
}

/// Whether a step description takes the page lock: `lock_page`, not `unlock_page` or
/// `trylock_page` (which never sleeps).
fn takes_page_lock(what: &str) -> bool {
    what.match_indices("lock_page").any(|(i, _)| {
        let before = &what[..i];
        !before.ends_with("un") && !before.ends_with("try")
    })
}

/// Why thread `t` cannot take a step in the last world of `history` (the initial world
/// first, then the world after each step). `None` when it can.
pub fn why_blocked(cfg: &Config, history: &[World], t: Tid) -> Option<String> {
    let w = history.last()?;
    if step(cfg, w, t).is_some() {
        return None;
    }
    let th = w.thread(t);
    if th.finished(w) {
        return Some(how_ended(cfg, w, t));
    }
    let next = info(cfg, w, t);
    let what = next.what;
    let needs_lock = takes_page_lock(what) || what.contains("wait_on_page_locked");
    if let Some(o) = w.page.locked_by.filter(|&o| o != t) {
        if needs_lock {
            let holder = w.thread(o).name();
            let since = lock_taken_at(history, o).map_or_else(String::new, |k| {
                let before = &history[k - 1];
                let i = info(cfg, before, o);
                format!(" since step {k} ({} {})", i.function, i.id)
            });
            let at = info(cfg, w, o);
            return Some(format!(
                "waits for the page lock, held by {holder}{since}; {holder} is at {} ({})",
                at.id, at.function
            ));
        }
    }
    if let Some(o) = w.i_mmap_lock.filter(|&o| o != t) {
        if what.contains("i_mmap_lock") || matches!(th.pc, Pc::Truncate(_)) {
            return Some(format!(
                "waits for i_mmap_lock, held by {}",
                w.thread(o).name()
            ));
        }
    }
    if th.pc == Pc::Fault(FaultPc::Hung) {
        return Some("asleep on the page lock it holds itself: it never wakes (INV-5b)".into());
    }
    match th.role {
        Role::Sync if th.pc == Pc::Writeback(WbPc::NotStarted) => {
            return Some("fsync starts once every other thread has finished".into())
        }
        Role::Io => return Some("no I/O in flight: nothing to complete".into()),
        Role::Writeback if cfg.late_writeback && th.pc == Pc::Writeback(WbPc::LockPage) => {
            return Some(
                "held back by --late-writeback while a fault is between ->page_mkwrite and its \
                 pte (a scenario constraint, not the kernel)"
                    .into(),
            )
        }
        _ => {}
    }
    if w.page.writeback && what.contains("writeback") {
        return Some(
            "waits for PG_writeback to clear: the write in flight must complete (IO)".into(),
        );
    }
    Some(format!(
        "cannot run yet: {} ({} {})",
        what, next.function, next.id
    ))
}

/// How a finished thread ended, in one line.
pub fn how_ended(cfg: &Config, w: &World, t: Tid) -> String {
    let th = w.thread(t);
    match th.pc {
        Pc::Fault(FaultPc::Done) => "finished: its store landed".into(),
        Pc::Fault(FaultPc::SigBus) => "finished: the fault returned VM_FAULT_SIGBUS".into(),
        Pc::Writeback(WbPc::Stopped) => "stopped by an oops (a BUG fired): it never returns".into(),
        Pc::Writeback(WbPc::Done) if th.role == Role::Sync => {
            if th.local.fsync_err {
                "finished: fsync returned -ENOSPC".into()
            } else {
                "finished: fsync returned 0".into()
            }
        }
        Pc::Writeback(WbPc::Done) => format!("finished its {} writeback passes", cfg.writeback),
        Pc::Truncate(TruncPc::FlushWrite(WbPc::Stopped) | TruncPc::FlushNfs(WbPc::Stopped)) => {
            "stopped by an oops in nfs_setattr's flush: it never truncates".into()
        }
        Pc::Truncate(_) if cfg.extend => {
            "finished: the file was truncated into the page and back up".into()
        }
        Pc::Truncate(_) if cfg.truncate_partial => {
            "finished: the file is truncated to the end of block 0".into()
        }
        Pc::Truncate(_) => "finished: the file is truncated".into(),
        Pc::Io => "idle: no I/O in flight".into(),
        _ => "finished".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_page_is_told_from_unlock_and_trylock() {
        assert!(takes_page_lock("lock_page; mapped, dirty"));
        assert!(takes_page_lock(
            "returned unlocked: lock_page, the mapping is still there"
        ));
        assert!(!takes_page_lock("unlock_page, return 0"));
        assert!(!takes_page_lock("isolate_lru_page, trylock_page"));
    }
}
