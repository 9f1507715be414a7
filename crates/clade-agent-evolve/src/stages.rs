//! Which tasks each stage runs, fixed when the run begins: stage 1 is
//! `stage1_tasks` of the suite's train split, stage 2 the validate split
//! (`stage2_tasks` of it when set), each drawn with the run's seed and kept
//! in name order. The heldout split is never run by the loop: it is for
//! `clade bench agents` afterwards.

use std::path::Path;

use clade_archive::Rng;
use clade_tasks::{Manifest, Split};

use crate::EvolveAgentError;
use crate::config::EvolveConfig;

/// The stream of the stage draws (children use streams 1, 2, …).
const STAGE_STREAM: u64 = u64::MAX;

pub fn choose(
    suite: &Path,
    config: &EvolveConfig,
) -> Result<(Vec<String>, Vec<String>), EvolveAgentError> {
    let (_, tasks) = Manifest::verify(suite).map_err(|e| EvolveAgentError::Setup(e.to_string()))?;
    let of = |split: Split| -> Vec<String> {
        let mut ids: Vec<String> = tasks
            .iter()
            .filter(|t| t.split == split)
            .map(|t| t.id.clone())
            .collect();
        ids.sort();
        ids
    };
    let mut rng = Rng::derive(config.run.seed, STAGE_STREAM);
    let stage1 = draw(of(Split::Train), config.stages.stage1_tasks, &mut rng);
    if stage1.is_empty() {
        return Err(EvolveAgentError::Setup(format!(
            "{} has no train task for stage 1",
            suite.display()
        )));
    }
    let validate = of(Split::Validate);
    let n = config.stages.stage2_tasks.unwrap_or(validate.len());
    let stage2 = if config.stages.stage2 {
        draw(validate, n, &mut rng)
    } else {
        Vec::new()
    };
    Ok((stage1, stage2))
}

/// `n` of `ids` drawn with `rng`, in name order.
fn draw(mut ids: Vec<String>, n: usize, rng: &mut Rng) -> Vec<String> {
    rng.shuffle(&mut ids);
    ids.truncate(n);
    ids.sort();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_seeded_sorted_and_bounded() {
        let ids: Vec<String> = (0..10).map(|i| format!("t{i}")).collect();
        let a = draw(ids.clone(), 4, &mut Rng::derive(7, STAGE_STREAM));
        let b = draw(ids.clone(), 4, &mut Rng::derive(7, STAGE_STREAM));
        assert_eq!(a, b);
        assert_eq!(a.len(), 4);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(draw(ids.clone(), 20, &mut Rng::new(1)).len(), 10);
    }
}
