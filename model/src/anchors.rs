//! Function anchors: where each modelled kernel function starts, as file:line in the tree the
//! configuration models. Every line below was read in the kernel text: the old tree is 2.6.29.4
//! just before the backport (e58fcb489af^), the new tree is e58fcb489af itself. The patch
//! touches mm/memory.c and fs/buffer.c only, so every other file has the same lines in both.
//! A function's line is the line that carries its name (for `static void` on a line of its
//! own, the line after it).

use crate::config::Config;
use crate::contract::Protocol;

/// Which 2.6.29.4 tree a configuration's anchors come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tree {
    /// e58fcb489af^: the old protocol (and the pre2007 calibration, which removes one wait
    /// from it).
    Old,
    /// e58fcb489af: the new protocol, its ablations and the later history variants (their
    /// changed steps say which later commit they come from).
    New,
}

impl Tree {
    /// The tree a configuration's steps are anchored in.
    pub fn of(cfg: &Config) -> Tree {
        match cfg.protocol {
            Protocol::Old | Protocol::Pre2007 => Tree::Old,
            _ => Tree::New,
        }
    }
}

/// `(function, file:line in the old tree, file:line in the new tree)`.
const TABLE: &[(&str, &str, &str)] = &[
    // mm/memory.c: the patch adds 33 lines in do_wp_page and 11 more in __do_fault.
    ("zap_pte_range", "mm/memory.c:761", "mm/memory.c:761"),
    // get_user_pages (`--dio 1`), before the patch's first hunk: the same lines in both.
    ("follow_page", "mm/memory.c:1093", "mm/memory.c:1093"),
    ("__get_user_pages", "mm/memory.c:1204", "mm/memory.c:1204"),
    ("do_wp_page", "mm/memory.c:1890", "mm/memory.c:1890"),
    (
        "unmap_mapping_range",
        "mm/memory.c:2281",
        "mm/memory.c:2314",
    ),
    ("vmtruncate", "mm/memory.c:2332", "mm/memory.c:2365"),
    ("__do_fault", "mm/memory.c:2590", "mm/memory.c:2623"),
    ("handle_pte_fault", "mm/memory.c:2808", "mm/memory.c:2852"),
    // fs/buffer.c: block_page_mkwrite grows by two lines.
    (
        "__set_page_dirty_buffers",
        "fs/buffer.c:809",
        "fs/buffer.c:809",
    ),
    ("block_page_mkwrite", "fs/buffer.c:2468", "fs/buffer.c:2468"),
    (
        "block_write_full_page",
        "fs/buffer.c:2930",
        "fs/buffer.c:2932",
    ),
    // fs/direct-io.c and set_page_dirty_lock (`--dio 1`)
    ("dio_bio_submit", "fs/direct-io.c:331", "fs/direct-io.c:331"),
    (
        "dio_bio_complete",
        "fs/direct-io.c:399",
        "fs/direct-io.c:399",
    ),
    (
        "set_page_dirty_lock",
        "mm/page-writeback.c:1296",
        "mm/page-writeback.c:1296",
    ),
    // mm/filemap.c
    (
        "__remove_from_page_cache",
        "mm/filemap.c:115",
        "mm/filemap.c:115",
    ),
    (
        "remove_from_page_cache",
        "mm/filemap.c:139",
        "mm/filemap.c:139",
    ),
    ("filemap_fdatawrite", "mm/filemap.c:231", "mm/filemap.c:231"),
    (
        "wait_on_page_writeback_range",
        "mm/filemap.c:266",
        "mm/filemap.c:266",
    ),
    ("filemap_fdatawait", "mm/filemap.c:380", "mm/filemap.c:380"),
    ("unlock_page", "mm/filemap.c:579", "mm/filemap.c:579"),
    ("end_page_writeback", "mm/filemap.c:592", "mm/filemap.c:592"),
    ("__lock_page", "mm/filemap.c:614", "mm/filemap.c:614"),
    ("page_cache_read", "mm/filemap.c:1413", "mm/filemap.c:1413"),
    ("filemap_fault", "mm/filemap.c:1451", "mm/filemap.c:1451"),
    (
        "try_to_release_page",
        "mm/filemap.c:2471",
        "mm/filemap.c:2471",
    ),
    // include/linux/pagemap.h
    (
        "mapping_set_error",
        "include/linux/pagemap.h:30",
        "include/linux/pagemap.h:30",
    ),
    (
        "lock_page",
        "include/linux/pagemap.h:325",
        "include/linux/pagemap.h:325",
    ),
    (
        "wait_on_page_locked",
        "include/linux/pagemap.h:369",
        "include/linux/pagemap.h:369",
    ),
    // mm/page-writeback.c
    (
        "set_page_dirty_balance",
        "mm/page-writeback.c:599",
        "mm/page-writeback.c:599",
    ),
    (
        "write_cache_pages",
        "mm/page-writeback.c:932",
        "mm/page-writeback.c:932",
    ),
    (
        "__set_page_dirty_nobuffers",
        "mm/page-writeback.c:1215",
        "mm/page-writeback.c:1215",
    ),
    (
        "set_page_dirty",
        "mm/page-writeback.c:1266",
        "mm/page-writeback.c:1266",
    ),
    (
        "clear_page_dirty_for_io",
        "mm/page-writeback.c:1321",
        "mm/page-writeback.c:1321",
    ),
    // mm/rmap.c
    ("page_mkclean_one", "mm/rmap.c:517", "mm/rmap.c:517"),
    ("page_mkclean", "mm/rmap.c:567", "mm/rmap.c:567"),
    ("try_to_unmap_one", "mm/rmap.c:757", "mm/rmap.c:757"),
    // mm/vmscan.c
    ("pageout", "mm/vmscan.c:336", "mm/vmscan.c:336"),
    ("__remove_mapping", "mm/vmscan.c:420", "mm/vmscan.c:420"),
    ("shrink_page_list", "mm/vmscan.c:576", "mm/vmscan.c:576"),
    // mm/truncate.c
    ("cancel_dirty_page", "mm/truncate.c:71", "mm/truncate.c:71"),
    (
        "truncate_complete_page",
        "mm/truncate.c:97",
        "mm/truncate.c:97",
    ),
    (
        "truncate_inode_pages_range",
        "mm/truncate.c:161",
        "mm/truncate.c:161",
    ),
    (
        "truncate_partial_page",
        "mm/truncate.c:50",
        "mm/truncate.c:50",
    ),
    // Not in 2.6.29: 90a8020278c1 added it for v3.18; the line is v3.18.140's, whose
    // mm/truncate.c has the same function body as v3.17.4's stable backport.
    (
        "pagecache_isize_extended",
        "mm/truncate.c:756 (v3.18.140)",
        "mm/truncate.c:756 (v3.18.140)",
    ),
    // fs/xfs (XFS's ftruncate path: xfs_vn_setattr -> xfs_setattr)
    (
        "xfs_setattr",
        "fs/xfs/xfs_vnodeops.c:57",
        "fs/xfs/xfs_vnodeops.c:57",
    ),
    (
        "xfs_itruncate_finish",
        "fs/xfs/xfs_inode.c:1468",
        "fs/xfs/xfs_inode.c:1468",
    ),
    // fs/sync.c
    ("vfs_fsync", "fs/sync.c:91", "fs/sync.c:91"),
    // fs/inode.c
    ("file_update_time", "fs/inode.c:1353", "fs/inode.c:1353"),
];

/// The anchor `file:line` of `function` in `tree`, or `?` for a function the table lacks (a
/// test checks that no step prints `?`).
pub fn anchor(function: &str, tree: Tree) -> &'static str {
    TABLE
        .iter()
        .find(|(f, ..)| *f == function)
        .map_or(
            "?",
            |(_, old, new)| if tree == Tree::Old { old } else { new },
        )
}

/// Every anchored function with its old and new anchor, for the documentation and the tests.
pub fn functions() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    TABLE.iter().copied()
}
