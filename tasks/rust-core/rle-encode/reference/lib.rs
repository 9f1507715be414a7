/// Encodes each maximal run of one `char` as that char followed by the run length.
pub fn rle_encode(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let mut n = 1;
        while chars.peek() == Some(&c) {
            chars.next();
            n += 1;
        }
        out.push(c);
        out.push_str(&n.to_string());
    }
    out
}
