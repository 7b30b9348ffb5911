//! Checkers for the mkwrite model. Every checker interleaves the model's own step functions;
//! none has a copy of the protocol.

pub mod report;
pub mod run;
pub mod sr;
