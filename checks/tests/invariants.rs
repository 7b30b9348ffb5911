//! Every invariant that quantifies over ptes or threads, on hand-built worlds: the violation
//! is found whichever pte or thread carries it. The configurations the checker explores are
//! symmetric (two writers in separate mms mirror each other), so a weakening that looked at
//! `ptes[0]` or the first writer only would keep every verdict and trace length; these tests
//! put the offending pte or thread in each position in turn.

use mkwrite_model::contract::Role;
use mkwrite_model::fs::seed;
use mkwrite_model::invariants::{
    dirty_accounting_balanced, no_pte_on_truncated_page, no_store_lost_reported,
    no_store_lost_silently, page_refcount_balanced, writable_pte_has_fs_metadata,
    writable_pte_implies_dirty_or_dirtying,
};
use mkwrite_model::world::{Dirtying, Pc, Pte, TruncPc, WbPc};
use mkwrite_model::{Config, Protocol, World};

/// Old protocol, two writers in separate mms (one pte each), a flusher, truncate and fsync.
fn cfg() -> Config {
    Config {
        writers: 2,
        truncate: true,
        ..Config::new(Protocol::Old)
    }
}

fn writable() -> Pte {
    Pte {
        present: true,
        write: true,
        dirty: true,
    }
}

fn tid(w: &World, name: &str) -> usize {
    w.threads
        .iter()
        .position(|t| t.name() == name)
        .unwrap_or_else(|| panic!("no thread {name}"))
}

fn set_tracked(w: &mut World, tracked: bool) {
    assert!(w.profile.is_seed(), "the seed filesystem");
    seed::set_meta(w, tracked);
}

#[test]
fn inv1_sees_a_writable_untracked_pte_in_either_position() {
    let c = cfg();
    let init = World::init(&c);
    assert_eq!(init.ptes.len(), 2);
    assert!(writable_pte_has_fs_metadata(&c, &init));
    for i in 0..2 {
        let mut w = init;
        w.ptes[i] = writable();
        assert!(!writable_pte_has_fs_metadata(&c, &w), "pte {i}");
        set_tracked(&mut w, true);
        assert!(writable_pte_has_fs_metadata(&c, &w), "pte {i}, tracked");
        set_tracked(&mut w, false);
        w.isize_covers_page = false;
        assert!(writable_pte_has_fs_metadata(&c, &w), "pte {i}, beyond EOF");
    }
}

#[test]
fn inv3a_sees_a_writable_clean_pte_in_either_position_and_a_window_in_either_writer() {
    let c = cfg();
    let init = World::init(&c);
    for i in 0..2 {
        let mut w = init;
        w.ptes[i] = writable();
        w.page.dirty = false;
        assert!(!writable_pte_implies_dirty_or_dirtying(&c, &w), "pte {i}");
        w.page.dirty = true;
        assert!(
            writable_pte_implies_dirty_or_dirtying(&c, &w),
            "pte {i}, dirty"
        );
        w.page.dirty = false;
        for f in ["F0", "F1"] {
            let mut v = w;
            let t = tid(&v, f);
            v.threads[t].local.dirtying = Dirtying::PteInstalled;
            assert!(
                writable_pte_implies_dirty_or_dirtying(&c, &v),
                "pte {i}, {f} between pte and set_page_dirty"
            );
            v.threads[t].local.dirtying = Dirtying::Mkwrote;
            assert!(
                !writable_pte_implies_dirty_or_dirtying(&c, &v),
                "pte {i}, {f} before its pte: not its window"
            );
        }
    }
}

#[test]
fn inv4_sees_a_pte_left_in_either_position_after_truncate() {
    let c = cfg();
    let mut init = World::init(&c);
    let t0 = tid(&init, "T0");
    init.threads[t0].pc = Pc::Truncate(TruncPc::Done);
    init.ptes = mkwrite_model::world::Inline::new(Pte::default());
    init.ptes.push(Pte::default());
    init.ptes.push(Pte::default());
    init.page.refcount = 1;
    assert!(no_pte_on_truncated_page(&c, &init));
    for i in 0..2 {
        let mut w = init;
        w.ptes[i] = Pte {
            present: true,
            write: false,
            dirty: false,
        };
        assert!(!no_pte_on_truncated_page(&c, &w), "pte {i}");
    }
}

#[test]
fn inv6_counts_every_threads_references() {
    let c = cfg();
    let init = World::init(&c);
    assert!(page_refcount_balanced(&c, &init));
    for name in ["F0", "F1", "W0", "T0"] {
        let mut w = init;
        let t = tid(&w, name);
        w.threads[t].local.refs = 1;
        assert!(
            !page_refcount_balanced(&c, &w),
            "{name}'s reference uncounted"
        );
        w.page.refcount += 1;
        assert!(page_refcount_balanced(&c, &w), "{name}'s reference counted");
    }
}

#[test]
fn acct_window_belongs_to_any_writer() {
    let c = cfg();
    let mut init = World::init(&c);
    init.page.dirty = true;
    assert!(
        !dirty_accounting_balanced(&c, &init),
        "PG_dirty set, not counted"
    );
    for name in ["F0", "F1"] {
        let mut w = init;
        let t = tid(&w, name);
        w.threads[t].local.dirty_unaccounted = true;
        assert!(
            dirty_accounting_balanced(&c, &w),
            "{name} between the halves"
        );
    }
}

#[test]
fn inv3c_and_inv3d_judge_the_fsync_thread_wherever_it_is() {
    let c = cfg();
    let mut w = World::init(&c);
    let s = w
        .threads
        .iter()
        .position(|t| t.role == Role::Sync)
        .expect("S");
    assert_eq!(s, w.threads.len() - 1, "S is the last thread");
    w.data.stored = 1;
    w.data.mem = 1;
    assert!(no_store_lost_silently(&c, &w) && no_store_lost_reported(&c, &w));
    w.threads[s].pc = Pc::Writeback(WbPc::Done);
    assert!(!no_store_lost_silently(&c, &w));
    assert!(no_store_lost_reported(&c, &w));
    w.threads[s].local.fsync_err = true;
    assert!(no_store_lost_silently(&c, &w));
    assert!(!no_store_lost_reported(&c, &w));
    // An fsync stopped by an oops returned nothing: neither is judged.
    w.threads[s].pc = Pc::Writeback(WbPc::Stopped);
    assert!(no_store_lost_silently(&c, &w) && no_store_lost_reported(&c, &w));
    // The flusher finishing is not fsync returning.
    let mut v = World::init(&c);
    v.data.stored = 1;
    let w0 = tid(&v, "W0");
    v.threads[w0].pc = Pc::Writeback(WbPc::Done);
    assert!(no_store_lost_silently(&c, &v));
}

/// Step descriptions that depend on who runs the step: the flusher's WB_SYNC_NONE pass skips a
/// page under writeback, fsync's WB_SYNC_ALL pass waits for it (write_cache_pages,
/// page-writeback.c:1023-1027). A trace shows the one its thread takes.
#[test]
fn writeback_and_fsync_describe_a_page_under_writeback_differently() {
    use mkwrite_model::info;
    let c = cfg();
    let mut w = World::init(&c);
    w.page.writeback = true;
    w.page.dirty = true;
    let (w0, s) = (tid(&w, "W0"), tid(&w, "S"));
    w.threads[w0].pc = Pc::Writeback(WbPc::LockPage);
    w.threads[s].pc = Pc::Writeback(WbPc::LockPage);
    assert!(info(&c, &w, w0 as u8)
        .what
        .contains("WB_SYNC_NONE: unlock, skip"));
    assert!(info(&c, &w, s as u8).what.contains("WB_SYNC_ALL waits"));
}

/// unlock_page of a lock another thread owns is reported as a BUG (a model hygiene check no
/// explored path reaches, so it needs a world of its own), and put_page of a reference the
/// thread does not hold is an INV-6 event even while the page has other references.
#[test]
fn kernel_helpers_report_a_foreign_unlock_and_a_put_without_a_reference() {
    use mkwrite_model::contract::Inv;
    use mkwrite_model::kernel::{put_page, unlock_page};
    let c = cfg();
    let mut w = World::init(&c);
    let (f0, f1) = (tid(&w, "F0") as u8, tid(&w, "F1") as u8);
    w.page.locked_by = Some(f1);
    unlock_page(&mut w, f0);
    assert!(w.has_fired(Inv::NoKernelBugFired));
    assert_eq!(w.bug, Some("unlock_page of a lock another thread owns"));
    let mut w = World::init(&c);
    let before = w.page.refcount;
    assert!(before > 0 && w.threads[f0 as usize].local.refs == 0);
    put_page(&mut w, f0);
    assert!(w.has_fired(Inv::PageRefcountBalanced));
    assert_eq!(w.page.refcount, before);
}

/// A finished writer's next "step" says how it ended (the teaching page shows it).
#[test]
fn a_finished_writer_says_whether_its_store_landed() {
    use mkwrite_model::info;
    use mkwrite_model::world::FaultPc;
    let c = cfg();
    let mut w = World::init(&c);
    let f0 = tid(&w, "F0");
    w.threads[f0].pc = Pc::Fault(FaultPc::Done);
    assert_eq!(info(&c, &w, f0 as u8).what, "the store has landed");
    w.threads[f0].pc = Pc::Fault(FaultPc::SigBus);
    assert_eq!(
        info(&c, &w, f0 as u8).what,
        "the fault returned VM_FAULT_SIGBUS"
    );
}
