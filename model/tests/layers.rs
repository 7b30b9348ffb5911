//! The model's layers run one way, as docs/architecture.md draws them: a file may name (with
//! `crate::module`) its own module and the modules of the layers below it, never a layer above.
//! Read from the code's own text, so that a new `use` that closes a loop fails here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Each top-level module of `model/src` and its layer, bottom first.
const LAYERS: &[(&str, u8)] = &[
    ("contract", 0),
    ("config", 1),
    ("anchors", 2),
    ("world", 2),
    ("kernel", 3),
    ("fs", 4),
    ("mm", 5),
    ("step", 6),
    ("invariants", 7),
    ("footprint", 8),
    ("explain", 8),
    ("trace", 8),
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("model/src") {
        let p = e.expect("a directory entry").path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file of `model/src` belongs to (`None`: lib.rs).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_string_lossy();
    let name = first.trim_end_matches(".rs").to_string();
    (name != "lib").then_some(name)
}

/// The modules a file names as `crate::NAME`, outside comments.
fn named(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let tail = &rest[i + "crate::".len()..];
            assert!(
                !tail.starts_with('{'),
                "a grouped `crate::{{...}}` path: write one path per module ({line})"
            );
            let name: String = tail
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
            rest = tail;
        }
    }
    out
}

#[test]
fn no_module_names_a_layer_above_its_own() {
    let layer: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut seen = 0;
    let mut wrong = Vec::new();
    for f in &all {
        let Some(m) = module_of(&src, f) else {
            continue;
        };
        let own = *layer
            .get(m.as_str())
            .unwrap_or_else(|| panic!("{}: module {m} has no layer in LAYERS", f.display()));
        let text = std::fs::read_to_string(f).expect("a source file");
        for n in named(&text) {
            let Some(&l) = layer.get(n.as_str()) else {
                continue;
            };
            seen += 1;
            if n != m && l >= own {
                wrong.push(format!(
                    "{} ({m}, layer {own}) names crate::{n} (layer {l})",
                    f.display()
                ));
            }
        }
    }
    assert!(seen > 100, "the scan found the crate's paths ({seen})");
    assert!(
        wrong.is_empty(),
        "upward or sideways references:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_scan_sees_an_upward_reference() {
    // Not vacuous: a world.rs that named the filesystems would be caught.
    assert_eq!(
        named("use crate::fs::FsId; // crate::mm in a comment"),
        vec!["fs".to_string()]
    );
}
