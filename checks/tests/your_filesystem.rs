//! docs/your-filesystem.md's worked example, checked so that the guide cannot rot: `cowfs`
//! (`model/src/fs/cowfs.rs`, a profile outside the registry) is registered at run time and
//! checked by all three checkers; the exposure rows and the counterexample the guide prints
//! are regenerated and compared (`BLESS=1 cargo test --release --test your_filesystem`
//! rewrites them); every Rust block the guide quotes is a verbatim excerpt of cowfs.rs.

use checks::explore::engine::Mode;
use checks::explore::{on_loom, reference_states, Budget};
use checks::run::check;
use checks::threaded::{disagreements, loom_check, shuttle_check};
use mkwrite_model::fs::{cowfs, register};
use mkwrite_model::{Config, Fs, Inv, Protocol};
use std::collections::BTreeSet;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Both eras of cowfs, registered (idempotent: each test of this file may run first).
fn cowfs_ids() -> (Fs, Fs) {
    (
        register(&cowfs::COWFS).expect("register cowfs"),
        register(&cowfs::COWFS_LOCKED).expect("register cowfs@locked"),
    )
}

/// The headline shape of the guide: one writer, two writeback passes, a clean page.
fn headline(fs: Fs, protocol: Protocol) -> Config {
    Config {
        fs,
        writeback: 2,
        ..Config::new(protocol)
    }
}

#[test]
fn a_registered_profile_is_a_filesystem_like_any_other() {
    let (unlocked, locked) = cowfs_ids();
    assert_eq!(Fs::parse("cowfs"), Some(unlocked));
    assert_eq!(Fs::parse("COWFS@locked"), Some(locked));
    assert!(Fs::all().contains(&unlocked) && Fs::all().contains(&locked));
    assert!(checks::report::profiles().contains(&locked));
    // Registering again gives the same id; a registry id cannot be taken.
    assert_eq!(register(&cowfs::COWFS).unwrap(), unlocked);
    assert!(register(&mkwrite_model::fs::nfs::NFS).is_err());
    // Its facts reach the tools: the label, the counterfactual era, the conversion.
    assert!(headline(locked, Protocol::Old)
        .label()
        .ends_with("counterfactual"));
    assert_eq!(unlocked.ops().conversion(), Some("cowfs@locked"));
}

#[test]
fn the_unlocked_return_leaves_the_window_and_the_locked_one_closes_it() {
    let (unlocked, locked) = cowfs_ids();
    // Beside the fixed VM, the unlocked return still lets writeback consume the reservation
    // between ->page_mkwrite's unlock and the fault's set_page_dirty: a writable pte over a
    // page without a reservation (INV-1), which writeback then writes (INV-2).
    let r = check(&headline(unlocked, Protocol::New), false);
    assert_eq!(
        r.violated(),
        vec![Inv::WritablePteHasFsMetadata, Inv::CleanedPageHadFsMetadata]
    );
    assert_eq!(
        r.verdict(Inv::WritablePteHasFsMetadata)
            .trace
            .as_ref()
            .map(Vec::len),
        Some(11)
    );
    // The locked return closes it, with every applicable guard reached.
    for truncate in [false, true] {
        let r = check(
            &Config {
                truncate,
                ..headline(locked, Protocol::New)
            },
            false,
        );
        assert!(r.violated().is_empty(), "truncate {truncate}");
        assert!(r.unreached_guards().is_empty(), "truncate {truncate}");
        assert_eq!(r.states, if truncate { 889 } else { 126 });
    }
    // On a full filesystem, the unlocked return loses data: writeback finds no reservation
    // and no space, and fsync reports the error.
    let full = Config {
        enospc: true,
        ..headline(unlocked, Protocol::New)
    };
    assert!(check(&full, false)
        .violated()
        .contains(&Inv::NoStoreLostReported));
}

#[test]
fn the_three_checkers_agree_on_it() {
    let (unlocked, locked) = cowfs_ids();
    let mut violating = 0;
    for fs in [unlocked, locked] {
        for protocol in [Protocol::Old, Protocol::New] {
            for truncate in [false, true] {
                let cfg = Config {
                    truncate,
                    ..headline(fs, protocol)
                };
                assert!(on_loom::spawned(&cfg) <= on_loom::MAX_SPAWNED);
                let r = check(&cfg, false);
                let sr = r.violated();
                let reference = reference_states(&cfg);
                assert_eq!(reference.len(), r.states, "{}", cfg.label());
                let loom = loom_check(&cfg, Budget::DEFAULT, &reference);
                let shuttle = shuttle_check(&cfg, Mode::StateSleep, Budget::DEFAULT, &reference);
                for v in [&loom, &shuttle] {
                    assert_eq!(v.coverage, "exhaustive", "{} {}", v.checker, cfg.label());
                    assert_eq!(v.states, Some((r.states, r.states)), "{}", cfg.label());
                    assert!(disagreements(&sr, v).is_empty(), "{}", cfg.label());
                    let found: BTreeSet<Inv> = v.violations.keys().copied().collect();
                    assert_eq!(found, sr.iter().copied().collect(), "{}", cfg.label());
                }
                violating += usize::from(!sr.is_empty());
            }
        }
    }
    // Everything but the locked era beside the fixed VM.
    assert_eq!(violating, 6);
}

/// The blocks the guide prints, as the tools print them.
fn generated() -> Vec<(&'static str, String)> {
    let (unlocked, locked) = cowfs_ids();
    let rows = checks::exposure::rows_of(&[unlocked, locked], false);
    let exposure = checks::exposure::text_of(&rows, false);
    let cfg = headline(unlocked, Protocol::New);
    let r = check(&cfg, false);
    let inv = Inv::WritablePteHasFsMetadata;
    let t = r.verdict(inv).trace.clone().expect("a counterexample");
    // The trace's header names the test that regenerates it: this one.
    let trace = checks::tracefmt::text(&cfg, None, inv, &t)
        .expect("the trace renders")
        .replace("--test traces", "--test your_filesystem");
    vec![
        ("cowfs-exposure", checks::report::fit(&exposure)),
        ("cowfs-trace", checks::report::fit(&trace)),
    ]
}

#[test]
fn the_guide_shows_what_the_tools_print() {
    let path = root().join("docs/your-filesystem.md");
    let mut doc = std::fs::read_to_string(&path).expect("docs/your-filesystem.md");
    let bless = std::env::var_os("BLESS").is_some();
    for (name, text) in generated() {
        let begin = format!("<!-- {name}:begin -->\n```text\n");
        let end = format!("```\n<!-- {name}:end -->");
        let a = doc
            .find(&begin)
            .unwrap_or_else(|| panic!("{name}: begin marker"))
            + begin.len();
        let b = doc
            .find(&end)
            .unwrap_or_else(|| panic!("{name}: end marker"));
        if bless {
            doc = format!("{}{}{}", &doc[..a], text, &doc[b..]);
        } else {
            assert!(
                doc[a..b] == text,
                "docs/your-filesystem.md's {name} block is stale; BLESS=1 to regenerate"
            );
        }
    }
    if bless {
        std::fs::write(&path, doc).expect("write the guide");
    }
}

#[test]
fn every_rust_block_of_the_guide_is_in_the_example() {
    let doc = std::fs::read_to_string(root().join("docs/your-filesystem.md")).unwrap();
    let code = std::fs::read_to_string(root().join("model/src/fs/cowfs.rs")).unwrap();
    let mut blocks = 0;
    let mut rest = doc.as_str();
    while let Some(a) = rest.find("```rust\n") {
        let body = &rest[a + "```rust\n".len()..];
        let b = body.find("```\n").expect("an unterminated block");
        let block = &body[..b];
        assert!(
            code.contains(block),
            "docs/your-filesystem.md quotes what model/src/fs/cowfs.rs does not say:\n{block}"
        );
        blocks += 1;
        rest = &body[b..];
    }
    assert!(
        blocks >= 5,
        "the guide quotes the example ({blocks} blocks)"
    );
}
