/// True when `a` and `b` (whitespace ignored, case-insensitive) are permutations of each
/// other but not identical.
pub fn is_anagram(a: &str, b: &str) -> bool {
    todo!()
}
