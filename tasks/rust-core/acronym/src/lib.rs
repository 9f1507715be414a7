/// First character of each whitespace-separated word in `s`, uppercased.
pub fn acronym(s: &str) -> String {
    todo!()
}
