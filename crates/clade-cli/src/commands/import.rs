//! `clade import openevolve`: arguments and the report; the import is
//! `clade_evolve::import`.

use std::path::PathBuf;

use anyhow::Context;

#[derive(clap::Subcommand)]
pub enum ImportCommand {
    /// Turn an OpenEvolve problem folder (initial_program.py, evaluator.py,
    /// config.yaml) into a Clade project: the program runs in the sandbox,
    /// the evaluator natively and unedited.
    Openevolve(OpenevolveArgs),
}

#[derive(clap::Args)]
pub struct OpenevolveArgs {
    /// The OpenEvolve problem folder.
    pub dir: PathBuf,
    /// The new project folder (default: <DIR>-clade beside it).
    #[arg(long)]
    pub into: Option<PathBuf>,
    /// The Python that runs the evaluator, with the packages it imports.
    #[arg(long, default_value = clade_evolve::EVALUATOR_PYTHON)]
    pub python: String,
    #[arg(long)]
    pub json: bool,
}

pub fn run(command: ImportCommand) -> anyhow::Result<()> {
    let ImportCommand::Openevolve(args) = command;
    let into = match args.into {
        Some(into) => into,
        None => {
            let full = std::path::absolute(&args.dir).context("resolving the folder")?;
            let name = full
                .file_name()
                .map(|n| format!("{}-clade", n.to_string_lossy()))
                .context("the folder has no name")?;
            full.with_file_name(name)
        }
    };
    let imported = clade_evolve::import::openevolve(&args.dir, &into, &args.python)?;
    if args.json {
        println!("{}", serde_json::to_string(&imported)?);
        return Ok(());
    }
    println!(
        "imported {} files into {}",
        imported.files.len(),
        imported.dir.display()
    );
    for line in &imported.mapped {
        println!("  mapped    {line}");
    }
    for line in &imported.unmapped {
        println!("  unmapped  {line}");
    }
    println!(
        "next: cd {} && git init -q && git add -A && git commit -qm 'OpenEvolve problem' && clade run",
        imported.dir.display()
    );
    Ok(())
}
