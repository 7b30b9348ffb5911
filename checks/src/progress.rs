//! Progress on stderr, one convention for every slow command: a single line that updates in
//! place (`\r`) while stderr is a terminal, nothing when it is not (a pipe, a file) or with
//! `--quiet`. `MKWRITE_PROGRESS=always` shows the line on any stderr and `never` hides it on a
//! terminal too. Every write to stderr here ignores its error: a closed or full stderr (`2>&1 |
//! head -1`, `2>/dev/full`) never stops or panics a run.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Whether a progress line is on the terminal now (and must be cleared before other output).
static SHOWN: AtomicBool = AtomicBool::new(false);

/// Serialises the writers of the progress line.
static LINE: Mutex<()> = Mutex::new(());

/// Write `text` to stderr, ignoring every error.
pub fn stderr(text: &str) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(text.as_bytes());
    let _ = e.flush();
}

/// Clear the progress line, if one is shown; called before anything else is printed.
pub fn clear() {
    if SHOWN.swap(false, Ordering::SeqCst) {
        let _g = LINE.lock();
        stderr("\r\x1b[K");
    }
}

/// A line on stderr that stays (a warning or a note, not progress): cleared progress first,
/// errors ignored. Shown whether or not stderr is a terminal; callers honour `--quiet`.
pub fn note(line: &str) {
    clear();
    stderr(&format!("{line}\n"));
}

/// Whether progress lines are wanted on this process's stderr when not `--quiet`.
fn wanted() -> bool {
    match std::env::var("MKWRITE_PROGRESS").as_deref() {
        Ok("always") => true,
        Ok("never") => false,
        _ => std::io::stderr().is_terminal(),
    }
}

/// The progress line of one command. Cheap to create; `show` rate-limits itself.
#[derive(Debug)]
pub struct Progress {
    on: bool,
    start: Instant,
    last: Mutex<Option<Instant>>,
    /// Nothing is shown before this much time has passed: fast commands stay silent.
    after: Duration,
    /// The latest count a search reported ([`Progress::record`]), for callers that show it
    /// elsewhere (the teaching page).
    states: std::sync::atomic::AtomicUsize,
}

impl Progress {
    /// Progress for a command: on when not `quiet` and stderr is a terminal (or
    /// `MKWRITE_PROGRESS=always`).
    pub fn new(quiet: bool) -> Progress {
        Progress {
            on: !quiet && wanted(),
            start: Instant::now(),
            last: Mutex::new(None),
            after: Duration::from_millis(300),
            states: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// No progress at all.
    pub fn off() -> Progress {
        Progress::new(true)
    }

    /// Whether anything will be shown.
    pub fn enabled(&self) -> bool {
        self.on
    }

    /// Note the number of states a search has found so far.
    pub fn record(&self, states: usize) {
        self.states.store(states, Ordering::Relaxed);
    }

    /// The latest number of states noted by [`Progress::record`].
    pub fn recorded(&self) -> usize {
        self.states.load(Ordering::Relaxed)
    }

    /// Seconds since the command started.
    pub fn elapsed(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// Replace the progress line by `msg` (cut to the output width), at most five times a
    /// second and not in the first 300 ms.
    pub fn show(&self, msg: &str) {
        if !self.on || self.start.elapsed() < self.after {
            return;
        }
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        if last.is_some_and(|t| t.elapsed() < Duration::from_millis(200)) {
            return;
        }
        *last = Some(Instant::now());
        let width = mkwrite_model::trace::width().saturating_sub(1);
        let line: String = msg
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(width)
            .collect();
        let _g = LINE.lock();
        SHOWN.store(true, Ordering::SeqCst);
        stderr(&format!("\r{line}\x1b[K"));
    }

    /// The line is done: clear it.
    pub fn done(&self) {
        if self.on {
            clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.done();
    }
}

/// A count in a few characters: `950`, `12.3k`, `4.1M`, `2.0G`.
pub fn count(n: usize) -> String {
    let f = n as f64;
    if n < 10_000 {
        n.to_string()
    } else if f < 1e6 {
        format!("{:.1}k", f / 1e3)
    } else if f < 1e9 {
        format!("{:.1}M", f / 1e6)
    } else {
        format!("{:.1}G", f / 1e9)
    }
}

/// Seconds in a few characters: `45 s`, `12 min`, `3.0 h`.
pub fn duration(secs: f64) -> String {
    if secs < 120.0 {
        format!("{secs:.0} s")
    } else if secs < 7200.0 {
        format!("{:.0} min", secs / 60.0)
    } else {
        format!("{:.1} h", secs / 3600.0)
    }
}

/// Run `work` while a ticker shows `what` and the seconds elapsed on the progress line (for
/// work that reports nothing itself, such as a loom or shuttle run).
pub fn ticking<T>(p: &Progress, what: &str, work: impl FnOnce() -> T) -> T {
    if !p.enabled() {
        return work();
    }
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let t0 = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                p.show(&format!("{what}: {:.0} s", t0.elapsed().as_secs_f64()));
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        let v = work();
        stop.store(true, Ordering::Relaxed);
        v
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_durations_are_short() {
        assert_eq!(count(950), "950");
        assert_eq!(count(12_345), "12.3k");
        assert_eq!(count(4_100_000), "4.1M");
        assert_eq!(duration(45.2), "45 s");
        assert_eq!(duration(720.0), "12 min");
    }
}
