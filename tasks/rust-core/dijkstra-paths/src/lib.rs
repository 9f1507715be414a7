/// Weighted directed graph on nodes `0..n`. Private fields may change.
pub struct Graph {
    adj: Vec<Vec<(usize, u64)>>,
}

impl Graph {
    pub fn new(n: usize) -> Self {
        todo!()
    }

    pub fn node_count(&self) -> usize {
        todo!()
    }

    /// `false` (and nothing added) if a node is out of range.
    pub fn add_edge(&mut self, from: usize, to: usize, weight: u64) -> bool {
        todo!()
    }

    /// Both directions.
    pub fn add_undirected(&mut self, a: usize, b: usize, weight: u64) -> bool {
        todo!()
    }

    /// Shortest distance to every node (`None` = unreachable).
    pub fn distances(&self, from: usize) -> Vec<Option<u64>> {
        todo!()
    }

    /// Minimum cost and one shortest path `from ..= to`.
    pub fn shortest_path(&self, from: usize, to: usize) -> Option<(u64, Vec<usize>)> {
        todo!()
    }
}
