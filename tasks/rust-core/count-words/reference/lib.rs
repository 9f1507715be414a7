/// Number of whitespace-separated words in `s`.
pub fn count_words(s: &str) -> usize {
    s.split_whitespace().count()
}
