//! Several models with weights: each proposal goes to one, drawn by weight.

use std::sync::Arc;

use crate::endpoint::Endpoint;
use crate::error::LlmError;

pub struct Ensemble {
    members: Vec<Arc<Endpoint>>,
    weights: Vec<f64>,
}

impl Ensemble {
    pub fn new(members: Vec<Endpoint>) -> Result<Self, LlmError> {
        if members.is_empty() {
            return Err(LlmError::Config("no models configured".into()));
        }
        let weights: Vec<f64> = members.iter().map(|m| m.config().weight).collect();
        if weights.iter().sum::<f64>() <= 0.0 {
            return Err(LlmError::Config("every model has weight 0".into()));
        }
        Ok(Ensemble {
            members: members.into_iter().map(Arc::new).collect(),
            weights,
        })
    }

    /// The member for `u` uniform in [0, 1).
    pub fn pick(&self, u: f64) -> Arc<Endpoint> {
        let total: f64 = self.weights.iter().sum();
        let mut target = u.clamp(0.0, 1.0) * total;
        for (member, w) in self.members.iter().zip(&self.weights) {
            if target < *w {
                return member.clone();
            }
            target -= w;
        }
        self.members
            .iter()
            .zip(&self.weights)
            .rev()
            .find(|(_, w)| **w > 0.0)
            .map_or_else(|| self.members[0].clone(), |(m, _)| m.clone())
    }

    pub fn members(&self) -> &[Arc<Endpoint>] {
        &self.members
    }
}
