use digit_sum::*;

#[test]
fn four_digits() {
    assert_eq!(digit_sum(1234), 10);
}

#[test]
fn two_digits() {
    assert_eq!(digit_sum(58), 13);
}
