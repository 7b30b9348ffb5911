//! mkwrite-model: the page_mkwrite race of Linux 2.6.29 ("mm: close page_mkwrite races",
//! b827e496c893) as small state machines, old and new protocol side by side.

pub mod contract;
