/// Number of byte positions where `a` and `b` differ, or `None` if their lengths differ.
pub fn hamming(a: &str, b: &str) -> Option<usize> {
    todo!()
}
