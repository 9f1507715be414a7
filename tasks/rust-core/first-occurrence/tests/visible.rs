use first_occurrence::*;

#[test]
fn finds_unique_element() {
    assert_eq!(find_first(&[1, 3, 5, 7, 9], 7), Some(3));
}

#[test]
fn missing_element() {
    assert_eq!(find_first(&[1, 3, 5, 7, 9], 4), None);
}
