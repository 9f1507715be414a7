//! The pictures, as SVG made here: a run's lineage tree, its score over
//! iterations, and a best-so-far sparkline. Layouts depend only on the
//! archive (ids and parents), so the same run always draws the same.
//! Tooltips carry escaped text only.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;

use crate::html::{esc, score, url_part};
use crate::runs::{RunView, reason_kind};

/// Which variants a tree shows at full strength; the rest are faded.
#[derive(Debug, Default, Clone)]
pub(crate) struct Filter {
    pub status: Option<String>,
    pub island: Option<usize>,
    pub operator: Option<String>,
    pub model: Option<String>,
    pub reason: Option<String>,
}

impl Filter {
    /// Whether it keeps every variant.
    pub(crate) fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.island.is_none()
            && self.operator.is_none()
            && self.model.is_none()
            && self.reason.is_none()
    }

    fn keeps(&self, meta: &clade_archive::VariantMeta) -> bool {
        let status = if meta.is_validated() {
            "validated"
        } else {
            "rejected"
        };
        self.status.as_deref().is_none_or(|s| s == status)
            && self.island.is_none_or(|i| i == meta.island)
            && self
                .operator
                .as_deref()
                .is_none_or(|o| meta.operator.as_deref() == Some(o))
            && self
                .model
                .as_deref()
                .is_none_or(|m| meta.model.as_deref() == Some(m))
            && self
                .reason
                .as_deref()
                .is_none_or(|r| meta.reason.as_deref().map(reason_kind) == Some(r))
    }
}

/// A colour for a fitness between `low` and `high`: red (worst) to green.
fn colour(fitness: f64, low: f64, high: f64) -> String {
    let t = if high > low {
        (fitness - low) / (high - low)
    } else {
        1.0
    };
    format!("hsl({:.0},70%,45%)", t.clamp(0.0, 1.0) * 120.0)
}

fn fitness_range(view: &RunView) -> (f64, f64) {
    view.variants
        .values()
        .filter_map(|m| view.fitness(m))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), f| {
            (lo.min(f), hi.max(f))
        })
}

/// Each variant's (column, depth): columns in depth-first order from the
/// roots, children by id, so a subtree is a contiguous band.
fn layout(view: &RunView) -> BTreeMap<u64, (usize, usize)> {
    let mut children: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    let mut roots = Vec::new();
    for meta in view.variants.values() {
        match meta
            .parent
            .filter(|p| view.variants.contains_key(p) && *p != meta.id)
        {
            Some(parent) => children.entry(parent).or_default().push(meta.id),
            None => roots.push(meta.id),
        }
    }
    let mut place = BTreeMap::new();
    let mut stack: Vec<(u64, usize)> = roots.iter().rev().map(|&id| (id, 0)).collect();
    while let Some((id, depth)) = stack.pop() {
        if place.contains_key(&id) {
            continue;
        }
        place.insert(id, (place.len(), depth));
        for &child in children
            .get(&id)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .rev()
        {
            stack.push((child, depth + 1));
        }
    }
    place
}

/// The lineage tree of a run: colour = score in the run's direction,
/// outline = status, the path to the best variant marked, variants the
/// filter leaves out faded. Each node links to its variant page.
pub(crate) fn tree(view: &RunView, filter: &Filter) -> String {
    let place = layout(view);
    let n = place.len().max(1);
    let dx = (1300.0 / n as f64).clamp(3.0, 36.0);
    let dy = 28.0;
    let depth = place.values().map(|&(_, d)| d).max().unwrap_or(0);
    let (width, height) = (dx * n as f64 + 20.0, dy * (depth + 1) as f64 + 20.0);
    let r = (dx / 2.0).clamp(1.5, 5.0);
    let at = |id: u64| {
        place
            .get(&id)
            .map(|&(c, d)| (10.0 + dx * (c as f64 + 0.5), 10.0 + dy * (d as f64 + 0.5)))
    };
    let best_path: HashSet<u64> = view
        .best
        .map(|b| view.path_to(b))
        .unwrap_or_default()
        .into_iter()
        .collect();
    let (mut edges, mut best_edges) = (String::new(), String::new());
    for meta in view.variants.values() {
        let (Some(parent), Some((x, y))) = (meta.parent, at(meta.id)) else {
            continue;
        };
        let Some((px, py)) = at(parent) else { continue };
        let path = if best_path.contains(&meta.id) && best_path.contains(&parent) {
            &mut best_edges
        } else {
            &mut edges
        };
        let _ = write!(path, "M{px:.1} {py:.1}L{x:.1} {y:.1}");
    }
    let (low, high) = fitness_range(view);
    let mut out = format!(
        r#"<svg class="tree" xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" data-variants="{}"><path class="edge" d="{edges}"/><path class="best-edge" d="{best_edges}"/>"#,
        view.variants.len()
    );
    for meta in view.variants.values() {
        let Some((x, y)) = at(meta.id) else { continue };
        let (class, fill) = match view.fitness(meta) {
            Some(f) => ("validated", colour(f, low, high)),
            None if meta.is_validated() => ("validated", "#9ca3af".to_string()),
            None => ("rejected", "#e5e7eb".to_string()),
        };
        let faded = if filter.keeps(meta) { "" } else { " faded" };
        let tip = match &meta.reason {
            Some(reason) if !meta.is_validated() => {
                format!("#{} rejected: {}", meta.id, reason_kind(reason))
            }
            _ => format!("#{} score {}", meta.id, score(meta.score)),
        };
        let _ = write!(
            out,
            r#"<a href="/runs/{}/{}"><circle class="node {class}{faded}" data-id="{}" cx="{x:.1}" cy="{y:.1}" r="{r:.1}" fill="{fill}"><title>{}</title></circle></a>"#,
            url_part(&view.name),
            meta.id,
            meta.id,
            esc(&tip)
        );
    }
    out.push_str("</svg>");
    out
}

const ISLAND_COLOURS: [&str; 6] = [
    "#2f5fb3", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0e7490",
];

/// Score over iterations: every scored variant as a dot (colour = island),
/// the best so far as a step line, rejections as a rug along the bottom,
/// and `reference` (a published result) as a dashed line.
pub(crate) fn chart(view: &RunView, reference: Option<(f64, &str)>) -> String {
    let (w, h, pad) = (900.0, 280.0, 40.0);
    let last = view.last_id().max(1) as f64;
    let scores: Vec<f64> = view
        .variants
        .values()
        .filter(|m| view.fitness(m).is_some())
        .filter_map(|m| m.score)
        .chain(reference.map(|(v, _)| v))
        .collect();
    let lo = scores.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() && hi > lo {
        (lo, hi)
    } else if lo.is_finite() {
        (lo - 1.0, lo + 1.0)
    } else {
        (0.0, 1.0)
    };
    let x = |id: u64| pad + (w - 2.0 * pad) * id as f64 / last;
    let y = |s: f64| h - pad - (h - 2.0 * pad) * (s - lo) / (hi - lo);
    let mut out = format!(
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}"><path class="axis" fill="none" d="M{pad} {pad}V{b}H{r}"/><text x="4" y="{t}">{}</text><text x="4" y="{b}">{}</text><text x="{pad}" y="{h2}">0</text><text x="{r2}" y="{h2}">{}</text>"#,
        esc(&score(Some(hi))),
        esc(&score(Some(lo))),
        last as u64,
        b = h - pad,
        r = w - pad,
        t = pad + 4.0,
        h2 = h - pad + 24.0,
        r2 = w - pad - 20.0,
    );
    let mut rug = String::new();
    for meta in view.variants.values() {
        match (view.fitness(meta), meta.score) {
            (Some(_), Some(s)) => {
                let colour = ISLAND_COLOURS[meta.island % ISLAND_COLOURS.len()];
                let _ = write!(
                    out,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{colour}"><title>#{} island {} score {}</title></circle>"#,
                    x(meta.id),
                    y(s),
                    meta.id,
                    meta.island,
                    esc(&score(Some(s)))
                );
            }
            _ if !meta.is_validated() => {
                let _ = write!(rug, "M{:.1} {:.1}v6", x(meta.id), h - pad + 2.0);
            }
            _ => {}
        }
    }
    let _ = write!(
        out,
        r##"<path d="{rug}" stroke="#c62828" stroke-width="1" fill="none"/>"##
    );
    let steps = view.best_so_far();
    if let Some(&(first, s0)) = steps.first() {
        let mut line = format!("M{:.1} {:.1}", x(first), y(s0));
        for &(id, s) in &steps[1..] {
            let _ = write!(line, "H{:.1}V{:.1}", x(id), y(s));
        }
        let _ = write!(line, "H{:.1}", x(last as u64));
        let _ = write!(
            out,
            r##"<path class="best-line" d="{line}" stroke="#d4a017" stroke-width="2" fill="none"/>"##
        );
    }
    if let Some((value, label)) = reference {
        let _ = write!(
            out,
            r##"<g class="reference"><path d="M{pad} {yy:.1}H{r}" stroke="#6b7280" stroke-dasharray="4 3" fill="none"/><text x="{tx}" y="{ty:.1}">{}</text></g>"##,
            esc(label),
            yy = y(value),
            r = w - pad,
            tx = pad + 4.0,
            ty = y(value) - 4.0
        );
    }
    out.push_str("</svg>");
    out
}

/// A small best-so-far line for the dashboard.
pub(crate) fn sparkline(view: &RunView) -> String {
    let steps = view.best_so_far();
    let (w, h) = (120.0, 24.0);
    let last = view.last_id().max(1) as f64;
    let lo = steps.iter().map(|s| s.1).fold(f64::INFINITY, f64::min);
    let hi = steps.iter().map(|s| s.1).fold(f64::NEG_INFINITY, f64::max);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let mut line = String::new();
    for (i, &(id, s)) in steps.iter().enumerate() {
        let (px, py) = (w * id as f64 / last, h - 2.0 - (h - 4.0) * (s - lo) / span);
        if i == 0 {
            let _ = write!(line, "M{px:.1} {py:.1}");
        } else {
            let _ = write!(line, "H{px:.1}V{py:.1}");
        }
    }
    if !steps.is_empty() {
        let _ = write!(line, "H{w}");
    }
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}"><path d="{line}" stroke="#d4a017" stroke-width="1.5" fill="none"/></svg>"##
    )
}
