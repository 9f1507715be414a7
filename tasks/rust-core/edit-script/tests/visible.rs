use edit_script::*;

#[test]
fn kitten_to_sitting() {
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    let s = edit_script("kitten", "sitting");
    assert_eq!(apply("kitten", &s).as_deref(), Some("sitting"));
    assert_eq!(cost(&s), 3);
}

#[test]
fn applies_a_given_script() {
    let s = [Edit::Keep('a'), Edit::Replace('b', 'x'), Edit::Insert('y'), Edit::Delete('c')];
    assert_eq!(apply("abc", &s).as_deref(), Some("axy"));
}
