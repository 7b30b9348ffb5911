//! The semantic tests of scripts/mutants.sh's selection, linked into one binary so that a
//! mutant costs one link instead of one per file. `cargo test` does not run it (each file is
//! its own test target already); `cargo test --release --test mutants_semantic -- --skip
//! golden` is what the script gives cargo-mutants: the golden files are left out, since a
//! mutant that only a golden file notices is one a bless would accept.

#[path = "errors.rs"]
mod errors;
#[path = "fs_ablation.rs"]
mod fs_ablation;
#[path = "fs_mutants.rs"]
mod fs_mutants;
#[path = "invariants.rs"]
mod invariants;
#[path = "new.rs"]
mod new;
#[path = "old.rs"]
mod old;
#[path = "partial_page.rs"]
mod partial_page;
#[path = "profiles.rs"]
mod profiles;
