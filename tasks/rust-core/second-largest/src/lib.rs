/// Largest value strictly below the maximum of `v`, if there is one.
pub fn second_largest(v: &[i32]) -> Option<i32> {
    todo!()
}
