/// True when `()`, `[]`, `{}` in `s` are properly matched and nested; other chars ignored.
pub fn is_balanced(s: &str) -> bool {
    todo!()
}
