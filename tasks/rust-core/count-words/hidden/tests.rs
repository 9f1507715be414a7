use count_words::*;

#[test]
fn empty_string() {
    assert_eq!(count_words(""), 0);
}

#[test]
fn only_whitespace() {
    assert_eq!(count_words("   \t \n "), 0);
}

#[test]
fn several_spaces_between() {
    assert_eq!(count_words("one    two   three"), 3);
}

#[test]
fn leading_and_trailing_spaces() {
    assert_eq!(count_words("  padded words  "), 2);
}

#[test]
fn tabs_and_newlines() {
    assert_eq!(count_words("a\tb\nc d"), 4);
}

#[test]
fn punctuation_is_part_of_word() {
    assert_eq!(count_words("hi, you! ok?"), 3);
}

#[test]
fn long_sentence() {
    assert_eq!(count_words("the quick brown fox jumps over the lazy dog"), 9);
}
