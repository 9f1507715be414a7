/// Number of ASCII vowels (a, e, i, o, u, either case) in `s`.
pub fn count_vowels(s: &str) -> usize {
    todo!()
}
