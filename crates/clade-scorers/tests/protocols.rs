//! The host skeletons reproduce the published baselines: FunSearch's first
//! fit and best fit (Table 1) and ReEvo's nearest neighbour.

use clade_scorers::bin_packing::{Instance, mean_excess_percent, pack, parse_orlib, parse_weibull};
use clade_scorers::tsp::{nearest_neighbour, parse_instances, tour_length};

/// The instance sets live with their benchmarks.
fn data_path(name: &str) -> String {
    let bench = if name.starts_with("uniform_") {
        "tsp-constructive"
    } else {
        "bin-packing-online"
    };
    format!(
        "{}/../../benchmarks/{bench}/data/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn data(name: &str) -> String {
    std::fs::read_to_string(data_path(name)).unwrap()
}

fn sets() -> Vec<(&'static str, Vec<Instance>)> {
    let mut sets: Vec<(&str, Vec<Instance>)> = [
        "orlib_binpack1.txt",
        "orlib_binpack2.txt",
        "orlib_binpack3.txt",
        "orlib_binpack4.txt",
    ]
    .into_iter()
    .map(|f| (f, parse_orlib(&data(f)).unwrap()))
    .collect();
    sets.push((
        "weibull_5k.json",
        parse_weibull(&data("weibull_5k.json")).unwrap(),
    ));
    sets
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[test]
fn first_fit_and_best_fit_reproduce_funsearch_table_1() {
    let first_fit = |_item: u32, bins: &[u32]| vec![0.0; bins.len()];
    let best_fit = |item: u32, bins: &[u32]| {
        bins.iter()
            .map(|&left| -(f64::from(left) - f64::from(item)))
            .collect()
    };
    let expected_ff = [6.42, 6.45, 5.74, 5.23, 4.23];
    let expected_bf = [5.81, 6.06, 5.37, 4.94, 3.98];
    for (i, (name, instances)) in sets().iter().enumerate() {
        assert_eq!(instances.len(), if i < 4 { 20 } else { 5 }, "{name}");
        let ff = mean_excess_percent(instances, first_fit).unwrap();
        let bf = mean_excess_percent(instances, best_fit).unwrap();
        assert_eq!(round2(ff), expected_ff[i], "first fit on {name}: {ff}");
        assert_eq!(round2(bf), expected_bf[i], "best fit on {name}: {bf}");
    }
}

#[test]
fn a_broken_priority_function_is_rejected() {
    let instance = Instance {
        name: "t".into(),
        capacity: 10,
        items: vec![4, 4, 4],
    };
    assert_eq!(pack(&instance, |_, bins| vec![0.0; bins.len()]).unwrap(), 2);
    let err = pack(&instance, |_, _| vec![1.0]).unwrap_err();
    assert!(err.0.contains("returned 1 scores for 3 bins"), "{err}");
    let err = pack(&instance, |_, bins| vec![f64::NAN; bins.len()]).unwrap_err();
    assert!(err.0.contains("not finite"), "{err}");
}

#[test]
fn nearest_neighbour_reproduces_reevo_baselines() {
    for (file, expected) in [
        ("uniform_20.json", 4.446566634076893),
        ("uniform_50.json", 6.891886602053466),
        ("uniform_100.json", 9.650788327301203),
    ] {
        let instances = parse_instances(&data(file)).unwrap();
        assert_eq!(instances.len(), 64);
        let mean: f64 = instances
            .iter()
            .map(|points| tour_length(points, nearest_neighbour).unwrap())
            .sum::<f64>()
            / instances.len() as f64;
        assert!(
            (mean - expected).abs() < 1e-9,
            "{file}: {mean} vs {expected}"
        );
    }
}

#[test]
fn invalid_next_nodes_are_rejected() {
    let points = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]];
    let err = tour_length(&points, |_, _, _, _| 0).unwrap_err();
    assert!(err.0.contains("not an unvisited node"), "{err}");
    let err = tour_length(&points, |_, _, _, _| 99).unwrap_err();
    assert!(err.0.contains("99"), "{err}");
}
