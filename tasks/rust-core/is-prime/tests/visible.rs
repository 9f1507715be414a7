use is_prime::*;

#[test]
fn seven_is_prime() {
    assert!(is_prime(7));
}

#[test]
fn eight_is_not_prime() {
    assert!(!is_prime(8));
}
