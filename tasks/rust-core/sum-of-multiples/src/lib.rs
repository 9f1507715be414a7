/// Sum of the numbers below `limit` that are multiples of 3 or 5.
pub fn sum_of_multiples(limit: u64) -> u64 {
    todo!()
}
