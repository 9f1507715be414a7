//! UCB1 over the operators (`[search] operator_selection = "ucb"`): each
//! recorded variant credits the operator that made it with ShinkaEvolve's
//! reward, max(0, child − max(parent, seed)), taken as its sign — 1 when
//! the child beats both its parent and the seed, else 0 (rejections
//! included) — so one scale fits every metric. The statistics come only
//! from recorded variants (a resumed run replays the archive through the
//! same path), and iteration `j` counts only variants up to `j + 1 − W`,
//! the ones an uninterrupted run has recorded when it plans `j` (see the
//! controller's module doc): a resumed run, which has recorded more by
//! then, chooses as an uninterrupted one would.
//!
//! It chooses among the operators the mix allows (weight above 0) and the
//! island can use; it must not plan anything else.

use clade_agent::{Operator, OperatorMix};

const ARMS: [Operator; 4] = [
    Operator::Diff,
    Operator::Rewrite,
    Operator::Crossover,
    Operator::Fix,
];

/// Every credited variant: (id, arm, won), in recording order.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct OperatorBandit {
    credits: Vec<(u64, usize, bool)>,
}

/// Pulls and wins per arm.
struct Stats {
    pulls: [u64; 4],
    wins: [u64; 4],
}

fn arm(operator: Operator) -> usize {
    ARMS.iter().position(|o| *o == operator).unwrap_or(0)
}

/// UCB1's pick among the arms `usable` (indices into `pulls` and `wins`):
/// the first untried one, else the highest upper confidence bound, ties to
/// the earlier; `None` when nothing is usable.
pub(crate) fn ucb1(pulls: &[u64], wins: &[u64], usable: &[usize]) -> Option<usize> {
    if let Some(untried) = usable.iter().find(|i| pulls[**i] == 0) {
        return Some(*untried);
    }
    let total: u64 = usable.iter().map(|i| pulls[*i]).sum();
    let bound = |i: usize| {
        let n = pulls[i] as f64;
        wins[i] as f64 / n + (2.0 * (total.max(1) as f64).ln() / n).sqrt()
    };
    usable
        .iter()
        .fold(None::<(usize, f64)>, |best, &i| match best {
            Some((_, b)) if b >= bound(i) => best,
            _ => Some((i, bound(i))),
        })
        .map(|(i, _)| i)
}

impl OperatorBandit {
    /// Credits `operator` (by its recorded name; the seed's and unknown
    /// names are not arms) with variant `id`'s pull, a win when `won`.
    pub fn credit(&mut self, id: u64, operator: &str, won: bool) {
        if let Some(op) = ARMS.iter().find(|o| o.as_str() == operator) {
            self.credits.push((id, arm(*op), won));
        }
    }

    /// The statistics of the variants with ids up to `upto`.
    fn stats(&self, upto: u64) -> Stats {
        let mut stats = Stats {
            pulls: [0; 4],
            wins: [0; 4],
        };
        for (_, arm, won) in self.credits.iter().filter(|(id, _, _)| *id <= upto) {
            stats.pulls[*arm] += 1;
            stats.wins[*arm] += u64::from(*won);
        }
        stats
    }

    /// The operator with the highest upper confidence bound, counting the
    /// variants up to `upto`, among those `mix` allows and the island can
    /// use; an untried one first, in the order diff, rewrite, crossover,
    /// fix; ties to the earlier.
    pub fn choose(
        &self,
        mix: &OperatorMix,
        can_crossover: bool,
        can_fix: bool,
        upto: u64,
    ) -> Operator {
        let Stats { pulls, wins } = self.stats(upto);
        let usable: Vec<usize> = [
            (mix.diff, true),
            (mix.rewrite, true),
            (mix.crossover, can_crossover),
            (mix.fix, can_fix),
        ]
        .iter()
        .enumerate()
        .filter(|(_, (weight, ok))| *ok && weight.is_finite() && *weight > 0.0)
        .map(|(i, _)| i)
        .collect();
        ucb1(&pulls, &wins, &usable).map_or(Operator::Diff, |i| ARMS[i])
    }

    /// (pulls, wins) of `operator` over every credited variant.
    #[cfg(test)]
    pub fn totals(&self, operator: Operator) -> (u64, u64) {
        let stats = self.stats(u64::MAX);
        (stats.pulls[arm(operator)], stats.wins[arm(operator)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untried_operators_come_first_then_the_one_that_wins() {
        let mix = OperatorMix::default();
        let mut bandit = OperatorBandit::default();
        assert_eq!(bandit.choose(&mix, true, true, u64::MAX), Operator::Diff);
        bandit.credit(1, "diff", false);
        assert_eq!(bandit.choose(&mix, true, true, u64::MAX), Operator::Rewrite);
        bandit.credit(2, "rewrite", true);
        assert_eq!(bandit.choose(&mix, false, true, u64::MAX), Operator::Fix);
        bandit.credit(3, "fix", false);
        assert_eq!(
            bandit.choose(&mix, true, true, u64::MAX),
            Operator::Crossover
        );
        bandit.credit(4, "crossover", false);
        // Rewrite won its one pull; the others lost theirs.
        assert_eq!(bandit.choose(&mix, true, true, u64::MAX), Operator::Rewrite);
        for id in 10..30 {
            bandit.credit(id, "rewrite", false);
        }
        // Twenty losses later the bound of the less tried ones is higher.
        assert_ne!(bandit.choose(&mix, true, true, u64::MAX), Operator::Rewrite);
        assert_eq!(bandit.totals(Operator::Rewrite), (21, 1));
    }

    #[test]
    fn only_variants_up_to_the_cutoff_count() {
        let mix = OperatorMix::default();
        let mut bandit = OperatorBandit::default();
        bandit.credit(1, "diff", false);
        bandit.credit(2, "rewrite", false);
        bandit.credit(3, "crossover", false);
        bandit.credit(4, "fix", true);
        assert_eq!(bandit.choose(&mix, true, true, 0), Operator::Diff);
        assert_eq!(bandit.choose(&mix, true, true, 1), Operator::Rewrite);
        assert_eq!(bandit.choose(&mix, true, true, 3), Operator::Fix);
        assert_eq!(bandit.choose(&mix, true, true, 4), Operator::Fix);
    }

    #[test]
    fn only_operators_the_mix_and_the_island_allow_are_chosen() {
        let mix = OperatorMix {
            diff: 0.0,
            rewrite: 1.0,
            crossover: 0.5,
            fix: 0.5,
        };
        let mut bandit = OperatorBandit::default();
        bandit.credit(6, "rewrite", false);
        for _ in 0..5 {
            assert_eq!(
                bandit.choose(&mix, false, false, u64::MAX),
                Operator::Rewrite
            );
        }
        assert_eq!(bandit.choose(&mix, false, true, u64::MAX), Operator::Fix);
        // The seed and unknown names are not arms.
        bandit.credit(7, "seed", true);
        bandit.credit(8, "?", true);
        assert_eq!(bandit.totals(Operator::Diff), (0, 0));
        assert_eq!(bandit.totals(Operator::Rewrite), (1, 0));
    }
}
