//! Online bin packing (FunSearch's protocol): the host places the items in
//! order and asks `priority` for one score per bin that fits the item; the
//! item goes to the highest score. The candidate never sees future items.

clade_guest::bin_packing!(priority);

// EVOLVE-BLOCK-START
/// One finite score per fitting bin (`remaining` are their free capacities);
/// the highest wins. The seed is best fit: the tightest bin.
fn priority(item: u32, remaining: &[u32], scores: &mut [f64]) {
    for (score, &left) in scores.iter_mut().zip(remaining) {
        *score = -(f64::from(left) - f64::from(item));
    }
}
// EVOLVE-BLOCK-END

fn main() {}
