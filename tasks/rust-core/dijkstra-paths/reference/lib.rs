use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Weighted directed graph on nodes `0..n`. Private fields may change.
pub struct Graph {
    adj: Vec<Vec<(usize, u64)>>,
}

impl Graph {
    pub fn new(n: usize) -> Self {
        Graph { adj: vec![Vec::new(); n] }
    }

    pub fn node_count(&self) -> usize {
        self.adj.len()
    }

    /// `false` (and nothing added) if a node is out of range.
    pub fn add_edge(&mut self, from: usize, to: usize, weight: u64) -> bool {
        if from >= self.adj.len() || to >= self.adj.len() {
            return false;
        }
        self.adj[from].push((to, weight));
        true
    }

    /// Both directions.
    pub fn add_undirected(&mut self, a: usize, b: usize, weight: u64) -> bool {
        if a >= self.adj.len() || b >= self.adj.len() {
            return false;
        }
        self.adj[a].push((b, weight));
        self.adj[b].push((a, weight));
        true
    }

    fn run(&self, from: usize) -> (Vec<Option<u64>>, Vec<usize>) {
        let n = self.adj.len();
        let mut dist: Vec<Option<u64>> = vec![None; n];
        let mut prev = vec![usize::MAX; n];
        if from >= n {
            return (dist, prev);
        }
        let mut heap = BinaryHeap::new();
        dist[from] = Some(0);
        heap.push(Reverse((0u64, from)));
        while let Some(Reverse((d, u))) = heap.pop() {
            if dist[u] != Some(d) {
                continue;
            }
            for &(v, w) in &self.adj[u] {
                let nd = d + w;
                if dist[v].is_none_or(|old| nd < old) {
                    dist[v] = Some(nd);
                    prev[v] = u;
                    heap.push(Reverse((nd, v)));
                }
            }
        }
        (dist, prev)
    }

    /// Shortest distance to every node (`None` = unreachable).
    pub fn distances(&self, from: usize) -> Vec<Option<u64>> {
        self.run(from).0
    }

    /// Minimum cost and one shortest path `from ..= to`.
    pub fn shortest_path(&self, from: usize, to: usize) -> Option<(u64, Vec<usize>)> {
        if to >= self.adj.len() {
            return None;
        }
        let (dist, prev) = self.run(from);
        let cost = dist[to]?;
        let mut path = vec![to];
        let mut cur = to;
        while cur != from {
            cur = prev[cur];
            path.push(cur);
        }
        path.reverse();
        Some((cost, path))
    }
}
