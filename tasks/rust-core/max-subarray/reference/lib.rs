/// Largest sum of a non-empty contiguous run of `v`; `None` when `v` is empty.
pub fn max_subarray_sum(v: &[i64]) -> Option<i64> {
    let mut iter = v.iter();
    let first = *iter.next()?;
    let (mut best, mut cur) = (first, first);
    for &x in iter {
        cur = if cur > 0 { cur + x } else { x };
        best = best.max(cur);
    }
    Some(best)
}
