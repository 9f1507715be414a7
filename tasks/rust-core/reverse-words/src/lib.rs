/// The whitespace-separated words of `s` in reverse order, joined by single spaces.
pub fn reverse_words(s: &str) -> String {
    todo!()
}
