/// Capitalises the first letter of every space-separated word and lowercases the rest.
pub fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut at_word_start = true;
    for c in s.chars() {
        if c == ' ' {
            out.push(c);
            at_word_start = true;
        } else if at_word_start {
            out.push(c.to_ascii_uppercase());
            at_word_start = false;
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}
