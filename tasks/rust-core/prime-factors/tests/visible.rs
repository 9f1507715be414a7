use prime_factors::*;

#[test]
fn twelve() {
    assert_eq!(prime_factors(12), vec![2, 2, 3]);
}

#[test]
fn a_prime() {
    assert_eq!(prime_factors(13), vec![13]);
}
