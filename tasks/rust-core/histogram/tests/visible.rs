use histogram::*;

#[test]
fn counts_into_bins() {
    let mut h = Histogram::new(0, 10, 5).unwrap();
    h.add_all(&[0, 1, 2, 9, 5]);
    assert_eq!(h.counts(), vec![2, 1, 1, 0, 1]);
    assert_eq!(h.total(), 5);
}

#[test]
fn bin_ranges() {
    let h = Histogram::new(-10, 20, 3).unwrap();
    assert_eq!(h.bin_range(0), Some((-10, 0)));
    assert_eq!(h.bin_range(2), Some((10, 20)));
}
