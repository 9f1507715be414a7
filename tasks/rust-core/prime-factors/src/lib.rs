/// Prime factors of `n` in non-decreasing order with multiplicity; empty for 0 and 1.
pub fn prime_factors(n: u64) -> Vec<u64> {
    todo!()
}
