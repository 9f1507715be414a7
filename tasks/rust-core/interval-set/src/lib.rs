/// Set of i64 stored as disjoint half-open intervals. Private fields may change.
pub struct IntervalSet {
    ranges: Vec<(i64, i64)>,
}

impl IntervalSet {
    pub fn new() -> Self {
        todo!()
    }

    /// Add `[start, end)`; empty intervals are ignored.
    pub fn insert(&mut self, start: i64, end: i64) {
        todo!()
    }

    /// Remove `[start, end)`; empty intervals are ignored.
    pub fn remove(&mut self, start: i64, end: i64) {
        todo!()
    }

    pub fn contains(&self, x: i64) -> bool {
        todo!()
    }

    /// Whether any integer of `[start, end)` is in the set.
    pub fn overlaps(&self, start: i64, end: i64) -> bool {
        todo!()
    }

    /// Sorted, disjoint, non-touching intervals.
    pub fn intervals(&self) -> Vec<(i64, i64)> {
        todo!()
    }

    /// Number of integers in the set.
    pub fn total_len(&self) -> u64 {
        todo!()
    }
}
