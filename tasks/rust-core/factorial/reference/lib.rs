/// The factorial `n!` for `n` from 0 to 20.
pub fn factorial(n: u32) -> u64 {
    (1..=n as u64).product()
}
