/// `(lowercase word, count)` pairs, by count descending then word ascending.
pub fn word_counts(text: &str) -> Vec<(String, usize)> {
    todo!()
}
