/// First character of each whitespace-separated word in `s`, uppercased.
pub fn acronym(s: &str) -> String {
    s.split_whitespace()
        .filter_map(|w| w.chars().next())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}
