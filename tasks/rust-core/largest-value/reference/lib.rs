/// Largest value in `values`, or `None` if the slice is empty.
pub fn largest(values: &[i64]) -> Option<i64> {
    let mut best: Option<i64> = None;
    for &v in values {
        match best {
            Some(b) if b >= v => {}
            _ => best = Some(v),
        }
    }
    best
}
