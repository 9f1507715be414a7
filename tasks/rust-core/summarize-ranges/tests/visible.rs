use summarize_ranges::*;

#[test]
fn mixed_runs() {
    assert_eq!(summarize_ranges(&[1, 2, 3, 5, 7, 8]), "1-3,5,7-8");
}

#[test]
fn single_value() {
    assert_eq!(summarize_ranges(&[4]), "4");
}
