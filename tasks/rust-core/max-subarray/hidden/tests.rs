use max_subarray::*;

fn lcg(seed: &mut u64) -> i64 {
    *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    ((*seed >> 33) % 201) as i64 - 100
}

fn brute(v: &[i64]) -> i64 {
    let mut best = i64::MIN;
    for i in 0..v.len() {
        let mut s = 0;
        for j in i..v.len() {
            s += v[j];
            best = best.max(s);
        }
    }
    best
}

#[test]
fn empty_is_none() {
    assert_eq!(max_subarray_sum(&[]), None);
}

#[test]
fn single_negative() {
    assert_eq!(max_subarray_sum(&[-7]), Some(-7));
}

#[test]
fn all_negative() {
    assert_eq!(max_subarray_sum(&[-8, -3, -6, -2, -5, -4]), Some(-2));
}

#[test]
fn zeros_and_negatives() {
    assert_eq!(max_subarray_sum(&[-1, 0, -2]), Some(0));
}

#[test]
fn best_run_at_end() {
    assert_eq!(max_subarray_sum(&[5, -10, 3, 4]), Some(7));
}

#[test]
fn whole_slice_despite_dip() {
    assert_eq!(max_subarray_sum(&[6, -1, 6]), Some(11));
}

#[test]
fn large_magnitudes() {
    let big = 1_000_000_000_000i64;
    assert_eq!(max_subarray_sum(&[big, -1, big]), Some(2 * big - 1));
}

#[test]
fn matches_brute_force() {
    let mut seed = 42u64;
    for len in [1usize, 2, 5, 17, 120] {
        let v: Vec<i64> = (0..len).map(|_| lcg(&mut seed)).collect();
        assert_eq!(max_subarray_sum(&v), Some(brute(&v)));
    }
}

#[test]
fn long_input() {
    let mut seed = 7u64;
    let v: Vec<i64> = (0..3000).map(|_| lcg(&mut seed) - 1).collect();
    let mut best = i64::MIN;
    let mut cur = 0i64;
    for &x in &v {
        cur = if cur > 0 { cur + x } else { x };
        best = best.max(cur);
    }
    assert_eq!(max_subarray_sum(&v), Some(best));
}
