/// Set of i64 stored as disjoint half-open intervals. Private fields may change.
pub struct IntervalSet {
    /// Sorted, disjoint, non-touching.
    ranges: Vec<(i64, i64)>,
}

impl IntervalSet {
    pub fn new() -> Self {
        IntervalSet { ranges: Vec::new() }
    }

    /// Add `[start, end)`; empty intervals are ignored.
    pub fn insert(&mut self, start: i64, end: i64) {
        if start >= end {
            return;
        }
        let (mut s, mut e) = (start, end);
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        let mut placed = false;
        for &(a, b) in &self.ranges {
            if b < s {
                out.push((a, b));
            } else if a > e {
                if !placed {
                    out.push((s, e));
                    placed = true;
                }
                out.push((a, b));
            } else {
                s = s.min(a);
                e = e.max(b);
            }
        }
        if !placed {
            out.push((s, e));
        }
        self.ranges = out;
    }

    /// Remove `[start, end)`; empty intervals are ignored.
    pub fn remove(&mut self, start: i64, end: i64) {
        if start >= end {
            return;
        }
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        for &(a, b) in &self.ranges {
            if b <= start || a >= end {
                out.push((a, b));
                continue;
            }
            if a < start {
                out.push((a, start));
            }
            if b > end {
                out.push((end, b));
            }
        }
        self.ranges = out;
    }

    pub fn contains(&self, x: i64) -> bool {
        self.ranges.iter().any(|&(a, b)| a <= x && x < b)
    }

    /// Whether any integer of `[start, end)` is in the set.
    pub fn overlaps(&self, start: i64, end: i64) -> bool {
        start < end && self.ranges.iter().any(|&(a, b)| a < end && start < b)
    }

    /// Sorted, disjoint, non-touching intervals.
    pub fn intervals(&self) -> Vec<(i64, i64)> {
        self.ranges.clone()
    }

    /// Number of integers in the set.
    pub fn total_len(&self) -> u64 {
        self.ranges.iter().map(|&(a, b)| (b as i128 - a as i128) as u64).sum()
    }
}
