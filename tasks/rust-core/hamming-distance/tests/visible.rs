use hamming_distance::*;

#[test]
fn one_difference() {
    assert_eq!(hamming("cat", "cut"), Some(1));
}

#[test]
fn different_lengths() {
    assert_eq!(hamming("ab", "abc"), None);
}
