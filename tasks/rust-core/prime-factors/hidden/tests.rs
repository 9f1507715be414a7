use prime_factors::*;

#[test]
fn one_has_no_factors() {
    assert_eq!(prime_factors(1), Vec::<u64>::new());
}

#[test]
fn zero_has_no_factors() {
    assert_eq!(prime_factors(0), Vec::<u64>::new());
}

#[test]
fn two() {
    assert_eq!(prime_factors(2), vec![2]);
}

#[test]
fn power_of_two() {
    assert_eq!(prime_factors(1024), vec![2; 10]);
}

#[test]
fn square_of_prime() {
    assert_eq!(prime_factors(49), vec![7, 7]);
}

#[test]
fn several_distinct_primes() {
    assert_eq!(prime_factors(2 * 3 * 5 * 7 * 11 * 13), vec![2, 3, 5, 7, 11, 13]);
}

#[test]
fn large_composite() {
    assert_eq!(prime_factors(600_851_475_143), vec![71, 839, 1471, 6857]);
}

#[test]
fn large_prime_remaining() {
    assert_eq!(prime_factors(6_000_000_042), vec![2, 3, 1_000_000_007]);
}

#[test]
fn large_prime_alone() {
    assert_eq!(prime_factors(1_000_000_007), vec![1_000_000_007]);
}
