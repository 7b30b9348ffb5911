//! The README's generated parts are current: the R1 walkthrough's trace (the committed file,
//! verbatim), the same interleaving replayed against the new protocol, and the verdict matrix.
//! `BLESS=1 cargo test --release --test readme` rewrites them.

use checks::report::{matrix_144, matrix_line};
use checks::run::check;
use checks::tracefmt::{parse, replay_record};
use mkwrite_model::{Config, Protocol};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn generated() -> Vec<(&'static str, String)> {
    let r1 = "traces/old-unlocked/wp-fault+writeback/writable_pte_has_fs_metadata";
    let text = std::fs::read_to_string(root().join(format!("{r1}.txt"))).expect("R1 trace");
    let json = std::fs::read_to_string(root().join(format!("{r1}.json"))).expect("R1 json");
    let rec = parse(&json).unwrap();
    let new = Config {
        protocol: Protocol::New,
        fixes: Protocol::New.fixes(),
        fs: Protocol::New.default_fs(),
        ..rec.config.config().unwrap()
    };
    let replayed = replay_record(&rec, Some(new)).unwrap().text;
    let mut matrix = String::new();
    for cfg in matrix_144() {
        matrix.push_str(&matrix_line(&check(&cfg, false)));
        matrix.push('\n');
    }
    vec![
        ("profiles", checks::report::profiles_table()),
        ("r1-trace", format!("```\n{text}```\n")),
        (
            "r1-replay-new",
            format!("```\n$ mkwrite replay {r1}.json --protocol new\n{replayed}```\n"),
        ),
        ("matrix", format!("```\n{matrix}```\n")),
    ]
}

#[test]
fn readme_generated_sections_are_current() {
    let path = root().join("README.md");
    let mut readme = std::fs::read_to_string(&path).unwrap();
    let bless = std::env::var_os("BLESS").is_some();
    for (name, content) in generated() {
        let begin = format!("<!-- {name}:begin -->\n");
        let end = format!("<!-- {name}:end -->");
        let a = readme.find(&begin).unwrap_or_else(|| panic!("no {begin}")) + begin.len();
        let b = readme.find(&end).unwrap_or_else(|| panic!("no {end}"));
        if bless {
            readme = format!("{}{}{}", &readme[..a], content, &readme[b..]);
        } else {
            assert!(
                readme[a..b] == content,
                "README section {name} is stale; BLESS=1 to regenerate"
            );
        }
    }
    if bless {
        std::fs::write(&path, readme).unwrap();
    }
}
