use is_palindrome::*;

#[test]
fn empty_is_palindrome() {
    assert!(is_palindrome(""));
}

#[test]
fn only_punctuation_is_palindrome() {
    assert!(is_palindrome("!?, ."));
}

#[test]
fn single_character() {
    assert!(is_palindrome("x"));
}

#[test]
fn mixed_case_and_punctuation() {
    assert!(is_palindrome("A man, a plan, a canal: Panama"));
    assert!(is_palindrome("No 'x' in Nixon"));
}

#[test]
fn almost_palindrome() {
    assert!(!is_palindrome("race a car"));
    assert!(!is_palindrome("ab"));
}

#[test]
fn digits_count() {
    assert!(is_palindrome("12321"));
    assert!(is_palindrome("1 2-3 2 1"));
    assert!(!is_palindrome("1a2"));
}

#[test]
fn unicode_case_folding() {
    assert!(is_palindrome("Été"));
    assert!(is_palindrome("Åbb å"));
}

#[test]
fn unicode_mismatch() {
    assert!(!is_palindrome("éte"));
}

#[test]
fn long_palindrome() {
    let half = "abcdefghij".repeat(50);
    let s: String = half.chars().chain(half.chars().rev()).collect();
    assert!(is_palindrome(&s));
}
