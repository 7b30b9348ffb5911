//! The generated parts of the documents are current: the R1 walkthrough's trace (the
//! committed file, verbatim) and the same interleaving replayed against the new protocol (what
//! the binary prints) in docs/traces.md, the R7 trace in docs/partial-page.md, the profiles
//! table in docs/filesystems.md, the exposure table in docs/exposure.md and the verdict matrix
//! in docs/verdicts.md; docs/races.md includes its traces verbatim. The README stays a first
//! screen: under 300 lines, every document it points to exists.
//! `BLESS=1 cargo test --release --test readme` rewrites the generated parts.

use checks::report::{matrix_144, matrix_line};
use checks::run::check;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// What `mkwrite ARGS` prints on stdout, as a document's example.
fn mkwrite(args: &[&str]) -> String {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_mkwrite"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run mkwrite");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Each document's generated sections: (document, section, content).
fn generated() -> Vec<(&'static str, &'static str, String)> {
    let r1 = "traces/old-unlocked/wp-fault+writeback/writable_pte_has_fs_metadata";
    let text = std::fs::read_to_string(root().join(format!("{r1}.txt"))).expect("R1 trace");
    let json = format!("{r1}.json");
    let r7 = "traces/new-buffer/partial-page+truncate+extend/writable_pte_has_fs_metadata.txt";
    let r7_text = std::fs::read_to_string(root().join(r7)).expect("R7 trace");
    // The example runs the binary, so the document shows exactly what the command prints.
    let replayed = mkwrite(&["replay", &json, "--protocol", "new", "--fs", "locked"]);
    let mut matrix = String::new();
    for cfg in matrix_144() {
        matrix.push_str(&matrix_line(&check(&cfg, false)));
        matrix.push('\n');
    }
    vec![
        (
            "docs/filesystems.md",
            "profiles",
            checks::report::profiles_table(),
        ),
        (
            "docs/exposure.md",
            "exposure",
            checks::exposure::markdown(&checks::exposure::rows(false)),
        ),
        ("docs/traces.md", "r1-trace", format!("```\n{text}```\n")),
        (
            "docs/traces.md",
            "r1-replay-new",
            format!("```\n$ mkwrite replay {json} --protocol new --fs locked\n{replayed}```\n"),
        ),
        (
            "docs/partial-page.md",
            "r7-trace",
            format!("```\n{r7_text}```\n"),
        ),
        ("docs/verdicts.md", "matrix", format!("```\n{matrix}```\n")),
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
    // R2, R3, R4, R5 and the NFS silent loss (R1 is in docs/traces.md).
    assert_eq!(sections.len(), 5, "{sections:?}");
    check_sections(rel, sections);
}

#[test]
fn generated_sections_are_current() {
    let all = generated();
    let mut docs: Vec<&str> = all.iter().map(|(d, _, _)| *d).collect();
    docs.dedup();
    for doc in docs {
        let sections = all
            .iter()
            .filter(|(d, _, _)| *d == doc)
            .map(|(_, n, c)| (n.to_string(), c.clone()))
            .collect();
        check_sections(doc, sections);
    }
}

/// The README is a first screen: under 300 lines, opening with the race and the two commands,
/// then the questions people come with, the exit codes and a glossary; every document it
/// links exists, and every file of docs/ is linked from it.
#[test]
fn readme_is_a_first_screen_that_links_every_document() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let n = readme.lines().count();
    assert!(n < 300, "README.md has {n} lines");
    let order = [
        "## Two commands",
        "cargo run --release ",
        "cargo test --workspace --release ",
        "## What do you want to know?",
        "## Exit codes",
        "## Glossary",
        "## Documentation",
    ];
    let mut at = 0;
    for h in order {
        let i = readme[at..]
            .find(h)
            .unwrap_or_else(|| panic!("README.md lacks {h:?} after byte {at}"));
        at += i;
    }
    for term in [
        "**Seed filesystem**",
        "**Sometimes guard**",
        "**Counterfactual**",
        "INV-3a/3c/3d",
    ] {
        assert!(readme.contains(term), "the glossary defines {term}");
    }
    let mut rest = readme.as_str();
    let mut linked = Vec::new();
    while let Some(i) = rest.find("](docs/") {
        let tail = &rest[i + 2..];
        let end = tail.find(')').expect("a closing parenthesis");
        let path = tail[..end]
            .split('#')
            .next()
            .unwrap_or_default()
            .to_string();
        assert!(
            root().join(&path).exists(),
            "README links {path}, which is missing"
        );
        linked.push(path);
        rest = &tail[end..];
    }
    for f in std::fs::read_dir(root().join("docs")).expect("docs/") {
        let name = f
            .expect("an entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".md") {
            let rel = format!("docs/{name}");
            assert!(linked.contains(&rel), "README.md does not link {rel}");
        }
    }
}
