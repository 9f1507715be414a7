use luhn_check::*;

#[test]
fn valid_with_spaces() {
    assert!(luhn_valid("4111 1111 1111 1111"));
    assert!(luhn_valid("3782 822463 10005"));
}

#[test]
fn invalid_with_spaces() {
    assert!(!luhn_valid("4111 1111 1111 1112"));
    assert!(!luhn_valid("3782 822463 10006"));
}

#[test]
fn empty_is_invalid() {
    assert!(!luhn_valid(""));
    assert!(!luhn_valid("   "));
}

#[test]
fn single_digit_is_invalid() {
    assert!(!luhn_valid("0"));
    assert!(!luhn_valid(" 0 "));
}

#[test]
fn two_zeros_are_valid() {
    assert!(luhn_valid("00"));
}

#[test]
fn doubling_over_nine() {
    assert!(luhn_valid("059"));
    assert!(luhn_valid("0 5 9"));
    assert!(luhn_valid("8763"));
    assert!(!luhn_valid("8764"));
}

#[test]
fn non_digit_is_invalid() {
    assert!(!luhn_valid("059a"));
    assert!(!luhn_valid("-059"));
    assert!(!luhn_valid("0-59"));
}

#[test]
fn non_ascii_digit_is_invalid() {
    assert!(!luhn_valid("٠٥٩"));
}

#[test]
fn sixteen_digits() {
    assert!(luhn_valid("1234 5678 9012 3452"));
}
