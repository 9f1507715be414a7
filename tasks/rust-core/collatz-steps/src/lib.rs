/// Steps for `n` to reach 1 under the Collatz rule; `None` for 0 or on u64 overflow.
pub fn collatz_steps(n: u64) -> Option<u32> {
    todo!()
}
