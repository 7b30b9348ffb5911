//! The repository stands alone: `docs/protocol.md` carries the anchor table of
//! `model/src/anchors.rs` (generated; `BLESS=1 cargo test --release --test docs` rewrites it),
//! every step the checker reaches names an anchor from that table, and no tracked file points to
//! a document outside the repository.

use mkwrite_model::anchors::functions;
use mkwrite_model::{info, step, Config, World};
use std::collections::BTreeSet;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn anchor_table() -> String {
    let mut s =
        String::from("| function | old (e58fcb489af^) | new (e58fcb489af) |\n|---|---|---|\n");
    for (f, old, new) in functions() {
        s.push_str(&format!("| `{f}` | {old} | {new} |\n"));
    }
    s
}

#[test]
fn protocol_document_carries_the_anchor_table() {
    let path = root().join("docs/protocol.md");
    let doc = std::fs::read_to_string(&path).expect("docs/protocol.md");
    let (begin, end) = ("<!-- anchors:begin -->\n", "<!-- anchors:end -->");
    let a = doc.find(begin).expect("begin marker") + begin.len();
    let b = doc.find(end).expect("end marker");
    let table = anchor_table();
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, format!("{}{}{}", &doc[..a], table, &doc[b..])).unwrap();
        return;
    }
    assert!(
        doc[a..b] == table,
        "docs/protocol.md's anchor table is stale; BLESS=1 to regenerate"
    );
}

/// Every state of every configuration of the matrix (and the error, history and ablation
/// protocols), every thread: the step it would take names a function and a known anchor.
#[test]
fn every_reachable_step_has_a_known_anchor() {
    use mkwrite_model::contract::{Protocol, HISTORY, PARTIAL_PAGE, SCENARIOS};
    let mut configs: Vec<Config> = checks::report::matrix_configs();
    for p in Protocol::all() {
        for truncate in [false, true] {
            for pte_ro in [true, false] {
                let c = Config {
                    writeback: 1,
                    truncate,
                    pte_ro,
                    enospc: true,
                    ..Config::new(p)
                };
                if c.validate().is_ok() {
                    configs.push(c);
                }
            }
        }
    }
    configs.extend(
        SCENARIOS
            .iter()
            .chain(HISTORY.iter())
            .chain(PARTIAL_PAGE.iter())
            .map(Config::from_scenario),
    );
    configs.extend(checks::report::profile_configs());
    for fs in checks::report::profiles() {
        configs.push(Config {
            fs,
            writeback: 2,
            enospc: true,
            ..Config::new(Protocol::New)
        });
    }
    let mut unknown = BTreeSet::new();
    for cfg in configs.iter().filter(|c| c.writers == 1) {
        let mut seen = std::collections::HashSet::new();
        let mut todo = vec![World::init(cfg)];
        while let Some(w) = todo.pop() {
            if !seen.insert(w) {
                continue;
            }
            for t in 0..w.threads.len() as u8 {
                let i = info(cfg, &w, t);
                if i.anchor == "?" || i.id == "?" {
                    unknown.insert(format!("{} {} {}", cfg.label(), i.function, i.id));
                }
                if let Some(n) = step(cfg, &w, t) {
                    todo.push(n);
                }
            }
        }
    }
    assert!(unknown.is_empty(), "steps without an anchor: {unknown:?}");
}

#[test]
fn nothing_points_outside_the_repository() {
    let out = std::process::Command::new("git")
        .args(["ls-files"])
        .current_dir(root())
        .output()
        .expect("git ls-files");
    let files = String::from_utf8_lossy(&out.stdout);
    let mut hits = Vec::new();
    for f in files.lines() {
        let Ok(text) = std::fs::read_to_string(root().join(f)) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            // The needle is split so that this file does not match itself.
            if line.contains(concat!("../", "shared"))
                || line.contains(concat!("kernel-", "paths.md"))
            {
                hits.push(format!("{f}:{}", n + 1));
            }
        }
    }
    assert!(
        hits.is_empty(),
        "files citing documents outside the repository: {hits:?}"
    );
}
