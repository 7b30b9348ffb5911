//! What a hostile tester and a first-time user found (issue 24), each through the real
//! binary: no panic and no silent hang (closed and full output streams, a configuration too
//! large for the machine, the teaching server under a long search, unbounded counts), answers
//! a user can trust (replay's three outcomes, one exit-code rule, progress, widths), a kernel
//! developer's question answered by one command (the exposure table's commands, the names
//! people type), and documents that say what the program does.
//!
//! Every case is small: a budget of a few thousand states, a few seeds, one run.

use serde_json::Value;
use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_mkwrite");

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// `mkwrite ARGS` run from the repository, with no progress override.
fn cmd(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .current_dir(root())
        .env_remove("MKWRITE_PROGRESS");
    c
}

fn run(args: &[&str]) -> Output {
    cmd(args).output().expect("run mkwrite")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// No panic, no backtrace, and every line on stderr fits 100 columns.
fn assert_clean_stderr(what: &str, o: &Output) {
    let e = err(o);
    assert!(
        !e.contains("panicked") && !e.contains("RUST_BACKTRACE"),
        "{what}: {e}"
    );
    for l in e.split(['\n', '\r']) {
        let l = l.trim_start_matches("\x1b[K");
        assert!(
            l.chars().count() <= 100,
            "{what}: {} columns on stderr: {l}",
            l.chars().count()
        );
    }
}

/// `mkwrite ARGS`, killed and failed if it is still running after `secs` seconds.
fn run_within(args: &[&str], secs: u64) -> Output {
    let mut child = cmd(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mkwrite");
    let end = Instant::now() + Duration::from_secs(secs);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > end {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} still running after {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// Exit code `code`, and exactly one line on stderr (`mkwrite: ...`) containing `needle`.
fn assert_one_line(args: &[&str], code: i32, needle: &str) -> Output {
    let o = run_within(args, 60);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {e}");
    assert_eq!(e.lines().count(), 1, "{args:?}: not one line: {e:?}");
    assert!(e.starts_with("mkwrite: "), "{args:?}: {e:?}");
    assert!(e.contains(needle), "{args:?}: {e:?} lacks {needle:?}");
    assert_clean_stderr(&format!("{args:?}"), &o);
    o
}

fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mkwrite-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Run `args` with the read end of its stdout (or stderr) closed before it writes.
fn with_closed(args: &[&str], close_stdout: bool, progress: bool) -> Output {
    let mut c = cmd(args);
    if progress {
        c.env("MKWRITE_PROGRESS", "always");
    }
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mkwrite");
    if close_stdout {
        drop(child.stdout.take());
    } else {
        drop(child.stderr.take());
    }
    child.wait_with_output().expect("wait")
}

/// Run a bash pipeline with `$0` standing for the binary; its exit code is mkwrite's
/// (`pipefail`, and `head` exits 0).
fn pipeline(script: &str) -> Output {
    Command::new("bash")
        .args(["-c", &format!("set -o pipefail; {script}"), BIN])
        .current_dir(root())
        .env("MKWRITE_PROGRESS", "always")
        .output()
        .expect("bash")
}

fn dev_full() -> std::fs::File {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full")
}

// Item 1: progress on a closed or full stderr never panics.
#[test]
fn progress_on_a_closed_or_full_stderr_never_panics() {
    for (args, code) in [
        (vec!["check", "--matrix"], 1),
        (vec!["ablate", "--full"], 0),
        (vec!["bench-pct", "--seeds", "3", "--iterations", "50"], 0),
    ] {
        let o = with_closed(&args, false, true);
        assert_eq!(o.status.code(), Some(code), "{args:?} with stderr closed");
        assert!(!out(&o).is_empty(), "{args:?} still prints its result");
    }
    // `mkwrite ... 2>&1 | head -1` and `2>&1 >/dev/null | head -1`: the pipe closes under both
    // streams.
    for script in [
        "\"$0\" check --matrix 2>&1 | head -1",
        "\"$0\" check --matrix 2>&1 >/dev/null | head -1",
        "\"$0\" ablate --full 2>&1 | head -1",
    ] {
        let o = pipeline(script);
        let want = if script.contains("ablate") { 0 } else { 1 };
        assert_eq!(o.status.code(), Some(want), "{script}: {}", err(&o));
        assert_clean_stderr(script, &o);
    }
    // A full stderr: the bad-input message cannot be written, the exit code stays 2; progress
    // cannot be written, the run goes on.
    let o = cmd(&["check", "--writers", "9"])
        .stderr(dev_full())
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    let o = cmd(&["exposure"])
        .env("MKWRITE_PROGRESS", "always")
        .stdout(Stdio::null())
        .stderr(dev_full())
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "exposure 2>/dev/full >/dev/null");
}

#[test]
fn bench_survives_a_closed_stderr() {
    let o = with_closed(&["bench", "--runs", "1"], false, true);
    assert_eq!(o.status.code(), Some(0));
    assert!(out(&o).contains("largest peak memory"), "{}", out(&o));
}

// Item 2: a closed stdout keeps the verdict; a full one is an error.
#[test]
fn a_closed_stdout_keeps_the_verdict_and_a_full_one_is_an_error() {
    for (args, code) in [
        (vec!["check", "--scenario", "R1", "--quiet"], 1),
        (vec!["check", "--protocol", "new", "--quiet"], 0),
        (vec!["trace", "--scenario", "R1", "--quiet"], 1),
        (vec![], 0),
    ] {
        let o = with_closed(&args, true, false);
        assert_eq!(o.status.code(), Some(code), "{args:?} | (closed)");
        assert_clean_stderr(&format!("{args:?}"), &o);
        assert!(
            err(&o).is_empty(),
            "{args:?}: a closed pipe is quiet: {}",
            err(&o)
        );
    }
    let o = pipeline("\"$0\" check --checker all --scenario R1 --quiet | head -1");
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    for args in [vec!["check", "--scenario", "R1", "--quiet"], vec![]] {
        let o = cmd(&args).stdout(dev_full()).output().expect("run");
        let e = err(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?} > /dev/full: {e}");
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(
            e.starts_with("mkwrite: cannot write to standard output: "),
            "{e}"
        );
    }
}

// Item 3: the state budget is a message and exit code 4, said before the start where it can
// be estimated.
#[test]
fn a_configuration_too_large_stops_at_the_budget_with_exit_4() {
    let big = [
        "--writers",
        "3",
        "--writeback",
        "3",
        "--truncate",
        "1",
        "--reclaim",
        "1",
        "--pte",
        "none",
        "--page",
        "dirty",
        "--max-states",
        "20000",
    ];
    for sub in ["check", "trace", "bench-one"] {
        let mut args = vec![sub];
        args.extend(big);
        let start = Instant::now();
        let o = run(&args);
        assert!(start.elapsed() < Duration::from_secs(30), "{sub}: quick");
        assert_eq!(o.status.code(), Some(4), "{sub}: {}", err(&o));
        assert!(out(&o).is_empty(), "{sub}: no verdict printed");
        assert_clean_stderr(sub, &o);
        let e = err(&o);
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(lines.len(), 2, "{sub}: the estimate, then the stop: {e}");
        assert!(
            lines[0].starts_with("mkwrite: note: ")
                && lines[0].contains("states expected, over the budget of 20.0k"),
            "{e}"
        );
        let stop = lines[1];
        assert!(
            stop.starts_with("mkwrite: incomplete: no verdict at "),
            "{stop}"
        );
        assert!(
            stop.contains("--max-states N") && stop.contains("--writers 2"),
            "{stop}"
        );
    }
    // --quiet drops the estimate, not the stop.
    let mut args = vec!["check", "--quiet"];
    args.extend(big);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(4));
    assert_eq!(err(&o).lines().count(), 1, "{}", err(&o));
    assert_one_line(
        &["check", "--max-states", "5"],
        2,
        "--max-states 5: expected 1000 to 2000000000",
    );
    let help = out(&run(&["check", "--help"]));
    assert!(help.contains("4  incomplete"), "{help}");
    assert!(help.contains("--max-states <N>"), "{help}");
}

/// The estimate made before a search brackets the measured counts of configurations it was
/// not fitted to: profiles other than the seed filesystem, two and three writers.
#[test]
fn the_estimate_brackets_measured_counts() {
    use mkwrite_model::{Config, Fs, Protocol};
    let cases = [
        Config {
            writers: 2,
            writeback: 2,
            truncate: true,
            ..Config::new(Protocol::New)
        },
        Config {
            fs: Fs::NFS,
            writers: 2,
            writeback: 2,
            ..Config::new(Protocol::Old)
        },
        Config {
            writers: 3,
            shared_mm: true,
            writeback: 2,
            truncate: true,
            ..Config::new(Protocol::Old)
        },
        Config {
            fs: Fs::BUFFER,
            writers: 2,
            shared_mm: true,
            writeback: 2,
            truncate: true,
            reclaim: true,
            ..Config::new(Protocol::New)
        },
    ];
    for cfg in cases {
        let e = checks::run::estimate(&cfg).expect("an estimate");
        let states = checks::run::check(&cfg, false).states;
        assert!(
            e.low / 2 <= states && states <= e.high * 2,
            "{}: {states} states, estimated {}-{}",
            cfg.label(),
            e.low,
            e.high
        );
    }
}

/// One HTTP/1.0 GET: the status, the body and how long it took.
fn get(port: u16, path: &str) -> (u16, String, Duration) {
    let start = Instant::now();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").expect("send");
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("read");
    let status = resp
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body, start.elapsed())
}

/// Kills the server when the test ends, passing or failing.
struct Server(Child, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `mkwrite play ARGS --port 0`, and the port it says it listens on.
fn play(args: &[&str]) -> Server {
    let mut all = vec!["play", "--port", "0"];
    all.extend(args);
    let mut child = cmd(&all)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("mkwrite play");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the first line");
    let port = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    assert_ne!(port, 0, "the port it listens on, not 0: {line}");
    Server(child, port)
}

// Item 4: the teaching server answers while it computes, is bounded by the budget, tells the
// page, and survives.
#[test]
fn the_teaching_server_answers_while_it_computes_and_survives_the_budget() {
    let s = play(&[
        "--writers",
        "3",
        "--writeback",
        "3",
        "--truncate",
        "1",
        "--reclaim",
        "1",
        "--pte",
        "none",
        "--page",
        "dirty",
        "--max-states",
        "3000000",
    ]);
    let port = s.1;
    let asking = std::thread::spawn(move || get(port, "/api/violations?level=custom"));
    std::thread::sleep(Duration::from_millis(300));
    // Meanwhile the page's other requests are answered at once.
    for path in ["/", "/api/levels", "/api/view?level=custom&path=F0"] {
        let (status, _, took) = get(port, path);
        assert_eq!(status, 200, "{path}");
        assert!(took < Duration::from_secs(2), "{path} waited {took:?}");
    }
    let (status, body, took) = asking.join().expect("the first answer");
    assert!(
        took < Duration::from_secs(5),
        "the search request waited {took:?}"
    );
    let mut answer: Value = serde_json::from_str(&body).expect("JSON");
    if status == 202 {
        assert_eq!(answer["pending"], true, "{answer}");
        assert!(answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("still checking")));
    }
    let end = Instant::now() + Duration::from_secs(120);
    while answer.get("pending").is_some() {
        assert!(Instant::now() < end, "the search never ended");
        std::thread::sleep(Duration::from_millis(300));
        let (_, body, _) = get(port, "/api/violations?level=custom");
        answer = serde_json::from_str(&body).expect("JSON");
    }
    assert_eq!(answer["incomplete"], true, "{answer}");
    let msg = answer["message"].as_str().expect("a message");
    assert!(
        msg.contains("state budget of 3.0M states")
            && msg.contains("--max-states N")
            && msg.contains("--writers 2"),
        "{msg}"
    );
    // The server is alive and answers the next question.
    let (status, levels, _) = get(port, "/api/levels");
    assert_eq!(status, 200);
    assert!(levels.contains("\"custom\""));
    // The page shows such messages.
    let (_, page, _) = get(port, "/play.js");
    assert!(page.contains("notice(vs.message"));
    let (_, html, _) = get(port, "/");
    assert!(html.contains("id=\"notice\""));
}

// Item 5: every count is bounded; bench-pct stops a seed at its first finding.
#[test]
fn every_count_flag_is_bounded() {
    for (args, needle) in [
        (
            vec!["bench", "--runs", "4294967296"],
            "--runs 4294967296: expected 1 to 20",
        ),
        (
            vec!["bench-pct", "--seeds", "4294967296"],
            "--seeds 4294967296: expected 1 to 100",
        ),
        (
            vec!["bench-pct", "--iterations", "18446744073709551615"],
            "--iterations 18446744073709551615: expected 1 to 10000",
        ),
        (
            vec!["bench-pct", "--depth", "0"],
            "--depth 0: expected 1 to 10",
        ),
        (
            vec!["check", "--writers", "99999999999999999999"],
            "--writers 99999999999999999999: expected 1 to 3",
        ),
        (
            vec!["check", "--width", "5"],
            "--width 5: expected 60 to 200",
        ),
        (
            vec!["play", "--port", "70000"],
            "--port 70000: expected 0 to 65535",
        ),
        (
            vec!["check", "--stores", "-3"],
            "--stores -3: expected 1 or 2",
        ),
    ] {
        assert_one_line(&args, 2, needle);
    }
}

#[test]
fn bench_pct_stops_a_seed_at_its_first_finding() {
    let cfg = mkwrite_model::Config::scenario("R1").expect("R1");
    let inv = mkwrite_model::Inv::WritablePteHasFsMetadata;
    let whole = checks::threaded::shuttle_pct(&cfg, 2000, 3, 1);
    let first = whole.first_found.get(&inv).copied();
    let (found, ran) = checks::bench::pct_first(&cfg, inv, 2000, 3, 1);
    assert_eq!(found, first, "the same first finding as one run of 2000");
    let n = found.expect("R1 is found");
    assert!(
        ran <= 4 * n + 16 && ran < 2000,
        "{ran} executions for a finding at {n}"
    );
}

// Item 6: replay tells a broken trace from a blocked path.
#[test]
fn replay_tells_a_broken_trace_from_a_blocked_path() {
    let file = "traces/old-unlocked/wp-fault+writeback/writable_pte_has_fs_metadata.json";
    let text = std::fs::read_to_string(root().join(file)).expect("the R1 trace");
    let rec: Value = serde_json::from_str(&text).expect("JSON");
    // The files are replayed from their directory, by name, as a person replays `r1.json`.
    let dir = temp_dir();
    let write = |name: &str, v: &Value| {
        std::fs::write(
            dir.join(name),
            serde_json::to_string_pretty(v).expect("JSON"),
        )
        .expect("write");
        name.to_string()
    };
    let in_dir = |args: &[&str]| -> Output {
        let mut c = cmd(args);
        c.current_dir(&dir);
        c.output().expect("run mkwrite")
    };
    let one_line_in_dir = |args: &[&str], needle: &str| {
        let o = in_dir(args);
        let e = err(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(e.contains(needle), "{args:?}: {e:?} lacks {needle:?}");
        assert_clean_stderr("replay", &o);
    };
    // Malformed: no steps; steps out of order.
    let mut empty = rec.clone();
    empty["steps"] = Value::Array(vec![]);
    one_line_in_dir(&["replay", &write("empty.json", &empty)], "no steps");
    let steps = rec["steps"].as_array().expect("steps").clone();
    let n = steps.len();
    let mut unnumbered = rec.clone();
    let mut s = steps.clone();
    s.swap(3, 4);
    unnumbered["steps"] = Value::Array(s);
    one_line_in_dir(
        &["replay", &write("order.json", &unnumbered)],
        "the steps are out of order (entry 4 is step 5)",
    );
    // Every swap of two steps, renumbered: never "nothing is violated" against the file's own
    // configuration; either not a trace of it (2), or another path into the same violation.
    let mut refused = 0;
    for i in 0..n {
        for j in i + 1..n {
            let mut s = steps.clone();
            s.swap(i, j);
            for (k, st) in s.iter_mut().enumerate() {
                st["step"] = Value::from(k + 1);
            }
            let mut r = rec.clone();
            r["steps"] = Value::Array(s);
            let f = write(&format!("swap-{i}-{j}.json"), &r);
            let o = in_dir(&["replay", &f]);
            match o.status.code() {
                Some(2) => {
                    assert!(
                        err(&o).contains("not a trace of its configuration: "),
                        "{i}<->{j}: {}",
                        err(&o)
                    );
                    refused += 1;
                }
                Some(1) => assert!(
                    out(&o).contains("violate writable_pte_has_fs_metadata (INV-1)"),
                    "{i}<->{j}: {}",
                    out(&o)
                ),
                other => panic!("{i}<->{j}: exit {other:?}: {}{}", out(&o), err(&o)),
            }
        }
    }
    assert!(refused > n, "{refused} swaps refused");
    // A step the file names differently from the model's.
    let mut renamed = rec.clone();
    renamed["steps"][4]["id"] = Value::from("W6c");
    one_line_in_dir(
        &["replay", &write("renamed.json", &renamed)],
        "not a trace of its configuration: step 5: F0 takes WP5 here, not W6c",
    );
    // Its own configuration: runs through into its violation.
    let o = run(&["replay", file]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains(
        "result: all 11 steps run here and violate writable_pte_has_fs_metadata (INV-1)"
    ));
    // The fixed kernel blocks it, and says where and why.
    let o = run(&["replay", file, "--protocol", "new", "--fs", "locked"]);
    assert_eq!(o.status.code(), Some(0));
    let t = out(&o);
    assert!(
        t.contains("result: the path is blocked at step 7 of 11 (W0 waits for a lock)"),
        "{t}"
    );
    assert!(
        t.contains("waits for the page lock, held by F0 since step 2"),
        "{t}"
    );
    // A trace of a configuration with a truncate, against one without: another configuration.
    let h2009 = "traces/old-unlocked/wp-fault+truncate/dirty_accounting_balanced.json";
    let o = run(&["replay", h2009, "--truncate", "0"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let t = out(&o).replace("\n    ", " ");
    assert!(
        t.contains(
            "result: the path is blocked at step 9 of 16 (no thread T0 here: the trace belongs \
             to another configuration)"
        ),
        "{t}"
    );
}

// Item 7: one exit-code rule, stated in --help and the README, for every subcommand.
#[test]
fn every_subcommand_follows_one_exit_code_rule() {
    let r1 = "traces/old-unlocked/wp-fault+writeback/writable_pte_has_fs_metadata.json";
    for (args, code) in [
        (vec!["check", "--scenario", "R1"], 1),
        (vec!["check", "--protocol", "new"], 0),
        (vec!["check", "--checker", "shuttle", "--scenario", "R1"], 1),
        (
            vec!["check", "--checker", "shuttle", "--protocol", "new"],
            0,
        ),
        (
            vec![
                "check",
                "--checker",
                "loom",
                "--writers",
                "2",
                "--writeback",
                "1",
                "--truncate",
                "1",
            ],
            4,
        ),
        (vec!["trace", "--scenario", "R1"], 1),
        (vec!["trace", "--scenario", "R1", "--format", "json"], 1),
        (vec!["trace", "--protocol", "new"], 0),
        (vec!["replay", r1], 1),
        (vec!["replay", r1, "--protocol", "new", "--fs", "locked"], 0),
        (vec!["ablate"], 0),
        (vec!["bench-pct", "--seeds", "1", "--iterations", "20"], 0),
        (vec!["bench-one", "--protocol", "new"], 0),
        (vec!["scenarios"], 0),
        (vec!["filesystems"], 0),
        (vec![], 0),
        (vec!["--help"], 0),
        (vec!["help"], 0),
        (vec!["help", "--help"], 0),
        (vec!["help", "check"], 0),
        (vec!["play", "--scenario", "R9"], 2),
        (vec!["bench", "--runs", "0"], 2),
        (vec!["exposure", "--json", "--svg"], 2),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {}", err(&o));
        assert_clean_stderr(&format!("{args:?}"), &o);
    }
    // The rule in --help, and the same codes in the README's table.
    let help = out(&run(&["--help"]));
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    for (code, word) in [
        (0, "holds"),
        (1, "violated"),
        (2, "bad input"),
        (3, "vacuous"),
        (4, "incomplete"),
    ] {
        assert!(
            help.contains(&format!("  {code}  {word}")),
            "--help: {code} {word}"
        );
        assert!(
            readme.contains(&format!("| {code} | {word}")),
            "README: {code} {word}"
        );
    }
    assert!(help.contains("check, trace and replay exit 1 whenever they print a violation"));
    assert!(readme.contains("`check`, `trace` and `replay` exit 1 whenever they print a violation"));
}

// Item 8: every slow command shows progress on a terminal; --quiet everywhere that works.
#[test]
fn every_command_that_works_takes_quiet_and_shows_progress() {
    let r1 = "traces/old-unlocked/wp-fault+writeback/writable_pte_has_fs_metadata.json";
    for args in [
        vec!["check", "--quiet", "--protocol", "new"],
        vec!["trace", "--quiet", "--protocol", "new"],
        vec!["replay", "--quiet", r1],
        vec!["ablate", "--quiet"],
        vec!["bench-pct", "--quiet", "--seeds", "1", "--iterations", "10"],
        vec!["bench-one", "--quiet", "--protocol", "new"],
    ] {
        let o = run(&args);
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            err(&o)
        );
        assert!(err(&o).is_empty(), "{args:?}: {}", err(&o));
    }
    for args in [
        vec!["exposure", "--quiet", "--json", "--markdown"],
        vec!["bench", "--quiet", "--runs", "0"],
        vec!["play", "--quiet", "--port", "70000"],
    ] {
        let e = err(&run(&args));
        assert!(!e.contains("does not take --quiet"), "{args:?}: {e}");
    }
    // The progress line: `\r` updates on a terminal (MKWRITE_PROGRESS=always stands in).
    for (args, needle) in [
        (
            vec![
                "check",
                "--checker",
                "loom",
                "--writers",
                "2",
                "--writeback",
                "2",
                "--pte",
                "none",
                "--page",
                "dirty",
            ],
            "\rloom: ",
        ),
        (
            vec![
                "bench-pct",
                "--seeds",
                "5",
                "--depth",
                "1",
                "--iterations",
                "2000",
            ],
            "\rbench-pct: seed ",
        ),
        (
            vec![
                "check",
                "--writers",
                "3",
                "--shared-mm",
                "--writeback",
                "2",
                "--truncate",
                "1",
            ],
            "/s, depth ",
        ),
    ] {
        let o = cmd(&args)
            .env("MKWRITE_PROGRESS", "always")
            .output()
            .expect("run");
        let e = err(&o);
        assert!(e.contains(needle), "{args:?}: {e:?}");
        assert!(
            e.ends_with("\r\x1b[K"),
            "{args:?}: the line is cleared at the end: {e:?}"
        );
        // Not a terminal: nothing.
        let o = run(&args);
        assert!(err(&o).is_empty(), "{args:?}: {}", err(&o));
    }
}

fn assert_width(what: &str, text: &str, width: usize) {
    for l in text.lines() {
        assert!(
            l.chars().count() <= width,
            "{what}: {} columns (of {width}): {l}",
            l.chars().count()
        );
    }
}

// Item 9: 100 columns everywhere, and a mail width.
#[test]
fn every_output_fits_its_width() {
    // Every committed text trace.
    let mut stack = vec![root().join("traces")];
    let mut n = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("a directory") {
            let p = e.expect("an entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "txt") {
                let t = std::fs::read_to_string(&p).expect("a trace");
                assert_width(&p.display().to_string(), &t, 100);
                n += 1;
            }
        }
    }
    assert!(n > 50, "{n} traces");
    let r1 = "traces/old-unlocked/wp-fault+writeback/writable_pte_has_fs_metadata.json";
    let runs: Vec<Vec<&str>> = vec![
        vec![],
        vec!["--help"],
        vec!["check", "--help"],
        vec!["check", "--scenario", "R1"],
        vec!["check", "--scenario", "R7-fixed", "--enospc"],
        vec!["check", "--scenario", "R1", "--checker", "shuttle"],
        vec!["check", "--matrix"],
        vec![
            "trace",
            "--fs",
            "ext4",
            "--protocol",
            "new",
            "--writeback",
            "2",
            "--truncate",
            "1",
            "--reclaim",
            "1",
        ],
        vec!["trace", "--scenario", "R7"],
        vec!["replay", r1, "--protocol", "new", "--fs", "locked"],
        vec!["scenarios"],
        vec!["filesystems"],
        vec!["ablate"],
        vec!["bench-pct", "--seeds", "2", "--iterations", "20"],
        vec!["bench-one", "--scenario", "R1"],
    ];
    for width in [100, 72, 60] {
        let w = width.to_string();
        for args in &runs {
            let mut a = args.clone();
            a.extend(["--width", &w]);
            let o = run(&a);
            assert!(matches!(o.status.code(), Some(0 | 1)), "{a:?}: {}", err(&o));
            assert_width(&format!("{a:?}"), &out(&o), width);
        }
    }
    let o = run(&["exposure", "--width", "72"]);
    assert_width("exposure --width 72", &out(&o), 72);
    // Messages: one line of at most 100 columns whatever was typed.
    let long = "x".repeat(300);
    for args in [
        vec!["check", "--fs", long.as_str()],
        vec!["check", "--scenario", long.as_str()],
        vec!["check", "--fs", "a\nb"],
        vec!["check", "--protocol", "old\nnew"],
        vec![long.as_str()],
        vec!["check", long.as_str()],
        vec!["replay", long.as_str()],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(err(&o).lines().count(), 1, "{args:?}: {}", err(&o));
        assert_clean_stderr("a long argument", &o);
    }
}

// Item 10: each exposure row carries the command that prints its counterexample.
#[test]
fn every_exposure_row_carries_the_command_that_reproduces_it() {
    let o = run(&["exposure", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let rows: Vec<Value> = out(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let mut tried = 0;
    for r in rows.iter().filter(|r| r["verdict"] == "violated") {
        let command = r["command"].as_str().expect("a command");
        let words: Vec<&str> = command.split(' ').collect();
        assert_eq!(&words[..2], ["mkwrite", "trace"], "{command}");
        let o = run(&words[1..]);
        assert_eq!(o.status.code(), Some(1), "{command}: {}", err(&o));
        let t = out(&o);
        let inv = r["worst"].as_str().expect("worst");
        let steps = r["steps"].as_u64().expect("steps");
        assert!(t.contains(&format!("({inv}): ")), "{command}: {t}");
        assert!(
            t.contains(&format!("the shortest counterexample ({steps} steps)")),
            "{command}: not {steps} steps: {t}"
        );
        assert_eq!(t.matches("# violated").count(), 1, "{command}");
        tried += 1;
    }
    assert!(tried >= 20, "{tried} rows");
    for r in rows.iter().filter(|r| r["verdict"] == "holds") {
        assert!(r["command"].is_null(), "{r}");
    }
    // The text names its columns and prints the same commands.
    let text = out(&run(&["exposure"]));
    assert_width("exposure", &text, 100);
    assert!(
        text.contains("filesystem           vm  reclaim releases"),
        "{text}"
    );
    let nfs = rows
        .iter()
        .find(|r| r["fs"] == "nfs" && r["vm"] == "old" && r["reclaim"] == false)
        .expect("nfs old");
    let c = nfs["command"].as_str().expect("a command");
    let joined = text.replace(" \\\n        ", " ");
    assert!(joined.contains(c), "{c} not in the text");
}

// Item 11: names people type.
#[test]
fn names_people_type() {
    let xfs = run(&["check", "--fs", "xfs", "--quiet"]);
    let buffer = run(&["check", "--fs", "buffer", "--quiet"]);
    assert_eq!(xfs.status.code(), buffer.status.code());
    assert!(
        out(&xfs).contains("configuration: old/buffer "),
        "{}",
        out(&xfs)
    );
    let o = run(&[
        "check",
        "--fs",
        "nfs@7fdf523",
        "--protocol",
        "new",
        "--quiet",
    ]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", err(&o));
    assert!(out(&o).contains("new/nfs@7fdf5230676"), "{}", out(&o));
    assert!(out(&run(&["filesystems"])).contains("buffer (also --fs xfs)"));
    assert_one_line(
        &["check", "--fs", "nfs@7fd"],
        2,
        "give the commit as 7 or more hex digits",
    );
    assert_one_line(
        &["check", "--fs", "nfs@1234567"],
        2,
        "no era of nfs begins at that commit",
    );
    assert_one_line(
        &["check", "--writers", "-1"],
        2,
        "--writers -1: expected 1 to 3",
    );
    assert_one_line(
        &["trace", "--writeback", "-2"],
        2,
        "--writeback -2: expected 0 to 3",
    );
    let s = play(&[]);
    let (status, _, _) = get(s.1, "/api/levels");
    assert_eq!(status, 200, "it listens on the port it printed");
    drop(s);
    let o = run(&["help", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(out(&o).contains("Usage: mkwrite"));
    assert_one_line(
        &["check", "--fs", "a\nb"],
        2,
        "--fs a\\nb: unknown filesystem",
    );
}

/// Every `mkwrite ...` command in the README and the documents: as code-block lines (also
/// after `$ `) and as inline code.
fn documented_commands() -> Vec<(String, String)> {
    let mut docs = vec![root().join("README.md")];
    for e in std::fs::read_dir(root().join("docs")).expect("docs") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "md") {
            docs.push(p);
        }
    }
    let mut out = Vec::new();
    for d in docs {
        let text = std::fs::read_to_string(&d).expect("a document");
        let name = d.file_name().expect("name").to_string_lossy().into_owned();
        let mut in_block = false;
        for line in text.lines() {
            if line.starts_with("```") {
                in_block = !in_block;
                continue;
            }
            if in_block {
                let l = line.trim_start().trim_start_matches("$ ");
                if let Some(c) = l.strip_prefix("mkwrite ") {
                    let c = c.split('#').next().unwrap_or_default().trim();
                    out.push((name.clone(), c.to_string()));
                }
                continue;
            }
            for (i, part) in line.split('`').enumerate() {
                if i % 2 == 1 {
                    if let Some(c) = part.strip_prefix("mkwrite ") {
                        out.push((name.clone(), c.trim().to_string()));
                    }
                }
            }
        }
    }
    out
}

// Item 12: the documents and the program agree.
#[test]
fn every_documented_command_is_one_the_program_takes() {
    let top = out(&run(&["--help"]));
    let subs: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect();
    assert!(
        subs.contains(&"bench-one".to_string()),
        "bench-one is listed: {top}"
    );
    let mut helps = std::collections::HashMap::new();
    let mut checked = 0;
    for (doc, c) in documented_commands() {
        let words: Vec<&str> = c.split_whitespace().collect();
        let Some(first) = words.first() else { continue };
        // Words that are not commands: `mkwrite ...` as an ellipsis.
        if first.starts_with("...") || first.starts_with('<') || first.starts_with('[') {
            continue;
        }
        let sub = if first.starts_with('-') { "" } else { *first };
        if !sub.is_empty() {
            assert!(
                subs.iter().any(|s| s == sub),
                "{doc}: `mkwrite {c}`: no subcommand {sub}"
            );
        }
        let help = helps.entry(sub.to_string()).or_insert_with(|| {
            let args: Vec<&str> = [sub, "--help"]
                .into_iter()
                .filter(|a| !a.is_empty())
                .collect();
            out(&run(&args))
        });
        for w in &words {
            if let Some(flag) = w.strip_prefix("--") {
                let flag = flag
                    .split('=')
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches([':', ',', '.', ')', ';']);
                if flag.is_empty() || flag.contains(['.', '<', '[']) {
                    continue;
                }
                assert!(
                    help.contains(&format!("--{flag} ")) || help.contains(&format!("--{flag}\n")),
                    "{doc}: `mkwrite {c}`: {} does not take --{flag}",
                    if sub.is_empty() { "mkwrite" } else { sub }
                );
            }
        }
        checked += 1;
    }
    assert!(checked > 40, "{checked} documented commands");
    // The subcommands docs/configuration.md says share the configuration flags are exactly
    // those that take them.
    let conf = std::fs::read_to_string(root().join("docs/configuration.md")).expect("doc");
    let line = conf
        .split("\n\n")
        .find(|p| p.contains("share the configuration flags"))
        .expect("the sentence");
    let head = &line[..line.find("share the configuration flags").expect("it")];
    let mut said: Vec<String> = head
        .split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s.to_string())
        .collect();
    said.sort();
    let mut taking: Vec<String> = subs
        .iter()
        .filter(|s| s.as_str() != "help")
        .filter(|s| out(&run(&[s.as_str(), "--help"])).contains("--protocol <PROTOCOL>"))
        .cloned()
        .collect();
    taking.sort();
    assert_eq!(said, taking, "docs/configuration.md: {head}");
}

// Item 12: what docs/checkers.md offers for configurations too large to enumerate,
// `--checker shuttle`, samples them without stateright's search first (whose budget of a
// thousand states would otherwise stop the run at once).
#[test]
fn checker_shuttle_alone_is_exhaustive_and_stops_at_the_budget() {
    // Alone, shuttle runs without a stateright column, but its run is labelled by stateright's
    // states: R1 passes through all 348.
    let o = run(&["check", "--checker", "shuttle", "--scenario", "R1"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let t = out(&o);
    let head = t
        .lines()
        .find(|l| l.starts_with("id "))
        .expect("the table's head");
    assert!(!head.contains("stateright"), "no stateright column: {head}");
    let states = t
        .lines()
        .find(|l| l.ends_with("states of stateright's"))
        .expect("the states row");
    assert!(states.contains("348"), "{states}");
    assert!(t.contains("exhaustive"), "{t}");
    // A configuration too large for the budget: stateright's states cannot be counted, so no
    // run can be labelled: one line, exit 4.
    let o = run_within(
        &[
            "check",
            "--checker",
            "shuttle",
            "--writers",
            "3",
            "--writeback",
            "3",
            "--truncate",
            "1",
            "--reclaim",
            "1",
            "--pte",
            "none",
            "--page",
            "dirty",
            "--max-states",
            "1000",
        ],
        120,
    );
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    assert_eq!(err(&o).lines().count(), 1, "{}", err(&o));
    assert!(err(&o).contains("incomplete"), "{}", err(&o));
}

// Items 12 and 13: the README's questions are answered by the commands it gives, with the
// exit codes it states.
#[test]
fn the_readme_questions_run_as_it_says() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let a = readme
        .find("## What do you want to know?")
        .expect("the table");
    let b = a + 1 + readme[a + 1..].find("\n## ").expect("the next section");
    let table = &readme[a..b];
    let mut n = 0;
    for row in table
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("`mkwrite "))
    {
        let cells: Vec<&str> = row.split(" | ").collect();
        assert!(cells.len() >= 3, "{row}");
        let command = cells[1]
            .split('`')
            .nth(1)
            .expect("a command in backquotes")
            .to_string();
        let words: Vec<&str> = command.split(' ').collect();
        if words[1] == "play" {
            // It serves until stopped: its flags are checked by the test above.
            continue;
        }
        let code = cells[2]
            .split("(exit ")
            .nth(1)
            .and_then(|r| r.split(')').next())
            .and_then(|c| c.parse::<i32>().ok())
            .unwrap_or_else(|| panic!("no exit code in {row}"));
        let o = run(&words[1..]);
        assert_eq!(o.status.code(), Some(code), "{command}: {}", err(&o));
        n += 1;
    }
    assert!(n >= 7, "{n} questions run");
}
