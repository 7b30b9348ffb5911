//! Semantic tests written for survivors of the fs mutation run (docs/mutation.md): each names
//! the behaviour a surviving mutant changed that no semantic test looked at.

use checks::run::reachable;
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
    // And a meaning of its own: two invariants' violations do not mean the same thing.
    for f in registry() {
        let (c, _) = start(f, false).expect("a clean start");
        let mut seen = std::collections::HashMap::new();
        for inv in Inv::ALL {
            let m = fs::meaning(&c, inv);
            assert!(!m.is_empty(), "{} says nothing of {}", f.id(), inv.id());
            if let Some(other) = seen.insert(m, inv) {
                panic!("{}: {} and {} mean {m:?}", f.id(), other.id(), inv.id());
            }
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

/// The configurations the description tests walk: a profile's exposure configurations with one
/// store (both VMs, or v6.12 beside a 6.12 profile; with and without truncate), `--enospc`
/// where the profile's ->page_mkwrite can fail for space, a dirty start, and reclaim beside
/// one writeback thread from a read-only pte (NFS's flusher and COMMIT make two threads of
/// writeback beside reclaim cost millions of states, for no description the smaller
/// configurations do not reach).
fn described_configs(f: Fs) -> Vec<Config> {
    let vms: &[Protocol] = if f.ops().v612() {
        &[Protocol::V612]
    } else {
        &[Protocol::Old, Protocol::New]
    };
    // The buffer profile also from a sparse file and from a delayed allocation.
    use mkwrite_model::config::InitialExtent;
    let extents: &[InitialExtent] = if f == Fs::BUFFER {
        &[
            InitialExtent::Real,
            InitialExtent::Hole,
            InitialExtent::Delalloc,
        ]
    } else {
        &[InitialExtent::Real]
    };
    let mut out = Vec::new();
    for (&vm, &initial_extent) in vms.iter().flat_map(|v| extents.iter().map(move |e| (v, e))) {
        for reclaim in [false, true] {
            for truncate in [false, true] {
                for pte_ro in [true, false] {
                    for (enospc, page_dirty) in [(false, false), (true, false), (false, true)] {
                        let c = Config {
                            fs: f,
                            writeback: if reclaim { 1 } else { 2 },
                            truncate,
                            pte_ro,
                            reclaim,
                            enospc,
                            page_dirty,
                            initial_extent,
                            ..Config::new(vm)
                        };
                        if c.validate().is_err()
                            || (enospc && !fs::mkwrite_can_fail(&c))
                            || (reclaim && !pte_ro)
                        {
                            continue;
                        }
                        out.push(c);
                    }
                }
            }
        }
    }
    out
}

/// A profile's described configurations, each with its reachable states.
type Described = Vec<(Fs, Vec<(Config, Vec<World>)>)>;

/// Every profile's described configurations with their reachable states, computed once for
/// the tests that walk them.
fn described() -> &'static Described {
    static ALL: std::sync::OnceLock<Described> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        registry()
            .into_iter()
            .map(|f| {
                let cs = described_configs(f)
                    .into_iter()
                    .map(|c| (c, reachable(&c)))
                    .collect();
                (f, cs)
            })
            .collect()
    })
}

#[test]
fn a_trace_shows_every_difference_of_a_profiles_state() {
    // `FsOps::fields` (the trace's table of the filesystem's per-page state) and
    // `FsOps::display` (its one-line form): two reachable states of one profile that differ
    // must read differently, every field has a name and a value, and no name repeats.
    use std::collections::HashMap;
    for (f, configs) in described() {
        let mut by_fields: HashMap<Vec<(String, String)>, World> = HashMap::new();
        let mut by_line: HashMap<String, World> = HashMap::new();
        for (_, states) in configs {
            for &w in states {
                let fields = fs::fields(&w);
                let mut names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
                for (k, v) in &fields {
                    assert!(
                        !k.is_empty() && !v.is_empty(),
                        "{}: a field without a name or a value: {fields:?}",
                        f.id()
                    );
                }
                names.sort_unstable();
                names.dedup();
                assert_eq!(names.len(), fields.len(), "{}: {fields:?}", f.id());
                let seen = by_fields.entry(fields.clone()).or_insert(w);
                assert_eq!(
                    seen.fs,
                    w.fs,
                    "{}: two states read the same: {fields:?}",
                    f.id()
                );
                let line = fs::display(&w);
                let seen = by_line.entry(line.clone()).or_insert(w);
                assert_eq!(seen.fs, w.fs, "{}: two states read {line:?}", f.id());
            }
        }
    }
}

/// What a step did to what every trace shows, as (thing, before, after): the page's flags,
/// its lock (held by the stepping thread or not), the fault's ->page_mkwrite return, a BUG,
/// and the filesystem's own per-page state (its packed bits, with the version in flight).
fn effect(w: &World, n: &World, t: mkwrite_model::Tid) -> [(&'static str, u64, u64); 7] {
    let b = |x: bool, y: bool| (u64::from(x), u64::from(y));
    let r = |w: &World| w.thread(t).local.mkwrite as u64;
    assert_eq!(w.fs.0 >> 56, 0, "a profile's state wider than 56 bits");
    let pairs = [
        ("PG_dirty", b(w.page.dirty, n.page.dirty)),
        ("PG_writeback", b(w.page.writeback, n.page.writeback)),
        (
            "page lock held",
            b(w.page.locked_by == Some(t), n.page.locked_by == Some(t)),
        ),
        ("page->mapping", b(w.page.mapping, n.page.mapping)),
        ("->page_mkwrite return", (r(w), r(n))),
        ("BUG", b(w.bug.is_some(), n.bug.is_some())),
        // The state before includes the version in flight, which a completion records.
        (
            "the filesystem's state",
            (
                w.fs.0 | u64::from(w.data.in_flight.unwrap_or(255)) << 56,
                n.fs.0,
            ),
        ),
    ];
    pairs.map(|(k, (x, y))| (k, x, y))
}

/// Every description the filesystem's own code gives in `w`: its ->page_mkwrite steps, its
/// ->writepage, the worker's steps, fsync, the I/O completion, the RPC and ->write_inode.
fn fs_descriptions(c: &Config, w: &World) -> Vec<(&'static str, &'static str)> {
    use mkwrite_model::world::{FaultPc, Pc};
    let mut out = vec![fs::fsync_info(c, w)];
    for (sync, reclaim) in [(false, false), (true, false), (false, true)] {
        out.push(fs::writepage_info(c, w, fs::WbCtx { sync, reclaim }));
    }
    out.extend(fs::end_io_info(c));
    if fs::rpc_pending(w) {
        out.push(fs::rpc_info(w));
    }
    if fs::has_write_inode(c) {
        out.push(fs::write_inode_info(c));
    }
    for t in 0..w.threads.len() as mkwrite_model::Tid {
        match w.thread(t).pc {
            Pc::Fault(FaultPc::Mkwrite(pc)) => out.push(fs::page_mkwrite_info(c, w, t, pc)),
            Pc::FsWorker(pc) => out.push(fs::worker_info(c, w, pc)),
            _ => {}
        }
    }
    out.into_iter().map(|i| (i.id, i.what)).collect()
}

/// Whether a description says the page is unlocked: `unlock_page`, `folio_unlock`, or
/// "unlock" as a word (not `mutex_unlock`, not "unlocked", not "MMAPLOCK unlock").
fn unlocks_page(what: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let named_lock = |before: &str| {
        before
            .split_whitespace()
            .next_back()
            .is_some_and(|w| w.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
    };
    what.contains("unlock_page")
        || what.contains("folio_unlock")
        || what.match_indices("unlock").any(|(i, m)| {
            !word(what[..i].chars().next_back())
                && !word(what[i + m.len()..].chars().next())
                && !named_lock(&what[..i])
        })
}

#[test]
fn a_filesystem_step_does_what_its_description_says() {
    // Every description a trace prints for a filesystem's step (->page_mkwrite, ->writepage,
    // the workers, fsync, completions) is a claim about the step: in every reachable state of
    // every profile's described configurations, the words must agree with what the step did.
    // (1) One description, one effect on what the trace shows (from the same page flags and
    //     filesystem state, the same ones after): a description chosen for the wrong state
    //     would describe two different steps.
    // (2) The words that name an effect: "unlock" (the stepping thread no longer holds the
    //     page lock), "return VM_FAULT_LOCKED" (->page_mkwrite returns holding it), "SIGBUS"
    //     and "NOPAGE" (its return), "BUG"/"oops" (and the converse), "PG_writeback" without
    //     a wait or a clear (under writeback after the step), "redirty" (dirty after it).
    use mkwrite_model::contract::Role;
    use mkwrite_model::world::{FaultPc, MkwriteRet, Pc};
    use std::collections::HashMap;
    let mut checked = 0usize;
    for (f, configs) in described() {
        type Key = (&'static str, &'static str, &'static str, u64);
        let mut effects: HashMap<Key, (u64, &Config)> = HashMap::new();
        // A step of ->page_mkwrite dirtied the page.
        let mut mkwrite_dirtied = false;
        for (c, states) in configs {
            for w in states {
                let own = fs_descriptions(c, w);
                for t in 0..w.threads.len() as mkwrite_model::Tid {
                    let Some(n) = mkwrite_model::step(c, w, t) else {
                        continue;
                    };
                    let info = mkwrite_model::info(c, w, t);
                    let e = effect(w, &n, t);
                    let what = info.what;
                    let say = |ok: bool, claim: &str| {
                        assert!(
                            ok,
                            "{} {}: {} {what:?} does not {claim}: {e:?}",
                            c.label(),
                            f.id(),
                            info.id,
                        )
                    };
                    let up = what.to_uppercase();
                    let bug = w.bug.is_none() && n.bug.is_some();
                    let says_bug = up.contains("BUG") || up.contains("OOPS");
                    if says_bug || bug {
                        say(bug == says_bug, "BUG, or says it does");
                        continue;
                    }
                    // The return of ->page_mkwrite (not ->fault's, nor the VM's answer to it).
                    let mkwrite = matches!(w.thread(t).pc, Pc::Fault(FaultPc::Mkwrite(_)));
                    let (r0, r1) = (w.thread(t).local.mkwrite, n.thread(t).local.mkwrite);
                    let ret = (mkwrite && r0 == MkwriteRet::None && r1 != r0).then_some(r1);
                    let mine = |x: &World| x.page.locked_by == Some(t);
                    if unlocks_page(what) && mine(w) && !what.contains("relock") {
                        say(!mine(&n) || what.contains("lock_page"), "unlock");
                    }
                    if mkwrite && up.contains("RETURN VM_FAULT_LOCKED") {
                        say(ret == Some(MkwriteRet::Locked), "return VM_FAULT_LOCKED");
                    }
                    if up.contains("SIGBUS") && ret.is_some() {
                        say(ret == Some(MkwriteRet::SigBus), "fail with SIGBUS");
                    }
                    if up.contains("NOPAGE") && ret.is_some() {
                        say(ret == Some(MkwriteRet::NoPage), "answer NOPAGE");
                    }
                    let ends = ["clear", "wait", "sleep", "no PG_writeback"];
                    if what.contains("PG_writeback") && !ends.iter().any(|x| what.contains(x)) {
                        say(n.page.writeback, "leave the page under writeback");
                    }
                    if what.contains("redirty") {
                        say(n.page.dirty, "leave the page dirty");
                    }
                    // (4) A completion that changes the filesystem's state is described by the
                    // filesystem (`end_io_info`, `rpc_info`), and the facts the profile declares hold step by step.
                    let role = w.thread(t).role;
                    if role == Role::Io && n.fs != w.fs {
                        say(own.contains(&(info.id, what)), "come from the filesystem");
                    }
                    if mkwrite && !w.page.dirty && n.page.dirty {
                        mkwrite_dirtied = true;
                    }
                    // RC6: try_to_release_page (not the write of RC4, which may drop it).
                    let release = role == Role::Reclaim && info.id == "RC6";
                    if release && fs::page_private(c, w) && !fs::page_private(c, &n) {
                        say(fs::private_releasable(c), "release private data it may not");
                    }
                    if what.starts_with("ceph_writepage: a synchronous OSD write") {
                        // writepage_nounlock's set_page_writeback cleared the DIRTY tag of the
                        // page PG_dirty had left (end_page_writeback does not set it again).
                        say(n.page.dirty || !n.page.tagged_dirty, "clear the DIRTY tag");
                    }
                    // (1) is for the filesystem's own descriptions: a VM step's effect may turn
                    // on what this table does not show (zap_pte_range dirties the page only
                    // from a dirty pte).
                    if !own.contains(&(info.id, what)) {
                        continue;
                    }
                    // (3) What the filesystem's words say of the state they are given in.
                    let eof = ["beyond EOF", "past EOF", "beyond i_size"];
                    if eof.iter().any(|x| what.contains(x)) {
                        say(!w.isize_covers_page, "describe a page past EOF");
                    }
                    if (mkwrite && what.contains("ENOSPC")) || what.contains("full filesystem") {
                        say(w.fs_full, "describe a full filesystem");
                    }
                    if what.contains("left the mapping") || what.contains("truncated") {
                        say(
                            !w.page.mapping || !w.isize_covers_page,
                            "describe a truncated page",
                        );
                    }
                    // And of the filesystem's own state, as its fields show it.
                    for (phrase, field, value) in [
                        ("not Checked", "PageChecked", "no"),
                        ("already ordered", "btrfs.ordered", "yes"),
                        ("an ordered extent covers", "btrfs.ordered", "yes"),
                        ("no buffers: attach", "bh", "none"),
                    ] {
                        if what.contains(phrase) {
                            let shown = fs::fields(w).into_iter().find(|(k, _)| k == field);
                            say(
                                shown.is_some_and(|(_, v)| v == value),
                                &format!("describe {field} {value}"),
                            );
                        }
                    }
                    checked += 1;
                    for (thing, before, after) in e {
                        let seen = effects
                            .entry((info.id, what, thing, before))
                            .or_insert((after, c));
                        assert!(
                            seen.0 == after,
                            "{}: {} {what:?} describes two steps: {thing} {before} -> {} ({}) \
                             and -> {after} ({})",
                            f.id(),
                            info.id,
                            seen.0,
                            seen.1.label(),
                            c.label()
                        );
                    }
                }
            }
        }
        // `mkwrite_dirties`: declared, some step of ->page_mkwrite dirties the page (on some
        // path: ext4 2.6.29's fast path returns a mapped page clean). Not declared is weaker:
        // ext4@6.12-nodelalloc's fast path leaves the dirtying to the VM, its hole path
        // (block_page_mkwrite) dirties.
        let c = &configs[0].0;
        if fs::mkwrite_dirties(c) {
            assert!(
                mkwrite_dirtied,
                "{}: ->page_mkwrite never dirtied the page",
                f.id()
            );
        }
    }
    assert!(checked > 0);
}

#[test]
fn what_a_profile_declares_is_what_it_does() {
    // Facts a profile declares beside its code, checked against the code's behaviour over its
    // described configurations:
    // - `accounts_dirty`: NR_FILE_DIRTY moves in some reachable state exactly when declared
    //   (fb_defio's pages are in no radix tree: its set_page_dirty accounts nothing);
    // - `locked_return` (through `returns_locked`): declared, every successful ->page_mkwrite
    //   returns VM_FAULT_LOCKED; not declared, some return is 0 with the page unlocked
    //   (nilfs2's hole path passes block_page_mkwrite's VM_FAULT_LOCKED on; its mapped path,
    //   the one it declares, returns 0);
    // - a page dirty from the start (after write(2)) carries the filesystem's metadata.
    use mkwrite_model::world::MkwriteRet;
    for (f, configs) in described() {
        let (mut accounted, mut dirtied, mut returned) = (false, false, false);
        // Per VM, beside which the profile declares a return of 0: (any return, a 0).
        let mut unlocked = std::collections::BTreeMap::<String, (bool, bool)>::new();
        for (c, states) in configs {
            if c.page_dirty {
                let w0 = World::init(c);
                assert!(
                    fs::tracked(c, &w0),
                    "{}: a dirty start is untracked",
                    c.label()
                );
            }
            let (mut ok, mut locked) = (false, false);
            for w in states {
                accounted |= w.nr_file_dirty != 0;
                dirtied |= w.page.dirty;
                for th in w.threads.iter() {
                    ok |= th.local.mkwrite == MkwriteRet::Ok;
                    locked |= th.local.mkwrite == MkwriteRet::Locked;
                }
            }
            returned |= ok || locked;
            if fs::returns_locked(c) {
                assert!(!ok, "{}: ->page_mkwrite returned 0", c.label());
            } else {
                let e = unlocked.entry(format!("{:?}", c.protocol)).or_default();
                e.0 |= ok || locked;
                e.1 |= ok;
            }
        }
        for (vm, (any, ok)) in unlocked {
            assert_eq!(
                any,
                ok,
                "{} beside {vm}: ->page_mkwrite never returned 0",
                f.id()
            );
        }
        let c = &configs[0].0;
        assert!(dirtied, "{}", f.id());
        assert_eq!(returned, fs::has_page_mkwrite(c), "{}", f.id());
        assert_eq!(
            accounted,
            fs::accounts_dirty(c),
            "{} accounts_dirty",
            f.id()
        );
    }
}

#[test]
fn ceph_releasepage_refuses_and_invalidatepage_drops_the_snap_context() {
    // 2.6.36 fs/ceph/addr.c: ceph_releasepage (179-186) returns 0 whatever the page holds;
    // ceph_invalidatepage (140-175) with offset 0 puts the snap context and clears
    // PagePrivate.
    let (c, w) = start(Fs::CEPH, true).expect("ceph from a dirty page");
    assert!(
        fs::page_private(&c, &w),
        "a dirty start holds a snap context"
    );
    let mut r = w;
    assert!(!fs::releasepage(&c, &mut r), "ceph_releasepage returns 0");
    let mut i = w;
    fs::invalidatepage(&c, &mut i);
    assert!(!fs::page_private(&c, &i), "{}", fs::display(&i));
}

#[test]
fn delalloc_needs_a_dirty_page() {
    // Config::validate: `--initial-extent delalloc` holds data not yet written, so only beside
    // a dirty page; a hole only beside a clean one.
    use mkwrite_model::config::InitialExtent;
    for (extent, dirty, ok) in [
        (InitialExtent::Delalloc, false, false),
        (InitialExtent::Delalloc, true, true),
        (InitialExtent::Hole, true, false),
        (InitialExtent::Hole, false, true),
    ] {
        let c = Config {
            fs: Fs::BUFFER,
            initial_extent: extent,
            page_dirty: dirty,
            ..Config::new(Protocol::New)
        };
        assert_eq!(c.validate().is_ok(), ok, "{extent:?} dirty={dirty}");
    }
}

#[test]
fn threads_of_names_every_thread_of_a_role() {
    use mkwrite_model::contract::Role;
    let c = Config {
        writers: 2,
        writeback: 1,
        ..Config::new(Protocol::New)
    };
    let w = World::init(&c);
    for role in [Role::Writer, Role::Writeback, Role::Io] {
        let want: Vec<mkwrite_model::Tid> = (0..w.threads.len() as mkwrite_model::Tid)
            .filter(|&t| w.thread(t).role == role)
            .collect();
        assert!(!want.is_empty(), "{role:?}");
        assert_eq!(fs::ops::threads_of(&w, role), want, "{role:?}");
    }
}

#[test]
fn a_profile_is_counterfactual_exactly_beside_a_vm_it_never_shipped_with() {
    // `FsOps::counterfactual` against the profile's own era: beside a VM with no release
    // window the configuration is counterfactual, beside one with a window it is not.
    let mut both = [false; 2];
    for f in registry().into_iter().filter(|f| !f.ops().v612()) {
        let Some(era) = f.ops().era() else {
            continue;
        };
        for (vm, window) in [(Protocol::Old, era.old_vm), (Protocol::New, era.new_vm)] {
            let c = Config {
                fs: f,
                ..Config::new(vm)
            };
            let cf = fs::counterfactual(&c);
            both[usize::from(cf)] = true;
            assert_eq!(cf, window.is_none(), "{} beside {}", f.id(), vm.id());
        }
    }
    assert_eq!(both, [true, true]);
}

#[test]
fn each_alias_names_its_profile() {
    // `--fs xfs` is the buffer profile (XFS on buffer.c); every alias parses to its profile
    // and is a name, not a blank.
    assert_eq!(Fs::parse("xfs"), Some(Fs::BUFFER));
    for f in registry() {
        for a in f.ops().aliases() {
            assert!(!a.is_empty() && *a != f.id(), "{}: alias {a:?}", f.id());
            assert_eq!(Fs::parse(a), Some(f), "{a}");
        }
    }
}

#[test]
fn a_conversion_names_the_profile_it_became() {
    // `FsOps::conversion`: the id of the profile after the filesystem's own conversion (the
    // seed's `unlocked` becomes `locked`), never a blank or the profile itself.
    let mut some = 0;
    for f in registry() {
        if let Some(c) = f.ops().conversion() {
            some += 1;
            assert!(
                Fs::parse(c).is_some_and(|g| g != f),
                "{}: conversion {c:?}",
                f.id()
            );
        }
    }
    assert!(some > 0);
}

#[test]
fn a_profile_fails_for_space_only_when_it_says_it_can() {
    // `mkwrite_can_fail` against the profile: under `--enospc`, with one writer and nothing
    // else, a ->page_mkwrite that returns VM_FAULT_SIGBUS is one declared to fail.
    use mkwrite_model::world::MkwriteRet;
    let mut both = [false; 2];
    for f in registry() {
        let vm = if f.ops().v612() {
            Protocol::V612
        } else {
            Protocol::New
        };
        let c = Config {
            fs: f,
            writeback: 0,
            enospc: true,
            ..Config::new(vm)
        };
        if c.validate().is_err() {
            continue;
        }
        let sigbus = reachable(&c).iter().any(|w| {
            w.threads
                .iter()
                .any(|t| t.local.mkwrite == MkwriteRet::SigBus)
        });
        both[usize::from(sigbus)] = true;
        // Declared without a reachable failure is allowed: ext4@6.12-nodelalloc fails only
        // over a hole, which no configuration starts from.
        assert!(!sigbus || fs::mkwrite_can_fail(&c), "{}", f.id());
    }
    assert_eq!(both, [true, true]);
}

#[test]
fn every_6_12_profile_says_where_each_cut_sits_in_its_code() {
    // `FsOps::cut_anchor`: a 6.12.118 file:line, or "" only for the invalidate lock of a
    // profile without one (generic@6.12's filemap_page_mkwrite takes none).
    use mkwrite_model::contract::Cut612;
    for f in registry().into_iter().filter(|f| f.ops().v612()) {
        for cut in Cut612::ALL {
            let a = f.ops().cut_anchor(cut);
            if a.is_empty() {
                assert!(
                    cut == Cut612::InvalidateLock && f.id() == "generic@6.12",
                    "{}",
                    f.id()
                );
                continue;
            }
            let (file, line) = a.rsplit_once(':').expect("file:line");
            assert!(file.ends_with(".c"), "{}: {a}", f.id());
            assert!(line.parse::<u32>().is_ok_and(|l| l > 0), "{}: {a}", f.id());
        }
    }
}

#[test]
fn only_a_filesystem_with_write_inode_snapshots_i_dirty() {
    // __sync_single_inode's snapshot of I_DIRTY at the start of a flusher pass matters to a
    // filesystem with ->write_inode (NFS's COMMIT); for the others it is never set.
    let mut snapshots = 0;
    for (f, configs) in described() {
        for (c, states) in configs {
            for w in states {
                let mut w = *w;
                let s = fs::pass_start(c, &mut w);
                snapshots += usize::from(s);
                assert!(!s || fs::has_write_inode(c), "{}: {}", f.id(), c.label());
            }
        }
    }
    assert!(snapshots > 0);
}

#[test]
fn every_filesystem_profile_has_an_era() {
    // The exposure table's rows and the timeline need each real filesystem's release
    // windows; only the seed conventions (no filesystem of their own) have none.
    for f in registry() {
        assert_eq!(f.ops().era().is_none(), f.is_seed(), "{}", f.id());
    }
}
