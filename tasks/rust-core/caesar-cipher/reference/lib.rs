/// Rotates ASCII letters of `s` by `shift` (any i32), preserving case; other chars unchanged.
pub fn caesar(s: &str, shift: i32) -> String {
    let k = shift.rem_euclid(26) as u8;
    s.chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                (((c as u8 - b'a' + k) % 26) + b'a') as char
            } else if c.is_ascii_uppercase() {
                (((c as u8 - b'A' + k) % 26) + b'A') as char
            } else {
                c
            }
        })
        .collect()
}
