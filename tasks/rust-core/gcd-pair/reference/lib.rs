/// Greatest common divisor of `a` and `b` (with `gcd(0, 0) == 0`).
pub fn gcd(a: u64, b: u64) -> u64 {
    let (mut a, mut b) = (a, b);
    while b != 0 {
        let r = a % b;
        a = b;
        b = r;
    }
    a
}
