//! Printing check results: the verdict table, counterexamples, JSON lines, and the headline
//! matrix. Output is deterministic except for the seconds column.

use crate::run::{check, Report};
use mkwrite_model::contract::{Protocol, Scenario, SCENARIOS};
use mkwrite_model::invariants::Guard;
use mkwrite_model::Fs;
use mkwrite_model::{trace, Config, Inv};
use serde_json::json;
use std::fmt::Write;

/// What checked the configuration and how completely.
pub const CHECKER: &str = "stateright";
/// Coverage of every stateright verdict: the whole state space.
pub const COVERAGE: &str = "exhaustive";

fn guard_needs(g: Guard) -> &'static str {
    match g {
        Guard::WritebackReachesLockInMkwriteWindow => {
            "needs W0, a mapping that tags dirty pages, and ->page_mkwrite or a dirty page (not \
             nilfs2 from a clean page: nothing is ever written)"
        }
        Guard::TruncateRemovesPageUnderFault => "needs T0 truncating to 0",
        Guard::PageMkwriteReturnsNopage => "needs T0 truncating to 0, and ->page_mkwrite",
        Guard::PageMkwriteFails => {
            "needs --enospc with a ->page_mkwrite that allocates (buffer: after --extend), or T0 \
             with NFS's SIGBUS"
        }
        Guard::FaultRetries => "needs a shared mm, R0, or T0 truncating to 0 with ->page_mkwrite",
        Guard::DataReachesDisk => {
            "needs W0 when T0 runs (not nilfs2 from a clean page: nothing is ever written)"
        }
        Guard::SecondStoreLands => "needs --stores 2",
        Guard::ReclaimFreesPage => "needs R0",
        Guard::ReclaimReleasesPrivate => {
            "needs R0, and a filesystem whose private data reclaim can release (UBIFS: with T0; \
             not nilfs2 from a clean page)"
        }
        Guard::CommitFreesRequest => "needs NFS (and two passes of W0 with T0)",
        Guard::FixupSetsDelalloc => "needs btrfs returning unlocked, and W0",
        Guard::DefioWorkerReprotects => "needs fb_defio",
        Guard::PartialTruncateKeepsWritablePte => "needs --truncate-to partial",
        Guard::IsizeExtendedReprotects => "needs --extend and new+isize-extended",
        Guard::StoreLandsInExtendedBlock => "needs --extend",
        Guard::DmaWritesPage => "needs --dio 1, not refused (--gup-era longterm)",
        Guard::FreezeCompletes => "needs --freeze",
        Guard::MkwriteMeetsWriteback => {
            "needs --stable-writes, W0, and a dirty page or a second store"
        }
    }
}

/// The verdict table of one report, then the shortest counterexample of each violation.
pub fn text(r: &Report) -> String {
    let mut s = String::new();
    s.push_str(&trace::wrap("configuration: ", &r.cfg.label(), "    "));
    s.push_str(&trace::wrap(
        "checker: ",
        &format!(
            "{CHECKER}, {COVERAGE} (DFS on 2 threads decides every invariant; 1-thread BFS per \
             violation gives its shortest trace)"
        ),
        "    ",
    ));
    let _ = writeln!(
        s,
        "states: {}  seconds: {:.2}  fingerprint collision probability: {:.1e}\n",
        r.states,
        r.seconds,
        r.collision_probability()
    );
    let _ = writeln!(s, "{:<40} {:<9} {:<9} trace", "invariant", "id", "verdict");
    for v in &r.verdicts {
        let (verdict, len) = match &v.trace {
            Some(t) => ("VIOLATED", format!("{} steps", t.len())),
            None => ("holds", String::new()),
        };
        let line = format!(
            "{:<40} {:<9} {:<9} {}",
            v.inv.name(),
            v.inv.id(),
            verdict,
            len
        );
        let _ = writeln!(s, "{}", line.trim_end());
    }
    let _ = writeln!(s, "\nsometimes guards:");
    for g in &r.guards {
        let what = match (g.applicable, g.reached) {
            (true, true) => "reached".to_string(),
            (true, false) => "NOT REACHED: the passes above may be vacuous".to_string(),
            (false, true) => "reached".to_string(),
            (false, false) => format!("not applicable ({})", guard_needs(g.guard)),
        };
        s.push_str(&trace::wrap(
            &format!("  {:<44} ", g.guard.name()),
            &what,
            &" ".repeat(47),
        ));
    }
    for v in &r.verdicts {
        if let Some(t) = &v.trace {
            s.push_str(&trace::wrap(
                &format!("\ncounterexample: {} ({}): ", v.inv.name(), v.inv.id()),
                mkwrite_model::fs::meaning(&r.cfg, v.inv),
                "    ",
            ));
            s.push_str(&trace::render(&r.cfg, t).unwrap_or_else(|e| format!("  {e}\n")));
        }
    }
    s
}

/// The configuration fields every JSON record starts with.
fn config_json(c: &Config) -> serde_json::Map<String, serde_json::Value> {
    let mut m = json_map(json!({
        "protocol": c.protocol.id(),
        "fs": c.fs.id(),
        "writers": c.writers,
        "shared_mm": c.shared_mm,
        "writeback": c.writeback,
        "truncate": u8::from(c.truncate),
        "pte": if c.pte_ro { "ro" } else { "none" },
        "page": if c.page_dirty { "dirty" } else { "clean" },
        "strict": c.strict,
        "stores": c.stores,
        "reclaim": c.reclaim,
        "enospc": c.enospc,
        "late_writeback": c.late_writeback,
        "model_version": crate::tracefmt::MODEL_VERSION,
    }));
    // The partial-page fields appear only where they are not the defaults, so that every
    // record of a one-block configuration keeps its form.
    if c.blocks > 1 {
        m.insert("blocks_per_page".into(), json!(c.blocks));
    }
    if c.truncate_partial {
        m.insert("truncate_to".into(), json!("partial"));
    }
    if c.extend {
        m.insert("extend".into(), json!(true));
    }
    if c.initial_extent != mkwrite_model::config::InitialExtent::Real {
        m.insert("initial_extent".into(), json!(c.initial_extent.id()));
    }
    if c.dio {
        m.insert("dio".into(), json!(1));
    }
    if c.gup_era != mkwrite_model::config::GupEra::V2629 {
        m.insert("gup_era".into(), json!(c.gup_era.id()));
    }
    if c.ablated != 0 {
        m.insert("without".into(), json!(mkwrite_model::fs::removed_ids(c)));
    }
    m
}

fn json_map(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    match v {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

/// One JSON object per invariant, one per line.
pub fn json_lines(r: &Report) -> String {
    let c = &r.cfg;
    let mut s = String::new();
    for v in &r.verdicts {
        let names: Option<Vec<String>> = v.trace.as_ref().map(|t| {
            let w = mkwrite_model::World::init(c);
            t.iter().map(|&tid| w.thread(tid).name()).collect()
        });
        let mut o = config_json(c);
        o.extend(json_map(json!({
            "checker": CHECKER,
            "coverage": COVERAGE,
            "invariant": v.inv.name(),
            "inv": v.inv.id(),
            "verdict": if v.violated() { "violated" } else { "holds" },
            "states": r.states,
            "collision_probability": r.collision_probability(),
            "seconds": (r.seconds * 1000.0).round() / 1000.0,
            "trace_len": v.trace.as_ref().map(Vec::len),
            "trace": names,
        })));
        let _ = writeln!(s, "{}", serde_json::Value::Object(o));
    }
    s
}

/// The configurations of the headline: each distinct textbook configuration under old, new
/// with an unlocked ->page_mkwrite, and new with a locked one.
pub fn headline_configs() -> Vec<(&'static Scenario, Vec<Config>)> {
    let mut rows: Vec<(&'static Scenario, Vec<Config>)> = Vec::new();
    for s in SCENARIOS.iter().filter(|s| s.protocol == Protocol::Old) {
        let base = Config::from_scenario(s);
        if rows.iter().any(|(_, cs)| cs[0] == base) {
            continue;
        }
        let variants = [
            (Protocol::Old, Fs::UNLOCKED),
            (Protocol::New, Fs::UNLOCKED),
            (Protocol::New, Fs::LOCKED),
        ]
        .map(|(p, fs)| Config {
            protocol: p,
            fixes: p.fixes(),
            fs,
            ..base
        });
        rows.push((s, variants.to_vec()));
    }
    rows
}

fn cell(r: &Report) -> String {
    let v = r.violated();
    if v.is_empty() {
        "holds".to_string()
    } else {
        v.iter().map(|i| i.id()).collect::<Vec<_>>().join(" ")
    }
}

/// The headline: old vs new across the textbook scenarios, then the shortest old
/// counterexample of INV-1.
pub fn headline() -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "mkwrite: the page_mkwrite race (b827e496c893 \"mm: close page_mkwrite races\"),\n\
         checked exhaustively by stateright\n"
    );
    let _ = writeln!(
        s,
        "Violated invariants per configuration (1 writer, 2 writeback passes, final fsync, \
         strict fs):\n"
    );
    let _ = writeln!(
        s,
        "{:<6} {:<22} {:<22} new, fs locked",
        "race", "old", "new, fs unlocked"
    );
    let mut first_old: Option<Report> = None;
    let mut seen: Vec<Inv> = Vec::new();
    let mut races = String::new();
    for (sc, cfgs) in headline_configs() {
        races.push_str(&trace::wrap(
            &format!("  {:<4} ", sc.race),
            &format!("{}: {}", sc.name, sc.doc),
            "       ",
        ));
        let reports: Vec<Report> = cfgs.iter().map(|c| check(c, false)).collect();
        for r in &reports {
            for i in r.violated() {
                if !seen.contains(&i) {
                    seen.push(i);
                }
            }
        }
        let line = format!(
            "{:<6} {:<22} {:<22} {}",
            sc.race,
            cell(&reports[0]),
            cell(&reports[1]),
            cell(&reports[2])
        );
        let _ = writeln!(s, "{}", line.trim_end());
        if first_old.is_none() {
            first_old = Some(reports[0].clone());
        }
    }
    seen.sort();
    s.push_str(&trace::wrap(
        "",
        "R2 and R4 run with --late-writeback: writeback is kept out of R1's and R3's window, \
         so that the checker finds their own, later one.",
        "",
    ));
    let _ = writeln!(s, "\nThe races (mkwrite scenarios lists them all):");
    s.push_str(&races);
    let _ = writeln!(s, "\nWhat each violation means:");
    for i in seen {
        s.push_str(&trace::wrap(
            &format!("  {:<7}", i.id()),
            i.meaning(),
            "         ",
        ));
    }
    s.push_str(&trace::wrap(
        "\n",
        "`mkwrite check --help` lists every configuration flag; README.md explains the rest, \
         and docs/traces.md the trace below.",
        "",
    ));
    if let Some(r) = first_old {
        let inv = Inv::WritablePteHasFsMetadata;
        if let Some(t) = &r.verdict(inv).trace {
            s.push_str(&trace::wrap(
                &format!(
                    "\nShortest old counterexample of {} ({}): ",
                    inv.name(),
                    inv.id()
                ),
                &format!(
                    "{} ({})",
                    mkwrite_model::fs::meaning(&r.cfg, inv),
                    r.cfg.label()
                ),
                "",
            ));
            s.push_str(&trace::render(&r.cfg, t).unwrap_or_default());
        }
    }
    s
}

/// Every configuration of the pinned verdict matrix: {old, new with an unlocked
/// ->page_mkwrite, new with a locked one} × writers {1, 2 in separate mms, 2 sharing one mm} ×
/// writeback 0-2 × truncate 0-1 × initial pte × initial page × {strict, lenient} filesystem.
pub fn matrix_configs() -> Vec<Config> {
    let mut out = Vec::new();
    for (p, fs) in [
        (Protocol::Old, Fs::UNLOCKED),
        (Protocol::New, Fs::UNLOCKED),
        (Protocol::New, Fs::LOCKED),
    ] {
        for (writers, shared_mm) in [(1, false), (2, false), (2, true)] {
            for writeback in 0..=2 {
                for truncate in [false, true] {
                    for pte_ro in [true, false] {
                        for page_dirty in [false, true] {
                            for strict in [true, false] {
                                out.push(Config {
                                    protocol: p,
                                    fixes: p.fixes(),
                                    fs,
                                    writers,
                                    shared_mm,
                                    writeback,
                                    truncate,
                                    pte_ro,
                                    page_dirty,
                                    strict,
                                    ..Config::new(p)
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// The profiles' verdicts at the headline configurations (one store; truncate, pte and
/// reclaim varied), as a Markdown table: for each profile and era, under each VM, every
/// invariant that fails in some of them, with the shortest trace's length.
pub fn profiles_table() -> String {
    let mut s = String::from(
        "| `--fs` | profile, code | old VM (e58fcb489af^) | new VM (e58fcb489af) |\n|---|---|---|---|\n",
    );
    for fs in profiles() {
        let mut cells = Vec::new();
        for protocol in [Protocol::Old, Protocol::New] {
            let mut worst: Vec<(Inv, usize)> = Vec::new();
            let mut counterfactual = false;
            for cfg in profile_configs()
                .into_iter()
                .filter(|c| c.fs == fs && c.protocol == protocol && c.stores == 1)
            {
                counterfactual |= mkwrite_model::fs::counterfactual(&cfg);
                let r = check(&cfg, false);
                for inv in r.violated() {
                    let len = r.verdict(inv).trace.as_ref().map_or(0, Vec::len);
                    match worst.iter_mut().find(|(i, _)| *i == inv) {
                        Some((_, l)) => *l = (*l).min(len),
                        None => worst.push((inv, len)),
                    }
                }
            }
            worst.sort();
            let mut cell = if worst.is_empty() {
                "holds".to_string()
            } else {
                worst
                    .iter()
                    .map(|(i, l)| format!("{}:{l}", i.id()))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            if counterfactual {
                cell.push_str(" (counterfactual)");
            }
            cells.push(cell);
        }
        let i = fs.info();
        let _ = writeln!(
            s,
            "| `{}` | {}: {} | {} | {} |",
            i.id, i.profile, i.code, cells[0], cells[1]
        );
    }
    s
}

/// `mkwrite filesystems`: every profile and era, as text or JSON lines.
pub fn filesystems(json: bool) -> String {
    let mut s = String::new();
    for f in Fs::all() {
        let i = f.info();
        // Other names it is typed by (`--fs xfs` for the buffer profile).
        let aliases = f.ops().aliases();
        if json {
            let o = json!({
                "fs": i.id,
                "aliases": aliases,
                "profile": i.profile,
                "code": i.code,
                "page_mkwrite_old_vm": i.old_vm,
                "page_mkwrite_new_vm": i.new_vm,
                "tracked": i.tracked,
                "files": i.files,
            });
            let _ = writeln!(s, "{o}");
        } else {
            let also = if aliases.is_empty() {
                String::new()
            } else {
                format!(" (also --fs {})", aliases.join(", "))
            };
            let _ = writeln!(s, "{}{also}: {}", i.id, i.profile);
            let _ = writeln!(s, "    code     {}", i.code);
            let _ = writeln!(s, "    old VM   ->page_mkwrite returns {}", i.old_vm);
            let _ = writeln!(s, "    new VM   ->page_mkwrite returns {}", i.new_vm);
            let _ = writeln!(s, "    tracked  {}", i.tracked);
            let _ = writeln!(s, "    files    {}", i.files);
        }
    }
    if !json {
        s.push_str(&trace::wrap(
            "\n",
            "`--fs seed` is the seed filesystem with the protocol's default convention. An era \
             can be named by a commit prefix of 7 or more hex digits (nfs@7fdf523).",
            "",
        ));
    }
    s
}

/// The filesystem profiles and their eras (every `Fs` but the seed's conventions).
pub fn profiles() -> Vec<Fs> {
    Fs::all()
        .into_iter()
        .filter(|f| f.convention().is_none() && !f.ops().v612())
        .collect()
}

/// The 6.12 matrix's shapes beside unmodified v6.12 and the default profile: `writers` x
/// writeback 0-2 x truncate x pte ro/none x page clean/dirty x reclaim 0-1 x stores 1-2, in
/// that order; callers set the profile (and the protocol of a cut).
pub fn v612_matrix(writers: &[u8]) -> Vec<Config> {
    let mut out = Vec::new();
    for &writers in writers {
        for writeback in 0..=2 {
            for truncate in [false, true] {
                for pte_ro in [true, false] {
                    for page_dirty in [false, true] {
                        for reclaim in [false, true] {
                            for stores in [1, 2] {
                                out.push(Config {
                                    writers,
                                    writeback,
                                    truncate,
                                    pte_ro,
                                    page_dirty,
                                    reclaim,
                                    stores,
                                    ..Config::new(Protocol::V612)
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// The Linux 6.12 profiles (`ext4@6.12`, `xfs@6.12`, `generic@6.12`), which run beside
/// `--protocol v6.12` only.
pub fn v612_profiles() -> Vec<Fs> {
    Fs::all().into_iter().filter(|f| f.ops().v612()).collect()
}

/// The profiles' golden configurations: every profile and era under the old and the new VM,
/// at the headline shape (one writer, two writeback passes, a clean page) with and without
/// truncate, with either initial pte, with and without reclaim, one store or two; those a
/// profile cannot meet (fb_defio's truncate and reclaim) left out.
pub fn profile_configs() -> Vec<Config> {
    profiles()
        .into_iter()
        .flat_map(profile_configs_of)
        .collect()
}

/// One profile's golden configurations (`profile_configs`).
pub fn profile_configs_of(fs: Fs) -> Vec<Config> {
    let mut out = Vec::new();
    for protocol in [Protocol::Old, Protocol::New] {
        for reclaim in [false, true] {
            for truncate in [false, true] {
                for pte_ro in [true, false] {
                    for stores in [1, 2] {
                        let c = Config {
                            fs,
                            writeback: 2,
                            truncate,
                            pte_ro,
                            stores,
                            reclaim,
                            ..Config::new(protocol)
                        };
                        // fb_defio has neither truncate nor reclaim.
                        if c.validate().is_ok() {
                            out.push(c);
                        }
                    }
                }
            }
        }
    }
    out
}

/// One line of the verdict matrix: configuration, unique states, each violated invariant with
/// the length of its shortest trace, and any applicable guard that was not reached.
pub fn matrix_line(r: &Report) -> String {
    let mut s = format!("{:<52} states={:<7}", r.cfg.label(), r.states);
    let v = r.violated();
    if v.is_empty() {
        s.push_str(" holds");
    }
    for inv in v {
        let len = r.verdict(inv).trace.as_ref().map_or(0, Vec::len);
        let _ = write!(s, " {}:{len}", inv.id());
    }
    for g in r.unreached_guards() {
        let _ = write!(s, " UNREACHED:{}", g.name());
    }
    s.trim_end().to_string()
}

/// The one-writer shapes of the matrix (writeback 0-2 × truncate × initial pte × initial
/// page, strict), under `protocol` with filesystem `fs`.
fn one_writer_shapes(protocol: Protocol, fs: Fs) -> Vec<Config> {
    let mut out = Vec::new();
    for writeback in 0..=2 {
        for truncate in [false, true] {
            for pte_ro in [true, false] {
                for page_dirty in [false, true] {
                    out.push(Config {
                        protocol,
                        fixes: protocol.fixes(),
                        fs,
                        writeback,
                        truncate,
                        pte_ro,
                        page_dirty,
                        ..Config::new(protocol)
                    });
                }
            }
        }
    }
    out
}

/// The history variants and the ablation over the one-writer shapes: pre2007 (unlocked,
/// none), v3.15-rc and new+2014 (every convention), the `--fs none` branch of old and new,
/// and every `new-minus-<fix>` with the locked convention; v6.12 with its three profiles and
/// every `v6.12-minus-<cut>` beside ext4@6.12; and reclaim beside `--fs none`. Pinned in
/// `tests/golden/history.txt`.
pub fn history_configs() -> Vec<Config> {
    let mut out = Vec::new();
    let mut add = |p: Protocol, fss: &[Fs]| {
        for fs in fss {
            out.extend(one_writer_shapes(p, *fs));
        }
    };
    add(Protocol::Pre2007, &[Fs::UNLOCKED, Fs::NONE]);
    add(Protocol::Old, &[Fs::NONE]);
    add(Protocol::New, &[Fs::NONE]);
    for p in [Protocol::V315Rc, Protocol::New2014] {
        add(p, &[Fs::UNLOCKED, Fs::LOCKED, Fs::NONE]);
    }
    for f in mkwrite_model::contract::Fix::ALL {
        add(Protocol::NewMinus(f), &[Fs::LOCKED]);
    }
    // Linux 6.12.118 with its three profiles, and its ablation beside ext4.
    add(Protocol::V612, &v612_profiles());
    for c in mkwrite_model::contract::Cut612::ALL {
        add(Protocol::V612Minus(c), &[Fs::EXT4_V612]);
    }
    // Reclaim's try_to_unmap beside a filesystem without ->page_mkwrite: it too moves a dirty
    // pte's bit into set_page_dirty; and two writers of one mm beside it.
    for p in [Protocol::Old, Protocol::New] {
        for pte_ro in [true, false] {
            out.push(Config {
                fs: Fs::NONE,
                writeback: 1,
                reclaim: true,
                pte_ro,
                ..Config::new(p)
            });
            out.push(Config {
                fs: Fs::NONE,
                writers: 2,
                shared_mm: true,
                writeback: 1,
                pte_ro,
                ..Config::new(p)
            });
        }
    }
    out
}

/// XFS (the buffer profile) from a hole or a delayed allocation instead of a real extent
/// (`--initial-extent hole`, clean page; `--initial-extent delalloc`, dirty page), beside both
/// VMs, at the headline shape (one writer, two writeback passes, one store) with truncate,
/// the initial pte, reclaim and ENOSPC varied: 64 configurations.
pub fn xfs_extent_configs() -> Vec<Config> {
    use mkwrite_model::config::InitialExtent;
    let mut out = Vec::new();
    for protocol in [Protocol::Old, Protocol::New] {
        for extent in [InitialExtent::Hole, InitialExtent::Delalloc] {
            for reclaim in [false, true] {
                for truncate in [false, true] {
                    for pte_ro in [true, false] {
                        for enospc in [false, true] {
                            out.push(Config {
                                fs: Fs::BUFFER,
                                writeback: 2,
                                truncate,
                                pte_ro,
                                reclaim,
                                enospc,
                                page_dirty: extent == InitialExtent::Delalloc,
                                initial_extent: extent,
                                ..Config::new(protocol)
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

/// The partial page at EOF (R7): the buffer profile with two blocks per page and a truncate to
/// the block boundary inside the page, with and without the truncate up, beside old, new and
/// new+isize-extended, over the initial pte, one or two stores, ENOSPC and reclaim (one
/// writer, one writeback pass, clean page): 96 configurations.
pub fn partial_page_configs() -> Vec<Config> {
    let mut out = Vec::new();
    for p in [Protocol::Old, Protocol::New, Protocol::NewIsizeExtended] {
        for extend in [false, true] {
            for pte_ro in [true, false] {
                for stores in [1, 2] {
                    for enospc in [false, true] {
                        for reclaim in [false, true] {
                            out.push(Config {
                                fs: Fs::BUFFER,
                                blocks: 2,
                                truncate: true,
                                truncate_partial: true,
                                extend,
                                pte_ro,
                                stores,
                                enospc,
                                reclaim,
                                ..Config::new(p)
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

/// The 144 configurations of `check --matrix`: {old, new+unlocked, new+locked} × writers 1-2
/// (separate mms) × writeback 0-2 × truncate 0-1 × initial pte × initial page, strict fs.
pub fn matrix_144() -> Vec<Config> {
    matrix_configs()
        .into_iter()
        .filter(|c| c.strict && !c.shared_mm)
        .collect()
}

/// A configuration in at most 33 columns, for the matrix table: `old/unlocked w2 wb2 t1 none
/// dirty` (the matrix's filesystem is always strict, its two writers never share an mm).
pub fn short_label(c: &Config) -> String {
    format!(
        "{}/{} w{} wb{} t{} {} {}",
        c.protocol.id(),
        c.fs.id(),
        c.writers,
        c.writeback,
        u8::from(c.truncate),
        if c.pte_ro { "ro" } else { "none" },
        if c.page_dirty { "dirty" } else { "clean" }
    )
}

/// The column head of an invariant in the matrix table: its id without `INV-`, two letters.
fn short_id(inv: Inv) -> &'static str {
    match inv.id() {
        "ACCT" => "AC",
        "BUG" => "BG",
        "DEADLOCK" => "DL",
        id => id.trim_start_matches("INV-"),
    }
}

/// The verdict table of several reports, at most 100 columns: one row per configuration, one
/// column per invariant (a trace of 100 steps or more would widen its cell) (`.` holds, the shortest trace's length where violated), states; a
/// total line and a legend.
pub fn matrix_table(reports: &[Report], wall: f64) -> String {
    let mut s = format!("{:<33}", "configuration (strict fs)");
    for inv in Inv::ALL {
        let _ = write!(s, " {:>2}", short_id(inv));
    }
    let _ = writeln!(s, " {:>6}", "states");
    for r in reports {
        let _ = write!(s, "{:<33}", short_label(&r.cfg));
        for v in &r.verdicts {
            let cell = v
                .trace
                .as_ref()
                .map_or(".".to_string(), |t| t.len().to_string());
            let _ = write!(s, " {cell:>2}");
        }
        let _ = writeln!(s, " {:>6}", r.states);
    }
    let states: usize = reports.iter().map(|r| r.states).sum();
    let violated = reports.iter().filter(|r| !r.violated().is_empty()).count();
    let collision: f64 = reports.iter().map(Report::collision_probability).sum();
    s.push_str(&trace::wrap(
        "",
        &format!(
            "total: {} configurations, {} violate some invariant, {} states, {:.2} s wall, \
             fingerprint collision probability {:.1e}. A number is the length of the shortest \
             counterexample, . holds; columns: INV-1 .. INV-8, AC = ACCT, BG = BUG, DL = \
             DEADLOCK.",
            reports.len(),
            violated,
            states,
            wall,
            collision
        ),
        "",
    ));
    s
}

/// A shuttle schedule in lines of at most `width` columns (it is one long hex token;
/// `check --replay` ignores the line breaks).
pub fn schedule_lines(schedule: &str, width: usize) -> String {
    let chars: Vec<char> = schedule.chars().collect();
    let mut s = String::new();
    for chunk in chars.chunks(width.max(8)) {
        s.extend(chunk);
        s.push('\n');
    }
    s
}

/// The verdict table of several checkers over one configuration: one column per checker, with
/// its coverage (stateright's first when it ran); then the traces (stateright's shortest
/// beside it, else the checker's own) and shuttle's replay schedules; then any disagreement
/// with both traces.
pub fn checkers_text(
    cfg: &Config,
    r: Option<&Report>,
    threaded: &[crate::threaded::ThreadedVerdict],
    disagreements: &[(String, Inv)],
) -> String {
    let mut s = String::new();
    s.push_str(&trace::wrap("configuration: ", &cfg.label(), "    "));
    s.push('\n');
    // At most 100 columns: id, one 15-column cell per checker, then the invariant's name.
    let mut head = format!("{:<8}", "id");
    if r.is_some() {
        let _ = write!(head, " {:<14}", "stateright");
    }
    for t in threaded {
        let _ = write!(head, " {:<14}", t.checker);
    }
    let _ = writeln!(s, "{head} invariant");
    let cell = |trace: Option<usize>| match trace {
        Some(n) => format!("VIOLATED ({n})"),
        None => "holds".to_string(),
    };
    for inv in Inv::ALL {
        let mut line = format!("{:<8}", inv.id());
        if let Some(r) = r {
            let _ = write!(
                line,
                " {:<14}",
                cell(r.verdict(inv).trace.as_ref().map(Vec::len))
            );
        }
        for t in threaded {
            let c = if t.skipped() {
                "-".to_string()
            } else {
                cell(t.violations.get(&inv).map(Vec::len))
            };
            let _ = write!(line, " {c:<14}");
        }
        let _ = writeln!(s, "{line} {}", inv.name());
    }
    let mut cov = format!("{:<8}", "");
    let mut states = format!("{:<8}", "");
    let mut runs = format!("{:<8}", "");
    if let Some(r) = r {
        let _ = write!(cov, " {COVERAGE:<14}");
        let _ = write!(states, " {:<14}", r.states);
        let _ = write!(runs, " {:<14}", "-");
    }
    for t in threaded {
        let cover = if t.coverage.starts_with("skipped") {
            "skipped"
        } else {
            t.coverage.as_str()
        };
        let _ = write!(cov, " {cover:<14}");
        let reached = match t.states {
            Some((hit, all)) if hit == all => hit.to_string(),
            Some((hit, all)) => format!("{hit} of {all}"),
            None => "-".into(),
        };
        let _ = write!(states, " {reached:<14}");
        let _ = write!(runs, " {:<14}", t.executions);
    }
    let _ = writeln!(
        s,
        "{cov} coverage\n{states} states of stateright's\n{runs} executions"
    );
    for t in threaded
        .iter()
        .filter(|t| t.coverage.starts_with("skipped"))
    {
        s.push_str(&trace::wrap(
            "",
            &format!("{}: {}", t.checker, t.coverage),
            "    ",
        ));
    }
    let note = "VIOLATED (n): the checker's trace has n steps. All three explore the same model \
         steps; loom and shuttle run them on their own threads and tasks. A loom or shuttle run \
         is exhaustive when it finished within its budget and passed through exactly the states \
         stateright reaches; only then is its \"holds\" as strong as stateright's. An \
         incomplete run without a violation exits 4.";
    s.push_str(&trace::wrap("\n", note, ""));
    // With one threaded checker and no stateright its own traces are shown; beside
    // stateright, the shortest.
    for inv in Inv::ALL {
        let (who, t) = match r {
            Some(r) => ("stateright, shortest", r.verdict(inv).trace.as_ref()),
            None => match threaded.first() {
                Some(t) => (t.checker, t.violations.get(&inv)),
                None => continue,
            },
        };
        if let Some(t) = t {
            s.push_str(&trace::wrap(
                &format!("\ncounterexample ({who}): {} ({}): ", inv.name(), inv.id()),
                mkwrite_model::fs::meaning(cfg, inv),
                "    ",
            ));
            s.push_str(&trace::render(cfg, t).unwrap_or_default());
        }
    }
    for t in threaded.iter().filter(|t| !t.schedules.is_empty()) {
        s.push_str(&trace::wrap(
            "\n",
            &format!(
                "{} replay schedules: mkwrite check <the same flags> --checker shuttle --replay \
                 SCHEDULE replays one. A schedule is one hex string printed in lines; paste \
                 all of its lines in quotes (the line breaks are ignored).",
                t.checker
            ),
            "",
        ));
        // Invariants whose first violation came in the same execution share its schedule.
        let mut groups: Vec<(Vec<&str>, &String)> = Vec::new();
        for (inv, sch) in &t.schedules {
            match groups.iter_mut().find(|(_, s)| *s == sch) {
                Some((ids, _)) => ids.push(inv.id()),
                None => groups.push((vec![inv.id()], sch)),
            }
        }
        for (i, (ids, sch)) in groups.into_iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            let _ = writeln!(s, "{}:", ids.join(", "));
            s.push_str(&schedule_lines(sch, trace::width()));
        }
    }
    for (checker, inv) in disagreements {
        let _ = writeln!(
            s,
            "\nDISAGREEMENT: {checker} and stateright differ on {} ({})",
            inv.name(),
            inv.id()
        );
        match r.and_then(|r| r.verdict(*inv).trace.as_ref()) {
            Some(t) => {
                let _ = writeln!(s, "stateright's trace:");
                s.push_str(&trace::render(cfg, t).unwrap_or_default());
            }
            None => {
                let _ = writeln!(s, "stateright: holds in every reachable state");
            }
        }
        if let Some(t) = threaded.iter().find(|t| t.checker == checker) {
            match t.violations.get(inv) {
                Some(order) => {
                    let _ = writeln!(s, "{checker}'s trace:");
                    s.push_str(&trace::render(cfg, order).unwrap_or_else(|e| e));
                }
                None => {
                    let _ = writeln!(s, "{checker}: not violated in {}", t.coverage);
                }
            }
        }
    }
    s
}

/// JSON lines for a threaded checker's verdicts, one per invariant, with `checker` and
/// `coverage`.
pub fn threaded_json(c: &Config, t: &crate::threaded::ThreadedVerdict) -> String {
    let mut s = String::new();
    for inv in Inv::ALL {
        let order = t.violations.get(&inv);
        let w = mkwrite_model::World::init(c);
        let mut o = config_json(c);
        o.extend(json_map(json!({
            "checker": t.checker,
            "coverage": t.coverage,
            "invariant": inv.name(),
            "inv": inv.id(),
            "verdict": if t.skipped() { "skipped" } else if order.is_some() { "violated" } else { "holds" },
            "executions": t.executions,
            "mode": t.mode,
            "states_reached": t.states.map(|s| s.0),
            "states_stateright": t.states.map(|s| s.1),
            "seconds": (t.seconds * 1000.0).round() / 1000.0,
            "trace_len": order.map(Vec::len),
            "trace": order.map(|o| o.iter().map(|&tid| w.thread(tid).name()).collect::<Vec<_>>()),
            "schedule": t.schedules.get(&inv),
        })));
        let _ = writeln!(s, "{}", serde_json::Value::Object(o));
    }
    s
}

/// Every line of `text` that is wider than the output width ([`trace::width`]) wrapped at
/// spaces, continuing four columns right of its own indentation; a word wider than a line is
/// cut. A no-op for text that fits, as everything the commands print is made to at the
/// default width; it keeps a narrower `--width` true for tables too.
pub fn fit(text: &str) -> String {
    let width = trace::width();
    let mut s = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        if body.chars().count() <= width {
            s.push_str(line);
            continue;
        }
        let lead = body.len() - body.trim_start().len();
        let indent = " ".repeat((lead + 4).min(width / 2));
        let room = width.saturating_sub(indent.len()).max(8);
        let mut cur = body[..lead].to_string();
        let mut fresh = true;
        let mut lines: Vec<String> = Vec::new();
        for word in body[lead..].split(' ').filter(|w| !w.is_empty()) {
            let mut word: String = word.to_string();
            loop {
                let n = cur.chars().count();
                let sep = usize::from(!fresh);
                if n + sep + word.chars().count() <= width {
                    if !fresh {
                        cur.push(' ');
                    }
                    cur.push_str(&word);
                    fresh = false;
                    break;
                }
                if !fresh {
                    lines.push(std::mem::replace(&mut cur, indent.clone()));
                    fresh = true;
                    continue;
                }
                // A word wider than the room on a fresh line: cut it.
                let take = width.saturating_sub(n).max(1).min(room);
                let head: String = word.chars().take(take).collect();
                let tail: String = word.chars().skip(take).collect();
                cur.push_str(&head);
                lines.push(std::mem::replace(&mut cur, indent.clone()));
                fresh = true;
                word = tail;
                if word.is_empty() {
                    break;
                }
            }
        }
        if !fresh || lines.is_empty() {
            lines.push(cur);
        }
        for l in lines {
            s.push_str(l.trim_end());
            s.push('\n');
        }
        if nl.is_empty() {
            s.pop();
        }
    }
    s
}

/// The fewest configuration flags that select `c` from the defaults (no scenario): what a
/// person types to get this configuration. `--protocol` comes first because it picks the
/// default filesystem, which `--fs` then replaces.
pub fn flags(c: &Config) -> Vec<String> {
    let mut a: Vec<String> = Vec::new();
    let mut flag = |name: &str, value: Option<String>| {
        a.push(format!("--{name}"));
        if let Some(v) = value {
            a.push(v);
        }
    };
    if c.protocol != Protocol::Old {
        flag("protocol", Some(c.protocol.id().into()));
    }
    if c.fs != c.protocol.default_fs() {
        flag("fs", Some(c.fs.id().into()));
    }
    if c.writers != 1 {
        flag("writers", Some(c.writers.to_string()));
    }
    if c.shared_mm {
        flag("shared-mm", None);
    }
    if c.writeback != 1 {
        flag("writeback", Some(c.writeback.to_string()));
    }
    if c.truncate {
        flag("truncate", Some("1".into()));
    }
    if !c.pte_ro {
        flag("pte", Some("none".into()));
    }
    if c.page_dirty {
        flag("page", Some("dirty".into()));
    }
    if !c.strict {
        flag("lenient-fs", None);
    }
    if c.stores != 1 {
        flag("stores", Some(c.stores.to_string()));
    }
    if c.reclaim {
        flag("reclaim", Some("1".into()));
    }
    if c.dio {
        flag("dio", Some("1".into()));
    }
    if c.gup_era != mkwrite_model::config::GupEra::V2629 {
        flag("gup-era", Some(c.gup_era.id().into()));
    }
    if c.enospc {
        flag("enospc", None);
    }
    if c.late_writeback {
        flag("late-writeback", None);
    }
    if c.blocks != 1 {
        flag("blocks-per-page", Some(c.blocks.to_string()));
    }
    if c.truncate_partial {
        flag("truncate-to", Some("partial".into()));
    }
    if c.extend {
        flag("extend", None);
    }
    for id in mkwrite_model::fs::removed_ids(c) {
        flag("without", Some(id.into()));
    }
    a
}

/// `mkwrite trace FLAGS --invariant ID`: the command that prints the shortest counterexample
/// of `inv` in `cfg`.
pub fn trace_command(cfg: &Config, inv: Inv) -> String {
    let mut words = vec!["mkwrite".to_string(), "trace".to_string()];
    words.extend(flags(cfg));
    words.extend(["--invariant".to_string(), inv.id().to_string()]);
    words.join(" ")
}

/// A shell command in lines of at most the output width, after `indent`: broken at spaces
/// before a flag, each broken line ending in ` \` so that it pastes as one command.
pub fn command_lines(cmd: &str, indent: &str) -> String {
    let width = trace::width();
    let mut parts: Vec<String> = Vec::new();
    // A flag and its value stay together.
    for w in cmd.split(' ') {
        match parts.last_mut() {
            Some(last) if !w.starts_with("--") && last.starts_with("--") && !last.contains(' ') => {
                last.push(' ');
                last.push_str(w);
            }
            _ => parts.push(w.to_string()),
        }
    }
    let mut s = String::new();
    let mut line = indent.to_string();
    let mut fresh = true;
    for p in parts {
        if !fresh && line.chars().count() + 1 + p.chars().count() + 2 > width {
            s.push_str(&line);
            s.push_str(" \\\n");
            line = format!("{indent}    ");
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        line.push_str(&p);
        fresh = false;
    }
    s.push_str(&line);
    s.push('\n');
    s
}

/// The line every configuration-taking command prints (wrapped to 100 columns): which
/// filesystem ran, what its ->page_mkwrite returns beside this VM, and how to get the other.
pub fn fs_line(cfg: &Config) -> String {
    let i = cfg.fs.info();
    let returns = if cfg.protocol.patched() {
        i.new_vm
    } else {
        i.old_vm
    };
    let other = match cfg.fs {
        Fs::LOCKED if cfg.protocol.patched() => {
            "; --fs unlocked for a filesystem that returns unlocked"
        }
        fs if fs.is_seed() && cfg.protocol.patched() => {
            "; --fs locked for the VM_FAULT_LOCKED convention"
        }
        Fs::NFS => "; --fs nfs@7fdf5230676 for NFS after its conversion",
        Fs::BTRFS => "; --fs btrfs@50a9b214bc6 for its conversion's locked return (a hybrid)",
        _ => "",
    };
    trace::wrap(
        "filesystem: ",
        &format!(
            "{} ({}); ->page_mkwrite returns {returns}{other}",
            i.id, i.profile
        ),
        "    ",
    )
}
