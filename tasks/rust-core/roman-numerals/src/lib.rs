/// Standard Roman numeral for `n` in 1..=3999, otherwise `None`.
pub fn to_roman(n: u32) -> Option<String> {
    todo!()
}
