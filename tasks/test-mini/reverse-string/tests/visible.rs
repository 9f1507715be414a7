use reverse_string::*;

#[test]
fn reverses_a_word() {
    assert_eq!(reverse("stressed"), "desserts");
}

#[test]
fn reverses_with_spaces() {
    assert_eq!(reverse("ab cd"), "dc ba");
}
