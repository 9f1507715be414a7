//! The views of agent lineages (`clade evolve-agent` runs, whose variants
//! are agents scored by their pass rate over benchmark tasks): a table of
//! agents with pass rates and 95 % intervals on the run page, and the
//! host-written records of an agent (diagnosis, self-edit statement,
//! re-evaluated score) on its variant page. Reads only; knows the record
//! names only to order them, never to interpret them.

use std::fmt::Write;

use clade_archive::{Archive, VariantMeta, agent_extras_key};

use crate::html::esc;
use crate::pages::variant_link;
use crate::runs::RunView;

/// The largest record shown whole; longer ones are cut with a note.
const RECORD_LIMIT: usize = 200 * 1024;

/// Whether `view` is an agent lineage: its scored variants carry the pass
/// rate and task count an agent evaluation records.
pub(crate) fn is_agent_run(view: &RunView) -> bool {
    let mut scored = view
        .variants
        .values()
        .filter(|m| m.is_validated())
        .peekable();
    scored.peek().is_some() && scored.all(|m| pass(m).is_some())
}

/// (pass rate, tasks) of an agent.
fn pass(meta: &VariantMeta) -> Option<(f64, f64)> {
    Some((*meta.metrics.get("pass_rate")?, *meta.metrics.get("tasks")?))
}

/// Every agent of the run: pass rate over the tasks it ran, its 95 %
/// Wilson interval as numbers and as a bar, and what a task cost it.
pub(crate) fn table(view: &RunView) -> String {
    let mut out = String::from(
        r#"<h2>Agents</h2><table class="agents"><tr><th>agent</th><th class="num">generation</th><th>status</th><th class="num">pass rate</th><th class="num">tasks</th><th>95 % interval</th><th></th><th class="num">tests passed</th><th class="num">tokens / task</th></tr>"#,
    );
    for meta in view.variants.values() {
        let metric = |name: &str| meta.metrics.get(name).copied();
        let status = if meta.is_validated() {
            r#"<span class="ok">kept</span>"#.to_string()
        } else {
            format!(
                r#"<span class="bad">{}</span>"#,
                esc(meta
                    .reason
                    .as_deref()
                    .map_or("rejected", crate::runs::reason_kind))
            )
        };
        let interval = match (metric("pass_low"), metric("pass_high")) {
            (Some(low), Some(high)) => (
                format!("{:.0}–{:.0} %", 100.0 * low, 100.0 * high),
                bar(metric("pass_rate").unwrap_or(0.0), low, high),
            ),
            _ => ("–".to_string(), String::new()),
        };
        let percent = |v: Option<f64>| v.map_or("–".into(), |v| format!("{:.0} %", 100.0 * v));
        let _ = write!(
            out,
            r#"<tr data-agent="{id}"><td>{}</td><td class="num">{}</td><td>{status}</td><td class="num">{}</td><td class="num">{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            variant_link(&view.name, meta.id),
            metric("generation").map_or("–".into(), |g| format!("{g:.0}")),
            percent(metric("pass_rate")),
            metric("tasks").map_or("–".into(), |t| format!("{t:.0}")),
            interval.0,
            interval.1,
            percent(metric("tests_fraction")),
            metric("tokens_per_task").map_or("–".into(), |t| format!("{t:.0}")),
            id = meta.id,
        );
    }
    out.push_str("</table>");
    out
}

/// A 0–100 % axis with the interval as a band and the rate as a tick.
fn bar(rate: f64, low: f64, high: f64) -> String {
    let x = |v: f64| 2.0 + 116.0 * v.clamp(0.0, 1.0);
    format!(
        r##"<svg class="interval" width="120" height="12" viewBox="0 0 120 12"><line x1="2" y1="6" x2="118" y2="6" stroke="#d9dde3"/><rect x="{:.1}" y="3" width="{:.1}" height="6" fill="#9db4e0"/><line x1="{r:.1}" y1="1" x2="{r:.1}" y2="11" stroke="#2f5fb3" stroke-width="2"/></svg>"##,
        x(low),
        (x(high) - x(low)).max(1.0),
        r = x(rate),
    )
}

/// The host-written records of agent `id` (what `clade evolve-agent` kept
/// beside the variant), each shown as text; JSON pretty-printed.
pub(crate) fn records(archive: &Archive, run: &str, id: u64) -> String {
    let files = match archive
        .results()
        .and_then(|store| store.get(&agent_extras_key(run, id)))
    {
        Ok(Some(files)) if !files.is_empty() => files,
        Ok(_) => return String::new(),
        Err(e) => {
            return format!(
                r#"<h2>Agent records</h2><p class="bad">Not readable: {}</p>"#,
                esc(&e.to_string())
            );
        }
    };
    let mut out = String::from("<h2>Agent records</h2>");
    for (name, bytes) in files {
        let text = String::from_utf8_lossy(&bytes);
        let text = if name.ends_with(".json") {
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or_else(|| text.into_owned())
        } else {
            text.into_owned()
        };
        let shown = match text.char_indices().nth(RECORD_LIMIT) {
            Some((cut, _)) => format!(
                "{}\n… ({} more bytes: `git show {}agent-evolve/…`)",
                &text[..cut],
                text.len() - cut,
                clade_archive::RESULTS_ROOT
            ),
            None => text,
        };
        let _ = write!(
            out,
            r#"<details class="exchange" open><summary>{}</summary><pre class="record">{}</pre></details>"#,
            esc(&name),
            esc(&shown)
        );
    }
    out
}
