use digit_sum::*;

#[test]
fn zero_is_zero() {
    assert_eq!(digit_sum(0), 0);
}

#[test]
fn single_digit() {
    assert_eq!(digit_sum(7), 7);
    assert_eq!(digit_sum(9), 9);
}

#[test]
fn zeros_inside() {
    assert_eq!(digit_sum(1005), 6);
    assert_eq!(digit_sum(1000), 1);
}

#[test]
fn all_nines() {
    assert_eq!(digit_sum(99999), 45);
}

#[test]
fn larger_number() {
    assert_eq!(digit_sum(9_876_543_210), 45);
}

#[test]
fn max_value() {
    assert_eq!(digit_sum(u64::MAX), 87);
}
