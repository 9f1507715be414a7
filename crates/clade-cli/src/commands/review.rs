//! `clade runs | tree | show | diff | branch | promote`: reading the archive.
//! The JSON shapes printed here are documented in README ("JSON output").

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Context;
use clade_archive::{Archive, Variant, VariantStatus, printable, unified_diff};
use serde_json::{Value, json};

/// The archive at `repo`; records it had to skip are warned about on
/// stderr, each naming its commit.
pub(crate) fn open(repo: &Path) -> anyhow::Result<Archive> {
    let archive = Archive::open(repo)
        .with_context(|| format!("opening the Clade archive at {}", repo.display()))?;
    for problem in archive.problems() {
        eprintln!("warning: {problem}");
    }
    Ok(archive)
}

/// The run to show: the one named, else the most recently created.
fn pick_run(archive: &Archive, run: Option<String>) -> anyhow::Result<String> {
    match run {
        Some(run) => {
            archive.run(&run)?;
            Ok(run)
        }
        None => archive
            .runs()
            .max_by_key(|r| r.created_ms)
            .map(|r| r.name.clone())
            .context("this archive has no runs yet; start one with `clade run`"),
    }
}

pub fn runs(repo: &Path, json_out: bool) -> anyhow::Result<()> {
    let archive = open(repo)?;
    let mut rows = Vec::new();
    for record in archive.runs() {
        let variants = archive.variants(&record.name)?;
        let validated = variants.iter().filter(|v| v.meta.is_validated()).count();
        let best = archive
            .best(&record.name)?
            .map(|id| archive.variant(&record.name, id))
            .transpose()?;
        rows.push(json!({
            "run": record.name,
            "variants": variants.len(),
            "validated": validated,
            "rejected": variants.len() - validated,
            "best": best.as_ref().map(|b| json!({"id": b.meta.id, "score": b.meta.score, "commit": b.commit})),
            "direction": record.direction,
            "seed": record.seed,
            "base_commit": record.base_commit,
            "created_ms": record.created_ms,
        }));
    }
    if json_out {
        println!("{}", Value::Array(rows));
        return Ok(());
    }
    if rows.is_empty() {
        println!("no runs yet; start one with `clade run`");
        return Ok(());
    }
    println!(
        "{:<24} {:>9} {:>9} {:>14}  BEST",
        "RUN", "VALIDATED", "REJECTED", "BEST SCORE"
    );
    for row in rows {
        let best = &row["best"];
        println!(
            "{:<24} {:>9} {:>9} {:>14}  {}",
            row["run"].as_str().unwrap_or(""),
            row["validated"],
            row["rejected"],
            best["score"]
                .as_f64()
                .map(|s| format!("{s}"))
                .unwrap_or_else(|| "-".into()),
            best["id"]
                .as_u64()
                .map(|id| format!("{}/{id}", row["run"].as_str().unwrap_or("")))
                .unwrap_or_default(),
        );
    }
    Ok(())
}

pub fn tree(repo: &Path, run: Option<String>, all: bool, json_out: bool) -> anyhow::Result<()> {
    let archive = open(repo)?;
    let run = pick_run(&archive, run)?;
    let record = archive.run(&run)?.clone();
    let variants = archive.variants(&run)?;
    let best = archive.best(&run)?;
    let best_path = match best {
        Some(id) => archive.lineage(&run, id)?.into_iter().rev().collect(),
        None => Vec::new(),
    };
    let children = |id: u64| -> Vec<&Variant> {
        variants
            .iter()
            .filter(|v| v.meta.parent == Some(id))
            .collect()
    };
    if json_out {
        let items: Vec<Value> = variants
            .iter()
            .map(|v| {
                json!({
                    "id": v.meta.id,
                    "parent": v.meta.parent,
                    "status": v.meta.status,
                    "score": v.meta.score,
                    "reason": v.meta.reason,
                    "operator": v.meta.operator,
                    "model": v.meta.model,
                    "generation": v.meta.generation,
                    "island": v.meta.island,
                    "commit": v.commit,
                    "children": children(v.meta.id).iter().map(|c| c.meta.id).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!(
            "{}",
            json!({"run": run, "direction": record.direction, "best": best, "best_path": best_path, "variants": items})
        );
        return Ok(());
    }
    let style = Style::detect();
    let rejected = variants.iter().filter(|v| !v.meta.is_validated()).count();
    println!(
        "run {run}: {} variants ({} validated, {rejected} rejected), {}; best: {}",
        variants.len(),
        variants.len() - rejected,
        format!("{:?}", record.direction).to_lowercase(),
        best.map(|b| format!("{run}/{b}"))
            .unwrap_or_else(|| "none".into())
    );
    let roots: Vec<&Variant> = variants
        .iter()
        .filter(|v| v.meta.parent.is_none())
        .collect();
    let mut lines = Vec::new();
    for (i, root) in roots.iter().enumerate() {
        draw(
            &variants,
            root,
            "",
            i + 1 == roots.len(),
            &best_path,
            all,
            &style,
            &mut lines,
        );
    }
    for line in lines {
        println!("{}", printable(&line));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn draw(
    all_variants: &[Variant],
    v: &Variant,
    prefix: &str,
    last: bool,
    best_path: &[u64],
    show_rejected: bool,
    style: &Style,
    out: &mut Vec<String>,
) {
    let on_path = best_path.contains(&v.meta.id);
    let marker = if on_path { style.bold("*") } else { " ".into() };
    let branch = if v.meta.parent.is_none() {
        ""
    } else if last {
        "└─ "
    } else {
        "├─ "
    };
    let what = match (v.meta.status, v.meta.score) {
        (Some(VariantStatus::Validated), Some(score)) => format!("score {score}"),
        _ => style.red(&format!(
            "rejected: {}",
            v.meta
                .reason
                .as_deref()
                .and_then(|r| r.lines().next())
                .unwrap_or("?")
        )),
    };
    let operator = v
        .meta
        .operator
        .as_deref()
        .map(|o| format!(" [{o}]"))
        .unwrap_or_default();
    let best = if best_path.last() == Some(&v.meta.id) {
        style.bold("  ← best")
    } else {
        String::new()
    };
    let kids: Vec<&Variant> = all_variants
        .iter()
        .filter(|c| c.meta.parent == Some(v.meta.id))
        .collect();
    let hidden = kids.iter().filter(|c| !c.meta.is_validated()).count();
    let shown: Vec<&&Variant> = kids
        .iter()
        .filter(|c| show_rejected || c.meta.is_validated())
        .collect();
    let hidden_note = if !show_rejected && hidden > 0 {
        format!(" (+{hidden} rejected)")
    } else {
        String::new()
    };
    out.push(format!(
        "{marker} {prefix}{branch}{}{} {what}{operator}{hidden_note}{best}",
        v.meta.run,
        style.dim(&format!("/{}", v.meta.id))
    ));
    let child_prefix = if v.meta.parent.is_none() {
        String::new()
    } else {
        format!("{prefix}{}", if last { "   " } else { "│  " })
    };
    for (i, child) in shown.iter().enumerate() {
        draw(
            all_variants,
            child,
            &child_prefix,
            i + 1 == shown.len(),
            best_path,
            show_rejected,
            style,
            out,
        );
    }
}

pub fn show(repo: &Path, spec: &str, with_transcript: bool, json_out: bool) -> anyhow::Result<()> {
    let archive = open(repo)?;
    let (run, id) = archive.resolve(spec)?;
    let variant = archive.variant(&run, id)?;
    let files = archive.diff(&run, variant.meta.parent, Some(id))?;
    let transcript = if with_transcript {
        archive.transcript(&run, id)?
    } else {
        None
    };
    if json_out {
        let diff: Vec<Value> = files
            .iter()
            .map(|f| json!({"path": f.path, "unified": unified_diff(f)}))
            .collect();
        let mut out = json!({"run": run, "id": id, "commit": variant.commit, "tree": variant.tree, "meta": variant.meta, "diff": diff});
        if with_transcript {
            out["transcript"] = json!(transcript);
        }
        println!("{out}");
        return Ok(());
    }
    let style = Style::detect();
    let m = &variant.meta;
    println!(
        "{} {}",
        style.bold(&format!("variant {run}/{id}")),
        style.dim(&format!("commit {}", variant.commit))
    );
    let status = match (m.status, m.score) {
        (Some(VariantStatus::Validated), Some(score)) => format!("validated, score {score}"),
        _ => style.red(&format!(
            "rejected: {}",
            printable(m.reason.as_deref().unwrap_or("?"))
        )),
    };
    println!("status     {status}");
    let parent = m
        .parent
        .map(|p| format!("{run}/{p}"))
        .unwrap_or_else(|| "none (seed)".into());
    println!(
        "lineage    parent {parent}, generation {}, island {}",
        m.generation, m.island
    );
    if m.operator.is_some() || m.model.is_some() {
        println!(
            "proposal   operator {}, model {}",
            m.operator.as_deref().unwrap_or("-"),
            m.model.as_deref().unwrap_or("-")
        );
    }
    if !m.metrics.is_empty() {
        let metrics: Vec<String> = m.metrics.iter().map(|(k, v)| format!("{k}={v}")).collect();
        println!("metrics    {}", metrics.join("  "));
    }
    if m.tokens_in.is_some() || m.cost_usd.is_some() {
        println!(
            "llm        {} tokens in, {} out, ${:.4}",
            m.tokens_in.unwrap_or(0),
            m.tokens_out.unwrap_or(0),
            m.cost_usd.unwrap_or(0.0)
        );
    }
    if m.sandbox.fuel.is_some() || m.sandbox.wall_ms.is_some() {
        println!(
            "sandbox    fuel {}, wall {:.2} ms, peak memory {} KiB",
            m.sandbox
                .fuel
                .map(|f| f.to_string())
                .unwrap_or_else(|| "-".into()),
            m.sandbox.wall_ms.unwrap_or(0.0),
            m.sandbox.peak_memory_bytes.unwrap_or(0) >> 10
        );
    }
    if let Some(reflection) = &m.reflection {
        println!(
            "hint       {} (comparing {run}/{} over {run}/{})",
            printable(&reflection.hint),
            reflection.better,
            reflection.worse
        );
    }
    if let Some(instruction) = &m.instruction {
        let new = if instruction.mutated_from.is_some() {
            " (new: rewritten from an earlier one)"
        } else {
            ""
        };
        println!("approach   {}{new}", printable(&instruction.text));
    }
    if let Some(feedback) = &m.feedback {
        println!(
            "feedback   {}",
            printable(feedback.lines().next().unwrap_or(""))
        );
    }
    println!();
    print_diff(&files, &style);
    if with_transcript {
        println!();
        match &transcript {
            Some(transcript) => print_transcript(transcript, &style),
            None => println!(
                "(no transcript: the variant was made without an LLM, or recorded before Clade kept them)"
            ),
        }
    }
    Ok(())
}

fn print_transcript(transcript: &clade_archive::Transcript, style: &Style) {
    for exchange in &transcript.exchanges {
        let cached = if exchange.cached {
            ", from the cache"
        } else {
            ""
        };
        println!(
            "{}",
            style.bold(&format!(
                "=== {} · {} · {} tokens in, {} out{cached}",
                exchange.label(),
                printable(&exchange.model),
                exchange.tokens_in,
                exchange.tokens_out
            ))
        );
        for message in &exchange.messages {
            println!("{}", style.cyan(&format!("--- {}", message.role.as_str())));
            println!("{}", printable(message.content.trim_end()));
        }
        println!("{}", style.cyan("--- reply"));
        println!("{}", printable(exchange.reply.trim_end()));
    }
}

pub fn diff(repo: &Path, a: &str, b: Option<&str>) -> anyhow::Result<()> {
    let archive = open(repo)?;
    let (run_a, id_a) = archive.resolve(a)?;
    let files = match b {
        None => {
            let parent = archive.variant(&run_a, id_a)?.meta.parent;
            archive.diff(&run_a, parent, Some(id_a))?
        }
        Some(b) => {
            let (run_b, id_b) = archive.resolve(b)?;
            archive.diff_between((&run_a, id_a), (&run_b, id_b))?
        }
    };
    print_diff(&files, &Style::detect());
    Ok(())
}

pub fn branch(repo: &Path, spec: &str, name: Option<&str>) -> anyhow::Result<()> {
    let archive = open(repo)?;
    let (run, id) = archive.resolve(spec)?;
    let name = archive.create_branch(&run, id, name)?;
    let commit = archive.variant(&run, id)?.commit;
    println!("created branch {name} at {commit} ({run}/{id})");
    Ok(())
}

pub fn promote(repo: &Path, spec: &str) -> anyhow::Result<()> {
    let archive = open(repo)?;
    let (run, id) = archive.resolve(spec)?;
    let commit = archive.promote(&run, id)?;
    println!("promoted {run}/{id} onto the current branch as {commit}");
    Ok(())
}

fn print_diff(files: &[clade_archive::FileDiff], style: &Style) {
    if files.is_empty() {
        println!("(no changes)");
    }
    for file in files {
        let diff = unified_diff(file);
        for line in printable(&diff).lines() {
            let line = if line.starts_with("+++") || line.starts_with("---") {
                style.bold(line)
            } else if line.starts_with('+') {
                style.green(line)
            } else if line.starts_with('-') {
                style.red(line)
            } else if line.starts_with("@@") {
                style.cyan(line)
            } else {
                line.to_string()
            };
            println!("{line}");
        }
    }
}

/// ANSI colours on a terminal, unless NO_COLOR is set.
struct Style {
    on: bool,
}

impl Style {
    fn detect() -> Self {
        Style {
            on: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
    fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }
    fn red(&self, t: &str) -> String {
        self.paint("31", t)
    }
    fn green(&self, t: &str) -> String {
        self.paint("32", t)
    }
    fn cyan(&self, t: &str) -> String {
        self.paint("36", t)
    }
}
