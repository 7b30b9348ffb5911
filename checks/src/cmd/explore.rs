//! `mkwrite explore`: stateright's Explorer in a browser, for one configuration.

use super::{bad, resolve, ConfigArgs, HOLDS};
use clap::Args;
use std::process::ExitCode;

/// `mkwrite explore`.
#[derive(Args, Debug)]
pub struct ExploreCmd {
    #[command(flatten)]
    config: ConfigArgs,
    /// TCP port on 127.0.0.1.
    #[arg(long, default_value_t = 3000)]
    port: u16,
}

impl ExploreCmd {
    /// Run it: serve until Ctrl-C. stateright's `serve` panics on a busy port and never
    /// returns, so the port is checked first.
    pub fn run(self) -> ExitCode {
        use stateright::Model;
        let cfg = match resolve(&self.config, None) {
            Ok(c) => c,
            Err(e) => return bad(e),
        };
        let addr = ("127.0.0.1", self.port);
        if let Err(e) = std::net::TcpListener::bind(addr) {
            return bad(format!("127.0.0.1:{} is not available: {e}", self.port));
        }
        eprintln!(
            "mkwrite: Explorer for {} on http://127.0.0.1:{}/ (Ctrl-C to stop)",
            cfg.label(),
            self.port
        );
        checks::sr::Checked {
            cfg,
            props: checks::sr::Props::All,
        }
        .checker()
        .serve(addr);
        ExitCode::from(HOLDS)
    }
}
