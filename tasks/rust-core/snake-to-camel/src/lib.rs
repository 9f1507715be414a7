/// Converts `snake_case` (any underscores, any case) to `lowerCamelCase`.
pub fn snake_to_camel(s: &str) -> String {
    todo!()
}
