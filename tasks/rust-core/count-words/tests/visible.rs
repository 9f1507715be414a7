use count_words::*;

#[test]
fn three_words() {
    assert_eq!(count_words("the cat sat"), 3);
}

#[test]
fn one_word() {
    assert_eq!(count_words("hello"), 1);
}
