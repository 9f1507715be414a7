/// Disjoint sets over `0..n`. Private fields may change.
pub struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
    sets: usize,
}

impl UnionFind {
    pub fn new(n: usize) -> Self {
        todo!()
    }

    pub fn len(&self) -> usize {
        todo!()
    }

    pub fn find(&mut self, x: usize) -> Option<usize> {
        todo!()
    }

    /// `Some(true)` if two sets were merged.
    pub fn union(&mut self, a: usize, b: usize) -> Option<bool> {
        todo!()
    }

    pub fn connected(&mut self, a: usize, b: usize) -> Option<bool> {
        todo!()
    }

    pub fn components(&self) -> usize {
        todo!()
    }

    pub fn component_size(&mut self, x: usize) -> Option<usize> {
        todo!()
    }

    pub fn largest_component(&self) -> usize {
        todo!()
    }

    /// Sorted sets, ordered by smallest element.
    pub fn groups(&mut self) -> Vec<Vec<usize>> {
        todo!()
    }
}

/// Minimum spanning tree: total weight and taken edge indices (ascending).
pub fn kruskal(n: usize, edges: &[(usize, usize, u64)]) -> Option<(u64, Vec<usize>)> {
    todo!()
}
