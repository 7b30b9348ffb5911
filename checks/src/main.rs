use checks::run::check;
use mkwrite_model::{Config, Protocol, FsConvention};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let proto = if args.get(1).map(|s| s.as_str()) == Some("old") { Protocol::Old } else { Protocol::New };
    let fs = if args.get(2).map(|s| s.as_str()) == Some("unlocked") { FsConvention::Unlocked } else { proto.default_fs() };
    let mut tot = 0;
    for writers in 1..=2u8 { for wb in 0..=2u8 { for tr in [false, true] { for pte_ro in [true, false] { for pd in [false, true] {
        let cfg = Config { fs, writers, writeback: wb, truncate: tr, pte_ro, page_dirty: pd, ..Config::new(proto) };
        let r = check(&cfg);
        tot += r.states;
        println!("{}: states={} {:.2}s violated={:?} unreached={:?}", cfg.label(), r.states, r.seconds, r.violated().iter().map(|i| format!("{}:{}", i.id(), r.verdict(*i).trace.as_ref().unwrap().len())).collect::<Vec<_>>(), r.unreached_guards());
    }}}}}
    println!("total {tot}");
}
