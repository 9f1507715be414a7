use pascal_row::*;

#[test]
fn row_zero() {
    assert_eq!(pascal_row(0), vec![1]);
}

#[test]
fn row_one() {
    assert_eq!(pascal_row(1), vec![1, 1]);
}

#[test]
fn row_five() {
    assert_eq!(pascal_row(5), vec![1, 5, 10, 10, 5, 1]);
}

#[test]
fn row_ten_middle() {
    let row = pascal_row(10);
    assert_eq!(row.len(), 11);
    assert_eq!(row[5], 252);
}

#[test]
fn row_thirty_sums_to_power_of_two() {
    let row = pascal_row(30);
    assert_eq!(row.len(), 31);
    assert_eq!(row.iter().sum::<u64>(), 1u64 << 30);
    for i in 0..=30 {
        assert_eq!(row[i], row[30 - i]);
    }
}

#[test]
fn row_sixty_six_middle() {
    let row = pascal_row(66);
    assert_eq!(row[33], 7219428434016265740);
    assert_eq!(row[1], 66);
}

#[test]
fn row_sixty_seven_middle() {
    let row = pascal_row(67);
    assert_eq!(row.len(), 68);
    assert_eq!(row[33], 14226520737620288370);
    assert_eq!(row[34], 14226520737620288370);
    assert_eq!(row[67], 1);
}
