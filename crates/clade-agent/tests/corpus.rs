//! A corpus of real-looking replies (good, sloppy, malformed, adversarial)
//! applied to one workspace; each outcome is a snapshot under
//! `tests/snapshots/`: the accepted diff or the exact rejection.

use std::collections::BTreeMap;
use std::path::Path;

use clade_agent::{Workspace, apply_reply, parse_reply};

const LIB: &str = r#"//! Packing heuristics.
use std::cmp::Ordering;

/// Scores a bin for an item; higher is better.
pub fn priority(item: f64, remaining: f64) -> f64 {
    // EVOLVE-BLOCK-START
    let slack = remaining - item;
    -slack
    // EVOLVE-BLOCK-END
}

pub fn pick(item: f64, bins: &[f64]) -> Option<usize> {
    bins.iter()
        .enumerate()
        .filter(|(_, r)| **r >= item)
        .max_by(|a, b| priority(item, *a.1).partial_cmp(&priority(item, *b.1)).unwrap_or(Ordering::Equal))
        .map(|(i, _)| i)
}
"#;

const HELPERS: &str = "pub fn clamp01(x: f64) -> f64 {\n    x.max(0.0).min(1.0)\n}\n\npub fn square(x: f64) -> f64 {\n    x * x\n}\n";

fn workspace() -> Workspace {
    Workspace {
        files: BTreeMap::from([
            ("src/lib.rs".to_string(), LIB.to_string()),
            ("src/helpers.rs".to_string(), HELPERS.to_string()),
        ]),
    }
}

#[test]
fn every_reply_in_the_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/replies");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    names.sort();
    assert!(names.len() >= 24, "the corpus went missing: {names:?}");
    let ws = workspace();
    for name in names {
        let reply = std::fs::read_to_string(dir.join(&name)).unwrap();
        let parsed = match parse_reply(&reply) {
            Ok(edits) => format!("{edits:#?}"),
            Err(e) => format!("parse error: {e}"),
        };
        let outcome = match apply_reply(&reply, &ws) {
            Ok(candidate) => {
                // Whatever was accepted keeps the files outside the regions.
                for (path, content) in &candidate.files {
                    clade_agent::regions::check_unchanged_outside(&ws.files[path], content)
                        .unwrap();
                }
                format!(
                    "ACCEPTED, changed {:?}\n{}",
                    candidate.changed, candidate.diff
                )
            }
            Err(rejection) => format!("REJECTED: {rejection}"),
        };
        let stem = name.trim_end_matches(".txt");
        insta::assert_snapshot!(stem, format!("{outcome}\n\n--- parsed edits ---\n{parsed}"));
    }
}
