/// Number of byte positions where `a` and `b` differ, or `None` if their lengths differ.
pub fn hamming(a: &str, b: &str) -> Option<usize> {
    if a.len() != b.len() {
        return None;
    }
    Some(a.bytes().zip(b.bytes()).filter(|(x, y)| x != y).count())
}
