use gcd_pair::*;

#[test]
fn both_zero() {
    assert_eq!(gcd(0, 0), 0);
}

#[test]
fn second_is_zero() {
    assert_eq!(gcd(42, 0), 42);
}

#[test]
fn first_is_zero() {
    assert_eq!(gcd(0, 35), 35);
}

#[test]
fn order_does_not_matter() {
    assert_eq!(gcd(48, 36), 12);
    assert_eq!(gcd(36, 48), 12);
}

#[test]
fn no_shared_factor() {
    assert_eq!(gcd(17, 5), 1);
    assert_eq!(gcd(8, 15), 1);
}

#[test]
fn one_divides_the_other() {
    assert_eq!(gcd(7, 91), 7);
}

#[test]
fn large_values() {
    assert_eq!(gcd(1 << 40, 3 << 20), 1 << 20);
    assert_eq!(gcd(1_000_000_007, 1_000_000_009), 1);
}
