//! Pictures of a comparison and of a lineage, as standalone SVG written by
//! hand (no dependency): [`comparison`] draws each agent's pass rate as a
//! bar with its 95 % interval and, beside it, the tokens it spent per solved
//! task; [`lineage`] draws an evolution run — generation on x, score on y,
//! one dot per variant, parent→child edges, the best-so-far line, rejected
//! variants as crosses on the floor.
//!
//! Every text that comes from outside (agent labels, run names) is escaped.

use std::fmt::Write as _;

use crate::report::Report;

const WIDTH: f64 = 860.0;
const HEIGHT: f64 = 380.0;
const TOP: f64 = 48.0;
const BOTTOM: f64 = 96.0;
const BAR: &str = "#4c78a8";
const BAR2: &str = "#f58518";

/// Pass rate per agent with its interval, and tokens per solved task.
pub fn comparison(report: &Report) -> String {
    let mut out = header(&format!(
        "{} — {} split, {} tasks × {} repeats, {}",
        report.suite,
        report.split,
        report.tasks.len(),
        report.repeats,
        report.model
    ));
    let panel = (WIDTH - 80.0) / 2.0;
    let left = Panel {
        x: 60.0,
        width: panel - 40.0,
        max: 1.0,
        title: "pass rate (95% CI over tasks)",
    };
    left.axes(&mut out, |v| format!("{:.0}%", 100.0 * v));
    for (i, a) in report.agents.iter().enumerate() {
        let (x, w) = left.slot(i, report.agents.len());
        left.bar(&mut out, x, w, a.pass_rate, BAR, "bar");
        let (lo, hi) = (left.y(a.interval.low), left.y(a.interval.high));
        let mid = x + w / 2.0;
        let _ = writeln!(
            out,
            r#"<g class="ci"><line x1="{mid:.1}" y1="{lo:.1}" x2="{mid:.1}" y2="{hi:.1}" stroke="black"/><line x1="{:.1}" y1="{lo:.1}" x2="{:.1}" y2="{lo:.1}" stroke="black"/><line x1="{:.1}" y1="{hi:.1}" x2="{:.1}" y2="{hi:.1}" stroke="black"/></g>"#,
            mid - 6.0,
            mid + 6.0,
            mid - 6.0,
            mid + 6.0
        );
        left.label(
            &mut out,
            mid,
            &a.agent,
            &format!("{:.1}%", 100.0 * a.pass_rate),
        );
    }
    let max_tokens = report
        .agents
        .iter()
        .filter_map(|a| a.tokens_per_solved)
        .fold(0.0, f64::max);
    let right = Panel {
        x: 60.0 + panel + 40.0,
        width: panel - 40.0,
        max: nice_ceiling(max_tokens),
        title: "tokens per solved task",
    };
    right.axes(&mut out, |v| format!("{v:.0}"));
    for (i, a) in report.agents.iter().enumerate() {
        let (x, w) = right.slot(i, report.agents.len());
        let value = match a.tokens_per_solved {
            Some(t) => {
                right.bar(&mut out, x, w, t, BAR2, "tokens");
                format!("{t:.0}")
            }
            None => "none solved".to_string(),
        };
        right.label(&mut out, x + w / 2.0, &a.agent, &value);
    }
    out.push_str("</svg>\n");
    out
}

/// One variant of an evolution run, as [`lineage`] draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct LineageNode {
    pub id: u64,
    pub parent: Option<u64>,
    pub generation: u64,
    /// `None` for a rejected variant.
    pub score: Option<f64>,
}

/// An evolution run's lineage: generation on x, score on y.
pub fn lineage(title: &str, metric: &str, higher_is_better: bool, nodes: &[LineageNode]) -> String {
    let mut out = header(title);
    let scores: Vec<f64> = nodes.iter().filter_map(|n| n.score).collect();
    let (mut lo, mut hi) = scores
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), s| {
            (l.min(*s), h.max(*s))
        });
    if scores.is_empty() {
        (lo, hi) = (0.0, 1.0);
    } else if hi - lo < 1e-12 {
        (lo, hi) = (lo - 0.5, hi + 0.5);
    }
    let pad = (hi - lo) * 0.08;
    let (lo, hi) = (lo - pad, hi + pad);
    let last = nodes.iter().map(|n| n.generation).max().unwrap_or(0).max(1);
    let (x0, x1, y0, y1) = (70.0, WIDTH - 30.0, HEIGHT - BOTTOM + 30.0, TOP);
    let x = |g: u64| x0 + (x1 - x0) * g as f64 / last as f64;
    let y = |s: f64| y0 - (y0 - y1) * (s - lo) / (hi - lo);
    let floor = y0 + 16.0;
    let _ = writeln!(
        out,
        r##"<g class="axes" stroke="#888"><line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}"/><line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}"/></g>"##
    );
    for i in 0..=4 {
        let v = lo + (hi - lo) * f64::from(i) / 4.0;
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" font-size="11">{}</text>"#,
            x0 - 6.0,
            y(v) + 4.0,
            escape(&short_number(v))
        );
    }
    let ticks = last.min(10);
    for i in 0..=ticks {
        let g = last * i / ticks;
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11">{g}</text>"#,
            x(g),
            floor + 20.0
        );
    }
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12">generation</text><text x="16" y="{:.1}" font-size="12" transform="rotate(-90 16 {:.1})" text-anchor="middle">{}</text>"#,
        (x0 + x1) / 2.0,
        floor + 38.0,
        (y0 + y1) / 2.0,
        (y0 + y1) / 2.0,
        escape(metric)
    );
    let at = |n: &LineageNode| (x(n.generation), n.score.map_or(floor, &y));
    for n in nodes {
        let Some(parent) = n.parent.and_then(|p| nodes.iter().find(|m| m.id == p)) else {
            continue;
        };
        let ((px, py), (cx, cy)) = (at(parent), at(n));
        let _ = writeln!(
            out,
            r##"<line class="edge" x1="{px:.1}" y1="{py:.1}" x2="{cx:.1}" y2="{cy:.1}" stroke="#bbb"/>"##
        );
    }
    let mut best: Option<f64> = None;
    let mut points = Vec::new();
    for g in 0..=last {
        for s in nodes
            .iter()
            .filter(|n| n.generation == g)
            .filter_map(|n| n.score)
        {
            let better = best.is_none_or(|b| if higher_is_better { s > b } else { s < b });
            if better {
                best = Some(s);
            }
        }
        if let Some(b) = best {
            points.push(format!("{:.1},{:.1}", x(g), y(b)));
        }
    }
    if !points.is_empty() {
        let _ = writeln!(
            out,
            r#"<polyline class="best" points="{}" fill="none" stroke="{BAR2}" stroke-width="2"/>"#,
            points.join(" ")
        );
    }
    for n in nodes {
        let (cx, cy) = at(n);
        let label = escape(&format!(
            "#{} gen {}: {}",
            n.id,
            n.generation,
            n.score.map_or("rejected".to_string(), short_number)
        ));
        if n.score.is_some() {
            let _ = writeln!(
                out,
                r#"<circle class="variant" cx="{cx:.1}" cy="{cy:.1}" r="4" fill="{BAR}"><title>{label}</title></circle>"#
            );
        } else {
            let _ = writeln!(
                out,
                r##"<path class="rejected" d="M{:.1},{:.1}l6,6m0,-6l-6,6" stroke="#c33" stroke-width="1.5"><title>{label}</title></path>"##,
                cx - 3.0,
                cy - 3.0
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

struct Panel {
    x: f64,
    width: f64,
    max: f64,
    title: &'static str,
}

impl Panel {
    fn y(&self, value: f64) -> f64 {
        let bottom = HEIGHT - BOTTOM;
        bottom - (bottom - TOP) * (value / self.max).clamp(0.0, 1.0)
    }

    fn axes(&self, out: &mut String, tick: impl Fn(f64) -> String) {
        let bottom = HEIGHT - BOTTOM;
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="13">{}</text><g class="axes" stroke="#888"><line x1="{:.1}" y1="{bottom}" x2="{:.1}" y2="{bottom}"/><line x1="{:.1}" y1="{bottom}" x2="{:.1}" y2="{TOP}"/></g>"##,
            self.x + self.width / 2.0,
            TOP - 12.0,
            self.title,
            self.x,
            self.x + self.width,
            self.x,
            self.x
        );
        for i in 0..=4 {
            let v = self.max * f64::from(i) / 4.0;
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="end" font-size="11">{}</text>"#,
                self.x - 6.0,
                self.y(v) + 4.0,
                tick(v)
            );
        }
    }

    /// The x and width of agent `i`'s bar among `n`.
    fn slot(&self, i: usize, n: usize) -> (f64, f64) {
        let step = self.width / n.max(1) as f64;
        let w = (step * 0.6).min(80.0);
        (self.x + step * i as f64 + (step - w) / 2.0, w)
    }

    fn bar(&self, out: &mut String, x: f64, w: f64, value: f64, fill: &str, class: &str) {
        let top = self.y(value);
        let _ = writeln!(
            out,
            r#"<rect class="{class}" x="{x:.1}" y="{top:.1}" width="{w:.1}" height="{:.1}" fill="{fill}"/>"#,
            HEIGHT - BOTTOM - top
        );
    }

    fn label(&self, out: &mut String, mid: f64, agent: &str, value: &str) {
        let bottom = HEIGHT - BOTTOM;
        let _ = writeln!(
            out,
            r##"<text x="{mid:.1}" y="{:.1}" text-anchor="middle" font-size="11">{}</text><text x="{mid:.1}" y="{:.1}" text-anchor="middle" font-size="11" fill="#555">{}</text>"##,
            bottom + 16.0,
            escape(&ellipsize(agent, 22)),
            bottom + 32.0,
            escape(value)
        );
    }
}

fn header(title: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{:.1}\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">{}</text>\n",
        WIDTH / 2.0,
        escape(title)
    )
}

/// The smallest of 1, 2, 2.5, 5 × 10^k at or above `value` (1 for 0).
fn nice_ceiling(value: f64) -> f64 {
    if value <= 0.0 || !value.is_finite() {
        return 1.0;
    }
    let scale = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * scale)
        .find(|c| *c >= value)
        .unwrap_or(10.0 * scale)
}

fn short_number(v: f64) -> String {
    if v.abs() >= 1e6 || (v != 0.0 && v.abs() < 1e-3) {
        format!("{v:.3e}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn ellipsize(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let head: String = text.chars().take(max - 1).collect();
        format!("{head}…")
    }
}

/// XML text: `&`, `<`, `>`, quotes escaped; control characters dropped
/// (XML 1.0 cannot hold them at all).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && !matches!(c, '\n' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            escape("a<b>&\"c'\u{1b}[31m"),
            "a&lt;b&gt;&amp;&quot;c&apos;[31m"
        );
    }

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(3.0), 5.0);
        assert_eq!(nice_ceiling(1_000.0), 1_000.0);
        assert_eq!(nice_ceiling(1_001.0), 2_000.0);
        assert_eq!(nice_ceiling(2_400.0), 2_500.0);
        assert_eq!(nice_ceiling(7_000.0), 10_000.0);
    }

    #[test]
    fn a_lineage_has_a_dot_per_scored_variant_and_a_cross_per_rejected_one() {
        let nodes = [
            LineageNode {
                id: 0,
                parent: None,
                generation: 0,
                score: Some(0.2),
            },
            LineageNode {
                id: 1,
                parent: Some(0),
                generation: 1,
                score: Some(0.4),
            },
            LineageNode {
                id: 2,
                parent: Some(0),
                generation: 1,
                score: None,
            },
            LineageNode {
                id: 3,
                parent: Some(1),
                generation: 2,
                score: Some(0.3),
            },
        ];
        let svg = lineage("run <a>", "pass_rate", true, &nodes);
        assert_eq!(svg.matches(r#"class="variant""#).count(), 3);
        assert_eq!(svg.matches(r#"class="rejected""#).count(), 1);
        assert_eq!(svg.matches(r#"class="edge""#).count(), 3);
        assert!(svg.contains("run &lt;a&gt;"));
        // Best so far: 0.2 at generation 0, then 0.4 at 1 and 2.
        let best = svg.split(r#"class="best" points=""#).nth(1).unwrap();
        assert_eq!(best.split('"').next().unwrap().split(' ').count(), 3);
    }
}
