use is_prime::*;

#[test]
fn zero_and_one_are_not_prime() {
    assert!(!is_prime(0));
    assert!(!is_prime(1));
}

#[test]
fn two_and_three_are_prime() {
    assert!(is_prime(2));
    assert!(is_prime(3));
}

#[test]
fn even_numbers_are_not_prime() {
    assert!(!is_prime(4));
    assert!(!is_prime(100));
    assert!(!is_prime(1_000_000));
}

#[test]
fn squares_of_primes() {
    assert!(!is_prime(9));
    assert!(!is_prime(25));
    assert!(!is_prime(49));
    assert!(!is_prime(10_201));
}

#[test]
fn small_primes() {
    for p in [5, 11, 13, 17, 19, 23, 29, 97] {
        assert!(is_prime(p), "{p} should be prime");
    }
}

#[test]
fn odd_composites() {
    for c in [15, 21, 33, 91, 561] {
        assert!(!is_prime(c), "{c} should not be prime");
    }
}

#[test]
fn larger_primes() {
    assert!(is_prime(7919));
    assert!(is_prime(9_999_991));
}

#[test]
fn larger_composite() {
    assert!(!is_prime(9_999_999));
}
