#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub name: String,
    pub weight: u32,
    pub value: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub total_value: u64,
    pub total_weight: u64,
    pub indices: Vec<usize>,
}

/// Largest total value within `capacity`.
pub fn best_value(items: &[Item], capacity: u32) -> u64 {
    best_selection(items, capacity).total_value
}

/// Optimal subset (lightest among optimal ones), indices increasing.
pub fn best_selection(items: &[Item], capacity: u32) -> Selection {
    let total: u64 = items.iter().map(|i| i.weight as u64).sum();
    let cap = (capacity as u64).min(total) as usize;
    // best[c] = (value, weight) of the best subset with weight <= c:
    // higher value first, then lower weight.
    let mut best = vec![(0u64, 0u64); cap + 1];
    let mut keep = vec![vec![false; cap + 1]; items.len()];
    for (i, it) in items.iter().enumerate() {
        let w = it.weight as usize;
        if w > cap {
            continue;
        }
        for c in (w..=cap).rev() {
            let (v0, w0) = best[c - w];
            let cand = (v0 + it.value, w0 + it.weight as u64);
            let cur = best[c];
            if cand.0 > cur.0 || (cand.0 == cur.0 && cand.1 < cur.1) {
                best[c] = cand;
                keep[i][c] = true;
            }
        }
    }
    let mut indices = Vec::new();
    let mut c = cap;
    for i in (0..items.len()).rev() {
        if keep[i][c] {
            indices.push(i);
            c -= items[i].weight as usize;
        }
    }
    indices.reverse();
    let (total_value, total_weight) = best[cap];
    Selection { total_value, total_weight, indices }
}
