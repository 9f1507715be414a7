/// Index of the first element equal to `target` in the non-decreasing slice, if any.
pub fn find_first(sorted: &[i32], target: i32) -> Option<usize> {
    todo!()
}
