//! The new protocol (e58fcb489af) with a filesystem that returns VM_FAULT_LOCKED: every
//! configuration up to one writer, two writeback passes and a truncate holds every invariant,
//! with its state count pinned (a tripwire for unintended model changes) and every `sometimes`
//! guard that applies to it reached.

use checks::run::check;
use mkwrite_model::invariants::Guard;
use mkwrite_model::{Config, Fs, Protocol};

fn assert_holds(cfg: Config, states: usize) {
    let r = check(&cfg, false);
    assert_eq!(r.violated(), [], "{}", checks::report::text(&r));
    assert_eq!(r.unreached_guards(), Vec::<Guard>::new(), "{}", cfg.label());
    assert_eq!(r.states, states, "{}", cfg.label());
}

macro_rules! holds {
    ($name:ident, $wb:expr, $truncate:expr, $pte_ro:expr, $dirty:expr, $states:expr) => {
        #[test]
        fn $name() {
            let cfg = Config {
                fs: Fs::LOCKED,
                writers: 1,
                writeback: $wb,
                truncate: $truncate,
                pte_ro: $pte_ro,
                page_dirty: $dirty,
                ..Config::new(Protocol::New)
            };
            assert_holds(cfg, $states);
        }
    };
}

#[rustfmt::skip]
mod pinned {
use super::*;
holds!(new_locked_wb0_pte_ro_page_clean_holds, 0, false, true, false, 19);
holds!(new_locked_wb0_pte_ro_page_dirty_holds, 0, false, true, true, 19);
holds!(new_locked_wb0_pte_none_page_clean_holds, 0, false, false, false, 22);
holds!(new_locked_wb0_pte_none_page_dirty_holds, 0, false, false, true, 22);
holds!(new_locked_wb0_truncate_pte_ro_page_clean_holds, 0, true, true, false, 140);
holds!(new_locked_wb0_truncate_pte_ro_page_dirty_holds, 0, true, true, true, 120);
holds!(new_locked_wb0_truncate_pte_none_page_clean_holds, 0, true, false, false, 145);
holds!(new_locked_wb0_truncate_pte_none_page_dirty_holds, 0, true, false, true, 145);
holds!(new_locked_wb1_pte_ro_page_clean_holds, 1, false, true, false, 72);
holds!(new_locked_wb1_pte_ro_page_dirty_holds, 1, false, true, true, 82);
holds!(new_locked_wb1_pte_none_page_clean_holds, 1, false, false, false, 96);
holds!(new_locked_wb1_pte_none_page_dirty_holds, 1, false, false, true, 128);
holds!(new_locked_wb1_truncate_pte_ro_page_clean_holds, 1, true, true, false, 499);
holds!(new_locked_wb1_truncate_pte_ro_page_dirty_holds, 1, true, true, true, 604);
holds!(new_locked_wb1_truncate_pte_none_page_clean_holds, 1, true, false, false, 677);
holds!(new_locked_wb1_truncate_pte_none_page_dirty_holds, 1, true, false, true, 909);
holds!(new_locked_wb2_pte_ro_page_clean_holds, 2, false, true, false, 126);
holds!(new_locked_wb2_pte_ro_page_dirty_holds, 2, false, true, true, 153);
holds!(new_locked_wb2_pte_none_page_clean_holds, 2, false, false, false, 189);
holds!(new_locked_wb2_pte_none_page_dirty_holds, 2, false, false, true, 257);
holds!(new_locked_wb2_truncate_pte_ro_page_clean_holds, 2, true, true, false, 889);
holds!(new_locked_wb2_truncate_pte_ro_page_dirty_holds, 2, true, true, true, 1101);
holds!(new_locked_wb2_truncate_pte_none_page_clean_holds, 2, true, false, false, 1394);
holds!(new_locked_wb2_truncate_pte_none_page_dirty_holds, 2, true, false, true, 1857);
}

#[test]
fn new_locked_two_writers_two_passes_truncate_holds() {
    for shared_mm in [false, true] {
        for pte_ro in [true, false] {
            let cfg = Config {
                writers: 2,
                shared_mm,
                writeback: 2,
                truncate: true,
                pte_ro,
                ..Config::new(Protocol::New)
            };
            let r = check(&cfg, false);
            assert_eq!(r.violated(), [], "{}", cfg.label());
            assert_eq!(r.unreached_guards(), Vec::<Guard>::new(), "{}", cfg.label());
        }
    }
}
