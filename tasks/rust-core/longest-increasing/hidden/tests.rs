use longest_increasing::*;

fn lcg(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    *seed >> 33
}

fn is_subsequence(sub: &[i64], v: &[i64]) -> bool {
    let mut it = v.iter();
    sub.iter().all(|x| it.any(|y| y == x))
}

#[test]
fn empty_and_single() {
    assert_eq!(lis_length(&[]), 0);
    assert_eq!(lnds_length(&[]), 0);
    assert_eq!(longest_increasing(&[]), Vec::<i64>::new());
    assert_eq!(lis_length(&[42]), 1);
    assert_eq!(longest_increasing(&[-5]), vec![-5]);
}

#[test]
fn strict_versus_non_decreasing() {
    let v = [2, 2, 2, 3, 3, 1];
    assert_eq!(lis_length(&v), 2);
    assert_eq!(lnds_length(&v), 5);
    assert_eq!(longest_increasing(&v), vec![2, 3]);
}

#[test]
fn decreasing_input() {
    let v = [9, 7, 5, 3, 1];
    assert_eq!(lis_length(&v), 1);
    assert_eq!(lnds_length(&v), 1);
    assert_eq!(longest_increasing(&v), vec![1]);
}

#[test]
fn lexicographic_tie_breaking() {
    assert_eq!(longest_increasing(&[5, 6, 1, 2]), vec![1, 2]);
    assert_eq!(longest_increasing(&[4, 5, 1, 9, 2, 3]), vec![1, 2, 3]);
    assert_eq!(longest_increasing(&[1, 5, 2, 6, 3, 7]), vec![1, 2, 3, 7]);
    assert_eq!(longest_increasing(&[2, 8, 1, 9, 3, 4]), vec![1, 3, 4]);
}

#[test]
fn extreme_values() {
    let v = [i64::MAX, i64::MIN, 0, i64::MAX, i64::MIN];
    assert_eq!(lis_length(&v), 3);
    assert_eq!(longest_increasing(&v), vec![i64::MIN, 0, i64::MAX]);
    assert_eq!(lnds_length(&[i64::MIN, i64::MIN, i64::MAX, i64::MAX]), 4);
}

#[test]
fn classic_sequence() {
    let v = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
    assert_eq!(lis_length(&v), 6);
    assert_eq!(longest_increasing(&v), vec![0, 2, 6, 9, 11, 15]);
}

#[test]
fn random_medium_consistency() {
    let mut seed = 7;
    let v: Vec<i64> = (0..3000).map(|_| (lcg(&mut seed) % 1000) as i64 - 500).collect();
    let s = longest_increasing(&v);
    assert_eq!(s.len(), lis_length(&v));
    assert!(s.windows(2).all(|w| w[0] < w[1]));
    assert!(is_subsequence(&s, &v));
    assert_eq!(s.len(), 98);
    assert_eq!(&s[..6], &[-500, -495, -489, -460, -456, -446]);
    assert_eq!(s.iter().sum::<i64>(), 5034);
}

#[test]
fn large_inputs_are_fast() {
    let n = 200_000;
    let inc: Vec<i64> = (0..n).collect();
    assert_eq!(lis_length(&inc), n as usize);
    let rev: Vec<i64> = (0..n).rev().collect();
    assert_eq!(lis_length(&rev), 1);
    assert_eq!(lnds_length(&rev), 1);
    let saw: Vec<i64> = (0..n).map(|i| i % 1000).collect();
    assert_eq!(lis_length(&saw), 1000);
    assert_eq!(lnds_length(&saw), 1199);
    let flat = vec![3i64; n as usize];
    assert_eq!(lis_length(&flat), 1);
    assert_eq!(lnds_length(&flat), n as usize);
}
