use acronym::*;

#[test]
fn empty_gives_empty() {
    assert_eq!(acronym(""), "");
}

#[test]
fn blank_gives_empty() {
    assert_eq!(acronym("   \t "), "");
}

#[test]
fn single_word() {
    assert_eq!(acronym("rust"), "R");
}

#[test]
fn mixed_case_words() {
    assert_eq!(acronym("hyper Text markup Language"), "HTML");
}

#[test]
fn only_first_letter_used() {
    assert_eq!(acronym("ALPHA beta GAMMA"), "ABG");
}

#[test]
fn extra_whitespace_between_words() {
    assert_eq!(acronym("  as   soon\tas\npossible  "), "ASAP");
}

#[test]
fn one_letter_words() {
    assert_eq!(acronym("a b c"), "ABC");
}
