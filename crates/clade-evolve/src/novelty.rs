//! The near-duplicate gate (`[search] novelty_threshold`): how far a
//! candidate's code is from a recorded variant's, as the Jaccard distance
//! of their token trigrams after normalization (comments, spacing,
//! reformatting and unused imports do not count, see
//! `clade_agent::normalize`). A candidate closer than the threshold to any
//! variant recorded before its plan is resampled like an exact repeat and,
//! if it stays that close, recorded as a near duplicate of its nearest
//! neighbour without being evaluated.
//!
//! Exact, not estimated (no MinHash): thresholds worth using are small
//! (a few percent), below a sketch's error. Signatures are kept only when
//! the gate is on. This module measures; the proposal and the controller
//! decide.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

/// The token trigrams of a candidate's evolvable files, hashed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Signature(HashSet<u64>);

impl Signature {
    pub(crate) fn of(files: &BTreeMap<String, String>) -> Signature {
        let mut shingles = HashSet::new();
        for (path, text) in files {
            let text = clade_agent::normalize::normalize(text, path.ends_with(".rs"));
            let tokens = tokens(&text);
            for window in tokens.windows(3) {
                let mut hasher = DefaultHasher::new();
                (path, window).hash(&mut hasher);
                shingles.insert(hasher.finish());
            }
            if tokens.len() < 3 {
                let mut hasher = DefaultHasher::new();
                (path, &tokens).hash(&mut hasher);
                shingles.insert(hasher.finish());
            }
        }
        Signature(shingles)
    }

    /// 1 − |A ∩ B| / |A ∪ B|: 0 for the same code, 1 for nothing shared.
    pub(crate) fn distance(&self, other: &Signature) -> f64 {
        let union = self.0.union(&other.0).count();
        if union == 0 {
            return 0.0;
        }
        let shared = self.0.intersection(&other.0).count();
        1.0 - shared as f64 / union as f64
    }
}

/// Words (identifiers, keywords, numbers) and single other characters; a
/// string literal is one token.
fn tokens(text: &str) -> Vec<&str> {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let len = if word(c) {
            rest.find(|c: char| !word(c)).unwrap_or(rest.len())
        } else if c == '"' {
            literal_len(rest)
        } else {
            c.len_utf8()
        };
        let (token, tail) = rest.split_at(len);
        if !token.trim().is_empty() {
            out.push(token);
        }
        rest = tail;
    }
    out
}

/// The length of the string literal `text` starts with (to its closing
/// quote, escapes skipped; the rest of the text if unclosed).
fn literal_len(text: &str) -> usize {
    let mut escaped = false;
    for (at, c) in text.char_indices().skip(1) {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return at + 1,
            _ => escaped = false,
        }
    }
    text.len()
}

/// The recorded variants' signatures, by id, when the gate is on.
#[derive(Debug, Default)]
pub(crate) struct Signatures {
    pub threshold: f64,
    pub by_id: HashMap<u64, Signature>,
}

impl Signatures {
    /// The variant among those recorded below `known_below` nearest to
    /// `candidate`, if it is closer than the threshold: `(id, distance)`.
    pub(crate) fn too_close(&self, candidate: &Signature, known_below: u64) -> Option<(u64, f64)> {
        self.by_id
            .iter()
            .filter(|(id, _)| **id < known_below)
            .map(|(id, signature)| (*id, candidate.distance(signature)))
            .filter(|(_, distance)| *distance < self.threshold)
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROGRAM: &str = "pub fn sort(v: &mut [u32]) {\n    for i in 1..v.len() {\n        let mut j = i;\n        while j > 0 && v[j - 1] > v[j] {\n            v.swap(j - 1, j);\n            j -= 1;\n        }\n    }\n}\n\nfn main() {\n    let mut v = vec![5, 3, 9, 1, 7, 2, 8, 6, 4, 0];\n    sort(&mut v);\n    println!(\"{:?}\", v);\n}\n";

    fn sig(text: &str) -> Signature {
        Signature::of(&BTreeMap::from([(
            "src/main.rs".to_string(),
            text.to_string(),
        )]))
    }

    #[test]
    fn a_reformatted_copy_is_at_distance_zero() {
        let reformatted = PROGRAM
            .replace(
                "        v.swap(j - 1, j);",
                "        v.swap(j-1,j); // swap",
            )
            .replace(
                "let mut v = vec![5, 3, 9, 1, 7, 2, 8, 6, 4, 0];",
                "let mut v = vec![\n        5, 3, 9, 1, 7, 2, 8, 6, 4, 0,\n    ];",
            );
        assert_ne!(reformatted, PROGRAM);
        assert_eq!(sig(PROGRAM).distance(&sig(&reformatted)), 0.0);
    }

    #[test]
    fn a_real_change_is_far_and_a_tweak_is_near() {
        let base = sig(PROGRAM);
        let binary = PROGRAM.replace(
            "        let mut j = i;\n        while j > 0 && v[j - 1] > v[j] {\n            v.swap(j - 1, j);\n            j -= 1;\n        }",
            "        let x = v[i];\n        let pos = v[..i].partition_point(|&y| y <= x);\n        v[pos..=i].rotate_right(1);",
        );
        let tweak = PROGRAM.replace("1..v.len()", "1..v.len() - 0");
        let (far, near) = (base.distance(&sig(&binary)), base.distance(&sig(&tweak)));
        assert!(far > 0.3, "{far}");
        assert!(near > 0.0 && near < 0.1, "{near}");
        assert_eq!(base.distance(&sig("")), 1.0);
    }

    #[test]
    fn the_gate_names_the_nearest_variant_recorded_before_the_plan() {
        let signatures = Signatures {
            threshold: 0.1,
            by_id: HashMap::from([
                (0, sig(PROGRAM)),
                (1, sig(&PROGRAM.replace("1..v.len()", "1..v.len() - 0"))),
                (2, sig(&PROGRAM.replace("[5, 3, 9", "[5, 3, 10"))),
            ]),
        };
        let candidate = sig(&PROGRAM.replace("[5, 3, 9", "[5, 3, 10"));
        assert_eq!(signatures.too_close(&candidate, 3), Some((2, 0.0)));
        // Variant 2 was recorded after the plan: the seed is nearest then.
        let (id, distance) = signatures.too_close(&candidate, 2).unwrap();
        assert_eq!(id, 0);
        assert!(distance > 0.0 && distance < 0.1, "{distance}");
        let far = sig("fn main() { println!(\"something else entirely\"); }");
        assert_eq!(signatures.too_close(&far, 3), None);
    }

    #[test]
    fn string_literals_are_one_token_escapes_and_all() {
        assert_eq!(
            tokens(r#"f("a \" b", x)"#),
            ["f", "(", r#""a \" b""#, ",", "x", ")"]
        );
    }
}
