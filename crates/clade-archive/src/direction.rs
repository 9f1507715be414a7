//! Which way a run's primary metric is better. Its own module because both
//! the stored metadata and the population's selection read it.

use serde::{Deserialize, Serialize};

/// Optimisation direction of the primary metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[default]
    Maximize,
    Minimize,
}

impl Direction {
    /// The score turned into a fitness where larger is always better.
    pub fn fitness(self, score: f64) -> f64 {
        match self {
            Direction::Maximize => score,
            Direction::Minimize => -score,
        }
    }
}
