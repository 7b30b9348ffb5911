//! `mkwrite play`: serve the teaching page on 127.0.0.1.
//!
//! Every request is answered on a thread of its own, so that a long computation never holds
//! up the page's other requests. The searches (`/api/violations`, `/api/shortest`, `/api/reach`) run as
//! jobs, one at a time, within the state budget (`--max-states`): a request waits for its job
//! a moment, then answers "still computing" (HTTP 202, with the states found so far) and the
//! page asks again; a search the budget stopped is answered with a message the person can
//! read, and the server goes on.

use super::{bad, count, out, resolve, BudgetArgs, ConfigArgs, OutputArgs, HOLDS};
use checks::play::{self, Level};
use checks::progress::Progress;
use clap::Args;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// `mkwrite play`.
#[derive(Args, Debug)]
pub struct PlayCmd {
    #[command(flatten)]
    config: ConfigArgs,
    /// TCP port on 127.0.0.1, 0 to 65535 (0: any free port; the one chosen is printed).
    #[arg(
        long,
        default_value = "8080",
        value_name = "N",
        allow_negative_numbers = true
    )]
    port: String,
    #[command(flatten)]
    budget: BudgetArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// The searches whose answers the server keeps.
const MAX_JOBS: usize = 4096;

/// A search's state: running (with its progress), or its answer.
enum Job {
    Running(Arc<Progress>),
    Done(u16, Value),
}

/// What every request thread shares.
struct Shared {
    custom: Option<Level>,
    budget: usize,
    jobs: Mutex<HashMap<String, Job>>,
    /// Signalled whenever a job finishes.
    finished: Condvar,
    /// Held by the one search that runs at a time (each may take the whole budget's memory).
    search: Mutex<()>,
}

impl PlayCmd {
    /// Run it: serve until Ctrl-C.
    pub fn run(self) -> ExitCode {
        if let Err(e) = self.output.apply() {
            return bad(e);
        }
        let budget = match self.budget.budget() {
            Ok(b) => b,
            Err(e) => return bad(e),
        };
        let port = match count("port", &self.port, 0..=65535) {
            Ok(p) => p,
            Err(e) => return bad(e),
        };
        let custom = if self.config.any() {
            match resolve(&self.config, None) {
                Ok(cfg) => Some(Level::free(
                    "custom",
                    &format!("Your configuration: {}", cfg.label()),
                    cfg,
                )),
                Err(e) => return bad(e),
            }
        } else {
            None
        };
        let addr = format!("127.0.0.1:{port}");
        let server = match tiny_http::Server::http(&addr) {
            Ok(s) => s,
            Err(e) => return bad(format!("port {port}: {e}; try another port with --port N")),
        };
        // The port it listens on: the one asked for, or the one the system chose for 0.
        let bound = server
            .server_addr()
            .to_ip()
            .map_or(port as u16, |a| a.port());
        out(&format!(
            "the teaching page is on http://127.0.0.1:{bound}/ (Ctrl-C to stop)\n"
        ));
        let shared = Arc::new(Shared {
            custom,
            budget,
            jobs: Mutex::new(HashMap::new()),
            finished: Condvar::new(),
            search: Mutex::new(()),
        });
        for req in server.incoming_requests() {
            let shared = Arc::clone(&shared);
            let spawned = std::thread::Builder::new()
                .name("play-request".into())
                .spawn(move || {
                    let (status, kind, body) = answer(req.url(), &shared);
                    respond(req, status, kind, body);
                });
            if spawned.is_err() {
                // No thread to answer on: the request is dropped (the browser retries).
                continue;
            }
        }
        ExitCode::from(HOLDS)
    }
}

fn respond(req: tiny_http::Request, status: u16, kind: &str, body: String) {
    let resp = tiny_http::Response::from_string(body).with_status_code(status);
    let resp = match tiny_http::Header::from_bytes(&b"Content-Type"[..], kind.as_bytes()) {
        Ok(h) => resp.with_header(h),
        Err(()) => resp,
    };
    let _ = req.respond(resp);
}

/// The value of query parameter `key` in `url`, percent-decoded enough for ids and paths.
fn param(url: &str, key: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| v.replace("%2C", ",").replace("%2E", ".").replace('+', " "))
    })
}

fn err(status: u16, msg: String) -> (u16, &'static str, String) {
    (
        status,
        "application/json",
        json!({ "error": msg }).to_string(),
    )
}

fn ok(v: Value) -> (u16, &'static str, String) {
    (200, "application/json", v.to_string())
}

/// The answer of the job `key`, starting it with `work` if it is not known yet. Waits up to two
/// seconds for it (a small configuration answers at once); after that, "still computing"
/// with the states found so far (HTTP 202), and the page asks again.
fn job(
    shared: &Arc<Shared>,
    key: String,
    work: impl FnOnce(&Progress) -> (u16, Value) + Send + 'static,
) -> (u16, &'static str, String) {
    let Ok(mut jobs) = shared.jobs.lock() else {
        return err(500, "the server's job table is unusable".into());
    };
    if !jobs.contains_key(&key) {
        // The answers are kept for the page to ask again; past a few thousand (a long session
        // of moves), the finished ones are dropped and computed again when asked.
        if jobs.len() >= MAX_JOBS {
            jobs.retain(|_, j| matches!(j, Job::Running(_)));
        }
        let p = Arc::new(Progress::off());
        jobs.insert(key.clone(), Job::Running(Arc::clone(&p)));
        let (s2, k2) = (Arc::clone(shared), key.clone());
        let started =
            std::thread::Builder::new()
                .name("play-search".into())
                .spawn(move || {
                    let answer =
                        {
                            let _one_at_a_time = s2.search.lock();
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&p)))
                        .unwrap_or_else(|_| {
                            (500, json!({"error": "the search failed; see the server's stderr"}))
                        })
                        };
                    if let Ok(mut jobs) = s2.jobs.lock() {
                        jobs.insert(k2, Job::Done(answer.0, answer.1));
                    }
                    s2.finished.notify_all();
                });
        if started.is_err() {
            jobs.remove(&key);
            return err(503, "no thread for the search; try again".into());
        }
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    loop {
        match jobs.get(&key) {
            Some(Job::Done(status, v)) => return (*status, "application/json", v.to_string()),
            Some(Job::Running(p)) => {
                let now = std::time::Instant::now();
                if now >= deadline {
                    let n = p.recorded();
                    return (
                        202,
                        "application/json",
                        json!({
                            "pending": true,
                            "states": n,
                            "message": format!(
                                "stateright is still checking this configuration: {} states so \
                                 far (the budget is {})",
                                checks::progress::count(n),
                                checks::progress::count(shared.budget)
                            ),
                        })
                        .to_string(),
                    );
                }
                match shared.finished.wait_timeout(jobs, deadline - now) {
                    Ok((j, _)) => jobs = j,
                    Err(_) => return err(500, "the server's job table is unusable".into()),
                }
            }
            None => return err(500, "the search vanished".into()),
        }
    }
}

/// One request: the page's files, or the model's answers as JSON.
fn answer(url: &str, shared: &Arc<Shared>) -> (u16, &'static str, String) {
    let custom = shared.custom.as_ref();
    let route = url.split('?').next().unwrap_or("/");
    match route {
        "/" | "/index.html" => (200, "text/html; charset=utf-8", play::INDEX_HTML.into()),
        "/play.js" => (200, "text/javascript; charset=utf-8", play::PLAY_JS.into()),
        "/play.css" => (200, "text/css; charset=utf-8", play::PLAY_CSS.into()),
        "/favicon.svg" | "/favicon.ico" => (200, "image/svg+xml", play::FAVICON.into()),
        "/api/levels" => ok(play::levels_json(custom)),
        r if r.starts_with("/api/") => {
            let id = param(url, "level").unwrap_or_default();
            let fallback = Level::free(
                "custom",
                "",
                mkwrite_model::Config::new(mkwrite_model::Protocol::Old),
            );
            let Some(l) = play::level(&id, custom.unwrap_or(&fallback)) else {
                return err(404, format!("no level '{}'", super::shown(&id)));
            };
            let path = match play::parse_path(&l.cfg, &param(url, "path").unwrap_or_default()) {
                Ok(p) => p,
                Err(e) => return err(400, e),
            };
            let budget = shared.budget;
            match r {
                "/api/view" => match play::view(&l, &path) {
                    Ok(v) => ok(v),
                    Err(e) => (
                        400,
                        "application/json",
                        json!({"error": e.message, "valid": e.valid}).to_string(),
                    ),
                },
                "/api/reach" => {
                    let Some(at) = play::position_key(&l, &path) else {
                        return err(400, "this position cannot be reached".into());
                    };
                    job(shared, format!("{}/reach/{at}", l.id), move |p| {
                        (200, play::reach_json(&l, &path, budget, p))
                    })
                }
                "/api/violations" => job(shared, format!("{}/violations", l.id), move |p| {
                    match play::violations_within(&l, budget, p) {
                        Ok(v) => (200, v),
                        Err(i) => (
                            200,
                            json!({"incomplete": true, "message": play::budget_message(&i)}),
                        ),
                    }
                }),
                "/api/against" => ok(play::against(&l, &path)),
                "/api/shortest" => {
                    let inv = param(url, "inv").unwrap_or_default();
                    match mkwrite_model::Inv::parse(&inv) {
                        None => err(400, format!("no invariant '{}'", super::shown(&inv))),
                        Some(i) => job(shared, format!("{}/shortest/{}", l.id, i.id()), move |p| {
                            match play::shortest_path_within(&l, i, budget, p) {
                                Ok(v) => (200, v),
                                Err(e) => (404, json!({ "error": e })),
                            }
                        }),
                    }
                }
                _ => err(404, format!("no such request: {}", super::shown(route))),
            }
        }
        _ => (
            404,
            "text/plain",
            format!("not found: {}\n", super::shown(route)),
        ),
    }
}
