use first_occurrence::*;

#[test]
fn empty_slice() {
    assert_eq!(find_first(&[], 1), None);
}

#[test]
fn single_element() {
    assert_eq!(find_first(&[5], 5), Some(0));
    assert_eq!(find_first(&[5], 4), None);
    assert_eq!(find_first(&[5], 6), None);
}

#[test]
fn first_of_duplicates() {
    assert_eq!(find_first(&[1, 2, 2, 2, 2, 3], 2), Some(1));
    assert_eq!(find_first(&[4, 4, 4, 4], 4), Some(0));
}

#[test]
fn ends_of_slice() {
    let v = [-10, -5, 0, 5, 10];
    assert_eq!(find_first(&v, -10), Some(0));
    assert_eq!(find_first(&v, 10), Some(4));
}

#[test]
fn outside_range() {
    let v = [-10, -5, 0, 5, 10];
    assert_eq!(find_first(&v, -11), None);
    assert_eq!(find_first(&v, 11), None);
}

#[test]
fn extreme_values() {
    let v = [i32::MIN, i32::MIN, 0, i32::MAX, i32::MAX];
    assert_eq!(find_first(&v, i32::MIN), Some(0));
    assert_eq!(find_first(&v, i32::MAX), Some(3));
    assert_eq!(find_first(&v, 1), None);
}

#[test]
fn long_slice_with_runs() {
    // values 0,0,0,1,1,1,... each repeated three times
    let v: Vec<i32> = (0..3000).map(|i| i / 3).collect();
    for t in [0, 1, 500, 998, 999] {
        assert_eq!(find_first(&v, t), Some((t * 3) as usize));
    }
    assert_eq!(find_first(&v, 1000), None);
    assert_eq!(find_first(&v, -1), None);
}

#[test]
fn gaps_between_values() {
    let v: Vec<i32> = (0..1000).map(|i| i * 2).collect();
    assert_eq!(find_first(&v, 501), None);
    assert_eq!(find_first(&v, 502), Some(251));
}
