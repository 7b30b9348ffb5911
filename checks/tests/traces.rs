//! The committed counterexamples in `traces/`: for every textbook and history scenario, the
//! shortest trace of each violated invariant in three formats (text, JSON, Mermaid),
//! regenerated here and compared byte for byte; every JSON file replays to its invariant.
//! `BLESS=1 cargo test --release --test traces` rewrites them.

use checks::report::profile_configs;
use checks::run::check;
use checks::tracefmt::{json, mermaid, parse, replay_record, text};
use mkwrite_model::contract::{HISTORY, PARTIAL_PAGE, SCENARIOS};
use mkwrite_model::{fs, Config, Fs, Protocol};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn expected() -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    let mut seen = Vec::new();
    for s in SCENARIOS
        .iter()
        .chain(HISTORY.iter())
        .chain(PARTIAL_PAGE.iter())
    {
        let cfg = Config::from_scenario(s);
        if seen.contains(&cfg) {
            continue;
        }
        seen.push(cfg);
        let r = check(&cfg, false);
        for v in &r.verdicts {
            let Some(t) = &v.trace else { continue };
            let base = format!(
                "{}-{}/{}/{}",
                cfg.protocol.id(),
                cfg.fs.id(),
                s.name,
                v.inv.name()
            );
            let name = Some(s.name);
            files.insert(
                PathBuf::from(format!("{base}.txt")),
                text(&cfg, name, v.inv, t).unwrap(),
            );
            files.insert(
                PathBuf::from(format!("{base}.json")),
                json(&cfg, name, v.inv, t).unwrap(),
            );
            files.insert(
                PathBuf::from(format!("{base}.md")),
                mermaid(&cfg, name, v.inv, t).unwrap(),
            );
        }
    }
    files.extend(profile_traces());
    files.extend(dio_traces());
    files
}

/// The DMA door (`--dio 1`, issue 30): every violation of `checks::gup::trace_configs` in
/// text, JSON and Mermaid, under `traces/gup/<slug>/`.
fn dio_traces() -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    for (slug, cfg) in checks::gup::trace_configs() {
        let r = check(&cfg, false);
        for v in &r.verdicts {
            let Some(t) = &v.trace else { continue };
            let base = format!("gup/{slug}/{}", v.inv.name());
            files.insert(
                PathBuf::from(format!("{base}.txt")),
                text(&cfg, None, v.inv, t).unwrap(),
            );
            files.insert(
                PathBuf::from(format!("{base}.json")),
                json(&cfg, None, v.inv, t).unwrap(),
            );
            files.insert(
                PathBuf::from(format!("{base}.md")),
                mermaid(&cfg, None, v.inv, t).unwrap(),
            );
        }
    }
    // The 6.12 row holds: its committed traces are witnesses of the door reached, not
    // counterexamples (`checks::gup::witness_text`).
    for (slug, cfg) in checks::gup::witness_configs() {
        let t = checks::gup::witness_text(&cfg).expect("the 6.12 door is reached");
        files.insert(
            PathBuf::from(format!("gup/{slug}/pinned_folio_redirtied.txt")),
            t,
        );
    }
    files
}

/// The filesystem profiles' headline configurations (one store), every violation in text and
/// JSON, under `traces/profiles/<fs>/<protocol>/<t0|t1>-pte-<ro|none>[-reclaim]/`. A converted
/// era beside the old VM runs unlocked, exactly as the unconverted one: it gets no copy. Two
/// counterfactuals keep theirs: ceph beside the old VM, and NFS before 7fdf5230676 beside the
/// new VM (what NFS's own conversion answered, in the same -rc5 as the VM fix).
fn profile_traces() -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    for cfg in profile_configs() {
        let kept = cfg.fs == Fs::CEPH || (cfg.fs == Fs::NFS && cfg.protocol == Protocol::New);
        if cfg.stores != 1 || (fs::counterfactual(&cfg) && !kept) {
            continue;
        }
        let slug = format!(
            "t{}-pte-{}{}",
            u8::from(cfg.truncate),
            if cfg.pte_ro { "ro" } else { "none" },
            if cfg.reclaim { "-reclaim" } else { "" }
        );
        let r = check(&cfg, false);
        for v in &r.verdicts {
            let Some(t) = &v.trace else { continue };
            let base = format!(
                "profiles/{}/{}/{slug}/{}",
                cfg.fs.id(),
                cfg.protocol.id(),
                v.inv.name()
            );
            files.insert(
                PathBuf::from(format!("{base}.txt")),
                text(&cfg, None, v.inv, t).unwrap(),
            );
            files.insert(
                PathBuf::from(format!("{base}.json")),
                json(&cfg, None, v.inv, t).unwrap(),
            );
        }
    }
    files
}

/// Every file under `dir`, relative to `root`.
fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(root, &p, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            out.push(rel.to_path_buf());
        }
    }
}

#[test]
fn committed_traces_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../traces");
    let files = expected();
    let textbook = files
        .keys()
        .filter(|p| !p.starts_with("profiles") && !p.starts_with("gup"))
        .count();
    let dio = files.keys().filter(|p| p.starts_with("gup")).count();
    assert_eq!(
        dio,
        3 * (3 + 3 + 3 + 3) + 2,
        "INV-2, INV-9 and the outcome, four times; the 6.12 row's two witnesses"
    );
    assert_eq!(
        textbook,
        3 * (9 + 2 + 5 + 1 + 3 + 1 + 2),
        "R1, R3, R5 (three each), R2 and R4 (INV-2 each), then pre2007, old with truncate, \
         v3.15-rc and 2014, then R7 (INV-1 and INV-2; R7-fixed has none)"
    );
    let bless = std::env::var_os("BLESS").is_some();
    // A file the model no longer produces is stale: a bless deletes it, a check fails on it.
    let mut present = Vec::new();
    walk(&root, &root, &mut present);
    let extra: Vec<PathBuf> = present
        .into_iter()
        .filter(|rel| !files.contains_key(rel))
        .collect();
    if bless {
        for rel in &extra {
            std::fs::remove_file(root.join(rel)).unwrap();
        }
    } else {
        assert!(
            extra.is_empty(),
            "stale files in traces/ (BLESS=1 deletes them): {extra:?}"
        );
    }
    let (mut added, mut changed) = (0, 0);
    for (rel, content) in &files {
        let path = root.join(rel);
        if bless {
            match std::fs::read_to_string(&path) {
                Ok(have) if have == *content => continue,
                Ok(_) => changed += 1,
                Err(_) => added += 1,
            }
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, content).unwrap();
        } else {
            let have = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                have == *content,
                "{} is stale; BLESS=1 to regenerate",
                path.display()
            );
        }
    }
    if bless && added + changed + extra.len() > 0 {
        // Past the test harness's capture, so that the bless says what it did.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "blessed traces/: {changed} changed, {added} added, {} stale deleted{}",
            extra.len(),
            if extra.is_empty() {
                String::new()
            } else {
                format!(
                    " ({})",
                    extra
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
    }
}

#[test]
fn every_json_trace_replays_to_its_invariant() {
    for (rel, content) in expected() {
        if rel.extension().is_some_and(|e| e == "json") {
            let rec = parse(&content).unwrap();
            let r = replay_record(&rec, None).unwrap();
            assert!(r.complete && r.own_config, "{}", rel.display());
            assert!(
                r.violated.iter().any(|i| i.name() == rec.invariant),
                "{}: {}",
                rel.display(),
                r.text
            );
        }
    }
}

#[test]
fn every_text_trace_points_to_the_legend_and_fits_100_columns() {
    for (rel, content) in expected() {
        if rel.extension().is_some_and(|e| e == "txt") {
            assert!(
                content.starts_with("# how to read this: docs/traces.md (the legend)"),
                "{}",
                rel.display()
            );
            for line in content.lines() {
                assert!(line.chars().count() <= 100, "{}: {line}", rel.display());
            }
        }
    }
}

/// The Mermaid diagrams are readable: short arrow labels placed clear of other lifelines,
/// notes wrapped, the page lock drawn as an activation, the breaking step highlighted with
/// its reason.
#[test]
fn every_mermaid_diagram_is_readable() {
    for (rel, content) in expected() {
        if rel.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let name = rel.display();
        assert!(content.contains("\"messageAlign\": \"right\""), "{name}");
        let mut notes = 0;
        for line in content.lines().map(str::trim) {
            if let Some((_, label)) = line.split_once("->>P: ") {
                assert!(label.chars().count() <= 20, "{name}: arrow label {label:?}");
            }
            if let Some((_, note)) = line.split_once(": ").filter(|_| line.starts_with("Note")) {
                notes += 1;
                for part in note.split("<br/>") {
                    assert!(
                        part.chars().count() <= 48 || !part.contains(' '),
                        "{name}: note line {part:?}"
                    );
                }
            }
        }
        let steps = content.matches("->>P: ").count();
        assert_eq!(notes, steps + 1, "{name}: a note per step and the reason");
        let rect = content.find("rect rgb").expect("highlight");
        assert!(content[rect..].contains(" breaks here: "), "{name}");
        if content.contains("page.locked: - -> ") {
            assert!(
                content.contains("activate "),
                "{name}: the lock as an activation"
            );
        }
    }
}
