/// Rotates ASCII letters of `s` by `shift` (any i32), preserving case; other chars unchanged.
pub fn caesar(s: &str, shift: i32) -> String {
    todo!()
}
