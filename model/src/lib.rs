//! mkwrite-model: the page_mkwrite race of Linux 2.6.29 ("mm: close page_mkwrite races",
//! b827e496c893, backported as e58fcb489af) as small state machines, old and new protocol side
//! by side.
//!
//! A write fault on a shared file mapping calls the filesystem's ->page_mkwrite, which attaches
//! the metadata writeback will need and sets PG_dirty. Before the patch it returned with the
//! page unlocked, and writeback or truncate could run before the fault made the pte writable
//! and called set_page_dirty: a dirty page the filesystem no longer tracks. After it,
//! ->page_mkwrite may return with the page locked and the fault holds the lock until the page
//! is dirty.
//!
//! Module map (mirrors the kernel's files):
//! - [`contract`]: invariants and ids, roles, protocols, the patch's fixes, scenarios R1-R5.
//! - [`config`], [`world`]: a configuration and the state.
//! - [`kernel`]: lock_page, unlock_page, get/put_page, set_page_dirty, zap.
//! - [`mm::memory`]: the store, handle_pte_fault, `do_wp_page`, `__do_fault`.
//! - [`mm::filemap`]: filemap_fault. [`fs::buffer`]: block_page_mkwrite and ->writepage.
//! - [`mm::page_writeback`]: write_cache_pages, clear_page_dirty_for_io, page_mkclean, I/O.
//! - [`mm::truncate`]: vmtruncate, truncate_inode_pages.
//! - [`invariants`]: every property, one function each, and the `sometimes` guards.
//! - [`step`]: `step`, `enabled`, `info`: all a checker needs. [`trace`]: rendering.
//!
//! Every simplification carries a `// Model:` comment: `grep -rn "Model:" model/` lists them.
//!
//! A checker needs only the initial state, `step` and the invariants:
//!
//! ```
//! use mkwrite_model::{check, step, threads_enabled, Config, Protocol, World};
//!
//! let cfg = Config::new(Protocol::New);
//! let w = World::init(&cfg);
//! assert!(check(&cfg, &w).is_ok());
//! // F0 (thread 0) can store; the final sync S waits for every other thread.
//! let movable = threads_enabled(&cfg, &w);
//! assert!(movable.contains(&0));
//! let next = step(&cfg, &w, 0).expect("F0 can move");
//! assert_eq!(next.page.refcount, w.page.refcount + 1); // do_wp_page took its reference
//! ```

#![warn(missing_docs)]

pub mod anchors;
pub mod config;
pub mod contract;
pub mod explain;
pub mod footprint;
pub mod fs;
pub mod invariants;
pub mod kernel;
pub mod mm;
pub mod step;
pub mod trace;
pub mod world;

pub use config::Config;
pub use contract::{Fix, Fixes, FsConvention, Inv, Protocol};
pub use fs::Fs;
pub use invariants::{check, Guard};
pub use step::{enabled, info, step, threads_enabled};
pub use world::{Tid, World};
