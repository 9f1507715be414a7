//! `clade model serve`: arguments, the banner and the listener; the server
//! is `clade_llm::serve`.

use std::io::Write;
use std::net::{Ipv4Addr, TcpListener};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clade_llm::{Endpoint, ModelConfig, ProviderKind};

#[derive(clap::Subcommand)]
pub enum ModelCommand {
    /// Serve the local model on 127.0.0.1 as an OpenAI-compatible endpoint
    /// (POST /v1/chat/completions, GET /v1/models), for other tools. No key
    /// is needed; replies are whole (no streaming). Ctrl-C stops it.
    Serve(ServeArgs),
}

#[derive(clap::Args)]
pub struct ServeArgs {
    /// `1.5b` (the default model), `0.5b`, or the path of a GGUF file.
    #[arg(long, default_value = "1.5b")]
    pub model: String,
    /// The port on 127.0.0.1 (0: any free port, printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The context size in tokens (prompt and reply).
    #[arg(long, default_value_t = 8192)]
    pub context: u32,
    /// Requests decoded together (continuous batching); more wait their
    /// turn.
    #[arg(long, default_value_t = clade_llm::DEFAULT_SLOTS)]
    pub slots: u32,
    /// Print the address and model as one JSON line.
    #[arg(long)]
    pub json: bool,
}

pub fn run(command: ModelCommand) -> anyhow::Result<ExitCode> {
    match command {
        ModelCommand::Serve(args) => serve(args),
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = model_config(&args)?;
    let name = config.model.clone();
    let slots = config.slots;
    let path = config.path.clone().unwrap_or_default();
    let endpoint = Endpoint::new(config, None).context("loading the model")?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, args.port))
        .with_context(|| format!("listening on 127.0.0.1:{}", args.port))?;
    let url = format!("http://{}/v1", listener.local_addr()?);
    if args.json {
        println!(
            "{}",
            serde_json::json!({"url": url, "model": name, "path": path, "slots": slots})
        );
    } else {
        println!("serving {name} ({path}) at {url}, {slots} requests decoded together");
        println!("  POST {url}/chat/completions, GET {url}/models; no key needed; Ctrl-C stops");
    }
    std::io::stdout().flush()?;
    clade_llm::serve(listener, Arc::new(endpoint), &name).context("starting the server")?;
    Ok(ExitCode::SUCCESS)
}

/// The local model `--model` names, its file resolved (a missing one is an
/// error saying how to fetch it).
fn model_config(args: &ServeArgs) -> anyhow::Result<ModelConfig> {
    let (name, path) = match args.model.as_str() {
        "1.5b" => (clade_evolve::DEFAULT_LOCAL_MODEL.to_string(), None),
        "0.5b" => ("qwen2.5-coder-0.5b-instruct".to_string(), None),
        file => {
            let stem = std::path::Path::new(file)
                .file_stem()
                .map_or("model".into(), |s| s.to_string_lossy().into_owned());
            (stem, Some(file.to_string()))
        }
    };
    let mut config = ModelConfig::new(ProviderKind::Local, &name);
    config.path = path;
    config.context_size = Some(args.context);
    config.slots = args.slots;
    config.concurrency = config.concurrency.max(args.slots as usize);
    clade_evolve::resolve_local_model(&mut config, &clade_sandbox::default_home())?;
    Ok(config)
}
