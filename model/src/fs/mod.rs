//! The filesystem side: the toy filesystem's ->page_mkwrite and ->writepage, modelled on
//! fs/buffer.c as used by XFS in 2.6.29.

pub mod buffer;
