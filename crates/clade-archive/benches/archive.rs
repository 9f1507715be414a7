//! Archive benchmarks, printed as medians: sustained insert rate (batched and
//! single), open + index rebuild of a 100,000-variant archive, and parent
//! selection at 100,000 variants.
//!
//! `cargo bench -p clade-archive` (set CLADE_BENCH_VARIANTS for another size).

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Instant;

use clade_archive::{
    Archive, Direction, NewVariant, PopulationConfig, Rng, RunRecord, Selection, TreeSource,
    VariantMeta, VariantStatus,
};

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let total: usize = std::env::var("CLADE_BENCH_VARIANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .env("GIT_AUTHOR_NAME", "b")
            .env("GIT_AUTHOR_EMAIL", "b@example.invalid")
            .env("GIT_COMMITTER_NAME", "b")
            .env("GIT_COMMITTER_EMAIL", "b@example.invalid")
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), "pub fn f() -> u64 { 0 }\n").unwrap();
    git(&["add", "."]);
    git(&["commit", "-qm", "base"]);

    let mut archive = Archive::open_or_create(dir.path()).unwrap();
    let config = PopulationConfig {
        islands: 4,
        migration_interval: 100,
        ..PopulationConfig::default()
    };
    archive
        .create_run(
            RunRecord {
                name: "bench".into(),
                seed: 1,
                base_commit: archive.head_commit(),
                direction: Direction::Maximize,
                population: config,
                created_ms: 0,
            },
            "",
        )
        .unwrap();
    let mut rng = Rng::new(1);
    let mut next = 0u64;
    let mut make = |rng: &mut Rng, parent_pool: u64| {
        let parent = if next == 0 {
            None
        } else {
            Some(rng.below(parent_pool as usize) as u64)
        };
        next += 1;
        let score = rng.unit();
        let meta = VariantMeta {
            status: Some(VariantStatus::Validated),
            score: Some(score),
            metrics: BTreeMap::from([
                ("score".into(), score),
                ("fuel".into(), rng.below(1_000_000) as f64),
            ]),
            operator: Some("diff".into()),
            model: Some("bench".into()),
            island: rng.below(4),
            ..VariantMeta::default()
        };
        let file = format!("pub fn f() -> u64 {{ {next} }}\n// {}\n", "x".repeat(200));
        NewVariant {
            parent,
            tree: TreeSource::Files(vec![("src/lib.rs".into(), Some(file.into_bytes()))]),
            meta,
            transcript: None,
        }
    };

    // Single inserts (loose objects), as a slow LLM-bound run does them.
    archive.insert("bench", make(&mut rng, 1)).unwrap();
    let single = 300;
    let t = Instant::now();
    for _ in 0..single {
        let pool = archive.variant_count("bench").unwrap() as u64;
        archive.insert("bench", make(&mut rng, pool)).unwrap();
    }
    let single_rate = single as f64 / t.elapsed().as_secs_f64();

    // Batched inserts up to `total`, timing each batch.
    let batch: usize = std::env::var("CLADE_BENCH_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let mut batch_rates = Vec::new();
    let t_all = Instant::now();
    while archive.variant_count("bench").unwrap() < total {
        let pool = archive.variant_count("bench").unwrap() as u64;
        let n = batch.min(total - pool as usize);
        let variants: Vec<NewVariant> = (0..n).map(|_| make(&mut rng, pool)).collect();
        let t = Instant::now();
        archive.insert_batch("bench", variants).unwrap();
        batch_rates.push(n as f64 / t.elapsed().as_secs_f64());
    }
    let fill_s = t_all.elapsed().as_secs_f64();
    archive.pack_refs().unwrap();
    drop(archive);

    // Open + rebuild, several times.
    let mut open_ms = Vec::new();
    let mut archive = None;
    for _ in 0..5 {
        let t = Instant::now();
        let a = Archive::open(dir.path()).unwrap();
        open_ms.push(t.elapsed().as_secs_f64() * 1e3);
        archive = Some(a);
    }
    let mut archive = archive.unwrap();
    let count = archive.variant_count("bench").unwrap();

    // Selection per strategy: median over chunks of 1000 draws.
    let population = archive.population_mut("bench").unwrap();
    let mut selection = Vec::new();
    for strategy in [
        Selection::Uniform,
        Selection::Best,
        Selection::PowerLaw { alpha: 1.0 },
        Selection::Weighted { lambda: 10.0 },
        Selection::Beam { width: 5 },
    ] {
        let mut per_call = Vec::new();
        let mut rng = Rng::new(9);
        for chunk in 0..20 {
            let t = Instant::now();
            for _ in 0..1000 {
                std::hint::black_box(population.select_with(&strategy, chunk % 4, &mut rng));
            }
            per_call.push(t.elapsed().as_secs_f64() * 1e6 / 1000.0);
        }
        selection.push((format!("{strategy:?}"), median(&mut per_call)));
    }
    let mut rng = Rng::new(3);
    let mut inspiration_us = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        for _ in 0..100 {
            std::hint::black_box(population.inspirations(0, 5, &mut rng));
        }
        inspiration_us.push(t.elapsed().as_secs_f64() * 1e6 / 100.0);
    }

    println!("archive bench ({count} variants, one run, 4 islands)");
    println!("  single inserts (loose objects)   {single_rate:>9.0} variants/s");
    println!(
        "  batched inserts ({batch} per pack)  {:>9.0} variants/s median, {:.0}/s overall ({fill_s:.1} s to fill)",
        median(&mut batch_rates),
        (count - single - 1) as f64 / fill_s
    );
    println!(
        "  open + index rebuild             {:>9.0} ms median of 5",
        median(&mut open_ms)
    );
    for (name, us) in &selection {
        println!("  select_parent {name:<28} {us:>7.2} µs median");
    }
    println!(
        "  inspirations (3 sources)         {:>9.2} µs median",
        median(&mut inspiration_us)
    );
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
