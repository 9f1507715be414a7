use union_find::*;

#[test]
fn unions_reduce_components() {
    let mut uf = UnionFind::new(5);
    assert_eq!(uf.union(0, 1), Some(true));
    assert_eq!(uf.union(3, 4), Some(true));
    assert_eq!(uf.union(1, 0), Some(false));
    assert_eq!(uf.components(), 3);
    assert_eq!(uf.connected(0, 1), Some(true));
    assert_eq!(uf.connected(1, 3), Some(false));
}

#[test]
fn small_spanning_tree() {
    let edges = [(0, 1, 4), (1, 2, 1), (0, 2, 2)];
    assert_eq!(kruskal(3, &edges), Some((3, vec![1, 2])));
}
