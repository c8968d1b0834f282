//! `wandguard schema`: prints one kind's JSON Schema, or exports all of them as `<kind>.schema.json`.

use std::path::PathBuf;

use clap::Args;
use wandguard::Sandbox;
use wandguard::config::Kind;

use super::files::write_atomically;
use super::kinds::{KINDS, parse_kind};
use super::{EXIT_OK, EXIT_USAGE};

/// Arguments of `wandguard schema`.
#[derive(Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["kind", "export"])))]
pub struct SchemaArgs {
    /// The kind whose schema to print.
    #[arg(value_parser = parse_kind, value_name = "KIND")]
    kind: Option<Kind>,
    /// Write every schema into this directory instead.
    #[arg(long, value_name = "DIR")]
    export: Option<PathBuf>,
}

/// Runs the command; returns the exit code.
pub fn run(sandbox: &Sandbox, args: &SchemaArgs) -> u8 {
    let outcome = match (&args.export, args.kind) {
        (Some(dir), _) => export(sandbox, dir),
        (None, Some(kind)) => sandbox.schema(kind).map(|schema| print!("{schema}")).map_err(|err| err.to_string()),
        (None, None) => Err("name a KIND or --export DIR".to_owned()),
    };
    match outcome {
        Ok(()) => EXIT_OK,
        Err(message) => {
            eprintln!("wandguard schema: {message}");
            EXIT_USAGE
        }
    }
}

fn export(sandbox: &Sandbox, dir: &PathBuf) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    for (name, kind) in KINDS {
        let schema = sandbox.schema(kind).map_err(|err| err.to_string())?;
        let path = dir.join(format!("{name}.schema.json"));
        write_atomically(&path, schema.as_bytes()).map_err(|err| format!("cannot write {}: {err}", path.display()))?;
        println!("{}", path.display());
    }
    Ok(())
}
