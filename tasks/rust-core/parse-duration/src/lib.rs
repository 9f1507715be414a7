/// Seconds in a duration like "1d2h3m4s" (units in that order, each optional, at least
/// one); `None` when malformed or on u64 overflow.
pub fn parse_duration(s: &str) -> Option<u64> {
    todo!()
}
