/// True when `s` (spaces ignored) is at least two ASCII digits passing the Luhn check.
pub fn luhn_valid(s: &str) -> bool {
    todo!()
}
