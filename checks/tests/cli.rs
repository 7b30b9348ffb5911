//! The `mkwrite` binary: exit codes, JSON records, and a one-line message with exit code 2 for
//! every kind of bad input.

use std::process::{Command, Output};

fn mkwrite(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mkwrite"))
        .args(args)
        .output()
        .expect("run mkwrite")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Exit code 2, nothing on stdout, exactly one line on stderr containing `needle`.
fn assert_bad_input(args: &[&str], needle: &str) {
    let o = mkwrite(args);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err:?}");
    assert!(err.starts_with("mkwrite: "), "{err:?}");
    assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
    assert!(!err.contains("panicked"), "{err:?}");
    assert!(stdout(&o).is_empty());
}

#[test]
fn unknown_scenario_is_rejected() {
    assert_bad_input(&["check", "--scenario", "nope"], "unknown scenario 'nope'");
}

#[test]
fn unknown_protocol_is_rejected() {
    assert_bad_input(
        &["check", "--protocol", "older"],
        "--protocol older: expected one of old, new",
    );
}

#[test]
fn old_protocol_with_locked_fs_is_a_contradiction() {
    assert_bad_input(
        &["check", "--protocol", "old", "--fs", "locked"],
        "--protocol old has no VM_FAULT_LOCKED convention",
    );
}

#[test]
fn out_of_range_numbers_are_rejected() {
    assert_bad_input(&["check", "--writers", "4"], "--writers 4: expected 1 to 3");
    assert_bad_input(&["check", "--writers", "0"], "--writers 0: expected 1 to 3");
    assert_bad_input(
        &["check", "--writeback", "4"],
        "--writeback 4: expected 0 to 3",
    );
    assert_bad_input(
        &["check", "--truncate", "2"],
        "--truncate 2: expected 0 or 1",
    );
    assert_bad_input(
        &["check", "--writers", "two"],
        "--writers two: expected 1 to 3",
    );
}

#[test]
fn bad_choices_are_rejected() {
    assert_bad_input(
        &["check", "--pte", "rw"],
        "--pte rw: expected one of ro, none",
    );
    assert_bad_input(
        &["check", "--page", "hot"],
        "--page hot: expected one of clean, dirty",
    );
    assert_bad_input(
        &["check", "--fs", "maybe"],
        "--fs maybe: unknown filesystem (mkwrite filesystems lists the names)",
    );
    assert_bad_input(
        &["check", "--shared-mm"],
        "--shared-mm needs --writers 2 or 3",
    );
}

#[test]
fn unknown_flags_and_commands_are_rejected() {
    assert_bad_input(
        &["check", "--frobnicate"],
        "check does not take --frobnicate",
    );
    assert_bad_input(&["frobnicate"], "unrecognized subcommand 'frobnicate'");
}

#[test]
fn violated_check_exits_1_and_names_the_invariant() {
    let o = mkwrite(&["check", "--scenario", "R1", "--quiet"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("writable_pte_has_fs_metadata             INV-1     VIOLATED  11 steps"),
        "{out}"
    );
    assert!(out.contains("counterexample: writable_pte_has_fs_metadata (INV-1)"));
}

#[test]
fn holding_check_exits_0() {
    let o = mkwrite(&[
        "check",
        "--protocol",
        "new",
        "--writeback",
        "2",
        "--truncate",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(!stdout(&o).contains("VIOLATED"));
}

#[test]
fn json_has_one_record_per_invariant_with_the_contract_fields() {
    let o = mkwrite(&["check", "--scenario", "R3", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), mkwrite_model::Inv::ALL.len());
    for v in &lines {
        for k in [
            "protocol",
            "fs",
            "writers",
            "writeback",
            "truncate",
            "pte",
            "page",
            "strict",
            "checker",
            "invariant",
            "inv",
            "verdict",
            "states",
            "seconds",
            "trace_len",
        ] {
            assert!(v.get(k).is_some(), "missing {k} in {v}");
        }
        assert_eq!(v["protocol"], "old");
        assert_eq!(v["pte"], "none");
        assert_eq!(v["checker"], "stateright");
    }
    let inv1 = lines.iter().find(|v| v["inv"] == "INV-1").unwrap();
    assert_eq!(inv1["verdict"], "violated");
    assert_eq!(inv1["trace_len"], 13);
    let inv4 = lines.iter().find(|v| v["inv"] == "INV-4").unwrap();
    assert_eq!(inv4["verdict"], "holds");
    assert!(inv4["trace_len"].is_null());
}

#[test]
fn headline_runs_and_shows_old_versus_new() {
    let o = mkwrite(&[]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains("R1     INV-1 INV-2 INV-3d     INV-1 INV-2 INV-3d     holds"),
        "{out}"
    );
    assert!(out.contains("Shortest old counterexample of writable_pte_has_fs_metadata (INV-1)"));
}

#[test]
fn matrix_json_has_a_record_per_configuration_and_invariant() {
    let o = mkwrite(&["check", "--matrix", "--json", "--quiet"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "old violates, so the matrix exits 1"
    );
    let n = stdout(&o).lines().count();
    assert_eq!(n, 144 * mkwrite_model::Inv::ALL.len());
}

#[test]
fn matrix_rejects_configuration_flags() {
    assert_bad_input(
        &["check", "--matrix", "--scenario", "R1"],
        "cannot be used with",
    );
}

#[test]
fn bench_one_prints_states_seconds_and_peak_memory() {
    let o = mkwrite(&["bench-one", "--protocol", "new", "--writeback", "2"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    let f: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(f.len(), 3, "{out:?}");
    assert_eq!(
        f[0], "126",
        "states of new/locked w1 wb2 t0 pte=ro page=clean"
    );
    assert!(f[1].parse::<f64>().is_ok() && f[2].parse::<u64>().unwrap() > 0);
    assert_bad_input(&["bench", "--runs", "0"], "--runs 0: expected 1 to 20");
}

#[test]
fn checker_all_shows_three_agreeing_columns_with_coverage() {
    let o = mkwrite(&["check", "--checker", "all", "--scenario", "R1", "--quiet"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("stateright") && out.contains("loom") && out.contains("shuttle"));
    let coverage = out.lines().find(|l| l.ends_with("coverage")).unwrap();
    assert_eq!(coverage.matches("exhaustive").count(), 3, "{out}");
    assert!(!out.contains("DISAGREEMENT"), "{out}");
    let inv1 = out.lines().find(|l| l.starts_with("INV-1 ")).unwrap();
    assert_eq!(inv1.matches("VIOLATED").count(), 3, "{inv1}");
}

#[test]
fn checker_json_records_carry_checker_and_coverage() {
    let o = mkwrite(&[
        "check",
        "--checker",
        "shuttle",
        "--scenario",
        "R5",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let recs: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), mkwrite_model::Inv::ALL.len());
    assert!(recs
        .iter()
        .all(|r| r["checker"] == "shuttle" && r["coverage"] == "exhaustive"));
    let inv1 = recs.iter().find(|r| r["inv"] == "INV-1").unwrap();
    assert_eq!(inv1["verdict"], "violated");
    assert!(inv1["schedule"].is_string());
}

#[test]
fn a_printed_schedule_replays_from_the_command_line() {
    let o = mkwrite(&[
        "check",
        "--checker",
        "shuttle",
        "--scenario",
        "R1",
        "--json",
    ]);
    let recs: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let inv1 = recs.iter().find(|r| r["inv"] == "INV-1").unwrap();
    let schedule = inv1["schedule"].as_str().unwrap();
    let o = mkwrite(&[
        "check",
        "--scenario",
        "R1",
        "--checker",
        "shuttle",
        "--replay",
        schedule,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("violated: writable_pte_has_fs_metadata (INV-1)"));
}

#[test]
fn bad_checker_and_replay_input_is_rejected() {
    assert_bad_input(
        &["check", "--checker", "spin"],
        "--checker spin: expected one of",
    );
    assert_bad_input(
        &["check", "--replay", "91"],
        "--replay needs --checker shuttle",
    );
    assert_bad_input(
        &["check", "--checker", "shuttle", "--replay", "not-hex"],
        "--replay: a shuttle schedule is hex digits, not 'n'",
    );
    assert_bad_input(
        &["check", "--checker", "shuttle", "--replay", "0000"],
        "--replay: not a shuttle schedule: it starts with 00",
    );
}

#[test]
fn trace_prints_json_that_replay_reads_and_stops_on_the_new_protocol() {
    let o = mkwrite(&[
        "trace",
        "--scenario",
        "R1",
        "--format",
        "json",
        "--invariant",
        "INV-1",
    ]);
    assert_eq!(o.status.code(), Some(1), "a counterexample: {}", stderr(&o));
    let dir = std::env::temp_dir().join(format!("mkwrite-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("r1.json");
    std::fs::write(&file, stdout(&o)).unwrap();
    let f = file.to_str().unwrap();
    let own = mkwrite(&["replay", f]);
    assert_eq!(
        own.status.code(),
        Some(1),
        "the replay ends in the violation"
    );
    assert!(stdout(&own).contains("(the file's configuration)"));
    assert!(stdout(&own).contains(
        "result: all 11 steps run here and violate writable_pte_has_fs_metadata (INV-1)"
    ));
    let new = mkwrite(&["replay", f, "--protocol", "new", "--fs", "locked"]);
    assert_eq!(new.status.code(), Some(0), "{}", stdout(&new));
    let out = stdout(&new);
    assert!(out.contains("(overriding the file's configuration)"));
    assert!(
        out.contains(
            "W0  cannot take W2-W5 (write_cache_pages): waits for the page lock, held by F0"
        ),
        "{out}"
    );
    // Malformed files, another model version, unknown threads: one line, exit 2.
    std::fs::write(dir.join("bad.json"), "{\"x\":1}").unwrap();
    assert_bad_input(
        &["replay", dir.join("bad.json").to_str().unwrap()],
        "record 1: no model_version: not a mkwrite trace",
    );
    let text = stdout(&o).replace("\"model_version\":4", "\"model_version\":99");
    std::fs::write(dir.join("v99.json"), text).unwrap();
    assert_bad_input(
        &["replay", dir.join("v99.json").to_str().unwrap()],
        "model version 99",
    );
    let text = stdout(&o).replace("\"thread\":\"W0\"", "\"thread\":\"W7\"");
    std::fs::write(dir.join("w7.json"), text).unwrap();
    assert_bad_input(
        &["replay", dir.join("w7.json").to_str().unwrap()],
        "not a trace of its configuration: step 6: it has no thread W7",
    );
    assert_bad_input(
        &["replay", dir.join("missing.json").to_str().unwrap()],
        "missing.json",
    );
    assert_bad_input(
        &["trace", "--format", "svg"],
        "--format svg: expected one of text, json, mermaid",
    );
    assert_bad_input(
        &["trace", "--invariant", "INV-10"],
        "--invariant INV-10: no such invariant",
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_initial_extent_is_checked_and_travels_in_a_trace_file() {
    assert_bad_input(
        &["check", "--fs", "buffer", "--initial-extent", "sparse"],
        "--initial-extent sparse: expected one of real, hole, delalloc",
    );
    assert_bad_input(
        &["check", "--fs", "nfs", "--initial-extent", "hole"],
        "--initial-extent hole is modelled for --fs buffer only, not nfs",
    );
    assert_bad_input(
        &["check", "--fs", "buffer", "--initial-extent", "delalloc"],
        "--initial-extent delalloc needs --page dirty",
    );
    assert_bad_input(
        &[
            "check",
            "--fs",
            "buffer",
            "--initial-extent",
            "hole",
            "--page",
            "dirty",
        ],
        "--initial-extent hole needs --page clean",
    );
    // The old VM's accounting race from a hole: the file records the extent, and replaying it
    // with the file's own configuration ends in the same violation.
    let o = mkwrite(&[
        "trace",
        "--fs",
        "buffer",
        "--initial-extent",
        "hole",
        "--truncate",
        "1",
        "--writeback",
        "2",
        "--format",
        "json",
        "--invariant",
        "ACCT",
    ]);
    // trace exits 1 when it prints a counterexample.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("\"initial_extent\":\"hole\""));
    let dir = std::env::temp_dir().join(format!("mkwrite-cli-extent-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("hole.json");
    std::fs::write(&file, stdout(&o)).unwrap();
    let own = mkwrite(&["replay", file.to_str().unwrap()]);
    assert_eq!(own.status.code(), Some(1), "{}", stdout(&own));
    let out = stdout(&own);
    assert!(
        out.contains("extent=hole (the file's configuration)"),
        "{out}"
    );
    assert!(
        out.contains("violate dirty_accounting_balanced (ACCT)"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn trace_says_plainly_when_there_is_no_counterexample() {
    let o = mkwrite(&["trace", "--protocol", "new", "--quiet"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with("no counterexample: every invariant holds in new/locked"));
}

#[test]
fn exposure_for_one_filesystem_gives_its_eras_rows() {
    // A name is every era of the filesystem; NAME@COMMIT one era; four rows each (two VMs,
    // with and without reclaim), and no table of the unmodelled ones.
    let rows = |args: &[&str]| {
        let o = mkwrite(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let out = stdout(&o);
        assert!(!out.contains("Not modelled"), "{out}");
        out.lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|w| w.starts_with("ext4") || w.starts_with("buffer"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let both = rows(&["exposure", "--quiet", "--fs", "ext4"]);
    assert_eq!(both.len(), 8, "{both:?}");
    assert_eq!(both.iter().filter(|f| *f == "ext4").count(), 4);
    let one = rows(&["exposure", "--quiet", "--fs", "EXT4@9ea7df534ed2"]);
    assert_eq!(one, vec!["ext4@9ea7df534ed2"; 4]);
    assert_eq!(
        rows(&["exposure", "--quiet", "--fs", "xfs"]),
        vec!["buffer"; 4]
    );
    let o = mkwrite(&["exposure", "--quiet", "--json", "--fs", "xfs"]);
    assert_eq!(stdout(&o).lines().count(), 4);
    assert_bad_input(&["exposure", "--fs", "seed"], "ran in no release");
    assert_bad_input(&["exposure", "--fs", "locked"], "ran in no release");
    assert_bad_input(&["exposure", "--fs", "zfs"], "unknown filesystem");
    assert_bad_input(&["exposure", "--fs", "nfs", "--svg"], "leave out --fs");
}
