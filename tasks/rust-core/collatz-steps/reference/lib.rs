/// Steps for `n` to reach 1 under the Collatz rule; `None` for 0 or on u64 overflow.
pub fn collatz_steps(n: u64) -> Option<u32> {
    if n == 0 {
        return None;
    }
    let mut n = n;
    let mut steps = 0;
    while n != 1 {
        n = if n % 2 == 0 { n / 2 } else { n.checked_mul(3)?.checked_add(1)? };
        steps += 1;
    }
    Some(steps)
}
