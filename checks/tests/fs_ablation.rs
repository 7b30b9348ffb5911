//! What protects each filesystem: every profile without one of its own safeguards at a time
//! (`mkwrite ablate --fs NAME`, `Config::ablated`). The whole table is pinned in
//! `tests/golden/fs_ablation.txt` (`BLESS=1 cargo test --release --test fs_ablation`
//! rewrites it); beside it, each safeguard has a semantic test here, computed by the checker
//! and independent of the table's own classification: a protecting one names the invariant
//! that fails without it in one configuration and holds (or fails later) with it; a redundant
//! one holds without it everywhere it holds with it, its guard reached.

use checks::run::{check, Report};
use mkwrite_model::fs::{removed_ids, safeguard_bit};
use mkwrite_model::invariants::Guard;
use mkwrite_model::{Config, Fs, Inv, Protocol};
use std::path::Path;
use std::process::Command;

fn fs(id: &str) -> Fs {
    Fs::parse(id).unwrap_or_else(|| panic!("no fs {id}"))
}

/// One exposure configuration: `vm`, two writeback passes, `truncate`, `pte_ro`, one store,
/// no reclaim.
fn cfg(vm: Protocol, id: &str, truncate: bool, pte_ro: bool) -> Config {
    Config {
        fs: fs(id),
        writeback: 2,
        truncate,
        pte_ro,
        ..Config::new(vm)
    }
}

fn without(c: Config, safeguard: &str) -> Config {
    let bit = safeguard_bit(c.fs, safeguard)
        .unwrap_or_else(|| panic!("fs {} has no safeguard {safeguard}", c.fs.id()));
    Config { ablated: bit, ..c }
}

fn len(r: &Report, inv: Inv) -> Option<usize> {
    r.verdict(inv).trace.as_ref().map(Vec::len)
}

/// Without the safeguard `inv` fails in `c`; with it, it holds (`sooner` false) or fails by a
/// longer counterexample (`sooner` true).
fn breaks_without(c: Config, safeguard: &str, inv: Inv, sooner: bool) {
    let with = check(&c, false);
    let bare = check(&without(c, safeguard), false);
    let n = len(&bare, inv).unwrap_or_else(|| {
        panic!(
            "{} holds {} without {safeguard}; it protects it",
            bare.cfg.label(),
            inv.id()
        )
    });
    match (sooner, len(&with, inv)) {
        (false, None) => {}
        (true, Some(m)) if m > n => {}
        (_, got) => panic!(
            "{}: {} fails in {n} steps without {safeguard}, with it: {got:?} (sooner={sooner})",
            c.label(),
            inv.id()
        ),
    }
}

#[test]
fn buffer_truncate_check_keeps_a_truncated_page_unmapped() {
    let c = cfg(Protocol::New, "buffer", true, false);
    breaks_without(c, "truncate-check", Inv::NoPteOnTruncatedPage, false);
}

#[test]
fn buffer_heads_dirtied_again_protect_ext4_ocfs2_gfs2_from_silent_loss() {
    // The fs/bh.rs `__set_page_dirty_buffers` that leaves an attached buffer clean: beside the
    // new VM a ->page_mkwrite that returns unlocked lets writeback clean the buffer before the
    // fault's set_page_dirty; only re-dirtying it makes the next pass write the store.
    for id in ["ext4", "ocfs2", "gfs2"] {
        let c = cfg(Protocol::New, id, false, true);
        breaks_without(c, "dirty-buffers", Inv::NoStoreLostSilently, false);
    }
    let c = cfg(Protocol::Old, "ext4@9ea7df534ed2", false, true);
    breaks_without(c, "dirty-buffers", Inv::NoStoreLostSilently, false);
}

#[test]
fn nfs_mapping_check_and_request_lock_after_its_conversion() {
    let c = cfg(Protocol::New, "nfs@7fdf5230676", true, false);
    breaks_without(c, "mapping-check", Inv::NoPteOnTruncatedPage, false);
    let c = cfg(Protocol::New, "nfs@7fdf5230676", false, true);
    for inv in [
        Inv::WritablePteHasFsMetadata,
        Inv::CleanedPageHadFsMetadata,
        Inv::NoStoreLostSilently,
    ] {
        breaks_without(c, "request-lock", inv, false);
    }
}

#[test]
fn ceph_checks_and_dirties_under_the_page_lock() {
    let c = cfg(Protocol::New, "ceph", true, false);
    breaks_without(c, "truncate-check", Inv::NoPteOnTruncatedPage, false);
    let c = cfg(Protocol::New, "ceph", false, true);
    breaks_without(c, "dirty-under-lock", Inv::WritablePteHasFsMetadata, false);
}

#[test]
fn btrfs_truncate_check_after_its_conversion() {
    let c = cfg(Protocol::New, "btrfs@50a9b214bc6", true, false);
    breaks_without(c, "truncate-check", Inv::NoPteOnTruncatedPage, false);
}

#[test]
fn fb_defio_worker_mkclean_after_its_conversion() {
    let c = cfg(Protocol::New, "fb_defio@d6d03f91585", false, true);
    breaks_without(c, "worker-mkclean", Inv::WritablePteHasFsMetadata, false);
    breaks_without(c, "worker-mkclean", Inv::NoStoreLostSilently, false);
}

#[test]
fn ubifs_budget_closes_the_direct_way_to_an_unbudgeted_dirty_page() {
    // UBIFS loses the R1 race with its budget too (INV-1); without the budget the page is
    // dirty and unbudgeted at once.
    let c = cfg(Protocol::Old, "ubifs", false, true);
    breaks_without(c, "budget", Inv::WritablePteHasFsMetadata, true);
}

/// Over the exposure configurations of `id`: nothing fails without `safeguard` that does not
/// fail as soon with it, `guard` is reached with it (the configurations run its code), and
/// the runs without it find `states` unique states in all.
fn redundant(id: &str, safeguard: &str, guard: Guard, states: usize) {
    let mut reached = false;
    let mut total = 0;
    for c in checks::fs_ablate::configs(fs(id), false) {
        let with = check(&c, false);
        let bare = check(&without(c, safeguard), false);
        total += bare.states;
        reached |= with.guards.iter().any(|g| g.guard == guard && g.reached);
        for inv in bare.violated() {
            let (n, m) = (len(&bare, inv), len(&with, inv));
            assert!(
                m.is_some_and(|m| Some(m) <= n),
                "{}: {} fails without {safeguard} in {n:?} steps, with it {m:?}",
                c.label(),
                inv.id()
            );
        }
    }
    assert!(
        reached,
        "{id} without {safeguard}: {} never reached",
        guard.name()
    );
    assert_eq!(total, states, "{id} without {safeguard}: unique states");
}

#[test]
fn redundant_safeguards_hold_without_them_where_their_code_runs() {
    use Guard::*;
    let trunc = TruncateRemovesPageUnderFault;
    let window = WritebackReachesLockInMkwriteWindow;
    for (id, safeguard, guard, states) in [
        ("buffer", "dirty-buffers", window, 70_108),
        ("nfs", "mapping-check", trunc, 1_284_010),
        ("nfs", "request-lock", window, 1_806_754),
        ("btrfs", "truncate-check", trunc, 125_583),
        ("btrfs", "ordered-wait", window, 132_525),
        ("btrfs", "fixup-worker", FixupSetsDelalloc, 121_048),
        ("btrfs@50a9b214bc6", "ordered-wait", window, 106_689),
        (
            "btrfs@50a9b214bc6",
            "fixup-worker",
            FixupSetsDelalloc,
            99_573,
        ),
        ("fb_defio", "worker-mkclean", DefioWorkerReprotects, 894),
        ("ubifs", "truncate-check", trunc, 102_136),
        ("ext4", "i_alloc_sem", trunc, 99_932),
        ("ext4", "truncate-check", trunc, 91_343),
        ("ocfs2", "ip_alloc_sem", trunc, 77_871),
        ("ocfs2", "truncate-check", trunc, 65_317),
        ("gfs2", "glock", trunc, 58_909),
        ("gfs2", "truncate-check", trunc, 51_929),
        ("nilfs2", "truncate-check", trunc, 13_403),
    ] {
        redundant(id, safeguard, guard, states);
    }
}

#[test]
fn nilfs2_dirty_buffers_is_vacuous_where_no_data_reaches_disk() {
    // nilfs2's flusher passes write nothing (WB_SYNC_NONE) and its fsync returns at once for
    // an inode not queued: in these configurations no store reaches the disk with or without
    // the safeguard, so its run says nothing (the table's "vacuous").
    let rows = checks::fs_ablate::rows_of(fs("nilfs2"), false, false);
    let row = rows
        .iter()
        .find(|r| r.safeguard.id == "dirty-buffers")
        .expect("nilfs2 declares dirty-buffers");
    assert!(
        matches!(row.outcome, checks::fs_ablate::Outcome::Vacuous { guard } if guard == "data_reaches_disk"),
        "{:?}",
        row.outcome
    );
}

#[test]
fn nilfs2_dirty_buffers_matters_from_a_dirty_start() {
    // Out of the exposure configurations' reach (a clean sparse page is never written), but
    // from a page dirtied by write(2) the segment constructor collects only dirty buffers.
    let c = Config {
        page_dirty: true,
        ..cfg(Protocol::New, "nilfs2", false, true)
    };
    breaks_without(c, "dirty-buffers", Inv::WritablePteHasFsMetadata, false);
    breaks_without(c, "dirty-buffers", Inv::NoStoreLostSilently, false);
}

#[test]
fn every_profile_declares_its_safeguards_well() {
    for f in checks::fs_ablate::profiles() {
        let list = f.ops().safeguards();
        assert!(!list.is_empty(), "{} declares no safeguard", f.id());
        assert!(list.len() <= 8, "{}: more than 8 safeguards", f.id());
        for (i, s) in list.iter().enumerate() {
            assert!(
                list[..i].iter().all(|t| t.id != s.id),
                "{}: {} twice",
                f.id(),
                s.id
            );
            assert!(!s.function.is_empty() && !s.anchor.is_empty() && !s.protects.is_empty());
            assert!(
                s.anchor.contains(':') && s.anchor.chars().any(|c| c.is_ascii_digit()),
                "{} {}: anchor {} is not file:line",
                f.id(),
                s.id,
                s.anchor
            );
            assert!(
                Guard::ALL.iter().any(|g| g.name() == s.guard),
                "{} {}: no guard {}",
                f.id(),
                s.id,
                s.guard
            );
            // The label says what was removed, and nothing when nothing was.
            let base = Config {
                fs: f,
                ..Config::new(Protocol::New)
            };
            assert!(!base.label().contains("without"));
            let c = without(base, s.id);
            assert_eq!(removed_ids(&c), vec![s.id]);
            assert!(c.label().ends_with(&format!(" without={}", s.id)));
            assert!(c.validate().is_ok());
        }
        let too_many = Config {
            fs: f,
            ablated: 1 << list.len(),
            ..Config::new(Protocol::New)
        };
        if list.len() < 8 {
            assert!(too_many.validate().is_err());
        }
    }
}

#[test]
fn fs_ablation_matches_golden_file() {
    let rows = checks::fs_ablate::rows(&checks::fs_ablate::profiles(), false, false);
    let mut text = String::from(
        "# mkwrite ablate --fs NAME for every profile: each safeguard, the unique states of the\n\
         # runs without it, and what the checker found (protecting: the first invariant that\n\
         # fails without it, with its length; redundant: the guard reached). Generated by\n\
         # `BLESS=1 cargo test --release --test fs_ablation`; do not edit.\n",
    );
    text.push_str(&checks::fs_ablate::golden_lines(&rows));
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/fs_ablation.txt");
    if let Err(e) = checks::golden::check_or_bless(&path, &text) {
        panic!("{e}");
    }
    // docs/ablation.md's "what protects each filesystem", from the same rows.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/ablation.md");
    let doc = std::fs::read_to_string(&path).expect("docs/ablation.md");
    let (begin, end) = ("<!-- fs-ablate:begin -->\n", "<!-- fs-ablate:end -->");
    let a = doc.find(begin).expect("begin marker") + begin.len();
    let b = doc.find(end).expect("end marker");
    let table = checks::fs_ablate::table(&rows);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, format!("{}{}{}", &doc[..a], table, &doc[b..])).unwrap();
        return;
    }
    assert!(
        doc[a..b] == table,
        "docs/ablation.md's fs-ablate table is stale; BLESS=1 to regenerate"
    );
}

fn mkwrite(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_mkwrite"))
        .args(args)
        .output()
        .expect("run mkwrite");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn the_cli_ablates_a_profile_and_replays_a_row() {
    let (code, out, _) = mkwrite(&["ablate", "--fs", "ext4", "--quiet", "--trace"]);
    assert_eq!(code, 0);
    assert!(out.contains("ext4 without dirty-buffers"));
    assert!(out.contains("INV-3c (no_store_lost_silently) fails without it"));
    assert!(out.contains("# config     new/ext4 w1 wb2 t0 pte=ro page=clean without=dirty-buffers"));
    assert!(out.lines().all(|l| l.chars().count() <= 100), "{out}");
    // The row's configuration, by flags: the same violation.
    let (code, out, _) = mkwrite(&[
        "check",
        "--protocol",
        "new",
        "--fs",
        "ext4",
        "--writeback",
        "2",
        "--without",
        "dirty-buffers",
        "--quiet",
    ]);
    assert_eq!(code, 1);
    assert!(out.contains("no_store_lost_silently"));
    for bad in [
        vec!["ablate", "--fs", "locked"],
        vec!["ablate", "--fs", "nosuchfs"],
        vec!["check", "--fs", "ext4", "--without", "nosuch"],
    ] {
        let (code, out, err) = mkwrite(&bad);
        assert_eq!(code, 2, "{bad:?}");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}
