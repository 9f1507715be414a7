//! Circle packing, min/max distance ratio and Heilbronn in a triangle.

use crate::Rejection;
use crate::parse::rows;

/// n circles in the unit square, printed as `x y r` lines; the metric is the
/// sum of radii. Valid only with every circle inside the square and no two
/// overlapping, by exact f64 comparisons with zero tolerance.
pub fn circle_packing(output: &str, n: usize) -> Result<f64, Rejection> {
    let circles = rows(output, n, 3, "x y r")?;
    for (i, c) in circles.iter().enumerate() {
        let (x, y, r) = (c[0], c[1], c[2]);
        if r < 0.0 {
            return Err(Rejection(format!("circle {}: negative radius {r}", i + 1)));
        }
        if x - r < 0.0 || x + r > 1.0 || y - r < 0.0 || y + r > 1.0 {
            return Err(Rejection(format!(
                "circle {}: ({x}, {y}) radius {r} leaves the unit square",
                i + 1
            )));
        }
    }
    for i in 0..n {
        for j in i + 1..n {
            let (a, b) = (&circles[i], &circles[j]);
            let distance = (a[0] - b[0]).hypot(a[1] - b[1]);
            if distance < a[2] + b[2] {
                return Err(Rejection(format!(
                    "circles {} and {} overlap: centres {distance} apart, radii sum {}",
                    i + 1,
                    j + 1,
                    a[2] + b[2]
                )));
            }
        }
    }
    Ok(circles.iter().map(|c| c[2]).sum())
}

/// n points in the plane (`x y` lines); the metric, to minimise, is
/// (max pairwise distance / min pairwise distance)².
pub fn min_max_distance(output: &str, n: usize) -> Result<f64, Rejection> {
    let points = rows(output, n, 2, "x y")?;
    let (mut min, mut max) = (f64::INFINITY, 0.0f64);
    for i in 0..n {
        for j in i + 1..n {
            let d2 = (points[i][0] - points[j][0]).powi(2) + (points[i][1] - points[j][1]).powi(2);
            if d2 == 0.0 {
                return Err(Rejection(format!(
                    "points {} and {} coincide",
                    i + 1,
                    j + 1
                )));
            }
            min = min.min(d2);
            max = max.max(d2);
        }
    }
    Ok(max / min)
}

/// n points in the triangle (0,0), (1,0), (1/2, √3/2) (`x y` lines); the
/// metric, to maximise, is the smallest area of a triangle formed by three of
/// them over the big triangle's area. Points on the edges count as inside;
/// the slanted edges are tested with a relative tolerance of 1e-12, since a
/// point on them cannot be printed exactly.
pub fn heilbronn_triangle(output: &str, n: usize) -> Result<f64, Rejection> {
    let points = rows(output, n, 2, "x y")?;
    let sqrt3 = 3f64.sqrt();
    const SLACK: f64 = 1e-12;
    for (i, p) in points.iter().enumerate() {
        let (x, y) = (p[0], p[1]);
        let inside = y >= 0.0 && y <= sqrt3 * x + SLACK && y <= sqrt3 * (1.0 - x) + SLACK;
        if !inside {
            return Err(Rejection(format!(
                "point {} ({x}, {y}) lies outside the triangle",
                i + 1
            )));
        }
    }
    for i in 0..n {
        for j in i + 1..n {
            if points[i] == points[j] {
                return Err(Rejection(format!(
                    "points {} and {} coincide",
                    i + 1,
                    j + 1
                )));
            }
        }
    }
    let area = |a: &[f64], b: &[f64], c: &[f64]| {
        ((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])).abs() / 2.0
    };
    let mut smallest = f64::INFINITY;
    for i in 0..n {
        for j in i + 1..n {
            for k in j + 1..n {
                smallest = smallest.min(area(&points[i], &points[j], &points[k]));
            }
        }
    }
    Ok(smallest / (sqrt3 / 4.0))
}
