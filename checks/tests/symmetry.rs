//! The symmetry reduction between the two writers drops no behaviour: on every two-writer
//! configuration of the matrix (strict filesystem; the lenient one only changes ->writepage), DFS with `World::writers_canonical` discovers exactly the
//! invariant violations and guard witnesses that BFS without symmetry discovers, in fewer
//! states. (A wrong representative, one that forgot to rename the lock owner say, silently
//! prunes states; this test is what would notice.)

use checks::report::matrix_configs;
use checks::run::{decide, decide_without_symmetry};

#[test]
fn symmetric_dfs_decides_like_plain_bfs_on_every_two_writer_configuration() {
    let mut reduced_somewhere = false;
    let mut checked = 0;
    for cfg in matrix_configs()
        .into_iter()
        .filter(|c| c.writers == 2 && c.strict)
    {
        let (sym_states, _, sym_found) = decide(&cfg, 2, false);
        let (again, _, _) = decide(&cfg, 2, false);
        assert_eq!(
            sym_states,
            again,
            "{}: reduced count differs between runs",
            cfg.label()
        );
        let (states, found) = decide_without_symmetry(&cfg);
        assert_eq!(sym_found, found, "{}", cfg.label());
        assert!(sym_states <= states, "{}", cfg.label());
        reduced_somewhere |= sym_states < states;
        checked += 1;
    }
    assert_eq!(checked, 144);
    assert!(reduced_somewhere, "the reduction never merged a state");
}
