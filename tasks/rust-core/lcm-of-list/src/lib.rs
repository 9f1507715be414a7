/// LCM of all values; `Some(0)` if any is 0; `None` when empty or on u64 overflow.
pub fn lcm_all(v: &[u64]) -> Option<u64> {
    todo!()
}
