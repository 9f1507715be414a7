//! The statistics of a comparison, as pure functions of a pass matrix
//! (tasks × repeats of 0/1): the pass rate with a percentile-bootstrap
//! interval over tasks (a task's repeats stay together, since they share
//! the task's difficulty), the Wilson interval of all runs taken as
//! independent, and the paired difference of two agents on the same tasks.
//!
//! Bootstraps use a fixed-seed SplitMix64, so one matrix always gives one
//! report. Nothing here knows about agents, models or files.

use serde::Serialize;

/// Resamples per bootstrap: the percentile's Monte Carlo error is ~0.1 % of
/// the rate at this size.
pub const RESAMPLES: usize = 10_000;
const SEED: u64 = 0x005E_ED0F_B007;

/// A 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// One agent's passes: `matrix[task][repeat]`.
pub type Matrix = [Vec<bool>];

/// Each task's pass fraction over its repeats.
pub fn task_rates(matrix: &Matrix) -> Vec<f64> {
    matrix
        .iter()
        .map(|runs| {
            if runs.is_empty() {
                0.0
            } else {
                runs.iter().filter(|p| **p).count() as f64 / runs.len() as f64
            }
        })
        .collect()
}

pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

/// The 2.5 % and 97.5 % percentiles of the mean of `values` over
/// [`RESAMPLES`] resamples of its entries with replacement.
pub fn bootstrap_mean(values: &[f64]) -> Interval {
    if values.is_empty() {
        return Interval {
            low: 0.0,
            high: 0.0,
        };
    }
    let mut rng = SplitMix(SEED);
    let n = values.len();
    let mut means: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            let sum: f64 = (0..n).map(|_| values[rng.below(n)]).sum();
            sum / n as f64
        })
        .collect();
    means.sort_by(f64::total_cmp);
    Interval {
        low: means[(0.025 * RESAMPLES as f64) as usize],
        high: means[(0.975 * RESAMPLES as f64).ceil() as usize - 1],
    }
}

/// The pass rate's bootstrap interval over tasks.
pub fn pass_rate_interval(matrix: &Matrix) -> Interval {
    bootstrap_mean(&task_rates(matrix))
}

/// The paired difference `b − a` per task (both matrices over the same
/// tasks in the same order): its mean and bootstrap interval.
pub fn paired_difference(a: &Matrix, b: &Matrix) -> (f64, Interval) {
    let diffs: Vec<f64> = task_rates(b)
        .iter()
        .zip(task_rates(a))
        .map(|(rb, ra)| rb - ra)
        .collect();
    (mean(&diffs), bootstrap_mean(&diffs))
}

/// The Wilson score interval of `passes` out of `runs` at 95 %.
pub fn wilson(passes: usize, runs: usize) -> Interval {
    if runs == 0 {
        return Interval {
            low: 0.0,
            high: 1.0,
        };
    }
    const Z: f64 = 1.959_963_984_540_054;
    let n = runs as f64;
    let p = passes as f64 / n;
    let z2 = Z * Z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Interval {
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    }
}

/// SplitMix64: small, fast, and the same stream everywhere.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias is < n / 2^64).
    fn below(&mut self, n: usize) -> usize {
        ((self.next() as u128 * n as u128) >> 64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(rows: &[&[bool]]) -> Vec<Vec<bool>> {
        rows.iter().map(|r| r.to_vec()).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 5e-5
    }

    #[test]
    fn all_passing_gives_a_point_interval_at_one() {
        let m = matrix(&[&[true, true], &[true, true], &[true, true]]);
        assert_eq!(mean(&task_rates(&m)), 1.0);
        assert_eq!(
            pass_rate_interval(&m),
            Interval {
                low: 1.0,
                high: 1.0
            }
        );
    }

    #[test]
    fn none_passing_gives_a_point_interval_at_zero() {
        let m = matrix(&[&[false], &[false], &[false], &[false]]);
        assert_eq!(
            pass_rate_interval(&m),
            Interval {
                low: 0.0,
                high: 0.0
            }
        );
    }

    /// Ten tasks, five passing: a resample's mean is k/10 with k ~
    /// Binomial(10, 1/2), so P(mean ≤ 0.1) = 11/1024 ≈ 0.011 and
    /// P(mean ≤ 0.2) = 56/1024 ≈ 0.055. The exact 2.5 % percentile is
    /// therefore 0.2, and by symmetry the 97.5 % one is 0.8.
    #[test]
    fn the_bootstrap_matches_the_exact_binomial_percentiles() {
        let rows: Vec<Vec<bool>> = (0..10).map(|i| vec![i < 5]).collect();
        let interval = pass_rate_interval(&rows);
        assert!(close(interval.low, 0.2), "{interval:?}");
        assert!(close(interval.high, 0.8), "{interval:?}");
    }

    /// Repeats stay together: two tasks, one always passing and one never,
    /// resample to 0, 0.5 or 1 (probabilities 1/4, 1/2, 1/4), so the
    /// interval is the whole of [0, 1], not the narrow one four independent
    /// runs would suggest.
    #[test]
    fn repeats_of_a_task_are_resampled_together() {
        let m = matrix(&[&[true, true], &[false, false]]);
        assert_eq!(mean(&task_rates(&m)), 0.5);
        let interval = pass_rate_interval(&m);
        assert_eq!((interval.low, interval.high), (0.0, 1.0));
    }

    #[test]
    fn wilson_matches_published_values() {
        let w = wilson(5, 10);
        assert!(close(w.low, 0.236_593) && close(w.high, 0.763_407), "{w:?}");
        let w = wilson(0, 10);
        assert!(close(w.low, 0.0) && close(w.high, 0.277_530), "{w:?}");
        let w = wilson(10, 10);
        assert!(close(w.low, 0.722_470) && close(w.high, 1.0), "{w:?}");
    }

    #[test]
    fn a_paired_difference_of_identical_agents_is_exactly_zero() {
        let m = matrix(&[&[true, false], &[false, false], &[true, true]]);
        let (d, interval) = paired_difference(&m, &m);
        assert_eq!(d, 0.0);
        assert_eq!((interval.low, interval.high), (0.0, 0.0));
    }

    /// b passes one more task than a, and a passes nothing b does not: every
    /// resample's difference is k/10 with k ~ Binomial(10, 1/10), so the
    /// lower percentile is 0 (P(k = 0) ≈ 0.35) and the upper is 0.3
    /// (P(k ≤ 2) ≈ 0.930, P(k ≤ 3) ≈ 0.987).
    #[test]
    fn the_paired_difference_matches_its_exact_binomial_percentiles() {
        let a: Vec<Vec<bool>> = (0..10).map(|i| vec![i < 3]).collect();
        let b: Vec<Vec<bool>> = (0..10).map(|i| vec![i < 4]).collect();
        let (d, interval) = paired_difference(&a, &b);
        assert!(close(d, 0.1), "{d}");
        assert!(close(interval.low, 0.0), "{interval:?}");
        assert!(close(interval.high, 0.3), "{interval:?}");
    }
}
