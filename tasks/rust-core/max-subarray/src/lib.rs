/// Largest sum of a non-empty contiguous run of `v`; `None` when `v` is empty.
pub fn max_subarray_sum(v: &[i64]) -> Option<i64> {
    todo!()
}
