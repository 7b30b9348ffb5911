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

/// The shortest path to a state in which writer F0's next step is `id` with the page already
/// removed from the file, or `None`.
fn shortest_to_relock_on_truncated_page(cfg: &Config, id: &str) -> Option<usize> {
    use mkwrite_model::{info, step, Tid, World};
    use std::collections::HashSet;
    let init = World::init(cfg);
    let mut seen = HashSet::from([init]);
    let mut frontier = vec![init];
    let mut depth = 0;
    while !frontier.is_empty() {
        for w in &frontier {
            if !w.page.mapping && info(cfg, w, 0).id == id && step(cfg, w, 0).is_some() {
                return Some(depth);
            }
        }
        let mut next = Vec::new();
        for w in &frontier {
            for t in 0..w.threads.len() as Tid {
                if let Some(n) = step(cfg, w, t) {
                    if seen.insert(n) {
                        next.push(n);
                    }
                }
            }
        }
        frontier = next;
        depth += 1;
    }
    None
}

/// The relock after an unlocked ->page_mkwrite rechecks page->mapping (WP5a in do_wp_page,
/// new with the patch; DF6-DF7 in __do_fault, old and new). With truncate beside an unlocked
/// ->page_mkwrite the relock does find the page removed, and because it rechecks, no pte is
/// ever installed on it: INV-4 holds. Without __do_fault's recheck INV-4 fails in every
/// matrix configuration with a truncate and a none pte (72 of 432); this test names it.
/// Without do_wp_page's, pte_same still refuses the zapped pte and only the state count
/// moves (148 to 149), which the pin catches.
#[test]
fn new_relock_rechecks_the_mapping_against_truncate() {
    use mkwrite_model::Inv;
    for (pte_ro, relock, depth, states) in [(false, "DF6-DF7", 14, 153), (true, "WP5a", 11, 148)] {
        let cfg = Config {
            fs: Fs::UNLOCKED,
            writeback: 0,
            truncate: true,
            pte_ro,
            ..Config::new(Protocol::New)
        };
        let r = check(&cfg, false);
        assert_eq!(
            r.verdict(Inv::NoPteOnTruncatedPage).trace,
            None,
            "{}",
            cfg.label()
        );
        assert_eq!(r.violated(), [], "{}", checks::report::text(&r));
        assert_eq!(r.unreached_guards(), Vec::<Guard>::new(), "{}", cfg.label());
        assert_eq!(
            shortest_to_relock_on_truncated_page(&cfg, relock),
            Some(depth),
            "{}: the relock meets a truncated page",
            cfg.label()
        );
        assert_eq!(r.states, states, "{}", cfg.label());
    }
}
