//! The pages, as HTML strings built from the archive: the runs dashboard,
//! a run, a variant, two variants compared. Each takes an open archive and
//! returns markup or a [`Missing`]; none writes anything.

use std::collections::BTreeMap;
use std::fmt::Write;

use clade_archive::{Archive, FileDiff, Transcript, VariantMeta, unified_diff};

use crate::html::{Live, esc, live_page, page, score, url_part};
use crate::runs::{RunView, reason_kind};
use crate::svg::{self, Filter};

/// Something a URL named that the archive does not have.
#[derive(Debug)]
pub(crate) struct Missing(pub String);

impl From<clade_archive::ArchiveError> for Missing {
    fn from(e: clade_archive::ArchiveError) -> Self {
        Missing(e.to_string())
    }
}

fn run_href(run: &str) -> String {
    format!("/runs/{}", url_part(run))
}

fn variant_href(run: &str, id: u64) -> String {
    format!("/runs/{}/{id}", url_part(run))
}

pub(crate) fn variant_link(run: &str, id: u64) -> String {
    format!(r#"<a href="{}">#{id}</a>"#, variant_href(run, id))
}

/// Every run: status, best score, size, valid share, tokens, cost, and its
/// best-so-far line.
pub(crate) fn dashboard(archive: &Archive) -> Result<String, Missing> {
    let mut rows = String::new();
    let mut runs: Vec<_> = archive.runs().collect();
    runs.sort_by_key(|r| std::cmp::Reverse(r.created_ms));
    for record in runs {
        let view = RunView::load(archive, &record.name)?;
        let n = view.variants.len();
        let valid = view.validated();
        let _ = write!(
            rows,
            r#"<tr data-run="{}"><td><a href="{}">{}</a></td><td class="status-{}">{}</td><td class="num">{}</td><td class="num">{n}</td><td class="num">{:.0} %</td><td class="num">{}</td><td class="num">${:.4}</td><td>{}</td></tr>"#,
            esc(&record.name),
            run_href(&record.name),
            esc(&record.name),
            view.status.label(),
            view.status.label(),
            esc(&score(view.best_score())),
            100.0 * valid as f64 / n.max(1) as f64,
            view.tokens(),
            view.cost(),
            svg::sparkline(&view),
        );
    }
    let body = if rows.is_empty() {
        "<h1>Runs</h1><p>No runs yet: start one with <code>clade run</code>.</p>".to_string()
    } else {
        format!(
            r#"<h1>Runs</h1><table class="runs"><tr><th>run</th><th>status</th><th class="num">best</th><th class="num">variants</th><th class="num">valid</th><th class="num">tokens</th><th class="num">cost</th><th>best so far</th></tr>{rows}</table>"#
        )
    };
    Ok(page("runs", &[], &body))
}

/// One run: its tree, its chart, why variants were rejected, and how each
/// operator and model fared.
pub(crate) fn run(
    archive: &Archive,
    name: &str,
    filter: &Filter,
    reference: Option<&crate::Reference>,
) -> Result<String, Missing> {
    let view = RunView::load(archive, name)?;
    // A run whose config is unreadable simply has no reference line.
    let reference = reference.and_then(|lookup| lookup(&archive.run_config(name).ok()?));
    let mut body = format!(
        r#"<h1>Run {}</h1><p><span class="status-{}">{}</span> · {} variants, {} valid · best {} {} · {} tokens · ${:.4}</p>"#,
        esc(name),
        view.status.label(),
        view.status.label(),
        view.variants.len(),
        view.validated(),
        esc(&score(view.best_score())),
        view.best.map(|b| variant_link(name, b)).unwrap_or_default(),
        view.tokens(),
        view.cost(),
    );
    body.push_str(&filters(&view, filter));
    let _ = write!(
        body,
        r#"<div class="scroll">{}</div>"#,
        svg::tree(&view, filter)
    );
    let _ = write!(
        body,
        "<h2>Score over iterations</h2>{}",
        svg::chart(
            &view,
            reference
                .as_ref()
                .map(|(value, source)| (*value, source.as_str()))
        )
    );
    if crate::agents::is_agent_run(&view) {
        body.push_str(&crate::agents::table(&view));
    }
    body.push_str(&rejections(&view));
    body.push_str(&success_rates(&view));
    let live = Live {
        events: format!("{}/events", run_href(name)),
        count: view.variants.len(),
    };
    Ok(live_page(
        name,
        &[(run_href(name), name.to_string())],
        &body,
        Some(&live),
    ))
}

/// Links that set one filter each (and one that clears them).
fn filters(view: &RunView, filter: &Filter) -> String {
    let base = run_href(&view.name);
    let mut out = format!(
        r#"<p class="filters">show: <a href="{base}" class="{}">all</a>"#,
        on(filter.is_empty())
    );
    for status in ["validated", "rejected"] {
        let _ = write!(
            out,
            r#"<a href="{base}?status={status}" class="{}">{status}</a>"#,
            on(filter.status.as_deref() == Some(status))
        );
    }
    let islands: std::collections::BTreeSet<usize> =
        view.variants.values().map(|m| m.island).collect();
    if islands.len() > 1 {
        for island in islands {
            let _ = write!(
                out,
                r#"<a href="{base}?island={island}" class="{}">island {island}</a>"#,
                on(filter.island == Some(island))
            );
        }
    }
    for (key, values, current) in [
        (
            "operator",
            distinct(view, |m| m.operator.clone()),
            &filter.operator,
        ),
        ("model", distinct(view, |m| m.model.clone()), &filter.model),
    ] {
        for value in values {
            let _ = write!(
                out,
                r#"<a href="{base}?{key}={}" class="{}">{}</a>"#,
                url_part(&value),
                on(current.as_deref() == Some(value.as_str())),
                esc(&value)
            );
        }
    }
    out.push_str("</p>");
    out
}

fn on(active: bool) -> &'static str {
    if active { "on" } else { "" }
}

fn distinct(view: &RunView, key: impl Fn(&VariantMeta) -> Option<String>) -> Vec<String> {
    let set: std::collections::BTreeSet<String> = view.variants.values().filter_map(key).collect();
    set.into_iter().collect()
}

fn rejections(view: &RunView) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for meta in view.variants.values().filter(|m| !m.is_validated()) {
        *counts
            .entry(meta.reason.as_deref().map_or("unknown", reason_kind))
            .or_default() += 1;
    }
    if counts.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        r#"<h2>Rejections</h2><table class="reasons"><tr><th>reason</th><th class="num">variants</th></tr>"#,
    );
    for (reason, count) in counts {
        let _ = write!(
            out,
            r#"<tr><td><a href="{}?reason={}">{}</a></td><td class="num">{count}</td></tr>"#,
            run_href(&view.name),
            url_part(reason),
            esc(reason)
        );
    }
    out.push_str("</table>");
    out
}

fn success_rates(view: &RunView) -> String {
    let mut rows: BTreeMap<(&str, String), (usize, usize)> = BTreeMap::new();
    for meta in view.variants.values().filter(|m| m.parent.is_some()) {
        for (kind, value) in [("operator", &meta.operator), ("model", &meta.model)] {
            let entry = rows
                .entry((kind, value.clone().unwrap_or_else(|| "–".into())))
                .or_default();
            entry.0 += 1;
            entry.1 += usize::from(meta.is_validated());
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        r#"<h2>Operators and models</h2><table class="rates"><tr><th></th><th></th><th class="num">proposed</th><th class="num">valid</th></tr>"#,
    );
    for ((kind, value), (proposed, valid)) in rows {
        let _ = write!(
            out,
            r#"<tr><td class="dim">{kind}</td><td>{}</td><td class="num">{proposed}</td><td class="num">{valid} ({:.0} %)</td></tr>"#,
            esc(&value),
            100.0 * valid as f64 / proposed.max(1) as f64
        );
    }
    out.push_str("</table>");
    out
}

/// A message shown above a variant page (an action's outcome).
pub(crate) enum Notice {
    Done(String),
    Refused(String),
}

/// One variant: what was recorded, its metrics against its parent and the
/// seed, its diffs, its family, and the review actions.
pub(crate) fn variant(
    archive: &Archive,
    run: &str,
    id: u64,
    actions: Option<&str>,
    notice: Option<Notice>,
) -> Result<String, Missing> {
    let view = RunView::load(archive, run)?;
    let meta = view
        .variants
        .get(&id)
        .ok_or_else(|| Missing(format!("run {run} has no variant {id}")))?;
    let commit = archive.variant(run, id)?.commit;
    let mut body = String::new();
    match notice {
        Some(Notice::Done(text)) => {
            let _ = write!(body, r#"<div class="message done">{}</div>"#, esc(&text));
        }
        Some(Notice::Refused(text)) => {
            let _ = write!(body, r#"<div class="message refused">{}</div>"#, esc(&text));
        }
        None => {}
    }
    let state = match (meta.is_validated(), &meta.reason) {
        (true, _) => format!(
            r#"<span class="ok">validated</span>, score {}"#,
            esc(&score(meta.score))
        ),
        (false, reason) => format!(
            r#"<span class="bad">rejected</span>: <span class="reason">{}</span>"#,
            esc(reason.as_deref().unwrap_or("?"))
        ),
    };
    let _ = write!(
        body,
        r#"<h1>Variant {}/{id}</h1><p>{state} · commit <code>{}</code></p>"#,
        esc(run),
        esc(&commit)
    );
    if let Some(actions) = actions {
        body.push_str(actions);
    }
    body.push_str(&family(&view, meta));
    body.push_str(&metrics(&view, meta));
    if let Some(feedback) = &meta.feedback {
        let _ = write!(
            body,
            r#"<h2>Build and evaluation output</h2><pre class="feedback">{}</pre>"#,
            esc(feedback)
        );
    }
    let _ = write!(
        body,
        "<h2>Diff against its parent</h2>{}",
        diff_html(&archive.diff(run, meta.parent, Some(id))?)
    );
    if meta.parent.is_some() {
        let _ = write!(
            body,
            "<h2>Diff against the run's base</h2>{}",
            diff_html(&archive.diff(run, None, Some(id))?)
        );
    }
    body.push_str(&prompt_section(meta, archive.transcript(run, id)?.as_ref()));
    body.push_str(&crate::agents::records(archive, run, id));
    body.push_str(&note_table(meta));
    let trail = [
        (run_href(run), run.to_string()),
        (variant_href(run, id), format!("#{id}")),
    ];
    Ok(page(&format!("{run}/{id}"), &trail, &body))
}

fn family(view: &RunView, meta: &VariantMeta) -> String {
    let links = |ids: &[u64]| {
        if ids.is_empty() {
            "none".to_string()
        } else {
            ids.iter()
                .map(|&i| variant_link(&view.name, i))
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    let parent = meta
        .parent
        .map_or("none (the seed)".into(), |p| variant_link(&view.name, p));
    format!(
        r#"<table class="family"><tr><th>parent</th><td>{parent}</td></tr><tr><th>path from the seed</th><td>{}</td></tr><tr><th>inspirations</th><td>{}</td></tr><tr><th>children</th><td>{}</td></tr><tr><th>island · generation</th><td>{} · {}</td></tr><tr><th>operator · model</th><td>{} · {}</td></tr></table>"#,
        links(&view.path_to(meta.id)),
        links(&meta.inspirations),
        links(&view.children(meta.id)),
        meta.island,
        meta.generation,
        esc(meta.operator.as_deref().unwrap_or("–")),
        esc(meta.model.as_deref().unwrap_or("–")),
    )
}

fn metrics(view: &RunView, meta: &VariantMeta) -> String {
    let parent = meta.parent.and_then(|p| view.variants.get(&p));
    let seed = view.variants.values().next();
    let mut names: Vec<&String> = meta.metrics.keys().collect();
    for other in [parent, seed].into_iter().flatten() {
        names.extend(other.metrics.keys());
    }
    names.sort();
    names.dedup();
    if names.is_empty() {
        return String::new();
    }
    let value = |m: Option<&VariantMeta>, name: &str| m.and_then(|m| m.metrics.get(name).copied());
    let delta = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => format!("{:+}", a - b),
        _ => "–".into(),
    };
    let mut out = String::from(
        r#"<h2>Metrics</h2><table class="metrics"><tr><th>metric</th><th class="num">this</th><th class="num">parent</th><th class="num">Δ parent</th><th class="num">seed</th><th class="num">Δ seed</th></tr>"#,
    );
    for name in names {
        let this = value(Some(meta), name);
        let (p, s) = (value(parent, name), value(seed, name));
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            esc(name),
            esc(&score(this)),
            esc(&score(p)),
            esc(&delta(this, p)),
            esc(&score(s)),
            esc(&delta(this, s)),
        );
    }
    out.push_str("</table>");
    out
}

/// Every LLM exchange of the variant's iteration; the last one (whose reply
/// became the candidate) open, the others folded.
fn prompt_section(meta: &VariantMeta, transcript: Option<&Transcript>) -> String {
    let Some(transcript) = transcript.filter(|t| !t.is_empty()) else {
        return format!(
            r#"<h2>Prompt and reply</h2><p class="dim">Not kept with this variant (made without an LLM; by an agent, whose exchanges are in its records; or recorded before Clade stored transcripts); digests: prompt <code>{}</code>, reply <code>{}</code>.</p>"#,
            esc(meta.prompt_digest.as_deref().unwrap_or("–")),
            esc(meta.response_digest.as_deref().unwrap_or("–"))
        );
    };
    let mut out = String::from("<h2>Prompt and reply</h2>");
    let last = transcript.exchanges.len() - 1;
    for (i, exchange) in transcript.exchanges.iter().enumerate() {
        let cached = if exchange.cached {
            " · from the cache"
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<details class="exchange"{}><summary>{} · {} · {} tokens in, {} out{cached}</summary>"#,
            if i == last { " open" } else { "" },
            exchange.label(),
            esc(&exchange.model),
            exchange.tokens_in,
            exchange.tokens_out,
        );
        for message in &exchange.messages {
            let _ = write!(
                out,
                r#"<h3>{}</h3><pre class="prompt">{}</pre>"#,
                message.role.as_str(),
                esc(&message.content)
            );
        }
        let _ = write!(
            out,
            r#"<h3>reply</h3><pre class="reply">{}</pre></details>"#,
            esc(&exchange.reply)
        );
    }
    out
}

/// Every field of the note, as stored.
fn note_table(meta: &VariantMeta) -> String {
    let mut out = String::from(r#"<h2>The note</h2><table class="note">"#);
    if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(meta) {
        for (key, value) in fields {
            let text = match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            let _ = write!(
                out,
                "<tr><th>{}</th><td>{}</td></tr>",
                esc(&key),
                esc(&text)
            );
        }
    }
    out.push_str("</table>");
    out
}

/// Unified diffs with added and removed lines marked; all text escaped.
pub(crate) fn diff_html(files: &[FileDiff]) -> String {
    if files.is_empty() {
        return r#"<p class="dim">No change.</p>"#.into();
    }
    let mut out = String::from(r#"<pre class="diff">"#);
    for file in files {
        for line in unified_diff(file).lines() {
            let class = match line.as_bytes().first() {
                Some(b'+') if !line.starts_with("+++") => "add",
                Some(b'-') if !line.starts_with("---") => "del",
                Some(b'@') => "hunk",
                _ => "",
            };
            if class.is_empty() {
                let _ = writeln!(out, "{}", esc(line));
            } else {
                let _ = write!(out, r#"<span class="{class}">{}</span>"#, esc(line));
            }
        }
    }
    out.push_str("</pre>");
    out
}

/// Two variants (of one run or two): the diff, metrics side by side, and
/// within one run the path between them through their common ancestor.
pub(crate) fn compare(archive: &Archive, a: &str, b: &str) -> Result<String, Missing> {
    let (run_a, id_a) = archive.resolve(a)?;
    let (run_b, id_b) = archive.resolve(b)?;
    let meta_a = archive.variant(&run_a, id_a)?.meta;
    let meta_b = archive.variant(&run_b, id_b)?.meta;
    let mut body = format!(
        "<h1>{} against {}</h1>",
        variant_label(&run_a, id_a),
        variant_label(&run_b, id_b)
    );
    let mut names: Vec<&String> = meta_a.metrics.keys().chain(meta_b.metrics.keys()).collect();
    names.sort();
    names.dedup();
    body.push_str(r#"<table class="metrics"><tr><th>metric</th><th class="num">a</th><th class="num">b</th></tr>"#);
    let _ = write!(
        body,
        r#"<tr><td>score</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
        esc(&score(meta_a.score)),
        esc(&score(meta_b.score))
    );
    for name in names {
        let _ = write!(
            body,
            r#"<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            esc(name),
            esc(&score(meta_a.metrics.get(name).copied())),
            esc(&score(meta_b.metrics.get(name).copied()))
        );
    }
    body.push_str("</table>");
    if run_a == run_b {
        let view = RunView::load(archive, &run_a)?;
        let (path_a, path_b) = (view.path_to(id_a), view.path_to(id_b));
        let common = path_a
            .iter()
            .zip(&path_b)
            .take_while(|(x, y)| x == y)
            .count();
        if common > 0 {
            let ancestor = path_a[common - 1];
            let up = path_a[common - 1..].iter().rev();
            let steps: Vec<String> = up
                .chain(&path_b[common..])
                .map(|&i| variant_link(&run_a, i))
                .collect();
            let _ = write!(
                body,
                r#"<p class="path">path: {} (common ancestor #{ancestor})</p>"#,
                steps.join(" → ")
            );
        }
    }
    let _ = write!(
        body,
        "<h2>Diff</h2>{}",
        diff_html(&archive.diff_between((&run_a, id_a), (&run_b, id_b))?)
    );
    Ok(page("compare", &[], &body))
}

fn variant_label(run: &str, id: u64) -> String {
    format!(
        r#"<a href="{}">{}/{id}</a>"#,
        variant_href(run, id),
        esc(run)
    )
}
