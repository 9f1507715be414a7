use run_length_string::*;

#[test]
fn encodes_text() {
    let r = RleString::from_text("aaabcc");
    assert_eq!(r.runs(), vec![('a', 3), ('b', 1), ('c', 2)]);
    assert_eq!(r.len(), 6);
    assert_eq!(r.to_string(), "aaabcc");
}

#[test]
fn indexes_by_char() {
    let r = RleString::from_text("xxyz");
    assert_eq!(r.char_at(1), Some('x'));
    assert_eq!(r.char_at(2), Some('y'));
    assert_eq!(r.char_at(4), None);
}
