//! Checkers for the mkwrite model. Every checker interleaves the model's own step functions;
//! none has a copy of the protocol.
//!
//! ```
//! use checks::run::check;
//! use mkwrite_model::{Config, Inv};
//!
//! // R1: the old do_wp_page against one writeback pass.
//! let report = check(&Config::scenario("R1").unwrap(), false);
//! assert!(report.violated().contains(&Inv::WritablePteHasFsMetadata));
//! assert_eq!(report.verdict(Inv::WritablePteHasFsMetadata).trace.as_ref().unwrap().len(), 11);
//! ```

#![warn(missing_docs)]

pub mod ablate;
pub mod bench;
pub mod bench_explore;
pub mod explore;
pub mod exposure;
pub mod fs_ablate;
pub mod golden;
pub mod gup;
pub mod play;
pub mod progress;
pub mod report;
pub mod run;
pub mod sr;
pub mod threaded;
pub mod tracefmt;
