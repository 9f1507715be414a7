use text_wrapper::*;

#[test]
fn prefix_must_be_shorter_than_width() {
    assert!(TextWrapper::new(0, "").is_none());
    assert!(TextWrapper::new(2, "ab").is_none());
    assert!(TextWrapper::new(3, "ab").is_some());
    assert!(TextWrapper::new(3, "éé").is_some());
    assert!(TextWrapper::new(2, "éé").is_none());
    assert_eq!(TextWrapper::new(7, "#").unwrap().width(), 7);
}

#[test]
fn no_words() {
    let w = TextWrapper::new(5, "- ").unwrap();
    assert_eq!(w.wrap(""), Vec::<String>::new());
    assert_eq!(w.wrap(" \n\t "), Vec::<String>::new());
    assert_eq!(w.fill("   "), "");
}

#[test]
fn whitespace_collapses() {
    let w = TextWrapper::new(20, "").unwrap();
    assert_eq!(w.wrap("  one\n\ntwo\t\tthree  "), vec!["one two three"]);
}

#[test]
fn exact_fit() {
    let w = TextWrapper::new(7, "").unwrap();
    assert_eq!(w.wrap("abc def ghi"), vec!["abc def", "ghi"]);
    assert_eq!(w.wrap("abcdefg h"), vec!["abcdefg", "h"]);
}

#[test]
fn long_word_without_breaking() {
    let w = TextWrapper::new(5, "").unwrap();
    assert_eq!(w.wrap("a incredible b c"), vec!["a", "incredible", "b c"]);
}

#[test]
fn long_word_with_breaking() {
    let w = TextWrapper::new(4, "").unwrap().break_long_words(true);
    assert_eq!(w.wrap("x abcdefghij y"), vec!["x", "abcd", "efgh", "ij y"]);
}

#[test]
fn breaking_exact_multiple() {
    let w = TextWrapper::new(4, "").unwrap().break_long_words(true);
    assert_eq!(w.wrap("abcdefgh z"), vec!["abcd", "efgh", "z"]);
}

#[test]
fn breaking_with_prefix() {
    let w = TextWrapper::new(5, "| ").unwrap().break_long_words(true);
    assert_eq!(w.wrap("abcdefg hi"), vec!["| abc", "| def", "| g", "| hi"]);
    let off = TextWrapper::new(5, "| ").unwrap().break_long_words(false);
    assert_eq!(off.wrap("abcdefg hi"), vec!["| abcdefg", "| hi"]);
}

#[test]
fn counts_chars_not_bytes() {
    let w = TextWrapper::new(5, "").unwrap();
    assert_eq!(w.wrap("éé ñ üüüü"), vec!["éé ñ", "üüüü"]);
    let b = TextWrapper::new(2, "").unwrap().break_long_words(true);
    assert_eq!(b.wrap("日本語です"), vec!["日本", "語で", "す"]);
}

#[test]
fn width_one_words() {
    let w = TextWrapper::new(1, "").unwrap();
    assert_eq!(w.wrap("a b c"), vec!["a", "b", "c"]);
    assert_eq!(w.fill("a bc"), "a\nbc");
}
