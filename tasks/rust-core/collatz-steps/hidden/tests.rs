use collatz_steps::*;

#[test]
fn zero_is_none() {
    assert_eq!(collatz_steps(0), None);
}

#[test]
fn two() {
    assert_eq!(collatz_steps(2), Some(1));
}

#[test]
fn odd_start() {
    assert_eq!(collatz_steps(7), Some(16));
}

#[test]
fn twenty_seven() {
    assert_eq!(collatz_steps(27), Some(111));
}

#[test]
fn ninety_seven() {
    assert_eq!(collatz_steps(97), Some(118));
}

#[test]
fn long_chain_below_a_million() {
    assert_eq!(collatz_steps(837_799), Some(524));
}

#[test]
fn power_of_two() {
    assert_eq!(collatz_steps(1 << 63), Some(63));
}

#[test]
fn overflow_is_none() {
    assert_eq!(collatz_steps(u64::MAX), None);
    assert_eq!(collatz_steps(6_148_914_691_236_517_205), None);
}

#[test]
fn large_value_that_fits() {
    assert_eq!(collatz_steps(9_780_657_630), Some(1132));
}
