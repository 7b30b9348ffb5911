//! The exposure table and timeline (`mkwrite exposure`): every row comes from the checker, the
//! timeline picture is current, and the rows docs/exposure.md argues from are pinned: fb_defio's R5
//! window and its closing, UBIFS's untracked page without a crash or a loss.
//! `BLESS=1 cargo test --release --test exposure` rewrites docs/exposure.svg.

use checks::exposure::{rows, timeline_svg, Outcome, Row};
use checks::run::check;
use mkwrite_model::{Config, Fs, Inv, Protocol};
use std::path::Path;
use std::process::Command;

fn row(rows: &[Row], fs: Fs, vm: Protocol, reclaim: bool) -> &Row {
    rows.iter()
        .find(|r| r.fs == fs && r.vm == vm && r.reclaim == reclaim)
        .unwrap_or_else(|| panic!("no row for {} {}", fs.id(), vm.id()))
}

fn worst(r: &Row) -> Option<Inv> {
    match r.outcome {
        Outcome::Violated { inv, .. } => Some(inv),
        _ => None,
    }
}

fn headline(fs: Fs, protocol: Protocol, pte_ro: bool) -> Config {
    Config {
        fs,
        writeback: 2,
        pte_ro,
        ..Config::new(protocol)
    }
}

#[test]
fn every_profile_has_a_row_per_vm_and_reclaim_and_the_timeline_is_current() {
    let rows = rows(false);
    let profiles = checks::report::profiles();
    assert_eq!(rows.len(), profiles.len() * 2 * 2);
    for r in &rows {
        // A row runs configurations unless it cannot be configured at all.
        match r.outcome {
            Outcome::NotApplicable(_) => {
                assert!(r.fs.name() == "fb_defio" && r.reclaim && r.configs == 0)
            }
            _ => assert!(r.configs >= 2 && r.states > 0, "{}", r.fs.id()),
        }
        // A combination that never shipped has no release window.
        assert_eq!(
            r.window.is_none(),
            mkwrite_model::fs::counterfactual(&Config {
                fs: r.fs,
                ..Config::new(r.vm)
            }),
            "{} {}",
            r.fs.id(),
            r.vm.id()
        );
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/exposure.svg");
    if let Err(e) = checks::golden::check_or_bless(&path, &timeline_svg(&rows)) {
        panic!("{e}");
    }
}

#[test]
fn fb_defio_loses_display_updates_beside_both_vms_until_d6d03f91585() {
    let rows = rows(false);
    let old = Fs::FB_DEFIO;
    let new = Fs::FB_DEFIO_CONVERTED;
    for vm in [Protocol::Old, Protocol::New] {
        assert_eq!(
            worst(row(&rows, old, vm, false)),
            Some(Inv::NoStoreLostSilently)
        );
        // The loss follows from a writable pte on an unlisted page.
        let r = check(&headline(old, vm, true), false);
        assert!(r.violated().contains(&Inv::WritablePteHasFsMetadata));
        assert!(r.unreached_guards().is_empty());
    }
    assert_eq!(worst(row(&rows, new, Protocol::New, false)), None);
    for pte_ro in [true, false] {
        let r = check(&headline(new, Protocol::New, pte_ro), false);
        assert!(r.violated().is_empty(), "{:?}", r.violated());
        // The worker really does re-protect the pte, and the display really gets the store.
        assert!(
            r.unreached_guards().is_empty(),
            "{:?}",
            r.unreached_guards()
        );
        let reached: Vec<_> = r.guards.iter().filter(|g| g.reached).collect();
        assert!(reached
            .iter()
            .any(|g| g.guard.name() == "defio_worker_reprotects"));
        assert!(reached
            .iter()
            .any(|g| g.guard.name() == "data_reaches_disk"));
    }
}

#[test]
fn ubifs_leaves_an_unbudgeted_dirty_page_but_no_crash_and_no_loss() {
    for vm in [Protocol::Old, Protocol::New] {
        for truncate in [false, true] {
            for pte_ro in [true, false] {
                let cfg = Config {
                    truncate,
                    ..headline(Fs::UBIFS, vm, pte_ro)
                };
                let v = check(&cfg, false).violated();
                assert!(
                    !v.contains(&Inv::NoKernelBugFired)
                        && !v.contains(&Inv::NoStoreLostSilently)
                        && !v.contains(&Inv::NoStoreLostReported),
                    "{}: {v:?}",
                    cfg.label()
                );
                if !truncate {
                    assert!(
                        v.contains(&Inv::WritablePteHasFsMetadata),
                        "{}",
                        cfg.label()
                    );
                    assert!(
                        v.contains(&Inv::CleanedPageHadFsMetadata),
                        "{}",
                        cfg.label()
                    );
                }
            }
        }
    }
}

fn mkwrite(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mkwrite"))
        .args(args)
        .output()
        .expect("run mkwrite")
}

#[test]
fn the_cli_prints_every_form_and_rejects_two_at_once() {
    let o = mkwrite(&["exposure", "--json", "--quiet"]);
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    let objects: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let n = objects.len();
    assert!(objects
        .iter()
        .any(|o| o["fs"] == "fb_defio" && o["worst"] == "INV-3c" && o["vm"] == "new"));
    assert_eq!(
        n,
        checks::report::profiles().len() * 4 + checks::exposure::UNMODELLED.len()
    );
    let o = mkwrite(&["exposure", "--quiet"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
    let o = mkwrite(&["exposure", "--json", "--svg"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn fb_defio_refuses_threads_a_framebuffer_cannot_have() {
    for extra in [["--truncate", "1"], ["--reclaim", "1"], ["--page", "dirty"]] {
        let mut args = vec!["check", "--fs", "fb_defio"];
        args.extend(extra);
        let o = mkwrite(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.trim().lines().count() == 1 && err.contains("fb_defio"),
            "{err}"
        );
    }
}

#[test]
fn ext4_holds_beside_the_new_vm_although_writeback_runs_in_the_window() {
    let rows = rows(false);
    for reclaim in [false, true] {
        let old = row(&rows, Fs::EXT4, Protocol::Old, reclaim);
        assert_eq!(worst(old), Some(Inv::DirtyAccountingBalanced));
        for fs in [Fs::EXT4, Fs::EXT4_CONVERTED] {
            assert_eq!(worst(row(&rows, fs, Protocol::New, reclaim)), None);
        }
    }
    // Not vacuous: writeback reaches the page lock while the fault is between its
    // ->page_mkwrite and its set_page_dirty, and reclaim strips the clean buffers.
    for pte_ro in [true, false] {
        let cfg = Config {
            reclaim: true,
            ..headline(Fs::EXT4, Protocol::New, pte_ro)
        };
        let r = check(&cfg, false);
        assert!(
            r.unreached_guards().is_empty(),
            "{:?}",
            r.unreached_guards()
        );
        for name in [
            "writeback_reaches_lock_in_mkwrite_window",
            "reclaim_releases_private",
        ] {
            assert!(
                r.guards.iter().any(|g| g.reached && g.guard.name() == name),
                "{name}"
            );
        }
    }
}

#[test]
fn ocfs2_and_gfs2_keep_their_allocation_on_one_node() {
    let rows = rows(false);
    for fs in [Fs::OCFS2, Fs::GFS2] {
        for reclaim in [false, true] {
            assert_eq!(
                worst(row(&rows, fs, Protocol::Old, reclaim)),
                Some(Inv::DirtyAccountingBalanced)
            );
            assert_eq!(worst(row(&rows, fs, Protocol::New, reclaim)), None);
        }
    }
    // GFS2's ->page_mkwrite leaves the page clean: writeback has nothing to do in the window,
    // and the guard that looks for it does not apply; OCFS2's dirties it, and writeback runs.
    // (Without truncate or reclaim, whose zaps could move a dirty pte bit into the page.)
    let gfs2 = headline(Fs::GFS2, Protocol::New, true);
    let ocfs2 = Config {
        fs: Fs::OCFS2,
        ..gfs2
    };
    let applies = |cfg: &Config| {
        check(cfg, false)
            .guards
            .iter()
            .any(|g| g.applicable && g.guard.name() == "writeback_reaches_lock_in_mkwrite_window")
    };
    assert!(!applies(&gfs2));
    assert!(applies(&ocfs2));
    for cfg in [gfs2, ocfs2] {
        assert!(
            check(&cfg, false).unreached_guards().is_empty(),
            "{}",
            cfg.label()
        );
    }
}

#[test]
fn nilfs2_loses_a_filled_hole_beside_either_vm_and_reclaim_opens_the_same_path() {
    let rows = rows(false);
    for vm in [Protocol::Old, Protocol::New] {
        for reclaim in [false, true] {
            assert_eq!(
                worst(row(&rows, Fs::NILFS2, vm, reclaim)),
                Some(Inv::NoStoreLostSilently)
            );
        }
    }
    // From a queued (dirty) start the fully mapped path holds beside the new VM, with
    // writeback in the window; with reclaim, a page stripped of its buffers takes the hole
    // path again and the same loss follows.
    for pte_ro in [true, false] {
        let cfg = Config {
            page_dirty: true,
            ..headline(Fs::NILFS2, Protocol::New, pte_ro)
        };
        let r = check(&cfg, false);
        assert!(
            r.violated().is_empty(),
            "{}: {:?}",
            cfg.label(),
            r.violated()
        );
        assert!(
            r.unreached_guards().is_empty(),
            "{:?}",
            r.unreached_guards()
        );
        let r = check(
            &Config {
                reclaim: true,
                ..cfg
            },
            false,
        );
        assert!(
            r.violated().contains(&Inv::NoStoreLostSilently),
            "{}",
            cfg.label()
        );
    }
}

#[test]
fn ext4s_i_alloc_sem_keeps_truncate_and_the_mkwrite_body_apart() {
    use mkwrite_model::fs::MkPc;
    use mkwrite_model::world::{FaultPc, Pc, TruncPc};
    let cfg = Config {
        truncate: true,
        ..headline(Fs::EXT4, Protocol::New, true)
    };
    let tid = |w: &mkwrite_model::World, name: &str| {
        w.threads.iter().position(|t| t.name() == name).unwrap() as u8
    };
    let mut w = mkwrite_model::World::init(&cfg);
    let (f, t) = (tid(&w, "F0"), tid(&w, "T0"));
    // Inside the body (down_read taken): truncate cannot start.
    w.threads[f as usize].pc = Pc::Fault(FaultPc::Mkwrite(MkPc::Attach));
    assert!(!mkwrite_model::step::enabled(&cfg, &w, t));
    // After the mkwrite returned: the window is open to truncate.
    w.threads[f as usize].pc = Pc::Fault(FaultPc::WpAfterMkwrite);
    assert!(mkwrite_model::step::enabled(&cfg, &w, t));
    // A truncate under way: a new mkwrite waits at its down_read.
    w.threads[t as usize].pc = Pc::Truncate(TruncPc::LockPage);
    w.threads[f as usize].pc = Pc::Fault(FaultPc::Mkwrite(MkPc::Prepare));
    assert!(!mkwrite_model::step::enabled(&cfg, &w, f));
    // 3.1 has no i_alloc_sem in its ->page_mkwrite.
    let cfg31 = Config {
        fs: Fs::EXT4_CONVERTED,
        ..cfg
    };
    let mut w = mkwrite_model::World::init(&cfg31);
    w.threads[f as usize].pc = Pc::Fault(FaultPc::Mkwrite(MkPc::Attach));
    assert!(mkwrite_model::step::enabled(&cfg31, &w, t));
}
