use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopoError {
    UnknownNode(String),
    Cycle(Vec<String>),
}

/// Order `nodes` so that for each edge `(a, b)`, `a` comes before `b`; ties are broken
/// by position in `nodes`.
pub fn topo_sort(nodes: &[&str], edges: &[(&str, &str)]) -> Result<Vec<String>, TopoError> {
    let index: HashMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let n = nodes.len();
    let mut adj = vec![Vec::new(); n];
    let mut indeg = vec![0usize; n];
    for &(a, b) in edges {
        let ia = *index.get(a).ok_or_else(|| TopoError::UnknownNode(a.to_string()))?;
        let ib = *index.get(b).ok_or_else(|| TopoError::UnknownNode(b.to_string()))?;
        adj[ia].push(ib);
        indeg[ib] += 1;
    }
    let mut heap: BinaryHeap<Reverse<usize>> = (0..n).filter(|&i| indeg[i] == 0).map(Reverse).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse(u)) = heap.pop() {
        order.push(nodes[u].to_string());
        for &v in &adj[u] {
            indeg[v] -= 1;
            if indeg[v] == 0 {
                heap.push(Reverse(v));
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Every remaining node (indeg > 0) has a remaining predecessor: walk backwards
    // along remaining edges until a node repeats.
    let mut pred = vec![usize::MAX; n];
    for u in 0..n {
        if indeg[u] > 0 {
            for &v in &adj[u] {
                if indeg[v] > 0 {
                    pred[v] = u;
                }
            }
        }
    }
    let start = (0..n).find(|&i| indeg[i] > 0).expect("a node is left");
    let mut seen = vec![false; n];
    let mut cur = start;
    while !seen[cur] {
        seen[cur] = true;
        cur = pred[cur];
    }
    let mut cycle = vec![cur];
    let mut x = pred[cur];
    while x != cur {
        cycle.push(x);
        x = pred[x];
    }
    cycle.reverse();
    Err(TopoError::Cycle(cycle.into_iter().map(|i| nodes[i].to_string()).collect()))
}
