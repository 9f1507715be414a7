use snake_to_camel::*;

#[test]
fn two_words() {
    assert_eq!(snake_to_camel("hello_world"), "helloWorld");
}

#[test]
fn single_word() {
    assert_eq!(snake_to_camel("value"), "value");
}
