use reverse_words::*;

#[test]
fn empty_gives_empty() {
    assert_eq!(reverse_words(""), "");
}

#[test]
fn blank_gives_empty() {
    assert_eq!(reverse_words("    "), "");
    assert_eq!(reverse_words(" \t\n "), "");
}

#[test]
fn single_word() {
    assert_eq!(reverse_words("rust"), "rust");
}

#[test]
fn words_keep_their_letters() {
    assert_eq!(reverse_words("abc def"), "def abc");
}

#[test]
fn extra_spaces_collapse() {
    assert_eq!(reverse_words("  red   green  blue "), "blue green red");
}

#[test]
fn tabs_and_newlines_separate_words() {
    assert_eq!(reverse_words("a\tb\nc"), "c b a");
}

#[test]
fn punctuation_stays_with_word() {
    assert_eq!(reverse_words("Hi, there friend!"), "friend! there Hi,");
}
