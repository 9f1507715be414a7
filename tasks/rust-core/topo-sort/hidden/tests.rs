use topo_sort::*;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// The reported cycle must consist of distinct nodes joined by edges, closing back.
fn check_cycle(edges: &[(&str, &str)], cycle: &[String]) {
    assert!(!cycle.is_empty());
    let mut sorted = cycle.to_vec();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), cycle.len(), "repeated node in {cycle:?}");
    for i in 0..cycle.len() {
        let a = cycle[i].as_str();
        let b = cycle[(i + 1) % cycle.len()].as_str();
        assert!(edges.contains(&(a, b)), "missing edge {a} -> {b} in {cycle:?}");
    }
}

#[test]
fn no_edges_keeps_input_order() {
    assert_eq!(topo_sort(&["z", "a", "m"], &[]), Ok(s(&["z", "a", "m"])));
    assert_eq!(topo_sort(&[], &[]), Ok(vec![]));
}

#[test]
fn tie_break_by_input_position() {
    let nodes = ["e", "d", "c", "b", "a"];
    let edges = [("a", "b"), ("c", "b"), ("b", "e")];
    assert_eq!(topo_sort(&nodes, &edges), Ok(s(&["d", "c", "a", "b", "e"])));
}

#[test]
fn newly_freed_node_competes_by_position() {
    let nodes = ["x", "late", "y", "z"];
    let edges = [("z", "late"), ("y", "x")];
    assert_eq!(topo_sort(&nodes, &edges), Ok(s(&["y", "x", "z", "late"])));
}

#[test]
fn duplicate_edges_are_fine() {
    let edges = [("a", "b"), ("a", "b"), ("b", "c"), ("a", "b")];
    assert_eq!(topo_sort(&["c", "b", "a"], &edges), Ok(s(&["a", "b", "c"])));
}

#[test]
fn unknown_node_order() {
    let nodes = ["a", "b"];
    assert_eq!(topo_sort(&nodes, &[("a", "q"), ("r", "b")]), Err(TopoError::UnknownNode("q".to_string())));
    assert_eq!(topo_sort(&nodes, &[("p", "q")]), Err(TopoError::UnknownNode("p".to_string())));
    assert_eq!(
        topo_sort(&nodes, &[("a", "a"), ("b", "B")]),
        Err(TopoError::UnknownNode("B".to_string()))
    );
}

#[test]
fn two_cycle() {
    let edges = [("a", "b"), ("b", "a")];
    match topo_sort(&["a", "b", "c"], &edges) {
        Err(TopoError::Cycle(c)) => {
            assert_eq!(c.len(), 2);
            check_cycle(&edges, &c);
        }
        other => panic!("expected a cycle, got {other:?}"),
    }
}

#[test]
fn cycle_behind_acyclic_part() {
    let edges = [("root", "a"), ("a", "b"), ("b", "c"), ("c", "d"), ("d", "b"), ("root", "e"), ("e", "f")];
    match topo_sort(&["f", "e", "d", "c", "b", "a", "root"], &edges) {
        Err(TopoError::Cycle(c)) => {
            check_cycle(&edges, &c);
            assert_eq!(c.len(), 3);
        }
        other => panic!("expected a cycle, got {other:?}"),
    }
}

#[test]
fn long_chain_reverse_listed() {
    let names: Vec<String> = (0..10_000).map(|i| format!("n{i}")).collect();
    let nodes: Vec<&str> = names.iter().rev().map(|s| s.as_str()).collect();
    let mut edges: Vec<(&str, &str)> = names.windows(2).map(|w| (w[0].as_str(), w[1].as_str())).collect();
    for i in (0..9_000).step_by(3) {
        edges.push((names[i].as_str(), names[i + 1000].as_str()));
        edges.push((names[i].as_str(), names[i + 7].as_str()));
    }
    let got = topo_sort(&nodes, &edges).unwrap();
    assert_eq!(got, names);
}

#[test]
fn long_cycle() {
    let names: Vec<String> = (0..5_000).map(|i| format!("c{i}")).collect();
    let mut edges: Vec<(&str, &str)> = (0..5_000).map(|i| (names[i].as_str(), names[(i + 1) % 5_000].as_str())).collect();
    edges.push(("start", names[0].as_str()));
    let mut nodes: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    nodes.push("start");
    match topo_sort(&nodes, &edges) {
        Err(TopoError::Cycle(c)) => {
            assert_eq!(c.len(), 5_000);
            check_cycle(&edges, &c);
        }
        other => panic!("expected a cycle, got {:?}", other.map(|v| v.len())),
    }
}
