use longest_increasing::*;

#[test]
fn picks_smallest_longest() {
    assert_eq!(longest_increasing(&[3, 1, 2, 5, 4, 6]), vec![1, 2, 4, 6]);
}

#[test]
fn lengths() {
    assert_eq!(lis_length(&[10, 9, 2, 5, 3, 7, 101, 18]), 4);
    assert_eq!(lnds_length(&[1, 1, 1]), 3);
}
