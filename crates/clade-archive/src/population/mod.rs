//! The population over a run's validated variants: islands with ring
//! migration, a MAP-Elites grid per island, an elite set, parent selection and
//! inspirations.
//!
//! It is rebuilt from git by replaying the validated variants in id order, so
//! it holds no state of its own that could be lost: migrations happen at fixed
//! counts of validated variants and replay identically. Selection is O(log n)
//! (weighted selection: O(log n) plus an expected O(1) of rejection sampling).

mod config;
mod rng;
mod stats;

use std::collections::{BTreeMap, HashMap, HashSet};

pub use config::{FeatureDimension, InspirationSource, PopulationConfig, Selection};
pub use rng::{Rng, splitmix};

use crate::direction::Direction;

#[derive(Debug, Clone)]
struct Member {
    fitness: f64,
    children: u32,
    features: Vec<u32>,
}

/// Ids ordered best first (fitness descending, then id ascending), kept in
/// sorted chunks so inserting is O(√n)-ish instead of one O(n) shift, and
/// access by rank is a binary search over chunk offsets.
#[derive(Debug, Default, Clone)]
struct Ranking {
    chunks: Vec<Vec<(f64, u64)>>,
    /// Rank of each chunk's first element.
    starts: Vec<usize>,
    len: usize,
}

const CHUNK: usize = 512;

/// Whether `a` ranks before `b`.
fn before(a: (f64, u64), b: (f64, u64)) -> bool {
    a.0 > b.0 || (a.0 == b.0 && a.1 < b.1)
}

impl Ranking {
    fn insert(&mut self, fitness: f64, id: u64) {
        let key = (fitness, id);
        if self.chunks.is_empty() {
            self.chunks.push(Vec::with_capacity(2 * CHUNK));
            self.starts.push(0);
        }
        let last = self.chunks.len() - 1;
        let c = self
            .chunks
            .partition_point(|chunk| chunk.last().is_some_and(|&end| before(end, key)))
            .min(last);
        let chunk = &mut self.chunks[c];
        let at = chunk.partition_point(|&e| before(e, key));
        chunk.insert(at, key);
        if chunk.len() > 2 * CHUNK {
            let tail = chunk.split_off(CHUNK);
            self.chunks.insert(c + 1, tail);
            self.starts.insert(c + 1, 0);
        }
        self.len += 1;
        for i in c..self.chunks.len() {
            self.starts[i] = if i == 0 {
                0
            } else {
                self.starts[i - 1] + self.chunks[i - 1].len()
            };
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn get(&self, rank0: usize) -> (f64, u64) {
        let c = self.starts.partition_point(|&s| s <= rank0) - 1;
        self.chunks[c][rank0 - self.starts[c]]
    }

    fn id_at(&self, rank0: usize) -> u64 {
        self.get(rank0).1
    }

    fn iter(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        self.chunks.iter().flatten().copied()
    }
}

#[derive(Debug, Default, Clone)]
struct Island {
    ranking: Ranking,
    members: HashSet<u64>,
    /// MAP-Elites: cell coordinates → best member in that cell.
    cells: BTreeMap<Vec<u32>, u64>,
}

#[derive(Debug, Clone)]
pub struct Population {
    config: PopulationConfig,
    direction: Direction,
    members: HashMap<u64, Member>,
    islands: Vec<Island>,
    global: Ranking,
    validated: u64,
    /// Observed range per feature dimension (for adaptive bins).
    observed: Vec<(f64, f64)>,
    /// Cumulative rank^−alpha, for power-law selection.
    power_law: (f64, Vec<f64>),
}

impl Population {
    pub fn new(config: PopulationConfig, direction: Direction) -> Self {
        let islands = vec![Island::default(); config.islands.max(1)];
        let observed = vec![(f64::INFINITY, f64::NEG_INFINITY); config.feature_dimensions.len()];
        Population {
            config,
            direction,
            members: HashMap::new(),
            islands,
            global: Ranking::default(),
            validated: 0,
            observed,
            power_law: (f64::NAN, Vec::new()),
        }
    }

    pub fn config(&self) -> &PopulationConfig {
        &self.config
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn island_count(&self) -> usize {
        self.islands.len()
    }

    /// How many variants `island` holds, in O(1).
    pub fn island_size(&self, island: usize) -> usize {
        self.islands.get(island).map_or(0, |i| i.members.len())
    }

    pub fn island_members(&self, island: usize) -> Vec<u64> {
        self.islands
            .get(island)
            .map(|i| i.ranking.iter().map(|(_, id)| id).collect())
            .unwrap_or_default()
    }

    pub fn contains(&self, id: u64) -> bool {
        self.members.contains_key(&id)
    }

    pub fn children(&self, id: u64) -> u32 {
        self.members.get(&id).map_or(0, |m| m.children)
    }

    /// The best validated variant overall.
    pub fn best(&self) -> Option<u64> {
        (self.global.len() > 0).then(|| self.global.id_at(0))
    }

    /// The `elite_size` best variants overall, best first.
    pub fn elites(&self) -> Vec<u64> {
        self.global
            .iter()
            .take(self.config.elite_size)
            .map(|(_, id)| id)
            .collect()
    }

    /// MAP-Elites cell coordinates of a variant with these metrics; a missing
    /// metric falls in bin 0.
    pub fn features_for(&self, metrics: &BTreeMap<String, f64>) -> Vec<u32> {
        self.config
            .feature_dimensions
            .iter()
            .zip(&self.observed)
            .map(|(dim, &(seen_lo, seen_hi))| {
                let Some(&value) = metrics.get(&dim.metric).filter(|v| v.is_finite()) else {
                    return 0;
                };
                let (lo, hi) = match dim.range {
                    Some([lo, hi]) => (lo, hi),
                    None => (seen_lo.min(value), seen_hi.max(value)),
                };
                let bins = dim.bins.max(1);
                if hi <= lo {
                    return 0;
                }
                let bin = ((value - lo) / (hi - lo) * f64::from(bins)).floor();
                bin.clamp(0.0, f64::from(bins - 1)) as u32
            })
            .collect()
    }

    /// Adds a validated variant. A variant without a parent (a seed) joins
    /// every island. Runs migrations when their interval is reached.
    pub fn add(
        &mut self,
        id: u64,
        parent: Option<u64>,
        island: usize,
        score: f64,
        features: Vec<u32>,
        metrics: &BTreeMap<String, f64>,
    ) {
        let fitness = self.direction.fitness(score);
        for (dim, seen) in self
            .config
            .feature_dimensions
            .iter()
            .zip(self.observed.iter_mut())
        {
            if let Some(&v) = metrics.get(&dim.metric).filter(|v| v.is_finite()) {
                seen.0 = seen.0.min(v);
                seen.1 = seen.1.max(v);
            }
        }
        self.members.insert(
            id,
            Member {
                fitness,
                children: 0,
                features,
            },
        );
        if let Some(parent) = parent.and_then(|p| self.members.get_mut(&p)) {
            parent.children += 1;
        }
        self.global.insert(fitness, id);
        if parent.is_none() {
            for i in 0..self.islands.len() {
                self.join(i, id);
            }
        } else {
            self.join(island.min(self.islands.len() - 1), id);
        }
        self.validated += 1;
        let interval = self.config.migration_interval;
        if interval > 0 && self.islands.len() > 1 && self.validated.is_multiple_of(interval) {
            self.migrate();
        }
    }

    /// A proposal made from `parent` for `island` repeated the code of
    /// `of`: it counts as a child of `parent`, so selection moves on from a
    /// parent whose children keep repeating known code; and `of`, when it
    /// is a validated variant `island` lacks, joins `island`, so an island
    /// whose proposals retrace another island's steps takes them over
    /// instead of proposing them again.
    pub fn record_duplicate(&mut self, parent: u64, island: usize, of: u64) {
        if let Some(member) = self.members.get_mut(&parent) {
            member.children += 1;
        }
        if self.members.contains_key(&of) && island < self.islands.len() {
            self.join(island, of);
        }
    }

    fn join(&mut self, island: usize, id: u64) {
        let member = &self.members[&id];
        let (fitness, features) = (member.fitness, member.features.clone());
        let isl = &mut self.islands[island];
        if !isl.members.insert(id) {
            return;
        }
        isl.ranking.insert(fitness, id);
        match isl.cells.get(&features) {
            Some(&holder) if self.members[&holder].fitness >= fitness => {}
            _ => {
                isl.cells.insert(features, id);
            }
        }
    }

    /// Ring migration: each island's best `migration_rate` share joins the
    /// next island.
    fn migrate(&mut self) {
        let k = self.islands.len();
        let movers: Vec<Vec<u64>> = self
            .islands
            .iter()
            .map(|isl| {
                let n = ((isl.ranking.len() as f64) * self.config.migration_rate).ceil() as usize;
                isl.ranking.iter().take(n).map(|(_, id)| id).collect()
            })
            .collect();
        for (from, ids) in movers.into_iter().enumerate() {
            for id in ids {
                self.join((from + 1) % k, id);
            }
        }
    }

    /// Picks a parent from `island` with the configured strategy; `None` when
    /// the island is empty.
    pub fn select_parent(&mut self, island: usize, rng: &mut Rng) -> Option<u64> {
        let strategy = self.config.selection.clone();
        self.select_with(&strategy, island, rng)
    }

    pub fn select_with(
        &mut self,
        strategy: &Selection,
        island: usize,
        rng: &mut Rng,
    ) -> Option<u64> {
        let isl = self.islands.get(island)?;
        let n = isl.ranking.len();
        if n == 0 {
            return None;
        }
        let rank0 = match *strategy {
            Selection::Uniform => rng.below(n),
            Selection::Best => 0,
            Selection::Beam { width } => rng.below(width.clamp(1, n)),
            Selection::PowerLaw { alpha } => {
                let cumulative = self.power_law_cumulative(alpha, n);
                let target = rng.unit() * cumulative[n - 1];
                cumulative.partition_point(|&c| c <= target).min(n - 1)
            }
            Selection::Weighted { lambda } => return Some(self.weighted(island, lambda, rng)),
        };
        Some(self.islands[island].ranking.id_at(rank0))
    }

    fn power_law_cumulative(&mut self, alpha: f64, n: usize) -> &[f64] {
        if self.power_law.0 != alpha {
            self.power_law = (alpha, Vec::new());
        }
        let cumulative = &mut self.power_law.1;
        while cumulative.len() < n {
            let rank = (cumulative.len() + 1) as f64;
            let previous = cumulative.last().copied().unwrap_or(0.0);
            cumulative.push(previous + rank.powf(-alpha));
        }
        &cumulative[..n]
    }

    /// Exact sampling from p ∝ sigmoid(λ(F − median)/MAD) / (1 + children):
    /// every weight is at most 1, so accepting a uniform proposal with
    /// probability equal to its weight samples the distribution exactly.
    fn weighted(&self, island: usize, lambda: f64, rng: &mut Rng) -> u64 {
        let ranking = &self.islands[island].ranking;
        let (median, mad) = stats::median_and_mad(ranking.len(), |r| ranking.get(r).0);
        let scale = if mad > 0.0 { mad } else { 1.0 };
        let weight = |id: u64| {
            let m = &self.members[&id];
            let z = lambda * (m.fitness - median) / scale;
            (1.0 / (1.0 + (-z).exp())) / (1.0 + f64::from(m.children))
        };
        for _ in 0..10_000 {
            let id = ranking.id_at(rng.below(ranking.len()));
            if rng.unit() < weight(id) {
                return id;
            }
        }
        // Acceptance is vanishingly unlikely to fail this often; fall back to
        // the explicit distribution rather than loop on.
        let weights: Vec<f64> = ranking.iter().map(|(_, id)| weight(id)).collect();
        let at = rng.weighted(&weights).unwrap_or(0);
        ranking.id_at(at)
    }

    /// The probability of each island member under `strategy` (for tests and
    /// diagnostics; O(n)).
    pub fn selection_probabilities(
        &mut self,
        strategy: &Selection,
        island: usize,
    ) -> Vec<(u64, f64)> {
        let order: Vec<(f64, u64)> = self.islands[island].ranking.iter().collect();
        let n = order.len();
        let weights: Vec<f64> = match *strategy {
            Selection::Uniform => vec![1.0; n],
            Selection::Best => (0..n).map(|r| if r == 0 { 1.0 } else { 0.0 }).collect(),
            Selection::Beam { width } => (0..n)
                .map(|r| if r < width.clamp(1, n) { 1.0 } else { 0.0 })
                .collect(),
            Selection::PowerLaw { alpha } => {
                (0..n).map(|r| ((r + 1) as f64).powf(-alpha)).collect()
            }
            Selection::Weighted { lambda } => {
                let (median, mad) = stats::median_and_mad(n, |r| order[r].0);
                let scale = if mad > 0.0 { mad } else { 1.0 };
                order
                    .iter()
                    .map(|&(f, id)| {
                        let z = lambda * (f - median) / scale;
                        (1.0 / (1.0 + (-z).exp())) / (1.0 + f64::from(self.members[&id].children))
                    })
                    .collect()
            }
        };
        let total: f64 = weights.iter().sum();
        order
            .iter()
            .zip(weights)
            .map(|(&(_, id), w)| (id, w / total))
            .collect()
    }

    /// Up to `config.inspirations` variants to show beside `parent`, drawn in
    /// turn from the configured sources, without repeats and never the parent.
    /// Costs O(k log n + cells), not O(island size).
    pub fn inspirations(&self, island: usize, parent: u64, rng: &mut Rng) -> Vec<u64> {
        let want = self.config.inspirations;
        let sources = &self.config.inspiration_sources;
        let Some(isl) = self.islands.get(island) else {
            return Vec::new();
        };
        if want == 0 || sources.is_empty() {
            return Vec::new();
        }
        let n = isl.ranking.len();
        let parent_cell = self.members.get(&parent).map(|m| m.features.clone());
        let mut other_cells: Option<Vec<u64>> = None;
        let mut next_top = 0;
        let mut chosen: Vec<u64> = Vec::with_capacity(want);
        let mut exhausted = vec![false; sources.len()];
        let mut turn = 0;
        while chosen.len() < want && exhausted.iter().any(|e| !e) {
            let s = turn % sources.len();
            turn += 1;
            if exhausted[s] {
                continue;
            }
            let usable = |id: u64, chosen: &[u64]| id != parent && !chosen.contains(&id);
            let pick = match sources[s] {
                InspirationSource::TopK => {
                    let mut found = None;
                    while next_top < n && found.is_none() {
                        let id = isl.ranking.id_at(next_top);
                        next_top += 1;
                        found = usable(id, &chosen).then_some(id);
                    }
                    found
                }
                InspirationSource::OtherCells => {
                    let pool = other_cells.get_or_insert_with(|| {
                        let mut pool: Vec<u64> = isl
                            .cells
                            .iter()
                            .filter(|(cell, _)| Some(*cell) != parent_cell.as_ref())
                            .map(|(_, &id)| id)
                            .collect();
                        rng.shuffle(&mut pool);
                        pool
                    });
                    let mut found = None;
                    while let Some(id) = pool.pop() {
                        if usable(id, &chosen) {
                            found = Some(id);
                            break;
                        }
                    }
                    found
                }
                InspirationSource::Random => {
                    // A few random draws; with fewer members than that, give up.
                    (0..8)
                        .map(|_| {
                            isl.ranking
                                .id_at(rng.below(n.max(1)).min(n.saturating_sub(1)))
                        })
                        .find(|&id| n > 0 && usable(id, &chosen))
                }
            };
            match pick {
                Some(id) => chosen.push(id),
                None => exhausted[s] = true,
            }
        }
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicate_counts_against_its_parent_and_its_original_joins_the_island() {
        let mut population = Population::new(PopulationConfig::default(), Direction::Maximize);
        let none = BTreeMap::new();
        population.add(0, None, 0, 1.0, vec![], &none);
        population.add(1, Some(0), 0, 2.0, vec![], &none);
        assert_eq!(population.island_members(1), vec![0]);
        assert_eq!(population.children(0), 1);
        // Island 1's proposal from the seed repeated #1.
        population.record_duplicate(0, 1, 1);
        assert_eq!(population.children(0), 2);
        assert_eq!(population.island_members(1), vec![1, 0]);
        // Twice is the same as once; an unknown original changes no island.
        population.record_duplicate(0, 1, 1);
        population.record_duplicate(0, 1, 99);
        assert_eq!(population.island_members(1), vec![1, 0]);
        assert_eq!(population.children(0), 4);
        assert_eq!(population.len(), 2);
    }

    #[test]
    fn ranking_stays_sorted_across_chunk_splits() {
        let mut ranking = Ranking::default();
        let mut reference = Vec::new();
        let mut rng = Rng::new(11);
        for id in 0..5000u64 {
            let fitness = (rng.below(300) as f64) / 7.0;
            ranking.insert(fitness, id);
            reference.push((fitness, id));
        }
        reference.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        assert!(ranking.chunks.len() > 4, "the test must split chunks");
        assert_eq!(ranking.iter().collect::<Vec<_>>(), reference);
        for (rank, expected) in reference.iter().enumerate() {
            assert_eq!(ranking.get(rank), *expected);
        }
    }
}
