//! The teaching page in a real browser: headless Chromium driven over WebDriver (Debian's
//! `chromium` and `chromium-driver`; `.ci/run` installs them). The tests play the page as a
//! student and a teacher would:
//!
//! - R1 by clicking: a blocked thread explains its wait, undo and redo, the banner names the
//!   level's target at the step that breaks it, "Against the fix" says where the fix blocks
//!   the path and lets the student step through the fixed side, "Show me" asks before it
//!   replaces the student's steps and steps through the same counterexample.
//! - Every level's "Against the fix", on that level's own fix.
//! - A lost game (the checker says the target can no longer break) and a finished one.
//! - The banner: only the target solves a level; another invariant's break is quieter.
//! - R1 with the keyboard alone; the first level by following its hints; the small things
//!   (links that name no level or an unreachable position, "Copy link", the preview of a
//!   step, the icon, lines that must not break).
//! - Screenshots at 1400x1000, 1024x768 and 400x800, none wider than the window.
//!
//! With `BLESS=1` it writes the screenshot of the solved R1 level that docs/play.md shows;
//! every run writes its screenshots under the target directory (`play-screens/`) to look at.
//! A last test serves a configuration too large for the checker with a small state budget:
//! the page says so in its notice, and the board still plays.
//!
//! Without a browser the tests say so and pass, except under `CI=true`, where a missing
//! browser fails them. WebDriver is plain HTTP and JSON, so the tests need no driver crate: a
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

/// A WebDriver session on the page, with the server and the driver behind it. Dropping it
/// ends the session (so that chromedriver closes the browser), then the driver and the server.
struct Page {
    port: u16,
    id: String,
    play_port: u16,
    _play: Reaper,
    _driver: Reaper,
}

impl Drop for Page {
    fn drop(&mut self) {
        let _ = http(self.port, "DELETE", &format!("/session/{}", self.id), None);
    }
}

/// The W3C name of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Page {
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

    /// Whether `css` matches an element that is shown (not `hidden`, not `display: none`).
    fn shown(&self, css: &str) -> bool {
        self.js(&format!(
            "const e = document.querySelector({css:?}); return !!e && !e.closest('[hidden]') && e.getClientRects().length > 0;"
        )) == json!(true)
    }

    fn element(&self, css: &str) -> String {
        let e = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        e.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {e}"))
            .to_string()
    }

    fn click(&self, css: &str) {
        let id = self.element(css);
        self.call("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    /// Wait until `css` is shown and its text contains `needle`; the text.
    fn wait_text(&self, css: &str, needle: &str) -> String {
        wait_for(30, || {
            let t = self.text(css);
            (self.shown(css) && t.contains(needle)).then_some(t)
        })
        .unwrap_or_else(|| panic!("{css} never said {needle:?}; it says {:?}", self.text(css)))
    }

    /// Wait until the page lists `n` steps taken.
    fn steps_shown(&self, n: usize) {
        let got = wait_for(20, || {
            let k = self
                .js("return document.querySelectorAll('#history li[data-n]:not(.undone)').length;");
            (k.as_u64() == Some(n as u64)).then_some(())
        });
        assert!(got.is_some(), "the page never showed {n} steps");
    }

    /// Press keys one after the other (WebDriver key codes: "\u{E004}" is Tab).
    fn keys(&self, keys: &[&str]) {
        let mut acts = Vec::new();
        for k in keys {
            acts.push(json!({"type": "keyDown", "value": k}));
            acts.push(json!({"type": "keyUp", "value": k}));
        }
        self.call(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": acts}]})),
        );
    }

    fn shift_tab(&self) {
        let acts = json!([
            {"type": "keyDown", "value": SHIFT}, {"type": "keyDown", "value": TAB},
            {"type": "keyUp", "value": TAB}, {"type": "keyUp", "value": SHIFT}
        ]);
        self.call(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": acts}]})),
        );
    }

    /// The mouse over the element `css`.
    fn hover(&self, css: &str) {
        let id = self.element(css);
        self.call(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "pointer", "id": "mouse",
                "parameters": {"pointerType": "mouse"},
                "actions": [{"type": "pointerMove", "duration": 0, "x": 0, "y": 0, "origin": {ELEMENT: id}}]}]})),
        );
    }

    /// The focused element matches `css`.
    fn focused(&self, css: &str) -> bool {
        self.js(&format!(
            "return !!document.activeElement && document.activeElement.matches({css:?});"
        )) == json!(true)
    }

    /// Tab (or Shift+Tab) until `css` has the focus, at most 80 times.
    fn tab_to(&self, css: &str, back: bool) {
        for _ in 0..80 {
            if self.focused(css) {
                return;
            }
            if back {
                self.shift_tab();
            } else {
                self.keys(&[TAB]);
            }
        }
        panic!(
            "Tab never reached {css}; the focus is on {}",
            self.js("return document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : null;")
        );
    }

    /// Open `#hash` in this page and wait until the board shows that position.
    fn open(&self, hash: &str, steps: usize) {
        self.js(&format!("location.hash = {:?};", format!("#{hash}")));
        let want = if hash.contains('/') {
            hash.to_string()
        } else {
            format!("{hash}/")
        };
        let at = wait_for(20, || {
            (self.js("return document.body.dataset.position || '';") == json!(want)).then_some(())
        });
        assert!(at.is_some(), "the page never showed {want}");
        self.steps_shown(steps);
    }

    /// Make the viewport `w` by `h` CSS pixels.
    fn resize(&self, w: i64, h: i64) {
        let (mut ww, mut wh) = (w, h);
        for _ in 0..3 {
            self.call(
                "POST",
                "/window/rect",
                Some(json!({"width": ww, "height": wh})),
            );
            let inner = self.js("return [innerWidth, innerHeight];");
            let (iw, ih) = (
                inner[0].as_i64().unwrap_or(w),
                inner[1].as_i64().unwrap_or(h),
            );
            if iw == w && ih == h {
                return;
            }
            ww += w - iw;
            wh += h - ih;
        }
    }

    /// A screenshot of the viewport, written to the target directory's `play-screens/`.
    fn screenshot(&self, name: &str) -> Vec<u8> {
        let png = self.call("GET", "/screenshot", None);
        let bytes = decode_base64(png.as_str().expect("base64"));
        assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("play-screens");
        std::fs::create_dir_all(&dir).expect("a directory for the screenshots");
        std::fs::write(dir.join(format!("{name}.png")), &bytes).expect("write a screenshot");
        bytes
    }

    /// The page is no wider than its window: nothing scrolls sideways.
    fn fits(&self, what: &str) {
        let v = self.js("return [document.documentElement.scrollWidth, innerWidth];");
        let (sw, iw) = (v[0].as_i64().unwrap_or(0), v[1].as_i64().unwrap_or(0));
        assert!(
            sw <= iw,
            "{what}: the page is {sw} px wide in a {iw} px window; wider: {}",
            self.js(
                "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1).slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className).join(' ');"
            )
        );
    }
}

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
const SHIFT: &str = "\u{E008}";
const LEFT: &str = "\u{E012}";
const RIGHT: &str = "\u{E014}";

/// A level of the page by id.
fn level(id: &str) -> checks::play::Level {
    checks::play::levels()
        .into_iter()
        .find(|l| l.id == id)
        .unwrap_or_else(|| panic!("no level {id}"))
}

/// The checker's shortest counterexample of a level's target, as thread names (over the
/// threads the level lets the student move).
fn shortest(id: &str) -> Vec<String> {
    let l = level(id);
    let v = checks::play::shortest_path(&l, l.target.expect("a target")).expect("violated");
    v["path"]
        .as_array()
        .expect("a path")
        .iter()
        .map(|n| n.as_str().unwrap_or_default().to_string())
        .collect()
}

/// `mkwrite play ARGS` and chromedriver on free ports, and a headless session on the page at
/// `hash`.
fn open_page(args: &[&str], hash: &str) -> Page {
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
    let page = Page {
        port: driver_port,
        id: v["value"]["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string(),
        play_port,
        _play: play,
        _driver: driver,
    };
    page.resize(1400, 1000);
    page.call(
        "POST",
        "/url",
        Some(json!({"url": format!("http://127.0.0.1:{play_port}/#{hash}")})),
    );
    let ready = wait_for(30, || {
        (page.js("return document.body.dataset.position || '';") != json!("")).then_some(())
    });
    assert!(ready.is_some(), "the page never showed a position");
    page
}

/// Click a thread's Run button and wait for the step.
fn run(s: &Page, name: &str, n: usize) {
    s.click(&format!("button[data-step='{name}']"));
    s.steps_shown(n);
}

#[test]
fn a_student_solves_r1_in_the_browser() {
    if !have_browser() {
        return;
    }
    // The R1 level's shortest trace, as the checker computes it.
    let names = shortest("R1");
    assert_eq!(names.len(), 11);
    let s = open_page(&[], "R1/");
    s.steps_shown(0);
    s.wait_text("#goal", "Goal:");
    // The goal and "Show me" are one path: W0 locks the page before F0 makes the pte
    // writable, F0 makes it writable before W0 writes the page.
    let goal = s.text("#goal");
    let at = |t: &str| {
        goal.find(t)
            .unwrap_or_else(|| panic!("the goal says {t:?}: {goal}"))
    };
    assert!(at("let the flusher W0 lock") < at("then let F0 make the pte writable"));
    assert!(at("then let F0 make the pte writable") < at("write the page: ->writepage"));

    // Three steps of F0: ->page_mkwrite holds the page lock and has dirtied the page.
    for (k, name) in names.iter().take(3).enumerate() {
        run(&s, name, k + 1);
    }
    // F0's column lists its program: the steps it took, the next one, what it would do alone.
    let f0 = s.text(".thread[data-thread='F0'] .program");
    assert!(
        f0.contains("PM2")
            && f0.contains("PM3")
            && f0.contains("if F0 ran alone from here")
            && f0.contains("WP6-WP11"),
        "{f0:?}"
    );
    assert!(s
        .text(".thread[data-thread='W0'] .pass")
        .contains("pass 1/2"));
    // A detour: the flusher looks the page up and must then wait for F0's lock, and says so.
    run(&s, "W0", 4);
    let why = s.text(".thread[data-thread='W0'] .why");
    assert!(
        why.contains("waits for the page lock, held by F0 since step 2"),
        "W0 explains its wait: {why:?}"
    );
    // Undo goes back to the previous state: W0 can run its lookup again; redo takes it again.
    s.click("#undo");
    s.steps_shown(3);
    assert!(s.text(".thread[data-thread='W0'] .next").contains("W1"));
    assert_eq!(s.text(".thread[data-thread='W0'] .why"), "");
    s.click("#redo");
    s.steps_shown(4);
    s.click("#undo");
    s.steps_shown(3);

    // The rest of the trace; the banner appears exactly at the step that breaks INV-1.
    for (k, name) in names.iter().enumerate().skip(3) {
        assert!(!s.shown("#banner"), "no banner before step {}", k + 1);
        run(&s, name, k + 1);
    }
    let banner = s.text("#banner");
    assert!(
        banner.contains("Solved: INV-1 (writable_pte_has_fs_metadata) broke at step 11"),
        "{banner:?}"
    );
    // The step that broke it is ->writepage's, as the goal says.
    assert!(s.text("#history li[data-n='11']").contains("W8,W10"));
    assert!(s.text("#level-list li.current").contains("R1"));
    assert!(
        s.js(
            "return document.querySelector('#level-list li.current').classList.contains('solved');"
        ) == json!(true)
    );
    assert!(s.shown("#next-level"), "a Next level button");

    // Against the fix: the new protocol blocks the flusher at step 7 on F0's page lock.
    s.click("#against");
    let got = s.wait_text("#against-result", "Against the fix");
    assert!(
        got.contains("new/locked")
            && got.contains("The fix blocks your path at step 7")
            && got.contains("held by F0"),
        "{got:?}"
    );
    let verdict = s.wait_text("#against-result .verdict", "The checker:");
    assert!(
        verdict.contains("INV-1 holds in every one of the"),
        "{verdict:?}"
    );
    if std::env::var_os("BLESS").is_some() {
        let bytes = s.screenshot("r1-solved");
        let out = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/play-r1.png");
        std::fs::write(out, bytes).expect("write the screenshot");
    }
    // The fixed side can be played from where the replay stopped: there the checker says
    // INV-1 can no longer break.
    s.click("#step-fixed");
    s.steps_shown(6);
    s.wait_text("#fixed-side", "The fixed side of R1");
    let lost = s.wait_text("#status", "can no longer break");
    assert!(
        lost.contains("INV-1") && lost.contains("from the initial state either"),
        "{lost:?}"
    );
    assert!(s.text("#config").contains("new/locked"));
    s.click("#back-to-level");
    s.steps_shown(11);

    // Show me asks before it replaces the student's steps, then steps through the shortest
    // counterexample from the start.
    s.click("#showme");
    s.wait_text("#confirm", "replaces your 11 steps");
    s.click("#confirm-yes");
    for k in 1..=names.len() {
        assert!(
            wait_for(20, || s.shown("#script-next").then_some(())).is_some(),
            "the next step of the counterexample is offered before step {k}"
        );
        s.click("#script-next");
        s.steps_shown(k);
    }
    assert!(s.text("#banner").contains("broke at step 11"));
    // Restart keeps the steps on Redo, and a step back in the list is not lost either.
    s.click("#reset");
    s.steps_shown(0);
    assert!(s.text("#redo").contains("Redo (11)"));
    s.keys(&[RIGHT, RIGHT]);
    s.steps_shown(2);
}

/// Every level's "Against the fix" replays the path on that level's own fix, says "blocks"
/// only for a wait the fix introduces, and gives the target's verdict on the fixed side.
#[test]
fn each_level_is_replayed_against_its_own_fix() {
    if !have_browser() {
        return;
    }
    let fixes = [
        ("first", "new/locked ", "blocked"),
        ("R1", "new/locked ", "blocked"),
        ("R2", "new/locked ", "diverged"),
        ("R3", "new/locked ", "blocked"),
        ("R4", "new/locked ", "diverged"),
        ("R5", "new/locked ", "blocked"),
        ("R7", "new+isize-extended/", "ran"),
        ("H2007", "old/unlocked ", "blocked"),
        ("H2014a", "new+2014/", "ran"),
        ("nfs-bug", "new/nfs@7fdf5230676 ", "diverged"),
        ("nfs-loss", "new/nfs@7fdf5230676 ", "blocked"),
        ("btrfs", "new/btrfs@50a9b214bc6 ", "blocked"),
        ("fb_defio", "new/fb_defio@d6d03f91585 ", "diverged"),
        ("dma", "new/ext4@9ea7df534ed2 ", "diverged"),
        ("freeze", "v6.12/ext4@6.12 ", "blocked"),
        ("pte-same", "v6.12/ext4@6.12 ", "ran"),
    ];
    assert_eq!(fixes.len(), checks::play::levels().len(), "every level");
    let s = open_page(&[], "R1/");
    s.steps_shown(0);
    for (id, label, outcome) in fixes {
        let path = shortest(id);
        s.open(&format!("{id}/{}", path.join(".")), path.len());
        s.wait_text("#banner", "Solved:");
        assert!(
            !s.shown("#against-result"),
            "{id}: no answer before the question"
        );
        s.click("#against");
        let here = format!("{id}/{}", path.join("."));
        let answered = wait_for(20, || {
            (s.js("return document.getElementById('against-result').dataset.position || '';")
                == json!(here))
            .then_some(())
        });
        assert!(answered.is_some(), "{id}: no answer for {here}");
        let got = s.wait_text("#against-result", "Against the fix");
        let shown = s.js("return document.getElementById('against-result').dataset.outcome;");
        assert_eq!(shown, json!(outcome), "{id}: {got}");
        assert!(got.contains(label), "{id} replays on {label}: {got}");
        assert_eq!(got.contains("blocks"), outcome == "blocked", "{id}: {got}");
        assert!(
            !got.contains("cannot take -") && !got.contains("blocks your path at step 0"),
            "{id}: {got}"
        );
        let target = level(id).target.expect("a target").id();
        assert!(
            got.contains(&format!("{target} held at every step of the fixed side")),
            "{id}: {got}"
        );
        let verdict = s.wait_text("#against-result .verdict", "The checker:");
        assert!(
            verdict.contains(&format!("{target} holds in every one of the")),
            "{id}: {verdict}"
        );
        if id == "R5" {
            assert!(
                got.contains("at step 6") && got.contains("held by F0"),
                "{got}"
            );
        }
        if id == "fb_defio" {
            assert!(got.contains("X0 has no work queued"), "{got}");
        }
        if id == "freeze" {
            // Delalloc ext4 dirties the folio inside ->page_mkwrite, under its freeze
            // protection: the freeze's sync waits for F0's folio lock.
            assert!(
                got.contains("Z0 cannot take 6Z3") && got.contains("held by F0"),
                "{got}"
            );
            s.screenshot("freeze-against");
        }
    }
}

/// Two W0 steps at the start of R1 make it unwinnable: the page says so, with Undo; playing
/// on to the end says the game is finished and the invariant held.
#[test]
fn a_lost_game_and_a_finished_one_are_said() {
    if !have_browser() {
        return;
    }
    let s = open_page(&[], "R1/");
    s.steps_shown(0);
    run(&s, "W0", 1);
    // One flusher pass is gone, the second can still catch the fault.
    assert!(wait_for(3, || s.shown("#status").then_some(())).is_none());
    run(&s, "W0", 2);
    let lost = s.wait_text("#status", "Lost:");
    assert!(
        lost.contains("INV-1 can no longer break from here") && lost.contains("before step 2"),
        "{lost:?}"
    );
    assert!(s.shown("#status button.undo-now"));
    s.screenshot("r1-lost");
    s.click("#status button.undo-now");
    s.steps_shown(1);
    assert!(wait_for(5, || (!s.shown("#status")).then_some(())).is_some());
    s.keys(&[RIGHT]);
    s.steps_shown(2);
    s.wait_text("#status", "Lost:");
    // Play on: every thread runs until none can.
    let mut n = 2;
    while s.shown("#threads button.run") {
        s.click("#threads button.run");
        n += 1;
        s.steps_shown(n);
        assert!(n < 60, "the game ends");
    }
    let end = s.wait_text("#status", "Finished:");
    assert!(end.contains("INV-1 held on this path"), "{end:?}");
    s.screenshot("r1-finished");
}

/// Only the target solves a level: another invariant's break is said in a quieter banner.
#[test]
fn the_banner_names_the_levels_target() {
    if !have_browser() {
        return;
    }
    let s = open_page(&[], "fb_defio/");
    s.steps_shown(0);
    let path = shortest("fb_defio");
    let inv1 = (1..path.len())
        .find(|&k| {
            s.open(&format!("fb_defio/{}", path[..k].join(".")), k);
            s.shown("#banner")
        })
        .expect("INV-1 breaks on the way");
    let b = s.text("#banner");
    assert!(
        b.contains(&format!(
            "INV-1 (writable_pte_has_fs_metadata) broke at step {inv1}"
        )) && b.contains("Not this level's goal: that is INV-3c")
            && !b.contains("Solved"),
        "{b:?}"
    );
    assert!(s.js("return document.getElementById('banner').className;") == json!("other"));
    // The target is marked in the invariant list, and its meaning is shown without a mouse.
    assert!(s.text("#invariants li.target").contains("INV-3c"));
    assert!(s.shown("#invariants li.target .meaning"));
    s.open(&format!("fb_defio/{}", path.join(".")), path.len());
    let b = s.wait_text("#banner", "Solved:");
    assert!(b.contains("INV-3c"), "{b:?}");
    let bug = shortest("nfs-bug");
    s.open(&format!("nfs-bug/{}", bug.join(".")), bug.len());
    let b = s.wait_text("#banner", "Solved:");
    assert!(
        b.contains("BUG (no_kernel_bug_fired)") && !b.contains("INV-2"),
        "{b:?}"
    );
}

/// R1 with the keyboard alone: Tab to a thread's button, Enter runs it and the focus stays
/// there; the arrows undo and redo; a level is a button.
#[test]
fn r1_is_played_with_the_keyboard_alone() {
    if !have_browser() {
        return;
    }
    let names = shortest("R1");
    let s = open_page(&[], "R1/");
    s.steps_shown(0);
    let button = |t: &str| format!("button[data-step='{t}']");
    let mut at = button(&names[0]);
    s.tab_to(&at, false);
    for (k, name) in names.iter().enumerate() {
        let b = button(name);
        if b != at {
            // The other thread's button: forwards or backwards, as the columns lie.
            let back = names[k] == "F0";
            s.tab_to(&b, back);
            at = b.clone();
        }
        s.keys(&[ENTER]);
        s.steps_shown(k + 1);
        if k + 1 < names.len() {
            assert!(
                wait_for(5, || s.focused(&b).then_some(())).is_some(),
                "the focus stays on {b} after step {}",
                k + 1
            );
        }
    }
    s.wait_text("#banner", "Solved: INV-1");
    s.keys(&[LEFT]);
    s.steps_shown(10);
    s.keys(&[RIGHT]);
    s.steps_shown(11);
    // The number keys run the thread in that column.
    s.keys(&[LEFT, LEFT, LEFT]);
    s.steps_shown(8);
    s.keys(&["1"]);
    s.steps_shown(9);
    s.keys(&[RIGHT, RIGHT]);
    s.steps_shown(11);
    // A step of the list is a button: back to the position after step 5, the rest on Redo.
    s.tab_to("#history li[data-n='5'] button", false);
    s.keys(&[ENTER]);
    s.steps_shown(5);
    assert!(s.text("#redo").contains("Redo (6)"));
    assert!(
        s.focused("#history li[data-n='5'] button"),
        "the focus stays on the step"
    );
    s.keys(&[RIGHT, RIGHT, RIGHT, RIGHT, RIGHT, RIGHT]);
    s.steps_shown(11);
    // A level is reached with the keyboard too, and coming back finds the steps kept.
    s.tab_to("#next-level", true);
    s.keys(&[ENTER]);
    s.wait_text(
        "#goal",
        "F0 make its pte writable and stop before its set_page_dirty",
    );
    assert!(s.text("#level-list li.current").contains("R2"));
    s.tab_to("#level-list button[data-level='R1']", true);
    s.keys(&[ENTER]);
    s.wait_text("#level-list li.current", "R1");
    s.steps_shown(11);
    assert!(
        s.focused("#level-list button[data-level='R1']"),
        "the focus stays on the level"
    );
}

/// The first level: two threads, a few fields, only its target, and a hint at every step;
/// following the hints solves it, and "Next level" leads on.
#[test]
fn the_first_level_guides_a_beginner() {
    if !have_browser() {
        return;
    }
    let s = open_page(&[], "");
    s.steps_shown(0);
    s.wait_text("#level-list li.current", "First steps");
    assert_eq!(
        s.js("return document.querySelectorAll('#threads .thread').length;"),
        json!(2)
    );
    assert_eq!(
        s.js("return document.querySelectorAll('#invariants li[data-inv]').length;"),
        json!(1)
    );
    assert_eq!(
        s.js("return document.querySelectorAll('#state tr').length;"),
        json!(4)
    );
    let mut n = 0;
    loop {
        let hint = s.wait_text("#hint", "Hint: run ");
        let thread = hint["Hint: run ".len()..]
            .split(':')
            .next()
            .unwrap_or_default()
            .to_string();
        assert!(thread == "F0" || thread == "W0", "{hint:?}");
        if n == 6 {
            s.screenshot("first-hint");
        }
        n += 1;
        run(&s, &thread, n);
        if s.shown("#banner") {
            break;
        }
        assert!(n < 20, "the hints lead to the goal");
    }
    assert_eq!(
        n,
        shortest("first").len(),
        "the hints follow the shortest way"
    );
    let b = s.wait_text("#banner", "Solved:");
    assert!(b.contains("INV-1"), "{b:?}");
    s.click("#next-level");
    s.wait_text("#level-list li.current", "R1");
    s.steps_shown(0);
}

/// The small things: links that name no level or a position that cannot be reached, "Copy
/// link", the preview of a step, the icon, a worker that has not run, a single pass, the
/// viewport, lines that must not break, and no emoji.
#[test]
fn links_previews_and_small_things() {
    if !have_browser() {
        return;
    }
    let s = open_page(&[], "R99");
    s.steps_shown(0);
    let e = s.wait_text("#error", "no level");
    assert!(e.contains("\"R99\"") && e.contains("R1, R2"), "{e:?}");
    s.js("location.hash = '#r3/';");
    let e = s.wait_text("#error", "case-sensitive");
    assert!(e.contains("showing R3"), "{e:?}");
    s.wait_text("#level-list li.current", "R3");
    // A position that cannot be reached: said, and the part that can is shown, of that level.
    s.js("location.hash = '#R2/F0.F0.W0.W0.W0.W0';");
    s.steps_shown(4);
    s.wait_text("#level-list li.current", "R2");
    let e = s.wait_text("#error", "cannot be reached");
    assert!(
        e.contains("step 5: W0 cannot move there") && e.contains("first 4 steps"),
        "{e:?}"
    );
    assert!(s.text("#level-list li.current").contains("R2"));
    // Copy link says what it did.
    s.click("#link");
    let said = wait_for(5, || {
        let t = s.text("#link");
        (t != "Copy link").then_some(t)
    })
    .expect("Copy link answers");
    assert!(
        said.contains("Copied") || said.contains("address bar"),
        "{said:?}"
    );
    // The preview: the mouse over F0's Run button marks the fields its step would change.
    s.open("R1/F0", 1);
    s.hover("button[data-step='F0']");
    let marked = s.js(
        "return [...document.querySelectorAll('#state tr.preview')].map(r => r.dataset.field).join(' ');",
    );
    assert_eq!(marked, json!("page.locked"), "PM1 takes the page lock");
    assert!(s.text("#state tr.preview").contains("\u{2192} F0"));
    // ->page_mkwrite stays on one line wherever it is shown: every ->name is in one piece.
    let pieces = s.js(
        "const all = [...document.querySelectorAll('.nw')]; return [all.filter(e => e.textContent.startsWith('->')).length, all.filter(e => e.getClientRects().length > 1).length];",
    );
    assert!(
        pieces[0].as_u64() > Some(3),
        "the names are marked: {pieces}"
    );
    assert_eq!(pieces[1], json!(0), "none breaks: {pieces}");
    // The icon is served, the page has a viewport, no emoji is used for the lock.
    let (status, _) = http(s.play_port, "GET", "/favicon.svg", None).expect("the icon");
    assert_eq!(status, 200);
    assert!(
        s.js("return !!document.querySelector('meta[name=viewport]') && !!document.querySelector('link[rel=icon]');")
            == json!(true)
    );
    for f in [
        checks::play::PLAY_JS,
        checks::play::PLAY_CSS,
        checks::play::INDEX_HTML,
    ] {
        assert!(
            !f.contains("1F512") && !f.contains('\u{1F512}'),
            "no lock emoji"
        );
    }
    // A worker that never ran is idle, not finished; fsync says what it waits for.
    s.open("fb_defio/", 0);
    assert_eq!(
        s.text(".thread[data-thread='X0'] .done"),
        "idle: no work queued yet"
    );
    let sy = s.text(".thread[data-thread='S']");
    assert!(sy.contains("waits until F0 and W0 have finished"), "{sy:?}");
    assert!(!sy.contains("every other thread has finished"), "{sy:?}");
    s.open("first/W0", 1);
    assert_eq!(
        s.text(".thread[data-thread='W0'] .done"),
        "finished its 1 writeback pass"
    );
    // The legend: the threads, the label, the step ids.
    s.click("#legend-button");
    let legend = s.wait_text("#legend", "the flusher");
    assert!(
        legend.contains("the flusher")
            && legend.contains("wb1")
            && legend.contains("write_cache_pages"),
        "{legend:?}"
    );
}

/// The page at three sizes: nothing scrolls sideways, the state is in view after a step, and
/// the screenshots are kept to look at.
#[test]
fn the_page_fits_three_window_sizes() {
    if !have_browser() {
        return;
    }
    let s = open_page(&[], "R1/");
    s.steps_shown(0);
    let r1 = shortest("R1");
    let defio = shortest("fb_defio");
    for (w, h) in [(1400, 1000), (1024, 768), (400, 800)] {
        s.resize(w, h);
        s.open(&format!("R1/{}", r1[..8].join(".")), 8);
        s.fits(&format!("R1 at {w}x{h}"));
        s.screenshot(&format!("r1-{w}x{h}"));
        // After a click the state is in view: the state box beside the threads, or the bar
        // that says what the step changed.
        s.click("button[data-step='F0']");
        s.steps_shown(9);
        let in_view = s.js(
            "const r = document.getElementById(innerWidth > 760 ? 'state' : 'last-step').getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight && r.height > 0;",
        );
        assert_eq!(in_view, json!(true), "the state is in view at {w}x{h}");
        if w < 800 {
            assert!(s.shown("#level-select"), "levels as a dropdown at {w}");
            assert!(s.text("#last-step").contains("WP6-WP11"));
        } else if w < 1300 {
            assert!(s.shown("#level-select") && !s.shown("#level-list"));
        } else {
            assert!(s.shown("#level-list"));
        }
        s.open(&format!("fb_defio/{}", defio.join(".")), defio.len());
        s.click("#against");
        s.wait_text("#against-result", "Against the fix");
        s.click("#legend-button");
        s.wait_text("#legend", "the flusher");
        s.fits(&format!("fb_defio, the fix and the legend at {w}x{h}"));
        s.screenshot(&format!("fb_defio-{w}x{h}"));
        s.click("#legend-button");
        s.open("first/", 0);
        s.fits(&format!("the first level at {w}x{h}"));
        s.screenshot(&format!("first-{w}x{h}"));
    }
}

/// A configuration too large for the checker, with a small budget: the page says so in words,
/// in its notice, and the board still plays.
#[test]
fn a_configuration_too_large_for_the_checker_says_so_on_the_page() {
    if !have_browser() {
        return;
    }
    let s = open_page(
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
    run(&s, "F0", 1);
}
