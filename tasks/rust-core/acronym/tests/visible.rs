use acronym::*;

#[test]
fn lowercase_phrase() {
    assert_eq!(acronym("random access memory"), "RAM");
}

#[test]
fn capitalised_phrase() {
    assert_eq!(acronym("Central Processing Unit"), "CPU");
}
