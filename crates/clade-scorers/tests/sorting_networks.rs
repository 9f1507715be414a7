//! Sorting networks: Batcher's networks have the published sizes and pass the
//! 0-1 check; broken or malformed networks are rejected precisely.

use clade_scorers::sorting_network::{batcher, sorting_network};

fn print(network: &[(usize, usize)]) -> String {
    network.iter().map(|(a, b)| format!("{a} {b}\n")).collect()
}

#[test]
fn batcher_networks_are_valid_with_the_published_sizes() {
    let sizes = [26, 31, 37, 41, 48, 53, 59, 63];
    for (n, expected) in (9..=16).zip(sizes) {
        let network = batcher(n);
        let score = sorting_network(&print(&network), n).unwrap();
        assert_eq!(score.comparators, expected, "n = {n}");
        assert!(score.depth >= 1 && score.depth <= score.comparators);
    }
    assert_eq!(sorting_network(&print(&batcher(16)), 16).unwrap().depth, 10);
}

#[test]
fn broken_and_malformed_networks_are_rejected() {
    let mut network = batcher(10);
    network.remove(network.len() / 2);
    let err = sorting_network(&print(&network), 10).unwrap_err();
    assert!(err.0.contains("does not sort the 0-1 input"), "{err}");
    for (output, expect) in [
        ("3 3\n", "needs 0 <= i < j < 9"),
        ("4 2\n", "needs 0 <= i < j < 9"),
        ("0 9\n", "needs 0 <= i < j < 9"),
        ("0 1 2\n", "expected `i j`"),
        ("score 25\n", "expected `i j`"),
        ("", "no comparators"),
    ] {
        let err = sorting_network(output, 9).unwrap_err();
        assert!(err.0.contains(expect), "{output:?}: {err}");
    }
}
