use count_vowels::*;

#[test]
fn empty_is_zero() {
    assert_eq!(count_vowels(""), 0);
}

#[test]
fn no_vowels() {
    assert_eq!(count_vowels("rhythm"), 0);
    assert_eq!(count_vowels("xyz 123"), 0);
}

#[test]
fn all_vowels_lowercase() {
    assert_eq!(count_vowels("aeiou"), 5);
}

#[test]
fn uppercase_vowels_count() {
    assert_eq!(count_vowels("AEIOU"), 5);
    assert_eq!(count_vowels("ApplE"), 2);
}

#[test]
fn y_is_not_a_vowel() {
    assert_eq!(count_vowels("yellow"), 2);
    assert_eq!(count_vowels("YY"), 0);
}

#[test]
fn other_characters_ignored() {
    assert_eq!(count_vowels("a1, e2! i3? o4. u5"), 5);
}

#[test]
fn sentence() {
    assert_eq!(count_vowels("The Quick Brown Fox"), 5);
}
