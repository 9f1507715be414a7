/// Greatest common divisor of `a` and `b` (with `gcd(0, 0) == 0`).
pub fn gcd(a: u64, b: u64) -> u64 {
    todo!()
}
