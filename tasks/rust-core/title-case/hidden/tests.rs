use title_case::*;

#[test]
fn empty_string() {
    assert_eq!(title_case(""), "");
}

#[test]
fn mixed_case_word() {
    assert_eq!(title_case("hELLO"), "Hello");
}

#[test]
fn all_uppercase() {
    assert_eq!(title_case("GOOD MORNING"), "Good Morning");
}

#[test]
fn already_title_case() {
    assert_eq!(title_case("The Quick Fox"), "The Quick Fox");
}

#[test]
fn single_letter_words() {
    assert_eq!(title_case("a b c"), "A B C");
}

#[test]
fn digits_unchanged() {
    assert_eq!(title_case("route 66 east"), "Route 66 East");
}

#[test]
fn punctuation_unchanged() {
    assert_eq!(title_case("hi, there!"), "Hi, There!");
}
