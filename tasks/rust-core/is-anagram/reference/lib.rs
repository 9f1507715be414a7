/// True when `a` and `b` (whitespace ignored, case-insensitive) are permutations of each
/// other but not identical.
pub fn is_anagram(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> Vec<char> {
        s.chars().filter(|c| !c.is_whitespace()).flat_map(|c| c.to_lowercase()).collect()
    }
    let (x, y) = (norm(a), norm(b));
    if x == y {
        return false;
    }
    let (mut xs, mut ys) = (x, y);
    xs.sort_unstable();
    ys.sort_unstable();
    xs == ys
}
