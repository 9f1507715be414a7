use union_find::*;

#[test]
fn empty_structure() {
    let mut uf = UnionFind::new(0);
    assert_eq!(uf.len(), 0);
    assert_eq!(uf.components(), 0);
    assert_eq!(uf.largest_component(), 0);
    assert_eq!(uf.find(0), None);
    assert_eq!(uf.groups(), Vec::<Vec<usize>>::new());
}

#[test]
fn out_of_range_changes_nothing() {
    let mut uf = UnionFind::new(3);
    assert_eq!(uf.union(0, 3), None);
    assert_eq!(uf.union(7, 1), None);
    assert_eq!(uf.connected(0, 3), None);
    assert_eq!(uf.component_size(3), None);
    assert_eq!(uf.components(), 3);
    assert_eq!(uf.find(2), Some(2));
}

#[test]
fn representatives_are_consistent() {
    let mut uf = UnionFind::new(6);
    uf.union(0, 2);
    uf.union(2, 4);
    uf.union(1, 5);
    let r = uf.find(0).unwrap();
    assert_eq!(uf.find(2), Some(r));
    assert_eq!(uf.find(4), Some(r));
    assert!([0, 2, 4].contains(&r));
    assert_ne!(uf.find(1), Some(r));
    assert_eq!(uf.find(1), uf.find(5));
    assert_eq!(uf.find(3), Some(3));
}

#[test]
fn sizes_and_largest() {
    let mut uf = UnionFind::new(7);
    uf.union(0, 1);
    uf.union(1, 2);
    uf.union(3, 4);
    assert_eq!(uf.component_size(2), Some(3));
    assert_eq!(uf.component_size(4), Some(2));
    assert_eq!(uf.component_size(6), Some(1));
    assert_eq!(uf.largest_component(), 3);
    uf.union(4, 0);
    assert_eq!(uf.largest_component(), 5);
    assert_eq!(uf.components(), 3);
}

#[test]
fn groups_sorted() {
    let mut uf = UnionFind::new(6);
    uf.union(5, 1);
    uf.union(4, 2);
    uf.union(2, 5);
    assert_eq!(uf.groups(), vec![vec![0], vec![1, 2, 4, 5], vec![3]]);
}

#[test]
fn self_union() {
    let mut uf = UnionFind::new(2);
    assert_eq!(uf.union(1, 1), Some(false));
    assert_eq!(uf.connected(1, 1), Some(true));
    assert_eq!(uf.components(), 2);
}

#[test]
fn large_chain_is_fast() {
    let n = 200_000;
    let mut uf = UnionFind::new(n);
    for i in 0..n - 1 {
        assert_eq!(uf.union(i, i + 1), Some(true));
    }
    assert_eq!(uf.components(), 1);
    assert_eq!(uf.component_size(0), Some(n));
    assert_eq!(uf.connected(0, n - 1), Some(true));
    let mut uf2 = UnionFind::new(n);
    for i in (1..n).rev() {
        uf2.union(i, i - 1);
    }
    for i in (0..n).step_by(2) {
        assert_eq!(uf2.connected(i, n - 1 - i), Some(true));
    }
    assert_eq!(uf2.largest_component(), n);
}

#[test]
fn kruskal_ties_by_index() {
    let edges = [(0, 1, 1), (1, 2, 1), (0, 2, 1), (2, 3, 5), (1, 3, 5)];
    assert_eq!(kruskal(4, &edges), Some((7, vec![0, 1, 3])));
}

#[test]
fn kruskal_edge_cases() {
    assert_eq!(kruskal(0, &[]), Some((0, vec![])));
    assert_eq!(kruskal(1, &[]), Some((0, vec![])));
    assert_eq!(kruskal(1, &[(0, 0, 9)]), Some((0, vec![])));
    assert_eq!(kruskal(2, &[]), None);
    assert_eq!(kruskal(3, &[(0, 1, 1)]), None);
    assert_eq!(kruskal(2, &[(0, 1, 1), (1, 2, 1)]), None);
    assert_eq!(kruskal(2, &[(0, 1, 9), (1, 0, 3), (0, 1, 3)]), Some((3, vec![1])));
}

#[test]
fn kruskal_classic() {
    let edges = [
        (0, 1, 7), (0, 3, 5), (1, 2, 8), (1, 3, 9), (1, 4, 7), (2, 4, 5),
        (3, 4, 15), (3, 5, 6), (4, 5, 8), (4, 6, 9), (5, 6, 11),
    ];
    assert_eq!(kruskal(7, &edges), Some((39, vec![0, 1, 4, 5, 7, 9])));
}
