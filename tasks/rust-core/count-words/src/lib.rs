/// Number of whitespace-separated words in `s`.
pub fn count_words(s: &str) -> usize {
    todo!()
}
