//! The mm/ side: fault paths (mm/memory.c, mm/filemap.c), writeback (mm/page-writeback.c,
//! mm/rmap.c) and truncate (mm/truncate.c).

pub mod filemap;
pub mod memory;
pub mod page_writeback;
pub mod truncate;
pub mod vmscan;
