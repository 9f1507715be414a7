//! `search.prompt_evolution`: a population of instructions (Promptbreeder's
//! thinking styles) chosen per iteration by UCB1 and mutated by the model.
//!
//! The population starts as `clade_agent::instruct::SEED_INSTRUCTIONS`.
//! Each iteration's question carries the instruction UCB1 picks (untried
//! ones first); every [`MUTATE_EVERY`]th iteration first asks the model to
//! rewrite the picked one, and uses the new one. A variant's note records
//! its instruction (and, for a new one, the one it came from); the recorded
//! variant credits it with the operator bandit's reward (a win when the
//! child beats its parent and the seed) and a new one joins the population
//! under the variant's id. Iteration `j` sees the instructions and
//! statistics of variants up to `j + 1 − W` only, as the operator bandit
//! does, so a resumed run — which rebuilds both from the notes — chooses
//! as an uninterrupted one would. The population lives in the notes, in git
//! beside the run. This module chooses and keeps; the mutation call is the
//! iteration's (`proposal`).

use clade_agent::instruct::SEED_INSTRUCTIONS;

use crate::bandit::ucb1;

/// Every this many iterations, the picked instruction is mutated first.
pub(crate) const MUTATE_EVERY: u64 = 4;

/// The instructions known so far and how they did.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Instructions {
    /// (the variant that introduced it, 0 for the starting ones; its text).
    arms: Vec<(u64, String)>,
    /// Every credited variant: (id, arm, won), in recording order.
    credits: Vec<(u64, usize, bool)>,
}

impl Default for Instructions {
    fn default() -> Self {
        Instructions {
            arms: SEED_INSTRUCTIONS
                .iter()
                .map(|text| (0, text.to_string()))
                .collect(),
            credits: Vec::new(),
        }
    }
}

impl Instructions {
    /// Credits variant `id`, whose question carried `text`, with a win when
    /// `won`; an instruction not known yet (a mutation) joins first.
    pub(crate) fn credit(&mut self, id: u64, text: &str, won: bool) {
        let arm = match self.arms.iter().position(|(_, t)| t == text) {
            Some(arm) => arm,
            None => {
                self.arms.push((id, text.to_string()));
                self.arms.len() - 1
            }
        };
        self.credits.push((id, arm, won));
    }

    /// The instruction UCB1 picks among those known from variants up to
    /// `upto`, counting their statistics up to `upto`.
    pub(crate) fn choose(&self, upto: u64) -> &str {
        let mut pulls = vec![0; self.arms.len()];
        let mut wins = vec![0; self.arms.len()];
        for (_, arm, won) in self.credits.iter().filter(|(id, _, _)| *id <= upto) {
            pulls[*arm] += 1;
            wins[*arm] += u64::from(*won);
        }
        let usable: Vec<usize> = (0..self.arms.len())
            .filter(|arm| self.arms[*arm].0 <= upto)
            .collect();
        let arm = ucb1(&pulls, &wins, &usable).unwrap_or(0);
        &self.arms[arm].1
    }

    /// Whether iteration `iteration` mutates its instruction first.
    pub(crate) fn mutates(iteration: u64) -> bool {
        iteration % MUTATE_EVERY == MUTATE_EVERY - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starting_instructions_are_each_tried_before_any_twice() {
        let mut instructions = Instructions::default();
        let mut seen = Vec::new();
        for id in 1..=SEED_INSTRUCTIONS.len() as u64 {
            let text = instructions.choose(u64::MAX).to_string();
            assert!(!seen.contains(&text), "{text} twice");
            instructions.credit(id, &text, false);
            seen.push(text);
        }
        assert_eq!(seen.len(), SEED_INSTRUCTIONS.len());
    }

    #[test]
    fn a_winning_instruction_is_chosen_again() {
        let mut instructions = Instructions::default();
        for (id, text) in SEED_INSTRUCTIONS.iter().enumerate() {
            instructions.credit(id as u64 + 1, text, id == 3);
        }
        assert_eq!(instructions.choose(u64::MAX), SEED_INSTRUCTIONS[3]);
    }

    #[test]
    fn a_mutation_joins_under_its_variant_and_counts_from_the_cutoff() {
        let mut instructions = Instructions::default();
        for (id, text) in SEED_INSTRUCTIONS.iter().enumerate() {
            instructions.credit(id as u64 + 1, text, false);
        }
        instructions.credit(10, "Use a heap.", true);
        // Its one win makes it the pick once visible...
        assert_eq!(instructions.choose(10), "Use a heap.");
        // ...and unknown before its variant.
        assert_ne!(instructions.choose(9), "Use a heap.");
        // The cutoff also hides statistics: at 6 every start was tried once
        // and lost, so the first is picked (ties to the earlier).
        assert_eq!(instructions.choose(6), SEED_INSTRUCTIONS[0]);
    }

    #[test]
    fn every_fourth_iteration_mutates() {
        let mutating: Vec<u64> = (0..12).filter(|i| Instructions::mutates(*i)).collect();
        assert_eq!(mutating, vec![3, 7, 11]);
    }
}
