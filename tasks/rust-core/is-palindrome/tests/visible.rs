use is_palindrome::*;

#[test]
fn classic_phrase() {
    assert!(is_palindrome("Was it a car or a cat I saw?"));
}

#[test]
fn not_a_palindrome() {
    assert!(!is_palindrome("palindrome"));
}
