//! The ways a candidate is made from its parent(s), and how often each is
//! chosen.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Operator {
    /// SEARCH/REPLACE blocks against the parent.
    Diff,
    /// New code for the evolvable regions.
    Rewrite,
    /// Combine two parents.
    Crossover,
    /// Repair a rejected candidate using its error.
    Fix,
}

impl Operator {
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Diff => "diff",
            Operator::Rewrite => "rewrite",
            Operator::Crossover => "crossover",
            Operator::Fix => "fix",
        }
    }
}

/// Relative weights of the operators (ShinkaEvolve's default patch mix is
/// diff/full/crossover 0.6/0.3/0.1).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct OperatorMix {
    pub diff: f64,
    pub rewrite: f64,
    pub crossover: f64,
    pub fix: f64,
}

impl Default for OperatorMix {
    fn default() -> Self {
        OperatorMix {
            diff: 0.6,
            rewrite: 0.3,
            crossover: 0.1,
            fix: 0.2,
        }
    }
}

impl OperatorMix {
    /// The mix for small local models: rewrites of the region, the answer
    /// shape a 1.5B model gets right most often (a fenced function). No
    /// SEARCH/REPLACE blocks, whose format example it copies rather than
    /// follows; no crossover, whose two programs crowd its context; no fix
    /// from an earlier failure, which it mostly answered with the same code
    /// (repairs within the iteration, `run.repairs`, take that place).
    pub fn small_model() -> Self {
        OperatorMix {
            diff: 0.0,
            rewrite: 1.0,
            crossover: 0.0,
            fix: 0.0,
        }
    }

    /// Picks an operator from `u` uniform in [0, 1). Crossover needs a second
    /// parent and fix a rejected candidate; unavailable operators drop out.
    /// With every weight zero, diff.
    pub fn choose(&self, u: f64, can_crossover: bool, can_fix: bool) -> Operator {
        let options = [
            (Operator::Diff, self.diff, true),
            (Operator::Rewrite, self.rewrite, true),
            (Operator::Crossover, self.crossover, can_crossover),
            (Operator::Fix, self.fix, can_fix),
        ];
        let usable: Vec<(Operator, f64)> = options
            .into_iter()
            .filter(|(_, w, ok)| *ok && w.is_finite() && *w > 0.0)
            .map(|(op, w, _)| (op, w))
            .collect();
        let total: f64 = usable.iter().map(|(_, w)| w).sum();
        let mut target = u.clamp(0.0, 1.0) * total;
        for (op, w) in &usable {
            if target < *w {
                return *op;
            }
            target -= w;
        }
        usable.last().map_or(Operator::Diff, |(op, _)| *op)
    }

    /// Checks the weights are usable (finite, non-negative, not all zero).
    pub fn validate(&self) -> Result<(), String> {
        let weights = [
            ("diff", self.diff),
            ("rewrite", self.rewrite),
            ("crossover", self.crossover),
            ("fix", self.fix),
        ];
        for (name, w) in weights {
            if !w.is_finite() || w < 0.0 {
                return Err(format!(
                    "operator weight {name} = {w} must be a finite number >= 0"
                ));
            }
        }
        if self.diff + self.rewrite <= 0.0 {
            return Err("at least one of the diff and rewrite weights must be positive".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choice_follows_weights_and_availability() {
        let mix = OperatorMix {
            diff: 0.5,
            rewrite: 0.25,
            crossover: 0.25,
            fix: 0.0,
        };
        assert_eq!(mix.choose(0.1, true, true), Operator::Diff);
        assert_eq!(mix.choose(0.6, true, true), Operator::Rewrite);
        assert_eq!(mix.choose(0.9, true, true), Operator::Crossover);
        assert_eq!(
            mix.choose(0.9, false, true),
            Operator::Rewrite,
            "no second parent"
        );
        assert_eq!(
            OperatorMix {
                fix: 1.0,
                ..mix.clone()
            }
            .choose(0.99, true, true),
            Operator::Fix
        );
        assert!(
            OperatorMix {
                diff: -1.0,
                ..mix.clone()
            }
            .validate()
            .is_err()
        );
        assert!(
            OperatorMix {
                diff: 0.0,
                rewrite: 0.0,
                ..mix
            }
            .validate()
            .is_err()
        );
    }
}
