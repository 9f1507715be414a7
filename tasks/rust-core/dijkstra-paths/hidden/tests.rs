use dijkstra_paths::*;

/// Checks that `path` goes from `from` to `to` along edges of `edges` and that using the
/// cheapest parallel edge for each hop costs exactly `cost`.
fn check(edges: &[(usize, usize, u64)], from: usize, to: usize, cost: u64, path: &[usize]) {
    assert_eq!(path.first(), Some(&from));
    assert_eq!(path.last(), Some(&to));
    let mut total = 0u64;
    for w in path.windows(2) {
        let best = edges.iter().filter(|e| e.0 == w[0] && e.1 == w[1]).map(|e| e.2).min();
        total += best.unwrap_or_else(|| panic!("no edge {} -> {}", w[0], w[1]));
    }
    assert_eq!(total, cost);
}

fn build(n: usize, edges: &[(usize, usize, u64)]) -> Graph {
    let mut g = Graph::new(n);
    for &(a, b, w) in edges {
        assert!(g.add_edge(a, b, w));
    }
    g
}

#[test]
fn out_of_range_nodes() {
    let mut g = Graph::new(2);
    assert_eq!(g.node_count(), 2);
    assert!(!g.add_edge(0, 2, 1));
    assert!(!g.add_edge(5, 0, 1));
    assert!(!g.add_undirected(2, 0, 1));
    assert_eq!(g.distances(0), vec![Some(0), None]);
    assert_eq!(g.distances(7), vec![None, None]);
    assert_eq!(g.shortest_path(0, 9), None);
    assert_eq!(g.shortest_path(9, 0), None);
}

#[test]
fn path_to_self() {
    let mut g = Graph::new(3);
    g.add_edge(1, 1, 5);
    assert_eq!(g.shortest_path(1, 1), Some((0, vec![1])));
    assert_eq!(Graph::new(1).shortest_path(0, 0), Some((0, vec![0])));
}

#[test]
fn directed_edges_only_forward() {
    let g = build(2, &[(0, 1, 4)]);
    assert_eq!(g.shortest_path(1, 0), None);
    assert_eq!(g.distances(1), vec![None, Some(0)]);
}

#[test]
fn classic_graph_distances() {
    let edges = [
        (0, 1, 7), (0, 2, 9), (0, 5, 14), (1, 2, 10), (1, 3, 15), (2, 3, 11),
        (2, 5, 2), (3, 4, 6), (5, 4, 9),
    ];
    let mut g = Graph::new(6);
    for &(a, b, w) in &edges {
        g.add_undirected(a, b, w);
    }
    assert_eq!(g.distances(0), vec![Some(0), Some(7), Some(9), Some(20), Some(20), Some(11)]);
    let (cost, path) = g.shortest_path(0, 4).unwrap();
    assert_eq!(cost, 20);
    let both: Vec<(usize, usize, u64)> = edges.iter().flat_map(|&(a, b, w)| [(a, b, w), (b, a, w)]).collect();
    check(&both, 0, 4, cost, &path);
}

#[test]
fn parallel_edges_use_cheapest() {
    let edges = [(0, 1, 9), (0, 1, 2), (1, 2, 5), (1, 2, 1), (0, 2, 4)];
    let g = build(3, &edges);
    assert_eq!(g.shortest_path(0, 2), Some((3, vec![0, 1, 2])));
}

#[test]
fn zero_weights_and_ties() {
    let edges = [(0, 1, 0), (1, 2, 0), (0, 2, 0), (2, 3, 5), (0, 3, 5)];
    let g = build(4, &edges);
    assert_eq!(g.distances(0), vec![Some(0), Some(0), Some(0), Some(5)]);
    let (cost, path) = g.shortest_path(0, 3).unwrap();
    assert_eq!(cost, 5);
    check(&edges, 0, 3, cost, &path);
}

#[test]
fn relaxation_after_settling_neighbours() {
    let edges = [(0, 1, 1), (0, 2, 5), (1, 2, 1), (2, 3, 1), (1, 3, 10), (3, 4, 1), (0, 4, 100)];
    let g = build(5, &edges);
    assert_eq!(g.shortest_path(0, 4), Some((4, vec![0, 1, 2, 3, 4])));
    assert_eq!(g.distances(2), vec![None, None, Some(0), Some(1), Some(2)]);
}

#[test]
fn huge_weights() {
    let big = u64::MAX / 4;
    let edges = [(0, 1, big), (1, 2, big), (0, 2, 3 * big)];
    let g = build(3, &edges);
    assert_eq!(g.shortest_path(0, 2), Some((2 * big, vec![0, 1, 2])));
}

#[test]
fn large_graph_is_fast() {
    let n = 20_000usize;
    let mut edges = Vec::new();
    for i in 0..n - 1 {
        edges.push((i, i + 1, 10));
    }
    for i in 0..n - 100 {
        edges.push((i, i + 100, 900));
    }
    let mut seed = 12345u64;
    let mut rnd = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    for _ in 0..60_000 {
        let a = rnd() % n;
        let b = rnd() % n;
        if a < b {
            edges.push((a, b, 10 * (b - a) as u64 + 1));
        } else if a > b {
            edges.push((a, b, 1000 + (rnd() % 50) as u64));
        }
    }
    let g = build(n, &edges);
    let d = g.distances(0);
    for k in [0usize, 1, 99, 100, 101, 199, 200, 12_345, n - 1] {
        assert_eq!(d[k], Some(900 * (k / 100) as u64 + 10 * (k % 100) as u64), "node {k}");
    }
    let (cost, path) = g.shortest_path(0, n - 1).unwrap();
    assert_eq!(Some(cost), d[n - 1]);
    check(&edges, 0, n - 1, cost, &path);
}
