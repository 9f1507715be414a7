use hamming_distance::*;

#[test]
fn identical_strings() {
    assert_eq!(hamming("GATTACA", "GATTACA"), Some(0));
}

#[test]
fn both_empty() {
    assert_eq!(hamming("", ""), Some(0));
}

#[test]
fn every_position_differs() {
    assert_eq!(hamming("abc", "xyz"), Some(3));
}

#[test]
fn several_differences() {
    assert_eq!(hamming("abcdefgh", "abXdeYgZ"), Some(3));
}

#[test]
fn case_sensitive() {
    assert_eq!(hamming("abc", "ABC"), Some(3));
    assert_eq!(hamming("Rust", "rust"), Some(1));
}

#[test]
fn length_mismatch_is_none() {
    assert_eq!(hamming("", "a"), None);
    assert_eq!(hamming("hello", "hell"), None);
}

#[test]
fn spaces_are_compared_too() {
    assert_eq!(hamming("a b", "a-b"), Some(1));
}
