//! Online bin packing under the FunSearch protocol: items arrive in order;
//! one bin per item is pre-allocated (all empty); each item goes into the
//! fitting bin with the highest priority (ties: the first). The evolved part
//! is the priority function; the host owns everything else, so a candidate
//! never sees future items. Metric: excess bins over the L1 bound
//! ⌈Σ items / capacity⌉, in percent.

use crate::Rejection;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub name: String,
    pub capacity: u32,
    pub items: Vec<u32>,
}

impl Instance {
    /// ⌈Σ items / capacity⌉.
    pub fn l1_bound(&self) -> u64 {
        let total: u64 = self.items.iter().map(|&i| u64::from(i)).sum();
        total.div_ceil(u64::from(self.capacity))
    }
}

/// Parses an OR-Library binpack file: the number of instances, then per
/// instance its name, `capacity n best_known`, and n item sizes.
pub fn parse_orlib(text: &str) -> Result<Vec<Instance>, String> {
    let mut tokens = text.split_whitespace();
    let mut next = |what: &str| {
        tokens
            .next()
            .ok_or_else(|| format!("OR-Library file ends before {what}"))
    };
    let count: usize = next("the instance count")?
        .parse()
        .map_err(|e| format!("instance count: {e}"))?;
    let mut instances = Vec::with_capacity(count);
    for _ in 0..count {
        let name = next("an instance name")?.to_string();
        let capacity: u32 = next("a capacity")?
            .parse()
            .map_err(|e| format!("{name}: capacity: {e}"))?;
        let n: usize = next("an item count")?
            .parse()
            .map_err(|e| format!("{name}: item count: {e}"))?;
        let _best_known = next("the best known bin count")?;
        let items = (0..n)
            .map(|_| {
                next("an item")
                    .and_then(|t| t.parse::<u32>().map_err(|e| format!("{name}: item: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        instances.push(Instance {
            name,
            capacity,
            items,
        });
    }
    Ok(instances)
}

/// Parses FunSearch's Weibull JSON: `{"test_0": {"capacity", "num_items", "items"}, …}`.
pub fn parse_weibull(json: &str) -> Result<Vec<Instance>, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let object = value
        .as_object()
        .ok_or("expected a JSON object of instances")?;
    let mut instances = Vec::new();
    for (name, inst) in object {
        let capacity = inst["capacity"]
            .as_u64()
            .ok_or_else(|| format!("{name}: no capacity"))? as u32;
        let items = inst["items"]
            .as_array()
            .ok_or_else(|| format!("{name}: no items"))?
            .iter()
            .map(|v| {
                v.as_u64()
                    .map(|x| x as u32)
                    .ok_or_else(|| format!("{name}: an item is not an integer"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        instances.push(Instance {
            name: name.clone(),
            capacity,
            items,
        });
    }
    Ok(instances)
}

/// Packs `instance`, asking `priority(item, remaining capacities of the
/// fitting bins)` for one score per fitting bin. Returns the bins used. A
/// wrong number of scores or a non-finite score rejects the candidate.
pub fn pack(
    instance: &Instance,
    mut priority: impl FnMut(u32, &[u32]) -> Vec<f64>,
) -> Result<u64, Rejection> {
    let mut remaining = vec![instance.capacity; instance.items.len()];
    let mut fitting: Vec<usize> = Vec::with_capacity(remaining.len());
    let mut capacities: Vec<u32> = Vec::with_capacity(remaining.len());
    for (step, &item) in instance.items.iter().enumerate() {
        fitting.clear();
        capacities.clear();
        for (bin, &left) in remaining.iter().enumerate() {
            if left >= item {
                fitting.push(bin);
                capacities.push(left);
            }
        }
        if fitting.is_empty() {
            return Err(Rejection(format!(
                "{}: item {step} of size {item} fits no bin",
                instance.name
            )));
        }
        let scores = priority(item, &capacities);
        if scores.len() != fitting.len() {
            return Err(Rejection(format!(
                "{}: item {step}: the priority function returned {} scores for {} bins",
                instance.name,
                scores.len(),
                fitting.len()
            )));
        }
        let mut best = 0;
        for (i, &score) in scores.iter().enumerate() {
            if !score.is_finite() {
                return Err(Rejection(format!(
                    "{}: item {step}: priority {score} is not finite",
                    instance.name
                )));
            }
            if score > scores[best] {
                best = i;
            }
        }
        remaining[fitting[best]] -= item;
    }
    Ok(remaining
        .iter()
        .filter(|&&left| left < instance.capacity)
        .count() as u64)
}

/// Excess bins over the L1 bound, in percent, over `instances`, as FunSearch
/// computes it: (mean bins used − mean L1 bound) / mean L1 bound. (The mean
/// of per-instance percentages differs in the second decimal.)
pub fn mean_excess_percent(
    instances: &[Instance],
    mut priority: impl FnMut(u32, &[u32]) -> Vec<f64>,
) -> Result<f64, Rejection> {
    let (mut bins, mut bound) = (0u64, 0u64);
    for instance in instances {
        bins += pack(instance, &mut priority)?;
        bound += instance.l1_bound();
    }
    Ok(excess_percent(bins, bound))
}

/// (bins − bound) / bound in percent, from totals over a set of instances:
/// [`mean_excess_percent`]'s formula, for callers that pack each instance
/// themselves.
pub fn excess_percent(bins: u64, bound: u64) -> f64 {
    (bins as f64 - bound as f64) / (bound.max(1) as f64) * 100.0
}
