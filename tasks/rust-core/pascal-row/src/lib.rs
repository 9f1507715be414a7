/// Row `n` (0-based) of Pascal's triangle; exact for n <= 67.
pub fn pascal_row(n: usize) -> Vec<u64> {
    todo!()
}
