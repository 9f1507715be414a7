/// Row `n` (0-based) of Pascal's triangle; exact for n <= 67.
pub fn pascal_row(n: usize) -> Vec<u64> {
    let mut row = vec![1u64];
    for _ in 0..n {
        let mut next = Vec::with_capacity(row.len() + 1);
        next.push(1);
        for w in row.windows(2) {
            next.push(w[0] + w[1]);
        }
        next.push(1);
        row = next;
    }
    row
}
