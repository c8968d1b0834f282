//! `wandguard sign` / `wandguard verify`: HMAC-SHA256 of a payload, computed in the sandbox, with the key
//! taken from an environment variable (never from the command line, where other users could read it).

use std::path::{Path, PathBuf};

use clap::Args;
use wandguard::Sandbox;

use super::decode::sandbox_failure;
use super::files::read_capped;
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

/// Signatures are hex text; anything longer than this is not one.
const MAX_SIGNATURE_FILE_BYTES: u64 = 4096;

/// Arguments of `wandguard sign`.
#[derive(Args)]
pub struct SignArgs {
    /// The payload to sign.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Environment variable holding the signing key.
    #[arg(long, value_name = "VAR")]
    key_env: String,
}

/// Arguments of `wandguard verify`.
#[derive(Args)]
#[command(group(clap::ArgGroup::new("signature-source").required(true).args(["signature", "signature_file"])))]
pub struct VerifyArgs {
    /// The payload to verify.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Environment variable holding the signing key.
    #[arg(long, value_name = "VAR")]
    key_env: String,
    /// The expected signature, as hex.
    #[arg(long, value_name = "HEX")]
    signature: Option<String>,
    /// A file holding the expected signature as hex (as written by `wandguard sign`).
    #[arg(long, value_name = "FILE")]
    signature_file: Option<PathBuf>,
}

fn key_from_env(variable: &str) -> Result<Vec<u8>, String> {
    match std::env::var_os(variable) {
        Some(value) if !value.is_empty() => Ok(value.into_encoded_bytes()),
        Some(_) => Err(format!("the environment variable {variable} is empty")),
        None => Err(format!("the environment variable {variable} is not set")),
    }
}

fn read_payload(sandbox: &Sandbox, file: &Path) -> Result<Vec<u8>, String> {
    read_capped(file, sandbox.limits().memory_bytes as u64)
        .map_err(|(code, message)| format!("{}: [{code}] {message}", file.display()))
}

/// Runs `sign`: prints the hex signature; returns the exit code.
pub fn run_sign(sandbox: &Sandbox, args: &SignArgs) -> u8 {
    let (key, payload) = match key_from_env(&args.key_env).and_then(|key| Ok((key, read_payload(sandbox, &args.file)?)))
    {
        Ok(inputs) => inputs,
        Err(message) => {
            eprintln!("wandguard sign: {message}");
            return EXIT_USAGE;
        }
    };
    match sandbox.sign(&payload, &key) {
        Ok(signature) => {
            println!("{}", to_hex(&signature));
            EXIT_OK
        }
        Err(error) => sandbox_failure(&args.file.display().to_string(), &error),
    }
}

/// Runs `verify`: exit 0 when the signature matches, 1 when it does not.
pub fn run_verify(sandbox: &Sandbox, args: &VerifyArgs) -> u8 {
    let inputs = key_from_env(&args.key_env).and_then(|key| {
        let expected = match (&args.signature, &args.signature_file) {
            (Some(hex), _) => hex.clone(),
            (None, Some(path)) => read_capped(path, MAX_SIGNATURE_FILE_BYTES)
                .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
                .map_err(|(code, message)| format!("{}: [{code}] {message}", path.display()))?,
            (None, None) => return Err("give --signature or --signature-file".to_owned()),
        };
        let signature = from_hex(&expected).ok_or_else(|| "the signature is not hex".to_owned())?;
        Ok((key, signature, read_payload(sandbox, &args.file)?))
    });
    let (key, signature, payload) = match inputs {
        Ok(inputs) => inputs,
        Err(message) => {
            eprintln!("wandguard verify: {message}");
            return EXIT_USAGE;
        }
    };
    match sandbox.verify(&payload, &signature, &key) {
        Ok(true) => {
            println!("{}: signature valid", args.file.display());
            EXIT_OK
        }
        Ok(false) => {
            println!("{}: signature INVALID", args.file.display());
            EXIT_FINDINGS
        }
        Err(error) => sandbox_failure(&args.file.display().to_string(), &error),
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}
