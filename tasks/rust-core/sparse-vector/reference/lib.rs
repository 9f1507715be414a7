use std::collections::BTreeMap;

/// Fixed-dimension i64 vector storing only nonzero entries. Private fields may change.
pub struct SparseVec {
    dim: usize,
    entries: BTreeMap<usize, i64>,
}

impl SparseVec {
    pub fn new(dim: usize) -> Self {
        SparseVec { dim, entries: BTreeMap::new() }
    }

    pub fn from_dense(values: &[i64]) -> Self {
        let entries = values.iter().enumerate().filter(|(_, v)| **v != 0).map(|(i, v)| (i, *v)).collect();
        SparseVec { dim: values.len(), entries }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of nonzero entries.
    pub fn nnz(&self) -> usize {
        self.entries.len()
    }

    /// `None` when `i >= dim`.
    pub fn get(&self, i: usize) -> Option<i64> {
        if i >= self.dim {
            return None;
        }
        Some(self.entries.get(&i).copied().unwrap_or(0))
    }

    /// `false` when out of range; setting 0 removes the entry.
    pub fn set(&mut self, i: usize, v: i64) -> bool {
        if i >= self.dim {
            return false;
        }
        if v == 0 {
            self.entries.remove(&i);
        } else {
            self.entries.insert(i, v);
        }
        true
    }

    /// `(index, value)` by increasing index.
    pub fn nonzeros(&self) -> Vec<(usize, i64)> {
        self.entries.iter().map(|(i, v)| (*i, *v)).collect()
    }

    pub fn dot(&self, other: &SparseVec) -> Option<i64> {
        if self.dim != other.dim {
            return None;
        }
        let (small, big) = if self.nnz() <= other.nnz() { (self, other) } else { (other, self) };
        Some(small.entries.iter().filter_map(|(i, v)| big.entries.get(i).map(|w| v * w)).sum())
    }

    pub fn add(&self, other: &SparseVec) -> Option<SparseVec> {
        if self.dim != other.dim {
            return None;
        }
        let mut out = SparseVec { dim: self.dim, entries: self.entries.clone() };
        for (i, v) in &other.entries {
            let s = out.entries.get(i).copied().unwrap_or(0) + v;
            out.set(*i, s);
        }
        Some(out)
    }

    pub fn scale(&self, k: i64) -> SparseVec {
        let mut out = SparseVec::new(self.dim);
        if k != 0 {
            out.entries = self.entries.iter().map(|(i, v)| (*i, v * k)).collect();
        }
        out
    }

    pub fn to_dense(&self) -> Vec<i64> {
        let mut v = vec![0; self.dim];
        for (i, x) in &self.entries {
            v[*i] = *x;
        }
        v
    }
}
