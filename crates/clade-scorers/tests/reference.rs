//! The scorers reproduce the published numbers on the published
//! constructions (../shared/data/reference, CC-BY-4.0), and reject the cheats
//! seen in the wild.

use clade_scorers::{circle_packing, heilbronn_triangle, min_max_distance};
use serde_json::Value;

fn reference(key: &str) -> Vec<Vec<f64>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/alphaevolve_constructions.json"
    );
    let text = std::fs::read_to_string(path).expect("reference data");
    let all: Value = serde_json::from_str(&text).unwrap();
    all[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key}"))
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        })
        .collect()
}

fn print(rows: &[Vec<f64>]) -> String {
    rows.iter()
        .map(|r| {
            r.iter()
                .map(|v| format!("{v:?}"))
                .collect::<Vec<_>>()
                .join(" ")
                + "\n"
        })
        .collect()
}

#[test]
fn published_constructions_score_their_published_values() {
    let n26 = circle_packing(&print(&reference("circles_n26_alphaevolve_xyr")), 26).unwrap();
    assert!((n26 - 2.6358627564136983).abs() < 1e-12, "{n26}");
    let n32 = circle_packing(&print(&reference("circles_n32_alphaevolve_xyr")), 32).unwrap();
    assert!((n32 - 2.937944526205518).abs() < 1e-12, "{n32}");
    let ratio = min_max_distance(&print(&reference("maxmin_2d_n16")), 16).unwrap();
    assert!((ratio - 12.88926611203463).abs() < 1e-9, "{ratio}");
    let heil = heilbronn_triangle(
        &print(&reference(
            "heilbronn_triangle_n11_in_equilateral_(0,0),(1,0),(0.5,sqrt3/2)",
        )),
        11,
    )
    .unwrap();
    assert!((heil - 0.036529889880030156).abs() < 1e-12, "{heil}");
}

#[test]
fn cheats_are_rejected_with_reasons() {
    let good = print(&reference("circles_n26_alphaevolve_xyr"));
    let mut lines: Vec<String> = good.lines().map(str::to_string).collect();
    let with_first = |first: &str| {
        let mut all = lines.clone();
        all[0] = first.to_string();
        all.join("\n") + "\n"
    };
    let (x, y, r) = (0.68180423, 0.90401948, 0.09598051040194801);
    let cases: Vec<(String, &str)> = vec![
        ("2.99\n".to_string(), "expected exactly 26 lines"),
        (format!("{good}score: 3.0\n"), "expected exactly 26 lines"),
        (with_first(&format!("NaN {y} {r}")), "not a finite number"),
        (with_first(&format!("{x} inf {r}")), "not a finite number"),
        (with_first("0.5 0.5 -0.1"), "negative radius"),
        (
            with_first(&format!("0.95 0.5 {r}")),
            "leaves the unit square",
        ),
        (
            with_first(&format!("{x} {y} 0.2")),
            "leaves the unit square",
        ),
        (with_first(&format!("{x} {y} {r} 1")), "expected 3 numbers"),
        (with_first(&format!("zero {y} {r}")), "is not a number"),
    ];
    assert!(
        lines[0].starts_with("0.68180423 0.90401948"),
        "fixture moved: {}",
        lines[0]
    );
    for (output, expect) in cases {
        let err = circle_packing(&output, 26).unwrap_err();
        assert!(err.0.contains(expect), "{expect}: {err}");
    }
    // Two circles on top of each other.
    lines[1] = lines[0].clone();
    let err = circle_packing(&(lines.join("\n") + "\n"), 26).unwrap_err();
    assert!(err.0.contains("overlap"), "{err}");

    let points = print(&reference("maxmin_2d_n16"));
    let first = points.lines().next().unwrap().to_string();
    let dup = points.replacen(points.lines().nth(1).unwrap(), &first, 1);
    assert!(
        min_max_distance(&dup, 16)
            .unwrap_err()
            .0
            .contains("coincide")
    );
    let outside = print(&reference(
        "heilbronn_triangle_n11_in_equilateral_(0,0),(1,0),(0.5,sqrt3/2)",
    ));
    let moved = outside.replacen(outside.lines().next().unwrap(), "0.5 0.9", 1);
    assert!(
        heilbronn_triangle(&moved, 11)
            .unwrap_err()
            .0
            .contains("outside the triangle")
    );
}
