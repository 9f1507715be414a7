use gcd_pair::*;

#[test]
fn twelve_and_eighteen() {
    assert_eq!(gcd(12, 18), 6);
}

#[test]
fn equal_numbers() {
    assert_eq!(gcd(9, 9), 9);
}
