use dijkstra_paths::*;

#[test]
fn picks_cheaper_detour() {
    let mut g = Graph::new(3);
    g.add_edge(0, 2, 10);
    g.add_edge(0, 1, 3);
    g.add_edge(1, 2, 4);
    assert_eq!(g.shortest_path(0, 2), Some((7, vec![0, 1, 2])));
}

#[test]
fn unreachable_is_none() {
    let mut g = Graph::new(3);
    g.add_edge(0, 1, 1);
    assert_eq!(g.distances(0), vec![Some(0), Some(1), None]);
    assert_eq!(g.shortest_path(0, 2), None);
}
