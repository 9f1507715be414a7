//! Constructive TSP (ReEvo's protocol): the host builds the tour from node 0
//! and asks `next_node` which unvisited node comes next, until none is left;
//! the tour returns to node 0.

clade_guest::tsp_constructive!(next_node);

// EVOLVE-BLOCK-START
/// The next node, one of `unvisited`. `distances` is the n x n matrix, row
/// by row. The seed is nearest neighbour.
fn next_node(
    current: usize,
    _destination: usize,
    unvisited: &[u32],
    distances: &[f64],
    n: usize,
) -> usize {
    let mut best = unvisited[0] as usize;
    for &u in unvisited {
        let u = u as usize;
        if distances[current * n + u] < distances[current * n + best] {
            best = u;
        }
    }
    best
}
// EVOLVE-BLOCK-END

fn main() {}
