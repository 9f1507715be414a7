//! Median and median absolute deviation over a ranking, in O(log n).

/// `desc(r)` is the fitness at rank `r` (0 = best) of `n` values. Returns
/// (median, MAD) of the fitness values, using the upper median throughout.
pub(super) fn median_and_mad(n: usize, desc: impl Fn(usize) -> f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    // Ascending view.
    let asc = |i: usize| desc(n - 1 - i);
    let k = n / 2;
    let median = asc(k);
    // Values below the median give deviations m − asc(p−1−j) (ascending in
    // j); values from p on give asc(p+j) − m (ascending). The MAD is the k-th
    // smallest of the two merged sequences.
    let p = partition_point(n, |i| asc(i) < median);
    let left = |j: usize| median - asc(p - 1 - j);
    let right = |j: usize| asc(p + j) - median;
    let mad = kth_of_two(p, left, n - p, right, k);
    (median, mad)
}

fn partition_point(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if pred(mid) { lo = mid + 1 } else { hi = mid }
    }
    lo
}

/// The k-th smallest (0-based) of the union of two ascending sequences.
fn kth_of_two(
    na: usize,
    a: impl Fn(usize) -> f64,
    nb: usize,
    b: impl Fn(usize) -> f64,
    k: usize,
) -> f64 {
    // Take the k+1 smallest: i of them from `a`, the rest from `b`.
    let take = k + 1;
    let (mut lo, mut hi) = (take.saturating_sub(nb), take.min(na));
    loop {
        let i = (lo + hi) / 2;
        let j = take - i;
        let a_left = if i > 0 { a(i - 1) } else { f64::NEG_INFINITY };
        let a_right = if i < na { a(i) } else { f64::INFINITY };
        let b_left = if j > 0 { b(j - 1) } else { f64::NEG_INFINITY };
        let b_right = if j < nb { b(j) } else { f64::INFINITY };
        if a_left > b_right {
            hi = i - 1;
        } else if b_left > a_right {
            lo = i + 1;
        } else {
            return a_left.max(b_left);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(values: &[f64]) -> (f64, f64) {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let m = v[v.len() / 2];
        let mut d: Vec<f64> = v.iter().map(|x| (x - m).abs()).collect();
        d.sort_by(f64::total_cmp);
        (m, d[d.len() / 2])
    }

    #[test]
    fn matches_the_naive_computation() {
        let mut rng = super::super::Rng::new(3);
        for n in 1..60 {
            for _ in 0..20 {
                let values: Vec<f64> = (0..n).map(|_| (rng.below(20) as f64) * 0.5).collect();
                let mut order: Vec<(f64, u64)> = values
                    .iter()
                    .enumerate()
                    .map(|(i, &f)| (f, i as u64))
                    .collect();
                order.sort_by(|a, b| b.0.total_cmp(&a.0));
                assert_eq!(
                    median_and_mad(order.len(), |r| order[r].0),
                    naive(&values),
                    "{values:?}"
                );
            }
        }
    }
}
