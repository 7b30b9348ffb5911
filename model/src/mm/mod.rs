//! The mm/ side: fault paths (mm/memory.c, mm/filemap.c), writeback (mm/page-writeback.c,
//! mm/rmap.c) and truncate (mm/truncate.c).

pub mod filemap;
pub mod gup;
pub mod memory;
pub mod page_writeback;
pub mod truncate;
pub mod v612;
pub mod vmscan;

use crate::config::Config;
use crate::world::World;

/// set_page_dirty (mm/page-writeback.c:1266): the filesystem's ->set_page_dirty, both halves
/// at once (the caller holds the page lock, or it is a zap under ptl whose page truncate is
/// about to remove). Returns whether the page was newly dirtied.
pub fn set_page_dirty(cfg: &Config, w: &mut World) -> bool {
    let newly = crate::fs::set_page_dirty_begin(cfg, w);
    if newly {
        crate::fs::set_page_dirty_account(cfg, w);
    }
    newly
}

/// Zap pte `n` (zap_pte_range, mm/memory.c:761, under that pte's ptl): clear it, move its
/// dirty bit into PG_dirty, drop the mapcount and the pte's page reference.
///
/// Model: the TLB-gather's deferred reference drop is done at once; nothing in the model
/// looks at the page between the zap and the gather's flush.
pub fn zap_pte(cfg: &Config, w: &mut World, n: usize) {
    let pte = w.ptes[n];
    if !pte.present {
        return;
    }
    if pte.dirty {
        set_page_dirty(cfg, w);
    }
    w.ptes[n] = Default::default();
    w.page.refcount -= 1;
}
