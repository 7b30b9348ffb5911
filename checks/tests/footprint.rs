//! The footprint declarations (`mkwrite_model::footprint::of`) checked over every reachable
//! state, not trusted: the loom runner locks only the objects a step declares, so a declaration
//! that is too small would silently lose interleavings.
//!
//! For every reachable state and every thread (enabled or blocked):
//! - writes: the step changes no object outside its declared write set;
//! - reads: the step's effect, and whether it is blocked at all, do not change when the objects
//!   outside its footprint take the values they have in another reachable state (four others,
//!   spread over the state list), all at once; and, for one-writer configurations, when each of
//!   them alone takes each value it has anywhere (up to four).

use checks::report::matrix_144;
use checks::run::reachable;
use mkwrite_model::footprint::{self, changed, Footprint, Obj, Objs};
use mkwrite_model::fs::{cowfs, register};
use mkwrite_model::world::{FaultPc, Pc, Thread};
use mkwrite_model::{step, Config, Fs, Protocol, Tid, World};

/// What `step` does at `s` as the runner sees it: blocked, or the next state.
fn effect(cfg: &Config, s: &World, t: Tid) -> Result<Option<World>, ()> {
    std::panic::catch_unwind(|| step(cfg, s, t)).map_err(|_| ())
}

/// Whether perturbing `s` into `s2` (only objects outside the footprint differ) leaves the
/// step's effect the same: same blockedness, and the same next state up to the perturbed
/// objects the step does not write.
fn same_effect(cfg: &Config, s: &World, s2: &World, t: Tid, outside: Objs) -> bool {
    match (effect(cfg, s, t), effect(cfg, s2, t)) {
        (Ok(None), Ok(None)) => true,
        (Ok(Some(a)), Ok(Some(b))) => {
            let mut want = a;
            for o in outside.iter() {
                o.copy(&mut want, s2);
            }
            want == b
        }
        _ => false,
    }
}

/// A table of declarations: `footprint::of`, or a wrong one.
type Decl = fn(&Config, &Thread) -> Footprint;

/// Check every declaration of `decl` over `cfg`; returns the states checked, or the first
/// wrong declaration.
fn check_config(cfg: &Config, one_at_a_time: bool, decl: Decl) -> Result<usize, String> {
    let states = reachable(cfg);
    let n = states[0].threads.len();
    let every = Obj::all(states[0].ptes.len(), n);
    // Up to four states with distinct values, per object.
    let samples: Vec<(Obj, Vec<World>)> = every
        .iter()
        .map(|o| {
            let mut v: Vec<World> = Vec::new();
            for s in &states {
                if v.len() < 4 && !v.iter().any(|x| o.same(x, s)) {
                    v.push(*s);
                }
            }
            (o, v)
        })
        .collect();
    let spread = |i: usize, k: usize| &states[(i * 7919 + k * 104_729 + 1) % states.len()];
    for (i, s) in states.iter().enumerate() {
        commute(cfg, s, decl)?;
        for t in 0..n as Tid {
            let th = s.thread(t);
            let fp = decl(cfg, th);
            let mine = Objs::EMPTY.with(Obj::Thread(t));
            let at = || format!("{}: {} at {:?}", cfg.label(), th.name(), th.pc);
            if let Ok(Some(next)) = effect(cfg, s, t) {
                let out = changed(s, &next).minus(fp.writes.union(mine));
                if !out.is_empty() {
                    return Err(format!(
                        "{} writes {} outside its write set {}",
                        at(),
                        out.names(),
                        fp.writes.names()
                    ));
                }
            }
            // A blocked step stays blocked whatever the objects it does not wait on hold.
            if let Ok(None) = effect(cfg, s, t) {
                let others = fp.all().minus(fp.waits).minus(mine);
                for k in 0..4 {
                    let mut s2 = *s;
                    for o in others.iter() {
                        o.copy(&mut s2, spread(i, k));
                    }
                    if !matches!(effect(cfg, &s2, t), Ok(None)) {
                        return Err(format!(
                            "{} is blocked, and one of {} can enable it: it declares it waits on {}",
                            at(),
                            others.names(),
                            fp.waits.names()
                        ));
                    }
                }
            }
            let outside = every.minus(fp.all()).minus(mine);
            for k in 0..4 {
                let mut s2 = *s;
                for o in outside.iter() {
                    o.copy(&mut s2, spread(i, k));
                }
                if !same_effect(cfg, s, &s2, t, outside) {
                    let differ: Objs = outside.iter().filter(|o| !o.same(s, &s2)).collect();
                    return Err(format!(
                        "{} depends on one of {} (its footprint: reads {}, writes {})",
                        at(),
                        differ.names(),
                        fp.reads.names(),
                        fp.writes.names()
                    ));
                }
            }
            if one_at_a_time {
                for (o, values) in &samples {
                    if !outside.has(*o) {
                        continue;
                    }
                    for v in values {
                        let mut s2 = *s;
                        o.copy(&mut s2, v);
                        if !same_effect(cfg, s, &s2, t, Objs::EMPTY.with(*o)) {
                            return Err(format!(
                                "{} reads {o:?}, outside its footprint (reads {}, writes {})",
                                at(),
                                fp.reads.names(),
                                fp.writes.names()
                            ));
                        }
                    }
                }
            }
        }
    }
    Ok(states.len())
}

/// Two enabled steps the declarations call independent (different threads, neither writes what
/// the other touches) must commute in `s`: each stays enabled after the other, and both orders
/// reach the same world, ghost fields included. This is what the shuttle scheduler's sleep sets
/// rely on when they skip the second order.
fn commute(cfg: &Config, s: &World, decl: Decl) -> Result<(), String> {
    let n = s.threads.len() as Tid;
    let own = |t: Tid| {
        let f = decl(cfg, s.thread(t));
        (f.reads, f.writes.with(Obj::Thread(t)))
    };
    for a in 0..n {
        let Some(sa) = step(cfg, s, a) else { continue };
        for b in a + 1..n {
            let Some(sb) = step(cfg, s, b) else { continue };
            let ((ra, wa), (rb, wb)) = (own(a), own(b));
            if wa.0 & (rb.0 | wb.0) != 0 || wb.0 & (ra.0 | wa.0) != 0 {
                continue;
            }
            let (ab, ba) = (step(cfg, &sa, b), step(cfg, &sb, a));
            if ab.is_none() || ab != ba {
                return Err(format!(
                    "{}: {} at {:?} and {} at {:?} are declared independent but do not commute",
                    cfg.label(),
                    s.thread(a).name(),
                    s.thread(a).pc,
                    s.thread(b).name(),
                    s.thread(b).pc
                ));
            }
        }
    }
    Ok(())
}

/// Check `configs` on two threads; the total number of states checked.
fn check_all(configs: Vec<Config>, one_at_a_time: bool) -> usize {
    let half = configs.len() / 2;
    let (a, b) = configs.split_at(half);
    std::thread::scope(|sc| {
        let run = |part: &[Config]| {
            part.iter()
                .map(|c| {
                    check_config(c, one_at_a_time, footprint::of).unwrap_or_else(|e| panic!("{e}"))
                })
                .sum::<usize>()
        };
        let h = sc.spawn(move || run(a));
        run(b) + h.join().unwrap()
    })
}

#[test]
fn footprints_hold_over_the_matrix() {
    let configs = matrix_144();
    assert_eq!(configs.len(), 144);
    let states = check_all(configs, false);
    // Every reachable state of the 144 configurations was checked (the matrix golden file pins
    // each configuration's count; their sum is pinned here so that a change shows).
    assert_eq!(states, 1_700_633);
}

#[test]
fn footprints_hold_object_by_object_for_one_writer() {
    let configs: Vec<Config> = matrix_144()
        .into_iter()
        .filter(|c| c.writers == 1)
        .collect();
    assert_eq!(configs.len(), 72);
    check_all(configs, true);
}

#[test]
fn footprints_hold_beyond_the_matrix() {
    // The seed filesystem's other shapes: shared mm, lenient, ENOSPC, two stores, the late
    // writeback constraint, the histories, and the textbook scenarios.
    let mut configs = Vec::new();
    for p in Protocol::all() {
        for fs in [Fs::UNLOCKED, Fs::LOCKED, Fs::NONE] {
            for (enospc, stores, late_writeback, strict) in [
                (false, 1, false, true),
                (true, 1, false, true),
                (false, 2, false, false),
                (false, 1, true, true),
            ] {
                for truncate in [false, true] {
                    let c = Config {
                        protocol: p,
                        fixes: p.fixes(),
                        fs,
                        writeback: 2,
                        truncate,
                        pte_ro: truncate,
                        enospc,
                        stores,
                        late_writeback,
                        strict,
                        ..Config::new(p)
                    };
                    if c.validate().is_ok() {
                        configs.push(c);
                    }
                }
            }
        }
    }
    for name in ["R1", "R2", "R3", "R4", "R5"] {
        configs.push(Config::scenario(name).unwrap());
    }
    configs.push(Config {
        writers: 2,
        shared_mm: true,
        ..Config::new(Protocol::New)
    });
    check_all(configs, false);
}

/// The declarations with one object missing: a store's page reference (do_wp_page's WP1-WP3).
fn store_without_its_reference(cfg: &Config, th: &Thread) -> Footprint {
    let fp = footprint::of(cfg, th);
    if th.pc == Pc::Fault(FaultPc::Store) {
        Footprint {
            writes: fp.writes.minus(Objs::EMPTY.with(Obj::PageRef)),
            ..fp
        }
    } else {
        fp
    }
}

#[test]
fn a_wrong_declaration_fails_the_check() {
    // The check is not vacuous: a store declared without the reference it takes is reported,
    // by name, at the first state where the store traps on its read-only pte.
    let cfg = Config::new(Protocol::New);
    let e = check_config(&cfg, false, store_without_its_reference).unwrap_err();
    assert!(
        e.contains("F0 at Fault(Store) writes PageRef outside its write set"),
        "{e}"
    );
    assert!(check_config(&cfg, true, footprint::of).is_ok());
}

/// The declarations without the page lock: two lock_page calls look independent.
fn without_the_page_lock(cfg: &Config, th: &Thread) -> Footprint {
    let fp = footprint::of(cfg, th);
    let lock = Objs::EMPTY.with(Obj::PageLock);
    Footprint {
        reads: fp.reads.minus(lock),
        writes: fp.writes.minus(lock),
        waits: fp.waits.minus(lock),
    }
}

#[test]
fn steps_declared_independent_that_do_not_commute_are_reported() {
    // Where the writer and the flusher both stand before lock_page, taking the lock first
    // blocks the other: declared without the lock, the two look independent and the check
    // says they do not commute.
    let cfg = Config::scenario("R1").unwrap();
    let both = reachable(&cfg)
        .into_iter()
        .find(|w| {
            let n = w.threads.len() as Tid;
            let lockers = (0..n)
                .filter(|&t| step(&cfg, w, t).is_some_and(|x| x.page.locked_by == Some(t)))
                .count();
            lockers >= 2 && w.page.locked_by.is_none()
        })
        .expect("a state where two threads can take the page lock");
    let e = commute(&cfg, &both, without_the_page_lock).unwrap_err();
    assert!(e.contains("declared independent but do not commute"), "{e}");
    assert!(commute(&cfg, &both, footprint::of).is_ok());
}

#[test]
fn footprints_hold_for_every_filesystem_profile() {
    // The configurations of the profile sweep (every profile and era beside both VMs,
    // truncate, pte, stores, ENOSPC and reclaim varied), XFS from a hole or a delalloc block
    // (64), and the partial page; but not NFS's 16 with a truncate and reclaim (100,000 to
    // 940,000 states each: nfs_setattr's flush, TF1-TF2, multiplies NFS's truncate states by
    // about eight). Their steps are all here: the flush in NFS's truncate configurations
    // without reclaim, reclaim's in NFS's without a truncate (and reclaim's footprint is
    // everything).
    let mut configs: Vec<Config> = checks::report::profile_configs()
        .into_iter()
        .filter(|c| !(c.fs.name() == "nfs" && c.truncate && c.reclaim))
        .collect();
    assert_eq!(configs.len(), 384);
    configs.extend(checks::report::xfs_extent_configs());
    for name in ["R7", "R7-fixed"] {
        configs.push(Config::scenario(name).unwrap());
    }
    let states = check_all(configs, false);
    // 3,316,006 before issue 25's corrections (see its commits); 3,831,262 after them, without
    // the 16 NFS configurations above; 3,807,968 once the buffer profile stopped counting a
    // state twice for a block past `--blocks-per-page 1`.
    assert_eq!(states, 3_807_968);
}

#[test]
fn footprints_hold_for_the_example_profile() {
    // docs/your-filesystem.md's cowfs, outside the registry: a profile of one's own gets the
    // footprints `footprint::of` derives from its hooks (the seed's, widened by what a hook may
    // touch) with no declaration of its own, and they must commute like every other's.
    let mut configs = Vec::new();
    for ops in [&cowfs::COWFS, &cowfs::COWFS_LOCKED] {
        let fs = register(ops).unwrap();
        configs.extend(checks::report::profile_configs_of(fs));
        configs.push(Config {
            fs,
            writeback: 2,
            enospc: true,
            ..Config::new(Protocol::New)
        });
    }
    assert_eq!(configs.len(), 66);
    assert_eq!(check_all(configs, false), 349_794);
}

/// D0's steps (`--dio 1`, issue 30) are declared `everything`; its fault steps are the
/// writers', with D0's own pte. Checked over every D0 configuration of the golden file, the
/// 6.12 row's included.
#[test]
fn footprints_hold_for_the_dio_configurations() {
    let configs = checks::gup::configs();
    assert_eq!(configs.len(), 64);
    check_all(configs, false);
}

#[test]
fn footprints_hold_for_the_6_12_vm() {
    // Linux 6.12.118 (`--protocol v6.12`): the 6.12 fault steps (mm/v612) and the three 6.12
    // profiles' hooks (the invalidate lock as truncate_lock_threads, reclaim without
    // ->writepage), at the headline shape with truncate, pte and reclaim varied, with ENOSPC,
    // and every cut of the 6.12 ablation beside ext4@6.12 with a truncate; a freeze and stable
    // writes beside each profile.
    let mut configs = Vec::new();
    for fs in checks::report::v612_profiles() {
        for truncate in [false, true] {
            for pte_ro in [true, false] {
                for reclaim in [false, true] {
                    configs.push(Config {
                        fs,
                        writeback: 2,
                        truncate,
                        pte_ro,
                        reclaim,
                        ..Config::new(Protocol::V612)
                    });
                }
            }
        }
        configs.push(Config {
            fs,
            writeback: 2,
            enospc: true,
            ..Config::new(Protocol::V612)
        });
    }
    for cut in mkwrite_model::contract::Cut612::ALL {
        for pte_ro in [true, false] {
            configs.push(Config {
                writeback: 1,
                truncate: true,
                pte_ro,
                ..Config::new(Protocol::V612Minus(cut))
            });
        }
    }
    for fs in checks::report::v612_profiles() {
        configs.push(Config {
            fs,
            writeback: 1,
            truncate: true,
            freeze: true,
            ..Config::new(Protocol::V612)
        });
        configs.push(Config {
            fs,
            writeback: 1,
            page_dirty: true,
            stable_writes: true,
            ..Config::new(Protocol::V612)
        });
    }
    assert_eq!(configs.len(), 56);
    let states = check_all(configs, false);
    assert_eq!(states, 81_100);
}

#[test]
fn footprints_hold_without_each_safeguard() {
    // `mkwrite ablate --fs NAME` runs a profile without one of its own safeguards; removing a
    // lock or a check only makes a step touch less, but it also reaches states the profile
    // with it never does, where the declared footprints must hold too. Every safeguard of
    // every profile, at its table's configurations with a truncate, beside the new VM and
    // without reclaim (both ptes).
    let mut configs = Vec::new();
    for fs in checks::fs_ablate::profiles() {
        for (i, _) in fs.ops().safeguards().iter().enumerate() {
            for c in checks::fs_ablate::configs(fs, true) {
                if !c.reclaim && c.protocol == Protocol::New {
                    configs.push(Config {
                        ablated: 1 << i,
                        ..c
                    });
                }
            }
        }
    }
    assert_eq!(configs.len(), 56);
    // 284,997 before the buffer profile stopped counting a state twice for a block past
    // `--blocks-per-page 1`.
    assert_eq!(check_all(configs, false), 284_851);
}
