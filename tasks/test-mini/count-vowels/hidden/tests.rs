use count_vowels::*;

#[test]
fn counts_empty() {
    assert_eq!(count_vowels(""), 0);
}

#[test]
fn counts_uppercase() {
    assert_eq!(count_vowels("AEIOU"), 5);
}

#[test]
fn counts_mixed_case_sentence() {
    assert_eq!(count_vowels("Hello, World!"), 3);
}

#[test]
fn y_is_not_a_vowel() {
    assert_eq!(count_vowels("yYy"), 0);
}

#[test]
fn accented_letters_do_not_count() {
    assert_eq!(count_vowels("café née"), 2);
}

#[test]
fn counts_only_vowels() {
    assert_eq!(count_vowels("aaaaeeee"), 8);
}
