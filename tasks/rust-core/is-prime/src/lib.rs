/// Whether `n` is a prime number.
pub fn is_prime(n: u64) -> bool {
    todo!()
}
