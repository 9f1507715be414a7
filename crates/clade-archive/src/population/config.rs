//! How the population is organised and how parents are chosen.

use serde::{Deserialize, Serialize};

/// One MAP-Elites feature dimension: a metric cut into bins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureDimension {
    /// A metric key of the scorer (e.g. `"fuel"`, `"length"`).
    pub metric: String,
    #[serde(default = "default_bins")]
    pub bins: u32,
    /// Fixed `[min, max]`; absent means adaptive (the range seen so far).
    #[serde(default)]
    pub range: Option<[f64; 2]>,
}

fn default_bins() -> u32 {
    10
}

/// Parent selection strategies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "strategy", rename_all = "snake_case", deny_unknown_fields)]
pub enum Selection {
    /// Every member of the island equally likely.
    Uniform,
    /// Always the best member (hill climbing).
    Best,
    /// p ∝ rank^−alpha, rank 1 the best.
    PowerLaw {
        #[serde(default = "default_alpha")]
        alpha: f64,
    },
    /// p ∝ sigmoid(lambda · (F − median) / MAD) · 1 / (1 + children):
    /// the DGM / ShinkaEvolve rule.
    Weighted {
        #[serde(default = "default_lambda")]
        lambda: f64,
    },
    /// Uniform among the `width` best.
    Beam {
        #[serde(default = "default_width")]
        width: usize,
    },
}

fn default_alpha() -> f64 {
    1.0
}
fn default_lambda() -> f64 {
    10.0
}
fn default_width() -> usize {
    5
}

impl Default for Selection {
    fn default() -> Self {
        Selection::Weighted {
            lambda: default_lambda(),
        }
    }
}

/// Where inspirations come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspirationSource {
    /// The island's best programs.
    TopK,
    /// Elites of other MAP-Elites cells (diversity).
    OtherCells,
    /// Any member.
    Random,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PopulationConfig {
    pub islands: usize,
    /// Migrate after every this many validated variants (0: never).
    pub migration_interval: u64,
    /// Share of each island's best copied to the next island in the ring.
    pub migration_rate: f64,
    pub feature_dimensions: Vec<FeatureDimension>,
    /// Size of the elite set (best programs over all islands).
    pub elite_size: usize,
    pub selection: Selection,
    pub inspirations: usize,
    pub inspiration_sources: Vec<InspirationSource>,
}

impl PopulationConfig {
    /// Checks what a config read back from git may get wrong: counts that
    /// size allocations are bounded.
    pub fn check(&self) -> Result<(), String> {
        if self.islands == 0 || self.islands > 1_024 {
            return Err(format!("islands must be 1 to 1024, not {}", self.islands));
        }
        if self.elite_size > 1_000_000 || self.inspirations > 1_000 {
            return Err("elite_size or inspirations is absurdly large".into());
        }
        if self.feature_dimensions.len() > 8
            || self
                .feature_dimensions
                .iter()
                .any(|d| d.bins == 0 || d.bins > 10_000)
        {
            return Err("at most 8 feature dimensions of 1 to 10000 bins".into());
        }
        Ok(())
    }
}

impl Default for PopulationConfig {
    fn default() -> Self {
        PopulationConfig {
            islands: 2,
            migration_interval: 20,
            migration_rate: 0.1,
            feature_dimensions: Vec::new(),
            elite_size: 10,
            selection: Selection::default(),
            inspirations: 2,
            inspiration_sources: vec![
                InspirationSource::TopK,
                InspirationSource::OtherCells,
                InspirationSource::Random,
            ],
        }
    }
}
