/// Prime factors of `n` in non-decreasing order with multiplicity; empty for 0 and 1.
pub fn prime_factors(n: u64) -> Vec<u64> {
    let mut out = Vec::new();
    if n < 2 {
        return out;
    }
    let mut n = n;
    let mut d = 2u64;
    while d * d <= n {
        while n % d == 0 {
            out.push(d);
            n /= d;
        }
        d += if d == 2 { 1 } else { 2 };
    }
    if n > 1 {
        out.push(n);
    }
    out
}
