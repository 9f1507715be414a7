//! Selection frequencies over many seeded draws match each strategy's exact
//! distribution; migration and MAP-Elites behave as configured.

use std::collections::{BTreeMap, HashMap};

use clade_archive::{
    Direction, FeatureDimension, InspirationSource, Population, PopulationConfig, Rng, Selection,
};

fn metrics(score: f64, length: f64) -> BTreeMap<String, f64> {
    BTreeMap::from([("score".to_string(), score), ("length".to_string(), length)])
}

/// One island: a seed and 30 children with varied scores and child counts.
fn population(direction: Direction) -> Population {
    scored_population(direction).0
}

fn scored_population(direction: Direction) -> (Population, HashMap<u64, f64>) {
    let mut p = Population::new(
        PopulationConfig {
            islands: 1,
            migration_interval: 0,
            ..PopulationConfig::default()
        },
        direction,
    );
    let mut scores = HashMap::from([(0, 0.5)]);
    p.add(0, None, 0, 0.5, vec![], &metrics(0.5, 0.0));
    let mut rng = Rng::new(99);
    for id in 1..=30u64 {
        let parent = rng.below(id as usize) as u64;
        let score = (rng.below(1000) as f64) / 100.0;
        scores.insert(id, score);
        p.add(id, Some(parent), 0, score, vec![], &metrics(score, 0.0));
    }
    (p, scores)
}

fn check_frequencies(strategy: Selection, direction: Direction) {
    let mut p = population(direction);
    let expected: HashMap<u64, f64> = p
        .selection_probabilities(&strategy, 0)
        .into_iter()
        .collect();
    let draws = 200_000;
    let mut counts: HashMap<u64, u64> = HashMap::new();
    let mut rng = Rng::new(2024);
    for _ in 0..draws {
        *counts
            .entry(p.select_with(&strategy, 0, &mut rng).unwrap())
            .or_default() += 1;
    }
    for (id, prob) in &expected {
        let observed = *counts.get(id).unwrap_or(&0) as f64 / draws as f64;
        // Five standard deviations of a binomial proportion, plus a floor.
        let tolerance = 5.0 * (prob * (1.0 - prob) / draws as f64).sqrt() + 1e-4;
        assert!(
            (observed - prob).abs() <= tolerance,
            "{strategy:?}: id {id} observed {observed} expected {prob}"
        );
    }
    assert!(
        counts
            .keys()
            .all(|id| expected.get(id).copied().unwrap_or(0.0) > 0.0),
        "{strategy:?} drew an impossible id"
    );
}

#[test]
fn every_strategy_draws_its_distribution() {
    for strategy in [
        Selection::Uniform,
        Selection::Best,
        Selection::PowerLaw { alpha: 1.0 },
        Selection::PowerLaw { alpha: 2.5 },
        Selection::Weighted { lambda: 10.0 },
        Selection::Weighted { lambda: 1.0 },
        Selection::Beam { width: 4 },
    ] {
        check_frequencies(strategy.clone(), Direction::Maximize);
        check_frequencies(strategy, Direction::Minimize);
    }
}

#[test]
fn the_distributions_are_the_published_rules() {
    let (mut p, by_id) = scored_population(Direction::Maximize);
    let members = p.island_members(0);
    let scores: Vec<(u64, f64)> = members.iter().map(|&id| (id, by_id[&id])).collect();

    // Power law: p ∝ rank^-α, rank 1 the best.
    let probs = p.selection_probabilities(&Selection::PowerLaw { alpha: 2.0 }, 0);
    let total: f64 = (1..=members.len()).map(|r| (r as f64).powf(-2.0)).sum();
    for (rank, (id, prob)) in probs.iter().enumerate() {
        assert_eq!(*id, members[rank]);
        assert!((prob - ((rank + 1) as f64).powf(-2.0) / total).abs() < 1e-12);
    }

    // Weighted: sigmoid(λ (F − median) / MAD) / (1 + children), computed naively.
    let mut sorted: Vec<f64> = scores.iter().map(|s| s.1).collect();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let mut deviations: Vec<f64> = sorted.iter().map(|s| (s - median).abs()).collect();
    deviations.sort_by(f64::total_cmp);
    let mad = deviations[deviations.len() / 2];
    let raw: Vec<f64> = scores
        .iter()
        .map(|&(id, f)| {
            1.0 / (1.0 + (-(10.0 * (f - median) / mad)).exp()) / (1.0 + p.children(id) as f64)
        })
        .collect();
    let sum: f64 = raw.iter().sum();
    let probs: HashMap<u64, f64> = p
        .selection_probabilities(&Selection::Weighted { lambda: 10.0 }, 0)
        .into_iter()
        .collect();
    for ((id, _), w) in scores.iter().zip(raw) {
        assert!((probs[id] - w / sum).abs() < 1e-12, "id {id}");
    }
}

#[test]
fn islands_migrate_their_best_around_the_ring() {
    let config = PopulationConfig {
        islands: 3,
        migration_interval: 10,
        migration_rate: 0.2,
        ..PopulationConfig::default()
    };
    let mut p = Population::new(config, Direction::Maximize);
    p.add(0, None, 0, 0.0, vec![], &metrics(0.0, 0.0));
    assert_eq!(
        (0..3)
            .map(|i| p.island_members(i).len())
            .collect::<Vec<_>>(),
        [1, 1, 1],
        "the seed joins every island"
    );
    // Children only on island 0, scores rising.
    for id in 1..=8 {
        p.add(id, Some(0), 0, id as f64, vec![], &metrics(id as f64, 0.0));
    }
    assert!(!p.island_members(1).contains(&8));
    p.add(9, Some(0), 0, 9.0, vec![], &metrics(9.0, 0.0)); // the 10th validated variant: migrate
    // Island 0 has 10 members: its best 2 (9 and 8) join island 1.
    let island1 = p.island_members(1);
    assert!(
        island1.contains(&9) && island1.contains(&8) && !island1.contains(&7),
        "{island1:?}"
    );
    // Island 1 had 1 member before; its best (the seed) already sits on island 2.
    assert_eq!(p.island_members(2), [0]);
    // Selecting on island 1 now finds the migrants.
    let mut rng = Rng::new(1);
    assert_eq!(p.select_with(&Selection::Best, 1, &mut rng), Some(9));
}

#[test]
fn map_elites_keeps_the_best_per_cell_and_feeds_inspirations() {
    let config = PopulationConfig {
        islands: 1,
        feature_dimensions: vec![FeatureDimension {
            metric: "length".into(),
            bins: 4,
            range: Some([0.0, 100.0]),
        }],
        inspirations: 3,
        inspiration_sources: vec![InspirationSource::OtherCells],
        ..PopulationConfig::default()
    };
    let mut p = Population::new(config, Direction::Maximize);
    assert_eq!(p.features_for(&metrics(1.0, 10.0)), [0]);
    assert_eq!(p.features_for(&metrics(1.0, 99.9)), [3]);
    assert_eq!(p.features_for(&metrics(1.0, 1e9)), [3], "clamped");
    assert_eq!(p.features_for(&BTreeMap::new()), [0], "missing metric");
    for (id, (score, length)) in [
        (0, (1.0, 10.0)),
        (1, (5.0, 30.0)),
        (2, (2.0, 30.0)),
        (3, (3.0, 60.0)),
        (4, (9.0, 90.0)),
    ] {
        let m = metrics(score, length);
        let cell = p.features_for(&m);
        p.add(id, if id == 0 { None } else { Some(0) }, 0, score, cell, &m);
    }
    // Cell 1 holds id 1 (score 5), not id 2 (score 2): id 2 is never an
    // other-cell inspiration.
    let mut rng = Rng::new(5);
    for _ in 0..50 {
        let ins = p.inspirations(0, 0, &mut rng);
        assert_eq!(ins.len(), 3, "{ins:?}");
        assert!(!ins.contains(&2) && !ins.contains(&0), "{ins:?}");
    }
    assert_eq!(p.elites()[..3], [4, 1, 3]);
}

#[test]
fn adaptive_bins_follow_the_observed_range() {
    let config = PopulationConfig {
        islands: 1,
        feature_dimensions: vec![FeatureDimension {
            metric: "length".into(),
            bins: 2,
            range: None,
        }],
        ..PopulationConfig::default()
    };
    let mut p = Population::new(config, Direction::Maximize);
    let add = |p: &mut Population, id: u64, length: f64| {
        let m = metrics(1.0, length);
        let cell = p.features_for(&m);
        p.add(id, if id == 0 { None } else { Some(0) }, 0, 1.0, cell, &m);
    };
    add(&mut p, 0, 10.0);
    add(&mut p, 1, 20.0);
    assert_eq!(p.features_for(&metrics(1.0, 12.0)), [0]);
    assert_eq!(p.features_for(&metrics(1.0, 18.0)), [1]);
}
