//! The teaching page in a real browser: headless Chromium driven over WebDriver (Debian's
//! `chromium` and `chromium-driver`; `.ci/run` installs them). The test plays the R1 level as
//! a student would: it clicks the threads' buttons through the shortest R1 trace, checks that a
//! blocked thread explains its wait, that undo goes back, that the INV-1 banner appears at the
//! step that breaks it, that "Against the fix" says where the new protocol blocks the path, and
//! that "Show me" steps through the same counterexample.
//! With `BLESS=1` it writes the screenshot of the solved level that docs/play.md shows. A second
//! test serves a configuration too large for the checker with a small state budget: the page
//! says so in its notice, and the board still plays.
//!
//! Without a browser the test says so and passes, except under `CI=true`, where a missing
//! browser fails it. WebDriver is plain HTTP and JSON, so the test needs no driver crate: a
//! few lines over `std::net` and `serde_json`.

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const DRIVER: &str = "/usr/bin/chromedriver";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Kills the child when the test ends, passing or failing.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request (chromedriver refuses 1.0); the status and the body. chromedriver
/// announces `Connection: close` but keeps the socket open, so the body is read by its
/// `Content-Length` (or its chunks), not to the end of the stream.
fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, String), String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    let payload = body.map(Value::to_string).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{payload}",
        payload.len()
    );
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    let complete = |buf: &[u8]| -> Option<(usize, Option<usize>, bool)> {
        let text = String::from_utf8_lossy(buf);
        let end = text.find("\r\n\r\n")? + 4;
        let head = text[..end].to_ascii_lowercase();
        let len = head.lines().find_map(|l| {
            l.strip_prefix("content-length:")
                .and_then(|v| v.trim().parse::<usize>().ok())
        });
        Some((end, len, head.contains("transfer-encoding: chunked")))
    };
    loop {
        if let Some((end, len, chunked)) = complete(&buf) {
            let done = match (len, chunked) {
                (Some(n), _) => buf.len() >= end + n,
                (None, true) => buf.ends_with(b"0\r\n\r\n"),
                (None, false) => false,
            };
            if done {
                break;
            }
        }
        let n = s.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let resp = String::from_utf8_lossy(&buf).into_owned();
    let status = resp
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("no status in {resp:?}"))?;
    let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
    if !head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return Ok((status, body.to_string()));
    }
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).map_err(|e| e.to_string())?;
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    Ok((status, out))
}

/// Poll `f` until it returns `Some`, for at most `secs` seconds.
fn wait_for<T>(secs: u64, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if let Some(v) = f() {
            return Some(v);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

struct Session {
    port: u16,
    id: String,
}

impl Session {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("/session/{}{path}", self.id);
        let (status, text) = http(self.port, method, &url, body.as_ref())
            .unwrap_or_else(|e| panic!("webdriver {method} {path}: {e}"));
        let v: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("webdriver {path}: {e}: {text}"));
        assert!(status < 300, "webdriver {method} {path}: {status} {v}");
        v["value"].clone()
    }

    fn js(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    fn text(&self, css: &str) -> String {
        self.js(&format!(
            "const e = document.querySelector({css:?}); return e ? e.innerText : null;"
        ))
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    fn click(&self, css: &str) {
        let e = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        let id = e
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {e}"))
            .to_string();
        self.call("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    /// Wait until the page lists `n` steps taken.
    fn steps_shown(&self, n: usize) {
        let got = wait_for(20, || {
            let k = self.js("return document.querySelectorAll('#history li').length;");
            (k.as_u64() == Some(n as u64)).then_some(())
        });
        assert!(got.is_some(), "the page never showed {n} steps");
    }
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// Whether the browser is here; without it the test passes, except under `CI=true`.
fn have_browser() -> bool {
    let have = std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(DRIVER).exists();
    if !have {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(
            !ci,
            "CI=true but {CHROMIUM} or {DRIVER} is missing: apt-get install -y chromium chromium-driver"
        );
        eprintln!(
            "skipped: no {CHROMIUM} and {DRIVER} (apt-get install -y chromium chromium-driver)"
        );
    }
    have
}

/// `mkwrite play ARGS` and chromedriver on free ports, and a headless session on the page at
/// `hash`. The processes end with the returned guards.
fn open_page(args: &[&str], hash: &str) -> (Session, u16, Reaper, Reaper) {
    let play_port = free_port();
    let mut all = vec![
        "play".to_string(),
        "--port".to_string(),
        play_port.to_string(),
    ];
    all.extend(args.iter().map(|a| a.to_string()));
    let play = Reaper(
        Command::new(env!("CARGO_BIN_EXE_mkwrite"))
            .args(&all)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mkwrite play"),
    );
    let driver_port = free_port();
    let driver = Reaper(
        Command::new(DRIVER)
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver"),
    );
    let up = |port: u16, path: &str| wait_for(30, || http(port, "GET", path, None).ok());
    assert!(
        up(play_port, "/api/levels").is_some(),
        "mkwrite play did not start"
    );
    assert!(
        up(driver_port, "/status").is_some(),
        "chromedriver did not start"
    );
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"]
        }
    }}});
    let (status, text) = http(driver_port, "POST", "/session", Some(&caps)).expect("a session");
    let v: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(status, 200, "{v}");
    let s = Session {
        port: driver_port,
        id: v["value"]["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string(),
    };
    s.call(
        "POST",
        "/url",
        Some(json!({"url": format!("http://127.0.0.1:{play_port}/#{hash}")})),
    );
    (s, driver_port, play, driver)
}

#[test]
fn a_student_solves_r1_in_the_browser() {
    if !have_browser() {
        return;
    }
    // The R1 level's shortest trace, as the checker computes it.
    let cfg = mkwrite_model::Config::scenario("R1").expect("R1");
    let path = checks::run::shortest(&cfg, mkwrite_model::Inv::WritablePteHasFsMetadata, None)
        .expect("R1 violates INV-1");
    let w = mkwrite_model::World::init(&cfg);
    let names: Vec<String> = path.iter().map(|&t| w.thread(t).name()).collect();
    assert_eq!(names.len(), 11);

    let (s, driver_port, _play, _driver) = open_page(&[], "R1/");
    s.steps_shown(0);
    assert!(wait_for(20, || s.text("#goal").contains("Goal:").then_some(())).is_some());

    // Three steps of F0: ->page_mkwrite holds the page lock and has dirtied the page.
    for (k, name) in names.iter().take(3).enumerate() {
        s.click(&format!("button[data-step='{name}']"));
        s.steps_shown(k + 1);
    }
    // A detour: the flusher looks the page up and must then wait for F0's lock, and says so.
    s.click("button[data-step='W0']");
    s.steps_shown(4);
    let why = s.text(".thread[data-thread='W0'] .why");
    assert!(
        why.contains("waits for the page lock, held by F0 since step 2"),
        "W0 explains its wait: {why:?}"
    );
    // Undo goes back to the previous state: W0 can run its lookup again.
    s.click("#undo");
    s.steps_shown(3);
    assert!(s.text(".thread[data-thread='W0'] .fn").contains("W1"));
    assert_eq!(s.text(".thread[data-thread='W0'] .why"), "");

    // The rest of the trace; the banner appears exactly at the step that breaks INV-1.
    for (k, name) in names.iter().enumerate().skip(3) {
        assert!(
            s.js("return document.getElementById('banner').hidden;") == json!(true),
            "no banner before step {}",
            k + 1
        );
        s.click(&format!("button[data-step='{name}']"));
        s.steps_shown(k + 1);
    }
    let banner = s.text("#banner");
    assert!(
        banner.contains("INV-1 (writable_pte_has_fs_metadata) broke at step 11")
            && banner.contains("Level solved"),
        "{banner:?}"
    );
    assert!(s.text("#level-list li.current").contains("R1"));
    assert!(
        s.js(
            "return document.querySelector('#level-list li.current').classList.contains('solved');"
        ) == json!(true)
    );

    // Against the fix: the new protocol blocks the flusher at step 7 on F0's page lock.
    s.click("#against");
    let got = wait_for(20, || {
        let t = s.text("#against-result");
        (!t.is_empty()).then_some(t)
    })
    .expect("an answer");
    assert!(
        got.contains("blocks this path at step 7") && got.contains("held by F0"),
        "{got:?}"
    );

    if std::env::var_os("BLESS").is_some() {
        let png = s.call("GET", "/screenshot", None);
        let bytes = decode_base64(png.as_str().expect("base64"));
        assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
        let out = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/play-r1.png");
        std::fs::write(out, bytes).expect("write the screenshot");
    }
    // Show me: the shortest counterexample, stepped through from the start.
    s.click("#reset");
    s.steps_shown(0);
    s.click("#showme");
    for k in 1..=names.len() {
        assert!(
            wait_for(20, || (s
                .js("return document.getElementById('script-next').hidden;")
                == json!(false))
            .then_some(()))
            .is_some(),
            "the next step of the counterexample is offered before step {k}"
        );
        s.click("#script-next");
        s.steps_shown(k);
    }
    assert!(s.text("#banner").contains("broke at step 11"));

    let _ = http(driver_port, "DELETE", &format!("/session/{}", s.id), None);
}

/// A configuration too large for the checker, with a small budget: the page says so in words,
/// in its notice, and the board still plays.
#[test]
fn a_configuration_too_large_for_the_checker_says_so_on_the_page() {
    if !have_browser() {
        return;
    }
    let (s, driver_port, _play, _driver) = open_page(
        &[
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
        ],
        "custom/",
    );
    let notice = wait_for(60, || {
        let t = s.text("#notice");
        t.contains("state budget").then_some(t)
    })
    .expect("a notice about the budget");
    assert!(
        notice.contains("too large for the checker here") && notice.contains("--max-states N"),
        "{notice:?}"
    );
    assert!(s.js("return document.getElementById('showme').disabled;") == json!(true));
    // The board plays on: F0 takes a step.
    s.click("button[data-step='F0']");
    s.steps_shown(1);
    let _ = http(driver_port, "DELETE", &format!("/session/{}", s.id), None);
}
