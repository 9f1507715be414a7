use title_case::*;

#[test]
fn two_lowercase_words() {
    assert_eq!(title_case("hello world"), "Hello World");
}

#[test]
fn single_word() {
    assert_eq!(title_case("rust"), "Rust");
}
