//! Constructive TSP under the ReEvo protocol: start at node 0, repeatedly let
//! the evolved function pick the next node among the unvisited ones (it sees
//! the current node, the destination 0, the unvisited set and the distance
//! matrix), close the tour at node 0. The host builds the tour and rejects a
//! visited or invalid choice. Metric: tour length (Euclidean, f64).

use crate::Rejection;

/// Parses ReEvo's `{"instances": [[[x, y], …], …]}`.
pub fn parse_instances(json: &str) -> Result<Vec<Vec<[f64; 2]>>, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let instances = value["instances"]
        .as_array()
        .ok_or("expected an \"instances\" array")?;
    instances
        .iter()
        .map(|inst| {
            inst.as_array()
                .ok_or("an instance is not an array")?
                .iter()
                .map(|p| match (p[0].as_f64(), p[1].as_f64()) {
                    (Some(x), Some(y)) => Ok([x, y]),
                    _ => Err("a point is not [x, y]".to_string()),
                })
                .collect()
        })
        .collect()
}

pub fn distance_matrix(points: &[[f64; 2]]) -> Vec<Vec<f64>> {
    points
        .iter()
        .map(|a| {
            points
                .iter()
                .map(|b| (a[0] - b[0]).hypot(a[1] - b[1]))
                .collect()
        })
        .collect()
}

/// Builds a tour with `next(current, destination, unvisited, distances)` and
/// returns its length.
pub fn tour_length(
    points: &[[f64; 2]],
    mut next: impl FnMut(usize, usize, &[usize], &[Vec<f64>]) -> usize,
) -> Result<f64, Rejection> {
    let n = points.len();
    let distances = distance_matrix(points);
    let mut unvisited: Vec<usize> = (1..n).collect();
    let mut current = 0;
    let mut length = 0.0;
    while !unvisited.is_empty() {
        let chosen = next(current, 0, &unvisited, &distances);
        let Some(at) = unvisited.iter().position(|&u| u == chosen) else {
            return Err(Rejection(format!(
                "the next-node function chose {chosen}, which is not an unvisited node (of {n})"
            )));
        };
        unvisited.remove(at);
        length += distances[current][chosen];
        current = chosen;
    }
    Ok(length + distances[current][0])
}

/// The nearest unvisited node (the seed heuristic).
pub fn nearest_neighbour(
    current: usize,
    _destination: usize,
    unvisited: &[usize],
    distances: &[Vec<f64>],
) -> usize {
    let mut best = unvisited[0];
    for &u in unvisited {
        if distances[current][u] < distances[current][best] {
            best = u;
        }
    }
    best
}
