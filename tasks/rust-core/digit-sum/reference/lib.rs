/// Sum of the decimal digits of `n`.
pub fn digit_sum(n: u64) -> u64 {
    let mut n = n;
    let mut total = 0;
    while n > 0 {
        total += n % 10;
        n /= 10;
    }
    total
}
