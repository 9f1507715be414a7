use balanced_brackets::*;

#[test]
fn empty_is_balanced() {
    assert!(is_balanced(""));
}

#[test]
fn text_without_brackets() {
    assert!(is_balanced("just some words <> «»"));
}

#[test]
fn unclosed() {
    assert!(!is_balanced("(("));
    assert!(!is_balanced("{[()]"));
}

#[test]
fn close_before_open() {
    assert!(!is_balanced("))(("));
    assert!(!is_balanced("}"));
}

#[test]
fn crossed_pairs() {
    assert!(!is_balanced("{[}]"));
    assert!(!is_balanced("([)]"));
}

#[test]
fn brackets_with_text() {
    assert!(is_balanced("fn f(a: [u8; 3]) { g(a[0]) }"));
    assert!(!is_balanced("let x = (1 + 2;"));
}

#[test]
fn deep_nesting() {
    let s = format!("{}{}", "([{".repeat(500), "}])".repeat(500));
    assert!(is_balanced(&s));
    let t = format!("{}{}", "([{".repeat(500), "}])".repeat(499));
    assert!(!is_balanced(&t));
}

#[test]
fn unicode_ignored() {
    assert!(is_balanced("«(é)» [€]"));
}

#[test]
fn sequence_of_pairs() {
    assert!(is_balanced("()[]{}()"));
}
