use std::collections::BTreeMap;

/// Fixed-dimension i64 vector storing only nonzero entries. Private fields may change.
pub struct SparseVec {
    dim: usize,
    entries: BTreeMap<usize, i64>,
}

impl SparseVec {
    pub fn new(dim: usize) -> Self {
        todo!()
    }

    pub fn from_dense(values: &[i64]) -> Self {
        todo!()
    }

    pub fn dim(&self) -> usize {
        todo!()
    }

    /// Number of nonzero entries.
    pub fn nnz(&self) -> usize {
        todo!()
    }

    /// `None` when `i >= dim`.
    pub fn get(&self, i: usize) -> Option<i64> {
        todo!()
    }

    /// `false` when out of range; setting 0 removes the entry.
    pub fn set(&mut self, i: usize, v: i64) -> bool {
        todo!()
    }

    /// `(index, value)` by increasing index.
    pub fn nonzeros(&self) -> Vec<(usize, i64)> {
        todo!()
    }

    pub fn dot(&self, other: &SparseVec) -> Option<i64> {
        todo!()
    }

    pub fn add(&self, other: &SparseVec) -> Option<SparseVec> {
        todo!()
    }

    pub fn scale(&self, k: i64) -> SparseVec {
        todo!()
    }

    pub fn to_dense(&self) -> Vec<i64> {
        todo!()
    }
}
