use reverse_string::*;

#[test]
fn reverses_empty() {
    assert_eq!(reverse(""), "");
}

#[test]
fn reverses_single_char() {
    assert_eq!(reverse("x"), "x");
}

#[test]
fn reverses_palindrome() {
    assert_eq!(reverse("racecar"), "racecar");
}

#[test]
fn reverses_unicode() {
    assert_eq!(reverse("añb€"), "€bña");
}

#[test]
fn reverses_digits_and_punctuation() {
    assert_eq!(reverse("12,34!"), "!43,21");
}

#[test]
fn reverse_twice_is_identity() {
    let s = "The quick brown fox";
    assert_eq!(reverse(&reverse(s)), s);
}
