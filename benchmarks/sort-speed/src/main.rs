//! A speed benchmark scored by fuel: sort u32 arrays in place. The host draws
//! the inputs at evaluation time, checks every result against its own sort,
//! and scores the wasm fuel used, so faster code wins without timing noise.

clade_guest::sort_speed!(sort);

// EVOLVE-BLOCK-START
/// Sorts `values` ascending. The seed is insertion sort.
fn sort(values: &mut [u32]) {
    for i in 1..values.len() {
        let mut j = i;
        while j > 0 && values[j - 1] > values[j] {
            values.swap(j - 1, j);
            j -= 1;
        }
    }
}
// EVOLVE-BLOCK-END

fn main() {}
