//! The one buffer_head of a page whose block is the page's size, as fs/buffer.c handles it for
//! every filesystem that attaches buffers (ext4, OCFS2, GFS2, nilfs2): attached or not
//! (PagePrivate), BH_Dirty, and the buffer.c functions that change them. What the block maps to
//! is the filesystem's own (an extent, a cluster, a bmap entry) and stays in its state.
//!
//! Model: buffer_heads are a flag, not memory; BH_Mapped is the filesystem's block state, and
//! BH_Uptodate, BH_Lock and the buffer's reference count are left out (the page is uptodate, and
//! a buffer is busy only while dirty or under writeback, which `try_to_free` checks).

use crate::kernel::{
    account_page_dirtied, test_clear_page_dirty_accounted, test_set_page_dirty, unlock_page,
};
use crate::world::{Tid, World};

/// The page's buffer_head.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Bh {
    /// A buffer_head is attached (PagePrivate).
    pub attached: bool,
    /// Its BH_Dirty.
    pub dirty: bool,
}

impl Bh {
    /// Attached and dirty (a page dirtied by write(2)), or none.
    pub const fn of_dirty_page(dirty: bool) -> Bh {
        Bh {
            attached: dirty,
            dirty,
        }
    }

    /// __set_page_dirty_buffers' first half (fs/buffer.c:809): the attached buffer dirty
    /// (818-826, the profile's `dirty-buffers` safeguard: `redirty` false removes it), then
    /// TestSetPageDirty; whether the page was newly dirtied.
    pub fn set_page_dirty_buffers(&mut self, w: &mut World, redirty: bool) -> bool {
        if self.attached && redirty {
            self.dirty = true;
        }
        test_set_page_dirty(w)
    }

    /// create_empty_buffers when there are none (their BH_Dirty copies PG_dirty), then
    /// mark_buffer_dirty (fs/buffer.c:1245): a buffer that was clean dirties the page, with
    /// the accounting and the tag, directly and not through ->set_page_dirty.
    pub fn attach_and_mark_dirty(&mut self, w: &mut World) {
        if !self.attached {
            self.attached = true;
            self.dirty = w.page.dirty;
        }
        let was_dirty = self.dirty;
        self.dirty = true;
        if !was_dirty && test_set_page_dirty(w) {
            account_page_dirtied(w);
        }
    }

    /// try_to_free_buffers (fs/buffer.c:3188 old, 3190 new): refused for a dirty buffer, a page under
    /// writeback, or what the filesystem calls busy; otherwise the buffer goes and with it
    /// PG_dirty (cancel_dirty_page). Whether it went.
    pub fn try_to_free(&mut self, w: &mut World, busy: bool) -> bool {
        if self.dirty || busy || w.page.writeback {
            return false;
        }
        self.attached = false;
        test_clear_page_dirty_accounted(w);
        true
    }

    /// Whether a write of the page inside i_size (__block_write_full_page, fs/buffer.c:1708)
    /// has nothing to do: buffers are attached and all clean. Only a dirty buffer is mapped
    /// (get_block, 1757-1762) and submitted (test_clear_buffer_dirty, 1775-1796); buffers that
    /// are missing are created dirty and uptodate first (1722-1725). So the buffer's BH_Dirty,
    /// not PG_dirty, decides what reaches the disk (see `write_nothing`).
    pub const fn clean(self) -> bool {
        self.attached && !self.dirty
    }

    /// A write of the page that had a dirty buffer, or none (block_write_full_page and the
    /// filesystems' own): buffers created if there were none, and clean (submitted, or, where
    /// the filesystem found no block, cleaned by its get_block or the recover path).
    pub fn written(&mut self) {
        *self = Bh {
            attached: true,
            dirty: false,
        };
    }

    /// block_invalidatepage(page, 0), or a read without buffers: none attached.
    pub fn discard(&mut self) {
        *self = Bh::default();
    }

    /// The trace's `bh` field: `none`, `clean` or `dirty`.
    pub const fn name(self) -> &'static str {
        match (self.attached, self.dirty) {
            (false, _) => "none",
            (true, false) => "clean",
            (true, true) => "dirty",
        }
    }
}

/// The page's buffer_head, in the state of a profile that keeps one: every such profile packs
/// it into the two low bits of its state (`Bh::pack`), so that these helpers need not know
/// which filesystem it is.
fn of(w: &World) -> Bh {
    Bh::unpack(w.fs.0)
}

fn put(w: &mut World, b: Bh) {
    w.fs.0 = (w.fs.0 & !0b11) | b.pack();
}

impl Bh {
    /// The buffer as the two low bits of a profile's state: attached, dirty.
    pub const fn pack(self) -> u64 {
        self.attached as u64 | (self.dirty as u64) << 1
    }

    /// The buffer of those bits.
    pub const fn unpack(bits: u64) -> Bh {
        Bh {
            attached: bits & 1 != 0,
            dirty: bits & 2 != 0,
        }
    }
}

/// PagePrivate of a page whose private data is its buffers.
pub fn page_private(w: &World) -> bool {
    of(w).attached
}

/// try_to_free_buffers on the page's buffer (`Bh::try_to_free`); whether it went.
pub fn release(w: &mut World, busy: bool) -> bool {
    let mut b = of(w);
    let freed = b.try_to_free(w, busy);
    put(w, b);
    freed
}

/// __block_write_full_page for a page whose buffers are all clean (`Bh::clean`): nothing is
/// submitted; set_page_writeback (1803) clears the DIRTY tag as PG_dirty is clear, the page is
/// unlocked, and end_page_writeback follows at once (1817-1823): the page ends clean and
/// untagged, nothing written, no error, whatever PG_dirty said before
/// clear_page_dirty_for_io.
/// Model: PG_writeback's set and clear are one step with the unlock; between unlock_page and
/// end_page_writeback another thread could only find PG_writeback set and skip the page or
/// wait a moment for it.
pub fn write_nothing(w: &mut World, me: Tid) {
    if !w.page.dirty {
        w.page.tagged_dirty = false;
    }
    unlock_page(w, me);
}

/// The page's buffer discarded (`Bh::discard`).
pub fn discard(w: &mut World) {
    let mut b = of(w);
    b.discard();
    put(w, b);
}
