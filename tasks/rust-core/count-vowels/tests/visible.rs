use count_vowels::*;

#[test]
fn simple_word() {
    assert_eq!(count_vowels("banana"), 3);
}

#[test]
fn two_words() {
    assert_eq!(count_vowels("hello world"), 3);
}
