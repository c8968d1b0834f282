//! `wandguard encode`: turns a value-model document (JSON or msgpack) into a pickle or joblib payload that
//! CPython loads as exactly equal values. Code (symbolic nodes) is never written. Exit 0 written; 1 the
//! value cannot be encoded; 2 usage or IO.

use std::path::PathBuf;

use clap::Args;
use wandguard::Sandbox;
use wandguard::codec::{Compression, CompressionMethod, EncodeOptions, Layout};

use super::decode::{EncodingArg, sandbox_failure};
use super::files::{emit, read_capped};
use super::payload_text::refusal;
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

/// Arguments of `wandguard encode`.
#[derive(Args)]
pub struct EncodeArgs {
    /// The value-model document (`-` reads standard input).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Serialization of the input document.
    #[arg(long = "from", value_enum)]
    from: EncodingArg,
    /// Layout of the output.
    #[arg(long = "to", value_enum, default_value = "pickle")]
    to: LayoutArg,
    /// Pickle protocol (0-5).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u8).range(0..=5))]
    protocol: u8,
    /// Compress a joblib file: a level 0-9 (zlib, like joblib's `compress=N`) or METHOD:LEVEL with METHOD one
    /// of zlib, gzip, bz2, lzma, xz, lz4.
    #[arg(long, value_parser = parse_compression, value_name = "LEVEL|METHOD:LEVEL")]
    compress: Option<Compression>,
    /// Write the payload here (atomically) instead of stdout.
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
}

/// `--to` values.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum LayoutArg {
    /// A plain pickle.
    Pickle,
    /// A joblib file.
    Joblib,
}

fn parse_compression(text: &str) -> Result<Compression, String> {
    let (method, level) = match text.split_once(':') {
        Some((method, level)) => (method, level),
        None => ("zlib", text),
    };
    let method = match method {
        "zlib" => CompressionMethod::Zlib,
        "gzip" => CompressionMethod::Gzip,
        "bz2" => CompressionMethod::Bz2,
        "lzma" => CompressionMethod::Lzma,
        "xz" => CompressionMethod::Xz,
        "lz4" => CompressionMethod::Lz4,
        other => return Err(format!("unknown compression method '{other}' (zlib, gzip, bz2, lzma, xz, lz4)")),
    };
    let level: u8 = level.parse().map_err(|_| format!("compression level '{level}' is not a number 0-9"))?;
    if level > 9 {
        return Err(format!("compression level {level} is above 9"));
    }
    Ok(Compression { method, level })
}

/// Runs the command; returns the exit code.
pub fn run(sandbox: &Sandbox, args: &EncodeArgs) -> u8 {
    let name = args.file.display().to_string();
    if args.compress.is_some() && matches!(args.to, LayoutArg::Pickle) {
        eprintln!("wandguard encode: --compress applies to joblib files; add --to joblib");
        return EXIT_USAGE;
    }
    let value = match read_capped(&args.file, sandbox.limits().memory_bytes as u64) {
        Ok(value) => value,
        Err((code, message)) => {
            eprintln!("wandguard encode: {name}: [{code}] {message}");
            return EXIT_USAGE;
        }
    };
    let options = EncodeOptions {
        input: args.from.into(),
        layout: match args.to {
            LayoutArg::Pickle => Layout::Pickle,
            LayoutArg::Joblib => Layout::Joblib,
        },
        protocol: args.protocol,
        compress: args.compress,
    };
    match sandbox.encode(&value, &options) {
        Ok(Ok(payload)) => match emit(args.output.as_deref(), &payload) {
            Ok(()) => EXIT_OK,
            Err(err) => {
                eprintln!("wandguard encode: cannot write the output: {err}");
                EXIT_USAGE
            }
        },
        Ok(Err(error)) => {
            eprint!("{}", refusal(&name, &error));
            EXIT_FINDINGS
        }
        Err(error) => sandbox_failure(&name, &error),
    }
}
