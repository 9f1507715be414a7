/// Returns `s` with its `char`s in reverse order.
pub fn reverse(s: &str) -> String {
    todo!()
}
