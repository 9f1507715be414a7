use caesar_cipher::*;

#[test]
fn zero_shift_is_identity() {
    assert_eq!(caesar("Hello, World", 0), "Hello, World");
}

#[test]
fn empty_input() {
    assert_eq!(caesar("", 5), "");
}

#[test]
fn wraps_around_end() {
    assert_eq!(caesar("xyz XYZ", 3), "abc ABC");
}

#[test]
fn negative_shift() {
    assert_eq!(caesar("abc", -1), "zab");
    assert_eq!(caesar("ABC", -3), "XYZ");
}

#[test]
fn full_rotation() {
    assert_eq!(caesar("Rust", 26), "Rust");
    assert_eq!(caesar("Rust", -52), "Rust");
}

#[test]
fn large_shifts() {
    assert_eq!(caesar("abc", 27), "bcd");
    assert_eq!(caesar("abc", -27), "zab");
    assert_eq!(caesar("a", 1_000_000), "o");
}

#[test]
fn extreme_shifts() {
    assert_eq!(caesar("a", i32::MIN), "c");
    assert_eq!(caesar("a", i32::MAX), "x");
}

#[test]
fn non_ascii_unchanged() {
    assert_eq!(caesar("café 123 ñ", 1), "dbgé 123 ñ");
}

#[test]
fn round_trip() {
    let s = "The Quick Brown Fox Jumps Over The Lazy Dog.";
    assert_eq!(caesar(&caesar(s, 11), -11), s);
}
