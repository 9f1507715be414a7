use balanced_brackets::*;

#[test]
fn nested_pairs() {
    assert!(is_balanced("([]{})"));
}

#[test]
fn wrong_kind() {
    assert!(!is_balanced("(]"));
}
