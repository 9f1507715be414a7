use add_numbers::*;

#[test]
fn adds_negatives() {
    assert_eq!(add(-4, -6), -10);
}

#[test]
fn adds_mixed_signs() {
    assert_eq!(add(-10, 4), -6);
}

#[test]
fn adds_large_values() {
    assert_eq!(add(4_000_000_000_000, 5_000_000_000_000), 9_000_000_000_000);
}

#[test]
fn adds_to_zero() {
    assert_eq!(add(123, -123), 0);
}

#[test]
fn adds_near_limits() {
    assert_eq!(add(i64::MAX - 1, 1), i64::MAX);
    assert_eq!(add(i64::MIN + 1, -1), i64::MIN);
}

#[test]
fn is_commutative() {
    assert_eq!(add(17, 25), add(25, 17));
}
