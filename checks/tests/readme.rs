//! The README's generated parts are current: the R1 walkthrough's trace (the committed file,
//! verbatim), the same interleaving replayed against the new protocol (what the binary prints),
//! the profiles table, the exposure table and the verdict matrix; docs/races.md includes its traces verbatim.
//! `BLESS=1 cargo test --release --test readme` rewrites them.

use checks::report::{matrix_144, matrix_line};
use checks::run::check;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// What `mkwrite ARGS` prints on stdout, as a README example.
fn mkwrite(args: &[&str]) -> String {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_mkwrite"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run mkwrite");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn generated() -> Vec<(&'static str, String)> {
    let r1 = "traces/old-unlocked/wp-fault+writeback/writable_pte_has_fs_metadata";
    let text = std::fs::read_to_string(root().join(format!("{r1}.txt"))).expect("R1 trace");
    let json = format!("{r1}.json");
    let r7 = "traces/new-buffer/partial-page+truncate+extend/writable_pte_has_fs_metadata.txt";
    let r7_text = std::fs::read_to_string(root().join(r7)).expect("R7 trace");
    // The example runs the binary, so the README shows exactly what the command prints.
    let replayed = mkwrite(&["replay", &json, "--protocol", "new", "--fs", "locked"]);
    let mut matrix = String::new();
    for cfg in matrix_144() {
        matrix.push_str(&matrix_line(&check(&cfg, false)));
        matrix.push('\n');
    }
    vec![
        ("profiles", checks::report::profiles_table()),
        (
            "exposure",
            checks::exposure::markdown(&checks::exposure::rows(false)),
        ),
        ("r1-trace", format!("```\n{text}```\n")),
        (
            "r1-replay-new",
            format!("```\n$ mkwrite replay {json} --protocol new --fs locked\n{replayed}```\n"),
        ),
        ("r7-trace", format!("```\n{r7_text}```\n")),
        ("matrix", format!("```\n{matrix}```\n")),
    ]
}

/// Every `<!-- include:PATH:begin -->` .. `<!-- include:PATH:end -->` section of `doc` holds
/// the file PATH (relative to the repository) verbatim in a code block.
fn includes(doc: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(i) = rest.find("<!-- include:") {
        let after = &rest[i + "<!-- include:".len()..];
        let Some(j) = after.find(":begin -->") else {
            break;
        };
        let path = after[..j].to_string();
        let text =
            std::fs::read_to_string(root().join(&path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        let end = format!("<!-- include:{path}:end -->");
        let k = after
            .find(&end)
            .unwrap_or_else(|| panic!("no end marker for {path}"));
        out.push((format!("include:{path}"), format!("```\n{text}```\n")));
        rest = &after[k + end.len()..];
    }
    out
}

/// Regenerate (BLESS) or compare the generated sections of one document.
fn check_sections(rel: &str, sections: Vec<(String, String)>) {
    let path = root().join(rel);
    let mut doc = std::fs::read_to_string(&path).unwrap();
    let bless = std::env::var_os("BLESS").is_some();
    for (name, content) in sections {
        let begin = format!("<!-- {name}:begin -->\n");
        let end = format!("<!-- {name}:end -->");
        let a = doc
            .find(&begin)
            .unwrap_or_else(|| panic!("{rel}: no {begin}"))
            + begin.len();
        let b = doc.find(&end).unwrap_or_else(|| panic!("{rel}: no {end}"));
        if bless {
            doc = format!("{}{}{}", &doc[..a], content, &doc[b..]);
        } else {
            assert!(
                doc[a..b] == content,
                "{rel}: section {name} is stale; BLESS=1 to regenerate"
            );
        }
    }
    if bless {
        std::fs::write(&path, doc).unwrap();
    }
}

#[test]
fn races_walkthrough_includes_the_committed_traces() {
    let rel = "docs/races.md";
    let doc = std::fs::read_to_string(root().join(rel)).unwrap();
    let sections = includes(&doc);
    // R2, R3, R4, R5 and the NFS silent loss (R1 is in the README).
    assert_eq!(sections.len(), 5, "{sections:?}");
    check_sections(rel, sections);
}

#[test]
fn readme_generated_sections_are_current() {
    let sections = generated()
        .into_iter()
        .map(|(n, c)| (n.to_string(), c))
        .collect();
    check_sections("README.md", sections);
}
