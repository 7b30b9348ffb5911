//! The committed counterexamples in `traces/`: for every textbook scenario, the shortest trace
//! of each violated invariant, regenerated here and compared byte for byte.
//! `BLESS=1 cargo test --release --test traces` rewrites them.

use checks::report::trace_file;
use checks::run::check;
use mkwrite_model::contract::{HISTORY, SCENARIOS};
use mkwrite_model::Config;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn expected() -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    let mut seen = Vec::new();
    for s in SCENARIOS.iter().chain(HISTORY.iter()) {
        let cfg = Config::from_scenario(s);
        // R2 and R4 share R1's and R3's configuration, hence their shortest traces.
        if seen.contains(&cfg) {
            continue;
        }
        seen.push(cfg);
        let r = check(&cfg, false);
        for v in &r.verdicts {
            if let Some(t) = &v.trace {
                let rel = format!(
                    "{}-{}/{}/{}.txt",
                    cfg.protocol.id(),
                    cfg.fs.id(),
                    s.name,
                    v.inv.name()
                );
                files.insert(
                    PathBuf::from(rel),
                    trace_file(&cfg, s.name, s.race, v.inv, t),
                );
            }
        }
    }
    files
}

#[test]
fn committed_traces_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../traces");
    let files = expected();
    assert_eq!(
        files.len(),
        9 + 4 + 3 + 1,
        "R1-R5, then pre2007, v3.15-rc and 2014"
    );
    let bless = std::env::var_os("BLESS").is_some();
    for (rel, text) in &files {
        let path = root.join(rel);
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
        } else {
            let have = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                have == *text,
                "{} is stale; BLESS=1 to regenerate",
                path.display()
            );
        }
    }
}
