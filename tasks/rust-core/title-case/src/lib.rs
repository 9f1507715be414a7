/// Capitalises the first letter of every space-separated word and lowercases the rest.
pub fn title_case(s: &str) -> String {
    todo!()
}
