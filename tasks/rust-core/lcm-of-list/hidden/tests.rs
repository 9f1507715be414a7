use lcm_of_list::*;

#[test]
fn empty_is_none() {
    assert_eq!(lcm_all(&[]), None);
}

#[test]
fn one_to_twenty() {
    let v: Vec<u64> = (1..=20).collect();
    assert_eq!(lcm_all(&v), Some(232_792_560));
}

#[test]
fn zero_gives_zero() {
    assert_eq!(lcm_all(&[0, 5]), Some(0));
    assert_eq!(lcm_all(&[5, 0, 3]), Some(0));
    assert_eq!(lcm_all(&[0]), Some(0));
}

#[test]
fn ones() {
    assert_eq!(lcm_all(&[1, 1, 1]), Some(1));
}

#[test]
fn multiples_and_duplicates() {
    assert_eq!(lcm_all(&[3, 9, 27, 9]), Some(27));
}

#[test]
fn coprime_numbers() {
    assert_eq!(lcm_all(&[7, 11, 13]), Some(1001));
}

#[test]
fn large_values_that_fit() {
    assert_eq!(lcm_all(&[1 << 32, 1 << 31]), Some(1 << 32));
    assert_eq!(lcm_all(&[u64::MAX, u64::MAX]), Some(u64::MAX));
    assert_eq!(lcm_all(&[1 << 63, 1 << 62, 2]), Some(1 << 63));
}

#[test]
fn overflow_is_none() {
    assert_eq!(lcm_all(&[1 << 63, 3]), None);
    assert_eq!(lcm_all(&[4_294_967_311, 4_294_967_357]), None);
}

#[test]
fn one_to_forty() {
    let v: Vec<u64> = (1..=40).collect();
    assert_eq!(lcm_all(&v), Some(5_342_931_457_063_200));
}
