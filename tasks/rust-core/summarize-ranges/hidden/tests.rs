use summarize_ranges::*;

#[test]
fn empty_slice() {
    assert_eq!(summarize_ranges(&[]), "");
}

#[test]
fn all_isolated() {
    assert_eq!(summarize_ranges(&[1, 3, 5]), "1,3,5");
}

#[test]
fn one_long_run() {
    let v: Vec<i32> = (10..=2000).collect();
    assert_eq!(summarize_ranges(&v), "10-2000");
}

#[test]
fn pair_is_a_range() {
    assert_eq!(summarize_ranges(&[7, 8]), "7-8");
}

#[test]
fn duplicates_are_ignored() {
    assert_eq!(summarize_ranges(&[1, 1, 2, 2, 2, 3, 6, 6]), "1-3,6");
    assert_eq!(summarize_ranges(&[5, 5, 5]), "5");
}

#[test]
fn negative_numbers() {
    assert_eq!(summarize_ranges(&[-3, -2, -1, 1]), "-3--1,1");
    assert_eq!(summarize_ranges(&[-1, 0, 1]), "-1-1");
}

#[test]
fn extremes() {
    assert_eq!(summarize_ranges(&[i32::MIN, i32::MAX]), "-2147483648,2147483647");
    assert_eq!(summarize_ranges(&[i32::MAX - 1, i32::MAX]), "2147483646-2147483647");
    assert_eq!(summarize_ranges(&[i32::MIN, i32::MIN + 1, 0]), "-2147483648--2147483647,0");
}

#[test]
fn run_at_end() {
    assert_eq!(summarize_ranges(&[0, 2, 3, 4]), "0,2-4");
}
