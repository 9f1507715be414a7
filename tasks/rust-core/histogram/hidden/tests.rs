use histogram::*;

#[test]
fn invalid_layouts() {
    assert!(Histogram::new(0, 10, 0).is_none());
    assert!(Histogram::new(5, 5, 1).is_none());
    assert!(Histogram::new(10, 0, 2).is_none());
    assert!(Histogram::new(0, 10, 3).is_none());
    assert!(Histogram::new(0, 10, 10).is_some());
    assert!(Histogram::new(0, 10, 11).is_none());
}

#[test]
fn under_and_overflow() {
    let mut h = Histogram::new(0, 10, 2).unwrap();
    h.add_all(&[-1, 10, 11, 0, 9, i64::MIN, i64::MAX]);
    assert_eq!(h.underflow(), 2);
    assert_eq!(h.overflow(), 3);
    assert_eq!(h.counts(), vec![1, 1]);
    assert_eq!(h.total(), 7);
}

#[test]
fn bin_of_boundaries() {
    let h = Histogram::new(-6, 6, 4).unwrap();
    assert_eq!(h.bin_of(-6), Some(0));
    assert_eq!(h.bin_of(-4), Some(0));
    assert_eq!(h.bin_of(-3), Some(1));
    assert_eq!(h.bin_of(-1), Some(1));
    assert_eq!(h.bin_of(0), Some(2));
    assert_eq!(h.bin_of(5), Some(3));
    assert_eq!(h.bin_of(6), None);
    assert_eq!(h.bin_of(-7), None);
    assert_eq!(h.bin_range(1), Some((-3, 0)));
    assert_eq!(h.bin_range(4), None);
}

#[test]
fn count_out_of_range() {
    let mut h = Histogram::new(0, 4, 4).unwrap();
    h.add(3);
    assert_eq!(h.count(3), Some(1));
    assert_eq!(h.count(0), Some(0));
    assert_eq!(h.count(4), None);
}

#[test]
fn full_i64_range() {
    let mut h = Histogram::new(i64::MIN, i64::MAX, 1).unwrap();
    h.add_all(&[i64::MIN, 0, i64::MAX - 1, i64::MAX]);
    assert_eq!(h.counts(), vec![3]);
    assert_eq!(h.overflow(), 1);
    assert_eq!(h.bin_range(0), Some((i64::MIN, i64::MAX)));
    let mut halves = Histogram::new(i64::MIN, 0, 2).unwrap();
    halves.add(-1);
    halves.add(i64::MIN / 2);
    halves.add(i64::MIN / 2 - 1);
    assert_eq!(halves.counts(), vec![1, 2]);
    assert_eq!(halves.bin_range(1), Some((i64::MIN / 2, 0)));
}

#[test]
fn mode_bin_ties_and_empty() {
    let mut h = Histogram::new(0, 30, 3).unwrap();
    assert_eq!(h.mode_bin(), None);
    h.add_all(&[-5, 100, 100]);
    assert_eq!(h.mode_bin(), None);
    h.add_all(&[25, 15, 26, 16]);
    assert_eq!(h.mode_bin(), Some(1));
    h.add(27);
    assert_eq!(h.mode_bin(), Some(2));
}

#[test]
fn merge_same_layout() {
    let mut a = Histogram::new(0, 6, 3).unwrap();
    let mut b = Histogram::new(0, 6, 3).unwrap();
    a.add_all(&[0, 3, -1]);
    b.add_all(&[1, 5, 5, 7]);
    assert!(a.merge(&b));
    assert_eq!(a.counts(), vec![2, 1, 2]);
    assert_eq!((a.underflow(), a.overflow(), a.total()), (1, 1, 7));
    assert_eq!(b.total(), 4);
}

#[test]
fn merge_rejects_other_layouts() {
    let mut a = Histogram::new(0, 6, 3).unwrap();
    a.add(1);
    assert!(!a.merge(&Histogram::new(0, 6, 2).unwrap()));
    assert!(!a.merge(&Histogram::new(0, 9, 3).unwrap()));
    assert!(!a.merge(&Histogram::new(3, 6, 3).unwrap()));
    assert_eq!(a.counts(), vec![1, 0, 0]);
}

#[test]
fn render_scales_bars() {
    let mut h = Histogram::new(0, 40, 4).unwrap();
    h.add_all(&[1, 2, 3, 4, 11, 12, 31, -3]);
    assert_eq!(
        h.render(8),
        vec!["0..10 |########", "10..20 |####", "20..30 |", "30..40 |##"]
    );
    assert_eq!(h.render(3), vec!["0..10 |###", "10..20 |#", "20..30 |", "30..40 |"]);
}

#[test]
fn render_empty_and_negative() {
    let h = Histogram::new(-4, 4, 2).unwrap();
    assert_eq!(h.render(10), vec!["-4..0 |", "0..4 |"]);
    let mut g = Histogram::new(-4, 4, 2).unwrap();
    g.add(-4);
    assert_eq!(g.render(0), vec!["-4..0 |", "0..4 |"]);
    assert_eq!(g.render(2), vec!["-4..0 |##", "0..4 |"]);
}
