//! Semantic tests written for survivors of the fs mutation run (docs/mutation.md): each names
//! the behaviour a surviving mutant changed that no semantic test looked at.

use mkwrite_model::fs::{self, Fs};
use mkwrite_model::{Config, Inv, Protocol, World};

fn registry() -> Vec<Fs> {
    Fs::all()
        .into_iter()
        .filter(|f| fs::REGISTRY.iter().any(|p| p.id() == f.id()))
        .collect()
}

fn start(f: Fs, dirty: bool) -> Option<(Config, World)> {
    // A profile runs beside its own release's VM: the 6.12 profiles beside v6.12.
    let vm = if f.ops().v612() {
        Protocol::V612
    } else {
        Protocol::New
    };
    let c = Config {
        fs: f,
        page_dirty: dirty,
        ..Config::new(vm)
    };
    c.validate().ok()?;
    let w = World::init(&c);
    Some((c, w))
}

#[test]
fn a_shared_mm_needs_two_or_three_writers() {
    // Config::validate `self.writers < 2` (the CLI refuses the flag before the model sees it).
    for (writers, ok) in [(1, false), (2, true), (3, true)] {
        let c = Config {
            writers,
            shared_mm: true,
            ..Config::new(Protocol::New)
        };
        assert_eq!(c.validate().is_ok(), ok, "shared mm, {writers} writers");
    }
}

#[test]
fn each_profile_names_itself_in_the_state_line() {
    // `FsOps::display`: the one-line state a trace prints for the filesystem.
    fn family(name: &str) -> &str {
        match name {
            "unlocked" | "locked" | "none" => "fs.meta:",
            "buffer" => "bh:",
            "nfs" => "nfs.req:",
            "ceph" => "ceph.snapc:",
            "btrfs" => "btrfs{",
            "fb_defio" => "defio:",
            "nilfs2" => "nilfs:",
            other => other,
        }
    }
    for f in registry() {
        let (_, w) = start(f, false).expect("a clean start");
        let s = fs::display(&w);
        assert!(s.starts_with(family(f.name())), "{}: {s}", f.id());
        // Different per-page state must look different (generic@6.12 keeps none).
        if let Some((_, d)) = start(f, true).filter(|(_, d)| d.fs != w.fs) {
            assert_ne!(s, fs::display(&d), "{}: clean and dirty look alike", f.id());
        }
    }
}

#[test]
fn xfs_reads_a_page_without_buffers() {
    // xfs_vm_readpage is mpage_readpage: a page read back after reclaim has no private data.
    let (c, mut w) = start(Fs::BUFFER, false).expect("buffer");
    assert!(fs::page_private(&c, &w), "the clean start has its buffers");
    fs::readpage(&c, &mut w);
    assert!(!fs::page_private(&c, &w), "{}", fs::display(&w));
}

#[test]
fn ceph_says_what_its_write_completion_does() {
    let (c, _) = start(Fs::CEPH, false).expect("ceph");
    let info = fs::end_io_info(&c).expect("ceph's completion is its own");
    assert!(info.what.contains("snap context"), "{}", info.what);
}

#[test]
fn every_violation_has_a_meaning_for_every_profile() {
    for f in registry() {
        let (c, _) = start(f, false).expect("a clean start");
        for inv in Inv::ALL {
            assert!(
                !fs::meaning(&c, inv).is_empty(),
                "{} says nothing of {}",
                f.id(),
                inv.id()
            );
        }
    }
}

#[test]
fn only_the_seed_convention_none_has_no_page_mkwrite() {
    // `--fs none`: a mapping without ->page_mkwrite (the VM's `vma->vm_ops->page_mkwrite` is
    // NULL), so a write fault never calls one.
    for f in registry() {
        let (c, _) = start(f, false).expect("a clean start");
        assert_eq!(
            fs::has_page_mkwrite(&c),
            f != Fs::NONE,
            "{} has_page_mkwrite",
            f.id()
        );
    }
}

/// Every state reachable in `cfg`.
fn reachable(cfg: &Config) -> Vec<World> {
    use std::collections::{HashSet, VecDeque};
    let w0 = World::init(cfg);
    let mut seen: HashSet<World> = [w0].into();
    let mut queue: VecDeque<World> = [w0].into();
    let mut out = Vec::new();
    while let Some(w) = queue.pop_front() {
        out.push(w);
        for t in 0..w.threads.len() as mkwrite_model::Tid {
            if let Some(n) = mkwrite_model::step(cfg, &w, t) {
                if seen.insert(n) {
                    queue.push_back(n);
                }
            }
        }
    }
    out
}

#[test]
fn a_page_mkwrite_step_says_how_it_returns() {
    // The trace's words for a ->page_mkwrite step that returns: a step that fails with
    // VM_FAULT_SIGBUS names SIGBUS, one that answers VM_FAULT_NOPAGE names NOPAGE, and one that
    // returns VM_FAULT_LOCKED names it, in every profile's exposure configurations (with
    // `--enospc` for the failures).
    use mkwrite_model::world::{FaultPc, MkwriteRet, Pc};
    let mut seen = [0usize; 3];
    for f in registry() {
        for mut c in checks::report::profile_configs_of(f) {
            if c.stores != 1 || c.reclaim {
                continue;
            }
            c.enospc = true;
            if c.validate().is_err() {
                continue;
            }
            for w in reachable(&c) {
                for t in 0..w.threads.len() as mkwrite_model::Tid {
                    let th = w.thread(t);
                    if !matches!(th.pc, Pc::Fault(FaultPc::Mkwrite(_))) {
                        continue;
                    }
                    let Some(n) = mkwrite_model::step(&c, &w, t) else {
                        continue;
                    };
                    let before = th.local.mkwrite;
                    let after = n.thread(t).local.mkwrite;
                    if before == after {
                        continue;
                    }
                    let what = mkwrite_model::info(&c, &w, t).what.to_uppercase();
                    let (i, word) = match after {
                        MkwriteRet::SigBus => (0, "SIGBUS"),
                        MkwriteRet::NoPage => (1, "NOPAGE"),
                        MkwriteRet::Locked => (2, "LOCKED"),
                        _ => continue,
                    };
                    seen[i] += 1;
                    assert!(
                        what.contains(word),
                        "{}: {} returns {after:?}, described as {what:?}",
                        c.label(),
                        f.id()
                    );
                }
            }
        }
    }
    assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
}
