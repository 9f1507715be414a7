/// Length of a longest strictly increasing subsequence.
pub fn lis_length(v: &[i64]) -> usize {
    todo!()
}

/// Length of a longest non-decreasing subsequence.
pub fn lnds_length(v: &[i64]) -> usize {
    todo!()
}

/// The lexicographically smallest longest strictly increasing subsequence.
pub fn longest_increasing(v: &[i64]) -> Vec<i64> {
    todo!()
}
