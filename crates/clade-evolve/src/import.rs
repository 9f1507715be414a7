//! `clade import openevolve`: an OpenEvolve problem folder
//! (`initial_program.py` with EVOLVE-BLOCK markers, `evaluator.py` with
//! `evaluate(program_path)`, `config.yaml`) as a Clade project, unedited.
//!
//! The folder's files are copied as they are; `clade.toml` runs the program
//! with `build = "python"` and scores it with the evaluator through the
//! bridge (`scorer = { evaluator = .. }`, see [`crate::bridge`]). Keys of
//! `config.yaml` with a Clade equivalent are mapped and reported; the rest
//! are listed, never silently dropped. A key holding a secret (`api_key`)
//! is never copied. This module writes files; it never runs anything.

use std::path::{Path, PathBuf};

use yaml_serde::Value;

use crate::config::Config;
use crate::error::EvolveError;

/// The program and evaluator an OpenEvolve folder must hold.
pub const PROGRAM: &str = "initial_program.py";
pub const EVALUATOR: &str = "evaluator.py";
const CONFIG: &str = "config.yaml";

/// What an import wrote and how the config's keys fared.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Imported {
    pub dir: PathBuf,
    pub config: PathBuf,
    /// Files copied, relative to `dir`.
    pub files: Vec<String>,
    /// `OpenEvolve key = value → clade.toml key`, in the order met.
    pub mapped: Vec<String>,
    /// OpenEvolve keys with no Clade equivalent, each with why.
    pub unmapped: Vec<String>,
}

/// Imports the OpenEvolve folder `source` into the new folder `into`;
/// `python` is the evaluator's interpreter (with the packages it imports).
pub fn openevolve(source: &Path, into: &Path, python: &str) -> Result<Imported, EvolveError> {
    let setup = |m: String| EvolveError::Setup(m);
    for required in [PROGRAM, EVALUATOR] {
        if !source.join(required).is_file() {
            return Err(setup(format!(
                "{} has no {required}: an OpenEvolve problem folder holds {PROGRAM}, {EVALUATOR} and usually {CONFIG}",
                source.display()
            )));
        }
    }
    if into.exists() && std::fs::read_dir(into).map_or(true, |mut d| d.next().is_some()) {
        return Err(setup(format!(
            "{} already exists and is not empty; name a new folder",
            into.display()
        )));
    }
    let yaml = match std::fs::read_to_string(source.join(CONFIG)) {
        Ok(text) => yaml_serde::from_str::<Value>(&text)
            .map_err(|e| setup(format!("{}: {e}", source.join(CONFIG).display())))?,
        Err(_) => Value::Null,
    };
    let mut mapping = Mapping::default();
    let toml = mapping.clade_toml(&yaml, python);
    // What we write must load: a mapping bug is ours, not the user's.
    Config::parse(&toml, &into.join("clade.toml"), into)
        .map_err(|e| EvolveError::Internal(format!("the imported config does not load: {e}")))?;
    std::fs::create_dir_all(into).map_err(EvolveError::io("create", into))?;
    let mut files = Vec::new();
    copy_tree(source, into, "", &mut files)?;
    let config = into.join("clade.toml");
    std::fs::write(&config, toml).map_err(EvolveError::io("write", &config))?;
    Ok(Imported {
        dir: into.to_path_buf(),
        config,
        files,
        mapped: mapping.mapped,
        unmapped: mapping.unmapped,
    })
}

/// Copies plain files and folders, leaving out what OpenEvolve or Python
/// made (outputs, caches) and hidden entries; a symlink is not followed.
fn copy_tree(
    from: &Path,
    to: &Path,
    rel: &str,
    files: &mut Vec<String>,
) -> Result<(), EvolveError> {
    let dir = from.join(rel);
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .map_err(EvolveError::io("read", &dir))?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let skip = name.starts_with('.')
            || name == "__pycache__"
            || name.starts_with("openevolve_output")
            || name.ends_with(".pyc")
            || (rel.is_empty() && name == "clade.toml");
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if skip || kind.is_symlink() {
            continue;
        }
        let child = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let target = to.join(&child);
        if kind.is_dir() {
            std::fs::create_dir_all(&target).map_err(EvolveError::io("create", &target))?;
            copy_tree(from, to, &child, files)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).map_err(EvolveError::io("copy", &target))?;
            files.push(child);
        }
    }
    Ok(())
}

#[derive(Default)]
struct Mapping {
    mapped: Vec<String>,
    unmapped: Vec<String>,
}

/// A TOML string literal.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn get<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => yaml_serde::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// Keys read (so not "unmapped"), by section.
const KNOWN: &[&str] = &[
    "max_iterations",
    "random_seed",
    "prompt.system_message",
    "evaluator.timeout",
    "evaluator.parallel_evaluations",
    "database.num_islands",
    "database.migration_interval",
    "database.migration_rate",
    "database.exploration_ratio",
    "database.exploitation_ratio",
    "database.archive_size",
    "llm.models",
    "llm.api_base",
    "llm.temperature",
    "llm.max_tokens",
    "llm.timeout",
    "llm.retries",
    "llm.api_key",
];

impl Mapping {
    fn note(&mut self, key: &str, value: &Value, to: &str) {
        self.mapped
            .push(format!("{key} = {} → {to}", scalar(value)));
    }

    fn clade_toml(&mut self, yaml: &Value, python: &str) -> String {
        let mut run = Vec::new();
        if let Some(v) = get(yaml, "max_iterations").filter(|v| v.as_u64().is_some()) {
            run.push(format!("iterations = {}", scalar(v)));
            self.note("max_iterations", v, "run.iterations");
        }
        if let Some(v) = get(yaml, "random_seed").filter(|v| v.as_u64().is_some()) {
            run.push(format!("seed = {}", scalar(v)));
            self.note("random_seed", v, "run.seed");
        }
        if let Some(v) = get(yaml, "evaluator.parallel_evaluations").and_then(Value::as_u64) {
            let n = v.clamp(1, 64);
            run.push(format!("parallel_evaluations = {n}"));
            self.note(
                "evaluator.parallel_evaluations",
                &Value::from(v),
                "run.parallel_evaluations",
            );
        }
        let timeout = get(yaml, "evaluator.timeout")
            .and_then(Value::as_f64)
            .filter(|t| *t >= 1.0)
            .map(|t| t.ceil() as u64);
        if let Some(t) = timeout {
            self.note(
                "evaluator.timeout",
                &Value::from(t),
                "evaluate.scorer.timeout_s and evaluate.timeout_ms (each sandboxed run)",
            );
        }
        let task = get(yaml, "prompt.system_message").and_then(Value::as_str);
        if task.is_some() {
            self.mapped
                .push("prompt.system_message → target.task".into());
        }
        let search = self.search(yaml);
        let llm = self.llm(yaml);
        self.list_unmapped(yaml, "");
        let mut text = String::from(
            "# Imported from an OpenEvolve problem folder by `clade import openevolve`.\n\
             # The program runs only in Clade's sandbox (wasm CPython with numpy and scipy);\n\
             # evaluator.py runs natively, unedited, and reaches the program through Clade's\n\
             # bridge (README: \"OpenEvolve problems\").\n",
        );
        if !run.is_empty() {
            text += &format!("\n[run]\n{}\n", run.join("\n"));
        }
        text += &format!(
            "\n[target]\nbuild = \"python\"\nfiles = [\"{PROGRAM}\"]\nentry = \"{PROGRAM}\"\n"
        );
        if let Some(task) = task {
            text += &format!("task = {}\n", quoted(task.trim()));
        }
        let timeout = timeout.unwrap_or(crate::config::EVALUATOR_TIMEOUT_S);
        text += &format!(
            "\n[evaluate]\nscorer = {{ evaluator = \"{EVALUATOR}\", python = {}, timeout_s = {timeout} }}\n\
             metric = \"combined_score\"\ndirection = \"maximize\"\n\
             # Per sandboxed run (a loaded module's interpreter, or a script): Python needs\n\
             # far more fuel and memory than a Rust program.\n\
             fuel = 1000000000000\nmemory_mb = 1024\ntimeout_ms = {}\n",
            quoted(python),
            timeout * 1000
        );
        if !search.is_empty() {
            text += &format!("\n[search]\n{}\n", search.join("\n"));
        }
        text += &llm;
        text
    }

    fn search(&mut self, yaml: &Value) -> Vec<String> {
        let mut search = Vec::new();
        for (key, clade) in [
            ("database.num_islands", "islands"),
            ("database.migration_interval", "migration_interval"),
        ] {
            if let Some(v) = get(yaml, key).filter(|v| v.as_u64().is_some_and(|n| n >= 1)) {
                search.push(format!("{clade} = {}", scalar(v)));
                self.note(key, v, &format!("search.{clade}"));
            }
        }
        if let Some(v) = get(yaml, "database.migration_rate").and_then(Value::as_f64) {
            search.push(format!("migration_rate = {}", v.clamp(0.0, 1.0)));
            self.note(
                "database.migration_rate",
                &Value::from(v),
                "search.migration_rate",
            );
        }
        let ratio = |key: &str| get(yaml, key).and_then(Value::as_f64);
        let (exploration, exploitation) = (
            ratio("database.exploration_ratio"),
            ratio("database.exploitation_ratio"),
        );
        if exploration.is_some() || exploitation.is_some() {
            // OpenEvolve mixes three rules (a random island member, an
            // archive elite, a fitness-weighted pick); Clade has one.
            let (explore, exploit) = (exploration.unwrap_or(0.2), exploitation.unwrap_or(0.7));
            let rule = if exploit >= explore {
                let width = get(yaml, "database.archive_size")
                    .and_then(Value::as_u64)
                    .unwrap_or(100)
                    .clamp(1, 1000);
                search.push(format!(
                    "selection = {{ strategy = \"beam\", width = {width} }}"
                ));
                format!(
                    "search.selection = beam (uniform among the {width} best: exploitation of the archive dominates; Clade uses one rule, not OpenEvolve's mixture)"
                )
            } else {
                search.push("selection = { strategy = \"uniform\" }".into());
                "search.selection = uniform (exploration dominates; Clade uses one rule, not OpenEvolve's mixture)".into()
            };
            self.mapped.push(format!(
                "database.exploration_ratio = {explore}, exploitation_ratio = {exploit} → {rule}"
            ));
        }
        search
    }

    fn llm(&mut self, yaml: &Value) -> String {
        let Some(models) = get(yaml, "llm.models").and_then(Value::as_sequence) else {
            self.mapped.push(
                "llm.models: none given → Clade's default local model (OpenEvolve's default is an API model)".into(),
            );
            return String::new();
        };
        let base = get(yaml, "llm.api_base").and_then(Value::as_str);
        let number = |key: &str| get(yaml, key).and_then(Value::as_f64);
        let mut text = String::new();
        for model in models {
            let Some(name) = model.get("name").and_then(Value::as_str) else {
                self.unmapped
                    .push("llm.models: an entry without a name was left out".into());
                continue;
            };
            text += &format!(
                "\n[[llm.models]]\nprovider = \"openai\"\nmodel = {}\n",
                quoted(name)
            );
            if let Some(url) = model.get("api_base").and_then(Value::as_str).or(base) {
                text += &format!("base_url = {}\n", quoted(url));
            }
            // OpenEvolve reads OPENAI_API_KEY unless a key is written in the
            // config; a written key is a secret and is not copied.
            text += "api_key_env = \"OPENAI_API_KEY\"\n";
            if let Some(w) = model
                .get("weight")
                .and_then(Value::as_f64)
                .filter(|w| *w > 0.0)
            {
                text += &format!("weight = {w}\n");
            }
            if let Some(t) = number("llm.temperature") {
                text += &format!("temperature = {t}\n");
            }
            if let Some(n) = get(yaml, "llm.max_tokens").and_then(Value::as_u64) {
                text += &format!("max_tokens = {n}\n");
            }
            if let Some(t) = number("llm.timeout").filter(|t| *t > 0.0) {
                text += &format!("timeout_s = {t}\n");
            }
            if let Some(r) = get(yaml, "llm.retries").and_then(Value::as_u64) {
                text += &format!("max_retries = {r}\n");
            }
            if model.get("api_key").is_some() {
                self.unmapped.push(format!(
                    "llm.models[{name}].api_key: not copied (a secret); Clade reads OPENAI_API_KEY"
                ));
            }
            self.mapped.push(format!(
                "llm.models[{name}] → [[llm.models]] (openai-compatible; api_base, temperature, max_tokens, timeout, retries with it)"
            ));
        }
        if get(yaml, "llm.api_key").is_some() {
            self.unmapped
                .push("llm.api_key: not copied (a secret); Clade reads OPENAI_API_KEY".into());
        }
        text
    }

    /// Every leaf key of `yaml` not in [`KNOWN`].
    fn list_unmapped(&mut self, yaml: &Value, prefix: &str) {
        let Some(map) = yaml.as_mapping() else {
            return;
        };
        for (key, value) in map {
            let key = scalar(key);
            let path = if prefix.is_empty() {
                key
            } else {
                format!("{prefix}.{key}")
            };
            if KNOWN.contains(&path.as_str()) {
                continue;
            }
            if value.is_mapping() {
                self.list_unmapped(value, &path);
            } else {
                self.unmapped
                    .push(format!("{path} = {}: no Clade equivalent", scalar(value)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG_YAML: &str = r#"
max_iterations: 40
random_seed: 7
checkpoint_interval: 10
llm:
  api_base: "http://127.0.0.1:9/v1"
  api_key: "sk-must-not-be-copied"
  models:
    - name: "gpt-4o-mini"
      weight: 0.8
    - name: "o3"
      weight: 0.2
  temperature: 0.7
  max_tokens: 4096
prompt:
  system_message: "You pack circles."
  num_top_programs: 3
database:
  num_islands: 3
  archive_size: 20
  exploration_ratio: 0.2
  exploitation_ratio: 0.7
  migration_interval: 25
  migration_rate: 0.1
evaluator:
  timeout: 60
  cascade_evaluation: true
"#;

    fn folder(config: Option<&str>) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(PROGRAM),
            "# EVOLVE-BLOCK-START\nx = 1\n# EVOLVE-BLOCK-END\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join(EVALUATOR),
            "def evaluate(p):\n    return {'combined_score': 1.0}\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("__pycache__")).unwrap();
        std::fs::write(dir.path().join("__pycache__/x.pyc"), "").unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        std::fs::write(dir.path().join("data/points.txt"), "1 2\n").unwrap();
        if let Some(config) = config {
            std::fs::write(dir.path().join(CONFIG), config).unwrap();
        }
        dir
    }

    #[test]
    fn an_openevolve_config_maps_to_clade_toml_and_lists_the_rest() {
        let source = folder(Some(CONFIG_YAML));
        let into = tempfile::tempdir().unwrap();
        let out = into.path().join("project");
        let imported = openevolve(source.path(), &out, "/usr/bin/python3").unwrap();
        assert_eq!(
            imported.files,
            [
                "config.yaml",
                "data/points.txt",
                "evaluator.py",
                "initial_program.py"
            ]
        );
        let config = Config::load(&out).unwrap();
        assert_eq!(config.run.iterations, 40);
        assert_eq!(config.run.seed, 7);
        assert_eq!(config.search.islands, 3);
        assert_eq!(config.search.migration_interval, 25);
        assert_eq!(config.evaluate.timeout_ms, 60_000);
        assert_eq!(config.evaluate.metric, "combined_score");
        assert_eq!(config.target.task.as_deref(), Some("You pack circles."));
        assert_eq!(
            config.search.selection,
            clade_archive::Selection::Beam { width: 20 }
        );
        let models = &config.llm.models;
        assert_eq!(models.len(), 2);
        assert_eq!(models[0].model, "gpt-4o-mini");
        assert_eq!(models[0].weight, 0.8);
        assert_eq!(models[1].base_url.as_deref(), Some("http://127.0.0.1:9/v1"));
        assert_eq!(models[1].max_tokens, Some(4096));
        assert!(matches!(
            &config.evaluate.scorer,
            crate::ScorerConfig::Evaluator { python: Some(p), timeout_s: Some(60), .. } if p == "/usr/bin/python3"
        ));
        let text = std::fs::read_to_string(&imported.config).unwrap();
        assert!(!text.contains("sk-must-not-be-copied"), "{text}");
        let unmapped = imported.unmapped.join("\n");
        for key in [
            "checkpoint_interval = 10",
            "prompt.num_top_programs = 3",
            "evaluator.cascade_evaluation = true",
            "llm.api_key: not copied",
        ] {
            assert!(unmapped.contains(key), "{key} missing from:\n{unmapped}");
        }
        assert!(!unmapped.contains("sk-must"), "{unmapped}");
    }

    #[test]
    fn a_folder_without_config_imports_with_defaults() {
        let source = folder(None);
        let into = tempfile::tempdir().unwrap();
        let imported = openevolve(source.path(), into.path(), "python3").unwrap();
        let config = Config::load(into.path()).unwrap();
        assert!(config.llm.models.is_empty());
        assert_eq!(config.target.entry.as_deref(), Some(PROGRAM));
        assert!(imported.unmapped.is_empty(), "{:?}", imported.unmapped);
    }

    #[test]
    fn what_cannot_be_imported_says_why() {
        let source = folder(None);
        std::fs::remove_file(source.path().join(EVALUATOR)).unwrap();
        let into = tempfile::tempdir().unwrap();
        let err = openevolve(source.path(), &into.path().join("p"), "python3").unwrap_err();
        assert!(err.to_string().contains("has no evaluator.py"), "{err}");

        let source = folder(Some("max_iterations: [unclosed"));
        let err = openevolve(source.path(), &into.path().join("p"), "python3").unwrap_err();
        assert!(err.to_string().contains("config.yaml"), "{err}");

        let source = folder(None);
        std::fs::write(into.path().join("taken"), "").unwrap();
        let err = openevolve(source.path(), into.path(), "python3").unwrap_err();
        assert!(err.to_string().contains("not empty"), "{err}");
    }
}
