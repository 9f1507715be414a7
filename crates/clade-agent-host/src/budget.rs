//! What an agent may spend on one task and what it has spent, metered in
//! host memory. Nothing the guest sends can raise a limit; a call past one is
//! refused with `budget_exhausted: <which>`.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// The limits of one task. `[agent.budget]` in a config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Budget {
    pub llm_calls: u64,
    /// Prompt and reply tokens together.
    pub tokens: u64,
    pub test_runs: u64,
    /// Wall time of the whole task, in seconds (the agent's run ends there).
    pub wall_s: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            llm_calls: 4,
            tokens: 24_000,
            test_runs: 6,
            wall_s: 600,
        }
    }
}

/// The longest wall budget accepted (a day): anything longer is a mistake,
/// and durations from outside are capped before they reach a timer.
pub const MAX_WALL_S: u64 = 86_400;

impl Budget {
    pub fn validate(&self) -> Result<(), String> {
        if self.wall_s == 0 || self.wall_s > MAX_WALL_S {
            return Err(format!(
                "agent.budget.wall_s must be between 1 and {MAX_WALL_S}, not {}",
                self.wall_s
            ));
        }
        Ok(())
    }

    pub fn wall(&self) -> Duration {
        Duration::from_secs(self.wall_s.min(MAX_WALL_S))
    }
}

/// What has been spent so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spent {
    pub llm_calls: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub test_runs: u64,
    pub wall_ms: u64,
}

/// The meter of one task.
#[derive(Debug)]
pub struct Meter {
    budget: Budget,
    spent: Spent,
    started: Instant,
    /// The first budget a request ran into.
    exhausted: Option<&'static str>,
}

impl Meter {
    pub fn new(budget: Budget) -> Self {
        Meter {
            budget,
            spent: Spent::default(),
            started: Instant::now(),
            exhausted: None,
        }
    }

    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    pub fn spent(&self) -> Spent {
        Spent {
            wall_ms: self.started.elapsed().as_millis() as u64,
            ..self.spent.clone()
        }
    }

    fn tokens_used(&self) -> u64 {
        self.spent.tokens_in + self.spent.tokens_out
    }

    /// The first budget the agent ran into (`llm_calls`, `tokens`,
    /// `test_runs`, `wall`), if any.
    pub fn exhausted(&self) -> Option<&'static str> {
        self.exhausted
    }

    /// Refuses a request because `which` budget is spent.
    pub fn refuse(&mut self, which: &'static str) -> String {
        self.exhausted.get_or_insert(which);
        format!("budget_exhausted: {which}")
    }

    fn check_wall(&mut self) -> Result<(), String> {
        if self.started.elapsed() >= self.budget.wall() {
            return Err(self.refuse("wall"));
        }
        Ok(())
    }

    /// Allows one more LLM call, or says which budget is exhausted. Returns
    /// the tokens left, which bounds the reply's `max_tokens`.
    pub fn begin_llm_call(&mut self) -> Result<u64, String> {
        self.check_wall()?;
        if self.spent.llm_calls >= self.budget.llm_calls {
            return Err(self.refuse("llm_calls"));
        }
        let left = self.budget.tokens.saturating_sub(self.tokens_used());
        if left == 0 {
            return Err(self.refuse("tokens"));
        }
        self.spent.llm_calls += 1;
        Ok(left)
    }

    /// Debits a reply's tokens (a cached reply costs what it cost when it
    /// was recorded, so a warm cache buys no extra budget).
    pub fn debit_tokens(&mut self, tokens_in: u64, tokens_out: u64) {
        self.spent.tokens_in += tokens_in;
        self.spent.tokens_out += tokens_out;
    }

    pub fn begin_test_run(&mut self) -> Result<(), String> {
        self.check_wall()?;
        if self.spent.test_runs >= self.budget.test_runs {
            return Err(self.refuse("test_runs"));
        }
        self.spent.test_runs += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meter(llm_calls: u64, tokens: u64, test_runs: u64) -> Meter {
        Meter::new(Budget {
            llm_calls,
            tokens,
            test_runs,
            wall_s: 60,
        })
    }

    #[test]
    fn calls_past_the_budget_are_refused_by_name() {
        let mut m = meter(2, 1000, 1);
        assert_eq!(m.begin_llm_call(), Ok(1000));
        m.debit_tokens(300, 100);
        assert_eq!(m.begin_llm_call(), Ok(600));
        assert_eq!(
            m.begin_llm_call(),
            Err("budget_exhausted: llm_calls".into())
        );
        assert_eq!(m.begin_test_run(), Ok(()));
        assert_eq!(
            m.begin_test_run(),
            Err("budget_exhausted: test_runs".into())
        );
        assert_eq!(m.spent().llm_calls, 2);
        assert_eq!(
            m.exhausted(),
            Some("llm_calls"),
            "the first refusal is kept"
        );
    }

    #[test]
    fn tokens_run_out_before_calls_do() {
        let mut m = meter(5, 500, 1);
        assert_eq!(m.begin_llm_call(), Ok(500));
        m.debit_tokens(400, 150);
        assert_eq!(m.begin_llm_call(), Err("budget_exhausted: tokens".into()));
        assert_eq!(m.spent().llm_calls, 1);
        assert_eq!(m.exhausted(), Some("tokens"));
    }

    #[test]
    fn wall_budgets_outside_one_second_to_a_day_are_refused() {
        let zero = Budget {
            wall_s: 0,
            ..Budget::default()
        };
        assert!(zero.validate().is_err());
        let huge = Budget {
            wall_s: u64::MAX,
            ..Budget::default()
        };
        assert!(huge.validate().unwrap_err().contains("86400"));
        assert!(Budget::default().validate().is_ok());
    }
}
