use reverse_words::*;

#[test]
fn three_words() {
    assert_eq!(reverse_words("one two three"), "three two one");
}

#[test]
fn two_words() {
    assert_eq!(reverse_words("hello world"), "world hello");
}
