/// Length of a longest strictly increasing subsequence.
pub fn lis_length(v: &[i64]) -> usize {
    let mut tails: Vec<i64> = Vec::new();
    for &x in v {
        let i = tails.partition_point(|&t| t < x);
        if i == tails.len() {
            tails.push(x);
        } else {
            tails[i] = x;
        }
    }
    tails.len()
}

/// Length of a longest non-decreasing subsequence.
pub fn lnds_length(v: &[i64]) -> usize {
    let mut tails: Vec<i64> = Vec::new();
    for &x in v {
        let i = tails.partition_point(|&t| t <= x);
        if i == tails.len() {
            tails.push(x);
        } else {
            tails[i] = x;
        }
    }
    tails.len()
}

/// The lexicographically smallest longest strictly increasing subsequence.
pub fn longest_increasing(v: &[i64]) -> Vec<i64> {
    let n = v.len();
    // starting[i] = length of the longest increasing subsequence starting at i
    let mut starting = vec![1usize; n];
    for i in (0..n).rev() {
        for j in i + 1..n {
            if v[j] > v[i] && starting[j] + 1 > starting[i] {
                starting[i] = starting[j] + 1;
            }
        }
    }
    let mut need = starting.iter().copied().max().unwrap_or(0);
    let mut out = Vec::with_capacity(need);
    let mut from = 0;
    let mut prev: Option<i64> = None;
    while need > 0 {
        let mut best: Option<usize> = None;
        for j in from..n {
            if starting[j] >= need && prev.is_none_or(|p| v[j] > p) && best.is_none_or(|b| v[j] < v[b]) {
                best = Some(j);
            }
        }
        let b = best.expect("a continuation exists");
        out.push(v[b]);
        prev = Some(v[b]);
        from = b + 1;
        need -= 1;
    }
    out
}
