/// The whitespace-separated words of `s` in reverse order, joined by single spaces.
pub fn reverse_words(s: &str) -> String {
    let words: Vec<&str> = s.split_whitespace().rev().collect();
    words.join(" ")
}
