/// Index of the first element equal to `target` in the non-decreasing slice, if any.
pub fn find_first(sorted: &[i32], target: i32) -> Option<usize> {
    let (mut lo, mut hi) = (0usize, sorted.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if sorted[mid] < target {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if lo < sorted.len() && sorted[lo] == target { Some(lo) } else { None }
}
