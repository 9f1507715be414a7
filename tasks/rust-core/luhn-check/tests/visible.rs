use luhn_check::*;

#[test]
fn valid_number() {
    assert!(luhn_valid("79927398713"));
}

#[test]
fn invalid_number() {
    assert!(!luhn_valid("79927398710"));
}
