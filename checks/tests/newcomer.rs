//! What a new user trips over, tried as a new user would: through the binary. Each test names
//! the defect it keeps fixed: schedules that replay or fail cleanly, one override rule, flags a
//! subcommand does not take, files replay reads, defaults and exit codes, listings, 100-column
//! output, the legend, Mermaid diagrams.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn mkwrite(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mkwrite"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("run mkwrite")
}

fn mkwrite_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mkwrite"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mkwrite");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit code 2 with one line on stderr naming `needle`, nothing on stdout, no panic.
fn assert_bad(args: &[&str], needle: &str) {
    let o = mkwrite(args);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
    assert_eq!(e.lines().count(), 1, "{args:?}: not one line: {e:?}");
    assert!(e.contains(needle), "{args:?}: {e:?} lacks {needle:?}");
    assert!(!e.contains("panicked"), "{e}");
    assert!(out(&o).is_empty(), "{args:?} printed on stdout");
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mkwrite-newcomer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

/// The R1 INV-1 schedule shuttle prints, from the JSON record.
fn r1_schedule() -> String {
    let o = mkwrite(&[
        "check",
        "--scenario",
        "R1",
        "--checker",
        "shuttle",
        "--json",
    ]);
    let rec = out(&o)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"))
        .find(|v| v["inv"] == "INV-1")
        .expect("INV-1 record");
    rec["schedule"].as_str().expect("a schedule").to_string()
}

// 1. A schedule prints on one line, and no schedule, however cut or corrupted, panics.
#[test]
fn every_prefix_and_one_digit_corruption_of_a_schedule_is_a_clean_answer() {
    let s = r1_schedule();
    assert!(!s.contains(char::is_whitespace), "one token: {s:?}");
    let text = out(&mkwrite(&[
        "check",
        "--scenario",
        "R1",
        "--checker",
        "shuttle",
        "--quiet",
    ]));
    // The text prints the schedule in lines of at most 100 columns under its invariants;
    // joined, they are the schedule.
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("INV-1") && l.ends_with(':'))
        .unwrap_or_else(|| panic!("a schedule for INV-1:\n{text}"));
    let printed: String = lines[at + 1..]
        .iter()
        .take_while(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_hexdigit()))
        .copied()
        .collect();
    assert_eq!(printed, s, "the printed lines are the schedule:\n{text}");
    assert!(lines.iter().all(|l| l.chars().count() <= 100), "{text}");
    // Pasted as printed, line breaks and all, it replays.
    let pasted = text
        .lines()
        .skip(at + 1)
        .take_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let o = mkwrite(&[
        "check",
        "--scenario",
        "R1",
        "--checker",
        "shuttle",
        "--replay",
        &pasted,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let full = mkwrite(&[
        "check",
        "--scenario",
        "R1",
        "--checker",
        "shuttle",
        "--replay",
        &s,
    ]);
    assert_eq!(full.status.code(), Some(1), "{}", err(&full));
    let digits: Vec<char> = s.chars().collect();
    let mut tried = Vec::new();
    for n in 0..digits.len() {
        tried.push(digits[..n].iter().collect::<String>());
    }
    for i in 0..digits.len() {
        let d = digits[i].to_digit(16).expect("hex");
        for delta in [1, 8] {
            let mut c = digits.clone();
            c[i] = char::from_digit((d + delta) % 16, 16).expect("digit");
            tried.push(c.into_iter().collect());
        }
    }
    let (mut clean_errors, mut replays) = (0, 0);
    for t in &tried {
        let o = mkwrite(&[
            "check",
            "--scenario",
            "R1",
            "--checker",
            "shuttle",
            "--replay",
            t,
        ]);
        let e = err(&o);
        assert!(!e.contains("panicked"), "{t}: {e}");
        match o.status.code() {
            Some(2) => {
                assert_eq!(e.lines().count(), 1, "{t}: {e}");
                assert!(e.starts_with("mkwrite: --replay: "), "{t}: {e}");
                clean_errors += 1;
            }
            // A corruption can be another valid execution of this configuration.
            Some(0) | Some(1) => replays += 1,
            other => panic!("{t}: exit {other:?}: {e}"),
        }
    }
    assert!(
        clean_errors > tried.len() / 2,
        "{clean_errors} of {}",
        tried.len()
    );
    assert!(
        replays < tried.len() / 4,
        "{replays} of {} replayed",
        tried.len()
    );
}

// 2. One override rule, and the output says which filesystem ran.
#[test]
fn a_scenario_keeps_its_filesystem_under_another_protocol_and_says_so() {
    let o = mkwrite(&["check", "--scenario", "R1", "--protocol", "new", "--quiet"]);
    let text = out(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(text.starts_with("filesystem: unlocked (the seed filesystem); ->page_mkwrite returns 0, page unlocked; --fs locked"), "{text}");
    assert!(
        text.contains("configuration: new/unlocked w1 wb2"),
        "{text}"
    );
    let locked = mkwrite(&[
        "check",
        "--scenario",
        "R1",
        "--protocol",
        "new",
        "--fs",
        "locked",
        "--quiet",
    ]);
    assert_eq!(locked.status.code(), Some(0), "{}", out(&locked));
    // replay follows the same rule: the file's filesystem stays.
    let file = "traces/old-unlocked/wp-fault+writeback/writable_pte_has_fs_metadata.json";
    let r = out(&mkwrite(&["replay", file, "--protocol", "new"]));
    assert!(r.contains("against new/unlocked w1 wb2"), "{r}");
    let r = out(&mkwrite(&[
        "replay",
        file,
        "--protocol",
        "new",
        "--fs",
        "locked",
    ]));
    assert!(r.contains("against new/locked w1 wb2"), "{r}");
    assert!(r.contains("waits for the page lock, held by F0"), "{r}");
    // With no base, --protocol picks the protocol's convention.
    let t = out(&mkwrite(&["trace", "--protocol", "new", "--quiet"]));
    assert!(t.contains("every invariant holds in new/locked"), "{t}");
}

// 3. A budget never met reads as "not found within N".
#[test]
fn bench_pct_says_not_found_within_its_budget() {
    let o = mkwrite(&[
        "bench-pct",
        "--seeds",
        "2",
        "--depth",
        "1",
        "--iterations",
        "10",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let text = out(&o);
    assert_eq!(
        text.matches("not found within 10 executions").count(),
        3,
        "two seeds and the median:\n{text}"
    );
    assert!(!text.contains("11 executions"), "{text}");
}

// 4. Each subcommand takes only its own flags.
#[test]
fn a_flag_a_subcommand_does_not_take_is_an_error_naming_it() {
    let file = "traces/old-unlocked/wp-fault+writeback/writable_pte_has_fs_metadata.json";
    for (args, needle) in [
        (vec!["trace", "--matrix"], "trace does not take --matrix"),
        (vec!["trace", "--json"], "trace does not take --json"),
        (
            vec!["trace", "--checker", "loom"],
            "trace does not take --checker",
        ),
        (
            vec!["replay", file, "--matrix"],
            "replay does not take --matrix",
        ),
        (
            vec!["replay", file, "--json"],
            "replay does not take --json",
        ),
        (
            vec!["replay", file, "--checker", "loom"],
            "replay does not take --checker",
        ),
        (vec!["play", "--json"], "play does not take --json"),
        (
            vec!["scenarios", "--json"],
            "scenarios does not take --json",
        ),
        (
            vec!["ablate", "--scenario", "R1"],
            "ablate does not take --scenario",
        ),
        (
            vec!["check", "--matrix", "--checker", "loom"],
            "--matrix checks with stateright only",
        ),
        (
            vec!["check", "--matrix", "--replay", "00"],
            "--matrix takes no --replay",
        ),
        (
            vec!["ablate", "--json", "--markdown"],
            "cannot be used with",
        ),
    ] {
        assert_bad(&args, needle);
    }
}

// 5. replay reads what trace and check print, from a file or standard input.
#[test]
fn replay_reads_trace_json_lines_check_records_and_stdin() {
    let lines = out(&mkwrite(&[
        "trace",
        "--scenario",
        "R1",
        "--format",
        "json",
        "--quiet",
    ]));
    assert_eq!(lines.lines().count(), 3, "INV-1, INV-2, INV-3d");
    let f = temp("r1-lines.json");
    std::fs::write(&f, &lines).expect("write");
    let f = f.to_str().expect("utf-8 path");
    assert_bad(
        &["replay", f],
        "holds 3 traces (INV-1, INV-2, INV-3d): pick one with --invariant",
    );
    assert_bad(
        &["replay", f, "--invariant", "INV-5a"],
        "holds no trace of INV-5a",
    );
    let o = mkwrite(&["replay", f, "--invariant", "inv-2"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(out(&o).contains("and violate cleaned_page_had_fs_metadata (INV-2)"));
    let o = mkwrite_stdin(&["replay", "-", "--invariant", "INV-1"], &lines);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(out(&o).contains("replaying writable_pte_has_fs_metadata (INV-1, 11 steps)"));
    // check --json records carry the thread order: replayable, holding ones skipped.
    let recs = out(&mkwrite(&[
        "check",
        "--scenario",
        "R3",
        "--json",
        "--quiet",
    ]));
    let o = mkwrite_stdin(&["replay", "-", "--invariant", "INV-1"], &recs);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(out(&o).contains("and violate writable_pte_has_fs_metadata (INV-1)"));
    let o = mkwrite_stdin(&["replay", "-"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("standard input: not a mkwrite JSON trace: the file is empty"));
}

// 6. Defaults in --help, any case, neutral messages for file fields, one exit-code table.
#[test]
fn help_shows_defaults_and_exit_codes_and_names_are_case_blind() {
    let help = out(&mkwrite(&["check", "--help"]));
    for d in [
        "[default: old]",
        "[default: 1]",
        "[default: ro]",
        "[default: clean]",
        "[default: stateright]",
        "Exit codes:",
        "3  vacuous: every invariant holds but an applicable sometimes guard was not reached",
    ] {
        assert!(help.contains(d), "check --help lacks {d:?}");
    }
    for sub in ["trace", "replay"] {
        assert!(
            out(&mkwrite(&[sub, "--help"])).contains("Exit codes:"),
            "{sub}"
        );
    }
    let o = mkwrite(&[
        "trace",
        "--scenario",
        "r1",
        "--invariant",
        "inv-1",
        "--protocol",
        "OLD",
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(1), "a counterexample: {}", err(&o));
    assert!(out(&o).contains("# violated   writable_pte_has_fs_metadata (INV-1)"));
}

#[test]
fn a_trace_file_with_bad_fields_is_rejected_in_the_files_words() {
    let one = out(&mkwrite(&[
        "trace",
        "--scenario",
        "R1",
        "--format",
        "json",
        "--invariant",
        "INV-1",
        "--quiet",
    ]));
    let bad = |name: &str, from: &str, to: &str, needle: &str| {
        assert!(one.contains(from), "{from}");
        let f = temp(name);
        std::fs::write(&f, one.replace(from, to)).expect("write");
        let o = mkwrite(&["replay", f.to_str().expect("utf-8")]);
        let e = err(&o);
        assert_eq!(o.status.code(), Some(2), "{e}");
        assert!(e.contains(needle), "{e:?} lacks {needle:?}");
        assert!(!e.contains("--"), "a file's field is not a flag: {e}");
    };
    bad(
        "w4.json",
        "\"writers\":1",
        "\"writers\":4",
        "writers must be 1 to 3, not 4",
    );
    bad(
        "inv9.json",
        "\"invariant\":\"writable_pte_has_fs_metadata\"",
        "\"invariant\":\"no_such_invariant\"",
        "unknown invariant 'no_such_invariant' (INV-1)",
    );
    bad(
        "locked.json",
        "\"fs\":\"unlocked\"",
        "\"fs\":\"locked\"",
        "protocol old has no VM_FAULT_LOCKED convention",
    );
}

#[test]
fn the_exit_code_of_a_vacuous_pass_is_3() {
    use checks::run::{check, exit};
    let cfg = mkwrite_model::Config::scenario("R1").expect("R1");
    let mut r = check(
        &mkwrite_model::Config {
            protocol: mkwrite_model::Protocol::New,
            fixes: mkwrite_model::Protocol::New.fixes(),
            fs: mkwrite_model::Fs::LOCKED,
            ..cfg
        },
        false,
    );
    assert_eq!(exit::of(&[&r]), exit::HOLDS);
    // The same report with one applicable guard unreached: every invariant still holds, but
    // the pass is not reported as one.
    let g = r.guards.iter_mut().find(|g| g.applicable).expect("a guard");
    g.reached = false;
    assert_eq!(exit::of(&[&r]), exit::VACUOUS);
    let violated = check(&cfg, false);
    assert_eq!(exit::of(&[&r, &violated]), exit::VIOLATED);
}

// 7. Every scenario is listed, history included, and the error names them all.
#[test]
fn scenarios_lists_the_history_too() {
    let text = out(&mkwrite(&["scenarios"]));
    for id in [
        "R1", "R2", "R3", "R4", "R5", "H2007", "H2009", "H2014a", "H2014b",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{id} "))),
            "{id}:\n{text}"
        );
    }
    assert_bad(
        &["check", "--scenario", "R9"],
        "unknown scenario 'R9': R1-R5, R7, R7-fixed, H2007-H2014b or a name (mkwrite scenarios)",
    );
}

// 8. Terminal output fits 100 columns, shuttle's schedules included (tests/hostile.rs tries
// every subcommand at other widths).
#[test]
fn terminal_output_fits_100_columns() {
    let file = "traces/old-unlocked/wp-fault+writeback/writable_pte_has_fs_metadata.json";
    let runs: Vec<Vec<&str>> = vec![
        vec![],
        vec!["--help"],
        vec!["check", "--help"],
        vec!["trace", "--help"],
        vec!["replay", "--help"],
        vec!["ablate", "--help"],
        vec!["play", "--help"],
        vec!["check", "--scenario", "R1", "--quiet"],
        vec!["check", "--scenario", "R3", "--checker", "all", "--quiet"],
        vec![
            "check",
            "--scenario",
            "R1",
            "--checker",
            "shuttle",
            "--quiet",
        ],
        vec!["check", "--matrix", "--quiet"],
        vec!["check", "--fs", "nfs", "--writeback", "2", "--quiet"],
        vec!["trace", "--scenario", "R3", "--quiet"],
        vec!["trace", "--fs", "btrfs", "--writeback", "2", "--quiet"],
        vec!["replay", file, "--protocol", "new", "--fs", "locked"],
        vec!["scenarios"],
        vec!["filesystems"],
        vec!["ablate", "--quiet"],
        vec!["bench-pct", "--seeds", "1", "--iterations", "5"],
    ];
    for args in runs {
        let o = mkwrite(&args);
        let text = out(&o);
        assert!(!text.is_empty(), "{args:?}");
        for line in text.lines() {
            assert!(
                line.chars().count() <= 100,
                "{args:?}: {} columns: {line}",
                line.chars().count()
            );
        }
    }
    let md = out(&mkwrite(&["ablate", "--markdown", "--quiet"]));
    assert!(md.starts_with("| protocol (switch off) |"), "{md}");
}

#[test]
fn long_work_reports_progress_on_a_terminal_unless_quiet() {
    // Progress is one updating line while stderr is a terminal; MKWRITE_PROGRESS=always stands
    // in for the terminal here.
    let run = |args: &[&str], env: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_mkwrite"));
        c.args(args);
        match env {
            Some(v) => c.env("MKWRITE_PROGRESS", v),
            None => c.env_remove("MKWRITE_PROGRESS"),
        };
        c.output().expect("run mkwrite")
    };
    let o = run(&["ablate", "--full"], Some("always"));
    let e = err(&o);
    assert!(e.contains("ablate: ") && e.contains('\r'), "{e:?}");
    assert!(
        !e.contains('\n'),
        "one updating line, cleared at the end: {e:?}"
    );
    let o = run(&["ablate", "--full", "--quiet"], Some("always"));
    assert!(err(&o).is_empty(), "{}", err(&o));
    // Not a terminal: nothing.
    let o = run(&["ablate", "--full"], None);
    assert!(err(&o).is_empty(), "{}", err(&o));
}

// 9. R2 and R4 are their own races.
#[test]
fn r2_and_r4_print_their_own_traces() {
    for (race, window) in [("R2", "WP14"), ("R4", "DF14-DF15")] {
        let t = out(&mkwrite(&["trace", "--scenario", race, "--quiet"]));
        assert!(t.contains("late-wb"), "{t}");
        assert_eq!(t.matches("# violated").count(), 1, "INV-2 only:\n{t}");
        assert!(t.contains("cleaned_page_had_fs_metadata (INV-2)"));
        assert!(t.contains(&format!(" {window} ")), "{window}:\n{t}");
    }
    assert_ne!(
        out(&mkwrite(&["check", "--scenario", "R1", "--quiet"])),
        out(&mkwrite(&["check", "--scenario", "R2", "--quiet"]))
    );
}

// 10. The legend: every text trace points to it, and it names every field and thread a trace
// can show.
#[test]
fn every_field_and_thread_a_trace_shows_is_in_the_legend() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/traces.md"))
        .expect("docs/traces.md");
    let a = readme.find("## The legend").expect("a legend");
    let b = a + readme[a..].find("## R1, step by step").expect("its end");
    let legend = &readme[a..b];
    let mut cfgs = checks::report::profile_configs();
    cfgs.push(mkwrite_model::Config {
        enospc: true,
        writers: 2,
        ..mkwrite_model::Config::scenario("R1").expect("R1")
    });
    let mut missing = Vec::new();
    for cfg in &cfgs {
        let w = mkwrite_model::World::init(cfg);
        for (name, _) in mkwrite_model::trace::fields(&w) {
            let family = name.split('.').next().unwrap_or_default();
            let known = legend.contains(&format!("`{name}`"))
                || legend.contains(&format!("`{family}.*`"))
                || name.starts_with("fired.");
            if !known && !missing.contains(&name) {
                missing.push(name);
            }
        }
        for t in &w.threads {
            if !legend.contains(&format!("`{}`", t.name())) && !missing.contains(&t.name()) {
                missing.push(t.name());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "not in the legend of docs/traces.md: {missing:?}"
    );
    assert!(legend.contains("`NR_FILE_DIRTY` can read `-1` for a moment"));
}

// 12. The README says how to get `mkwrite` on PATH before it first uses it bare.
#[test]
fn readme_installs_mkwrite_before_using_it() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README");
    let install = readme
        .find("cargo install --path checks")
        .expect("install line");
    // A bare use: a command line, or inline code, that starts with `mkwrite `.
    let first_use = ["\nmkwrite ", "`mkwrite "]
        .iter()
        .filter_map(|p| readme.find(p))
        .min()
        .expect("a bare use");
    assert!(install < first_use);
}

// The teaching page refuses a busy port in one line, suggesting --port.
#[test]
fn play_refuses_a_busy_port() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = l.local_addr().expect("addr").port().to_string();
    assert_bad(&["play", "--port", &port], "try another port with --port N");
    assert_bad(&["play", "--scenario", "R9"], "unknown scenario 'R9'");
}
