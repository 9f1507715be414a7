/// True when the alphanumeric chars of `s`, lowercased, read the same both ways.
pub fn is_palindrome(s: &str) -> bool {
    todo!()
}
