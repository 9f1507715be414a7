/// LCM of all values; `Some(0)` if any is 0; `None` when empty or on u64 overflow.
pub fn lcm_all(v: &[u64]) -> Option<u64> {
    fn gcd(mut a: u64, mut b: u64) -> u64 {
        while b != 0 {
            let t = a % b;
            a = b;
            b = t;
        }
        a
    }
    if v.is_empty() {
        return None;
    }
    if v.contains(&0) {
        return Some(0);
    }
    let mut acc = 1u64;
    for &x in v {
        acc = (acc / gcd(acc, x)).checked_mul(x)?;
    }
    Some(acc)
}
