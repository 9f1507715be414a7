/// Largest value in `values`, or `None` if the slice is empty.
pub fn largest(values: &[i64]) -> Option<i64> {
    todo!()
}
