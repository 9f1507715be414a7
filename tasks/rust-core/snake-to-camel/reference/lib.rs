/// Converts `snake_case` (any underscores, any case) to `lowerCamelCase`.
pub fn snake_to_camel(s: &str) -> String {
    let mut out = String::new();
    for (i, word) in s.split('_').filter(|w| !w.is_empty()).enumerate() {
        if i == 0 {
            out.extend(word.chars().flat_map(|c| c.to_lowercase()));
        } else {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
            }
            out.extend(chars.flat_map(|c| c.to_lowercase()));
        }
    }
    out
}
