use is_anagram::*;

#[test]
fn simple_anagram() {
    assert!(is_anagram("listen", "silent"));
}

#[test]
fn different_letters() {
    assert!(!is_anagram("abc", "abd"));
}
