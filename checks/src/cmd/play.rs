//! `mkwrite play`: serve the teaching page on 127.0.0.1.

use super::{bad, resolve, ConfigArgs, HOLDS};
use checks::play::{self, Level};
use clap::Args;
use serde_json::{json, Value};
use std::process::ExitCode;

/// `mkwrite play`.
#[derive(Args, Debug)]
pub struct PlayCmd {
    #[command(flatten)]
    config: ConfigArgs,
    /// TCP port on 127.0.0.1.
    #[arg(long, default_value_t = 8080)]
    port: u16,
}

impl PlayCmd {
    /// Run it: serve until Ctrl-C.
    pub fn run(self) -> ExitCode {
        let custom = if self.config.any() {
            match resolve(&self.config, None) {
                Ok(cfg) => Some(Level {
                    id: "custom".into(),
                    title: format!("Your configuration: {}", cfg.label()),
                    cfg,
                    target: None,
                    goal: String::new(),
                }),
                Err(e) => return bad(e),
            }
        } else {
            None
        };
        let addr = format!("127.0.0.1:{}", self.port);
        let server = match tiny_http::Server::http(&addr) {
            Ok(s) => s,
            Err(e) => {
                return bad(format!(
                    "{addr} is not available ({e}); try another port with --port N"
                ))
            }
        };
        eprintln!("mkwrite: the teaching page is on http://{addr}/ (Ctrl-C to stop)");
        for req in server.incoming_requests() {
            let (status, kind, body) = answer(req.url(), custom.as_ref());
            let header = tiny_http::Header::from_bytes(&b"Content-Type"[..], kind.as_bytes())
                .expect("a valid header");
            let resp = tiny_http::Response::from_string(body)
                .with_status_code(status)
                .with_header(header);
            let _ = req.respond(resp);
        }
        ExitCode::from(HOLDS)
    }
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

/// One request: the page's files, or the model's answers as JSON.
fn answer(url: &str, custom: Option<&Level>) -> (u16, &'static str, String) {
    let route = url.split('?').next().unwrap_or("/");
    match route {
        "/" | "/index.html" => (200, "text/html; charset=utf-8", play::INDEX_HTML.into()),
        "/play.js" => (200, "text/javascript; charset=utf-8", play::PLAY_JS.into()),
        "/play.css" => (200, "text/css; charset=utf-8", play::PLAY_CSS.into()),
        "/api/levels" => ok(play::levels_json(custom)),
        r if r.starts_with("/api/") => {
            let id = param(url, "level").unwrap_or_default();
            let fallback = Level {
                id: "custom".into(),
                title: String::new(),
                cfg: mkwrite_model::Config::new(mkwrite_model::Protocol::Old),
                target: None,
                goal: String::new(),
            };
            let Some(l) = play::level(&id, custom.unwrap_or(&fallback)) else {
                return err(404, format!("no level '{id}'"));
            };
            let path = match play::parse_path(&l.cfg, &param(url, "path").unwrap_or_default()) {
                Ok(p) => p,
                Err(e) => return err(400, e),
            };
            match r {
                "/api/view" => match play::view(&l, &path) {
                    Ok(v) => ok(v),
                    Err(e) => err(400, e),
                },
                "/api/violations" => ok(play::violations(&l)),
                "/api/against" => ok(play::against(&l, &path)),
                "/api/shortest" => {
                    let inv = param(url, "inv").unwrap_or_default();
                    match mkwrite_model::Inv::parse(&inv) {
                        None => err(400, format!("no invariant '{inv}'")),
                        Some(i) => match play::shortest_path(&l, i) {
                            Ok(v) => ok(v),
                            Err(e) => err(404, e),
                        },
                    }
                }
                _ => err(404, format!("no such request: {route}")),
            }
        }
        _ => (404, "text/plain", format!("not found: {route}\n")),
    }
}
