//! The golden files under `checks/tests/golden/`: compare a freshly computed text with the
//! committed one, or, with `BLESS=1`, rewrite it and say what changed, so that a reviewer sees
//! "0 verdicts, 216 counts" before accepting a bless.
//!
//! A golden line is a configuration label, then `states=N` (verdict files) or ` | `
//! (guard files), then `name:number` tokens: the violated invariants with their shortest
//! trace lengths, or the guards with their shortest witnesses.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// One golden line, parsed: its state count and its `name:number` tokens.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Line {
    states: Option<String>,
    tokens: BTreeMap<String, String>,
}

fn parse(text: &str) -> BTreeMap<String, Line> {
    let mut out = BTreeMap::new();
    for l in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (key, rest) = match (l.find(" states="), l.find(" | ")) {
            (Some(i), _) => (&l[..i], &l[i + 1..]),
            (None, Some(i)) => (&l[..i], &l[i + 3..]),
            (None, None) => (l.strip_suffix(" |").unwrap_or(l), ""),
        };
        let mut line = Line::default();
        for tok in rest.split_whitespace() {
            match tok.split_once(['=', ':']) {
                Some(("states", n)) => line.states = Some(n.to_string()),
                Some((k, v)) => {
                    line.tokens.insert(k.to_string(), v.to_string());
                }
                None => {
                    line.tokens.insert(tok.to_string(), String::new());
                }
            }
        }
        out.insert(key.trim().to_string(), line);
    }
    out
}

/// What a bless changes, by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Lines whose set of names changed (a verdict, or a guard reached or not).
    pub sets: usize,
    /// Lines with the same names but another number (a trace length, a witness depth).
    pub numbers: usize,
    /// Lines with only another state count.
    pub counts: usize,
    /// Configurations new in the file.
    pub added: usize,
    /// Configurations gone from it.
    pub removed: usize,
}

impl std::fmt::Display for Changes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} with another verdict or guard set, {} with other lengths or depths, {} with \
             other state counts only; {} configurations added, {} removed",
            self.sets, self.numbers, self.counts, self.added, self.removed
        )
    }
}

/// Classify every difference between two golden texts.
pub fn changes(old: &str, new: &str) -> Changes {
    let (a, b) = (parse(old), parse(new));
    let mut c = Changes::default();
    for (k, nb) in &b {
        match a.get(k) {
            None => c.added += 1,
            Some(na) if na == nb => {}
            Some(na) => {
                let keys = |l: &Line| l.tokens.keys().cloned().collect::<Vec<_>>();
                if keys(na) != keys(nb) {
                    c.sets += 1;
                } else if na.tokens != nb.tokens {
                    c.numbers += 1;
                } else {
                    c.counts += 1;
                }
            }
        }
    }
    c.removed = a.keys().filter(|k| !b.contains_key(*k)).count();
    c
}

/// Compare `text` with the golden file at `path`; with `BLESS` set, rewrite the file and
/// print what changed on the terminal (past the test harness's capture). `Err` holds the first
/// differing lines.
pub fn check_or_bless(path: &Path, text: &str) -> Result<(), String> {
    let golden = std::fs::read_to_string(path).unwrap_or_default();
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    if std::env::var_os("BLESS").is_some() {
        if golden != text {
            std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            // A verdict file is summarised by kind of change; a picture only as rewritten.
            let summary = if name.ends_with(".txt") {
                changes(&golden, text).to_string()
            } else {
                "rewritten".to_string()
            };
            let _ = writeln!(std::io::stderr(), "blessed {name}: {summary}");
        }
        return Ok(());
    }
    if golden == text {
        return Ok(());
    }
    let diff: Vec<String> = golden
        .lines()
        .zip(text.lines())
        .filter(|(a, b)| a != b)
        .take(10)
        .map(|(a, b)| format!("- {a}\n+ {b}"))
        .collect();
    Err(format!(
        "{} differs ({}; BLESS=1 to accept):\n{}",
        path.display(),
        changes(&golden, text),
        diff.join("\n")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bless_is_classified_by_kind() {
        let old = "# head\n\
                   a w1 states=10  INV-1:11\n\
                   b w1 states=20  holds\n\
                   c w1 states=30  INV-2:5\n\
                   d w1 states=40  holds\n\
                   e | g1:3 g2:4\n";
        let new = "# head\n\
                   a w1 states=11  INV-1:11\n\
                   b w1 states=20  INV-2:7\n\
                   c w1 states=30  INV-2:6\n\
                   e | g1:3 g2:5\n\
                   f w1 states=1  holds\n";
        assert_eq!(
            changes(old, new),
            Changes {
                sets: 1,
                numbers: 2,
                counts: 1,
                added: 1,
                removed: 1
            }
        );
        assert_eq!(changes(old, old), Changes::default());
    }
}
