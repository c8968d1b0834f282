//! The only file that knows the WIT contract: converts between the generated types and the guest's own.

use crate::codec::{self, CodecLimits, InputFormat, ValueEncoding};
use crate::config::{self, Context, Kind, Options, Severity, Syntax};
use crate::formats::Container;
use crate::formats::json::text::{base64_decode, base64_encode};
use crate::pickle::encode::Layout;
use crate::pickle::{Finding, FindingSeverity, Policy, Verdict};

wit_bindgen::generate!({ world: "sandbox", path: "../wit" });

use exports::wandguard::sandbox::codec as wit_codec;
use exports::wandguard::sandbox::config as wit;

struct Sandbox;

impl wit::Guest for Sandbox {
    fn validate(source: Vec<u8>, options: wit::Options) -> Result<wit::Report, wit::InputError> {
        #[cfg(feature = "fault-injection")]
        fault_injection::maybe_panic(&source);
        let options = Options {
            kind: options.kind.map(kind_from_wit),
            context: match options.context {
                wit::DefinitionContext::Asset => Context::Asset,
                wit::DefinitionContext::Op => Context::Op,
                wit::DefinitionContext::MultiAsset => Context::MultiAsset,
            },
            partitioned: options.partitioned,
            artifact_object: options.artifact_object,
            syntax: match options.syntax {
                wit::Syntax::Auto => Syntax::Auto,
                wit::Syntax::Json => Syntax::Json,
                wit::Syntax::Yaml => Syntax::Yaml,
            },
            resources: options.resources.into_iter().map(|b| (b.key, kind_from_wit(b.kind))).collect(),
            ops: options.ops.into_iter().map(|b| (b.key, kind_from_wit(b.kind))).collect(),
            max_diagnostics: usize::try_from(options.max_diagnostics).unwrap_or(usize::MAX),
        };
        match config::validate(&source, &options) {
            Ok(report) => Ok(wit::Report {
                kind: kind_to_wit(report.kind),
                diagnostics: report
                    .diagnostics
                    .into_iter()
                    .map(|d| wit::Diagnostic {
                        code: d.code.to_owned(),
                        severity: match d.severity {
                            Severity::Error => wit::Severity::Error,
                            Severity::Warning => wit::Severity::Warning,
                        },
                        pointer: d.pointer,
                        line: d.line,
                        column: d.column,
                        message: d.message,
                        hint: d.hint,
                    })
                    .collect(),
                truncated: report.truncated,
            }),
            Err(err) => {
                Err(wit::InputError { code: err.code, message: err.message, line: err.line, column: err.column })
            }
        }
    }

    fn schema(kind: wit::Kind) -> String {
        kind_from_wit(kind).schema_text().to_owned()
    }
}

impl wit_codec::Guest for Sandbox {
    fn decode(
        payload: Vec<u8>,
        options: wit_codec::DecodeOptions,
    ) -> Result<wit_codec::Decoded, wit_codec::PayloadError> {
        let request = codec::DecodeRequest {
            format: input_format(options.format),
            policy: match options.policy {
                wit_codec::Policy::Strict => Policy::Strict,
                wit_codec::Policy::Data => Policy::Data,
                wit_codec::Policy::Inspect => Policy::Inspect,
            },
            output: value_encoding(options.output),
            allow_trailing: options.allow_trailing,
            limits: codec_limits(options.limits),
        };
        codec::decode_owned(payload, &request)
            .map(|outcome| wit_codec::Decoded {
                format: payload_format(outcome.format),
                container: outcome.container.name().to_owned(),
                value: outcome.value,
                findings: outcome.findings.iter().map(finding).collect(),
            })
            .map_err(payload_error)
    }

    fn decode_base64(
        payload: String,
        options: wit_codec::DecodeOptions,
    ) -> Result<wit_codec::DecodedBase64, wit_codec::PayloadError> {
        let decoded = Self::decode(base64_bytes(payload)?, options)?;
        Ok(wit_codec::DecodedBase64 {
            format: decoded.format,
            container: decoded.container,
            value: base64_text(&decoded.value),
            findings: decoded.findings,
        })
    }

    fn scan(payload: Vec<u8>, limits: Option<wit_codec::Limits>) -> wit_codec::ScanReport {
        let outcome = codec::scan(&payload, &codec_limits(limits));
        let report = outcome.report;
        wit_codec::ScanReport {
            verdict: match report.verdict {
                Verdict::Clean => wit_codec::Verdict::Clean,
                Verdict::Unsafe => wit_codec::Verdict::Unsafe,
                Verdict::UnknownGlobals => wit_codec::Verdict::UnknownGlobals,
                Verdict::Incomplete => wit_codec::Verdict::Incomplete,
                Verdict::Malformed => wit_codec::Verdict::Malformed,
            },
            format: payload_format(outcome.format),
            container: outcome.container.name().to_owned(),
            pickles: u32::try_from(report.pickles).unwrap_or(u32::MAX),
            trailing_bytes: report.trailing_bytes,
            findings: report.findings.iter().map(finding).collect(),
            error: report.error.map(|error| payload_error(error.into())),
        }
    }

    fn encode(value: Vec<u8>, options: wit_codec::EncodeOptions) -> Result<Vec<u8>, wit_codec::PayloadError> {
        let request = codec::EncodeRequest {
            input: value_encoding(options.input),
            layout: match options.layout {
                wit_codec::Layout::Pickle => Layout::Pickle,
                wit_codec::Layout::Joblib => Layout::Joblib,
            },
            protocol: options.protocol,
            compress: options.compress.map(|c| (container(c.method), u32::from(c.level))),
        };
        codec::encode(&value, &request).map_err(payload_error)
    }

    fn encode_base64(value: String, options: wit_codec::EncodeOptions) -> Result<String, wit_codec::PayloadError> {
        Self::encode(base64_bytes(value)?, options).map(|payload| base64_text(&payload))
    }

    fn sign(payload: Vec<u8>, key: Vec<u8>) -> Vec<u8> {
        codec::sign(&payload, &key)
    }

    fn verify(payload: Vec<u8>, signature: Vec<u8>, key: Vec<u8>) -> bool {
        codec::verify(&payload, &signature, &key)
    }
}

/// The bytes of base64 text (`decode-base64`, `encode-base64`); the text is freed first, so a large payload
/// is held once, not twice.
fn base64_bytes(text: String) -> Result<Vec<u8>, wit_codec::PayloadError> {
    let bytes = base64_decode(&text).ok_or_else(|| wit_codec::PayloadError {
        code: "malformed".to_owned(),
        message: "the payload is not canonical padded base64".to_owned(),
        offset: 0,
        opcode: None,
        findings: Vec::new(),
    })?;
    drop(text);
    Ok(bytes)
}

/// Bytes as standard padded base64 text.
fn base64_text(bytes: &[u8]) -> String {
    let mut text = String::new();
    base64_encode(bytes, &mut text);
    text
}

fn input_format(format: wit_codec::PayloadFormat) -> InputFormat {
    match format {
        wit_codec::PayloadFormat::Auto => InputFormat::Auto,
        wit_codec::PayloadFormat::Pickle => InputFormat::Pickle,
        wit_codec::PayloadFormat::Joblib => InputFormat::Joblib,
        wit_codec::PayloadFormat::Msgpack => InputFormat::Msgpack,
        wit_codec::PayloadFormat::Json => InputFormat::Json,
    }
}

fn payload_format(format: InputFormat) -> wit_codec::PayloadFormat {
    match format {
        InputFormat::Auto => wit_codec::PayloadFormat::Auto,
        InputFormat::Pickle => wit_codec::PayloadFormat::Pickle,
        InputFormat::Joblib => wit_codec::PayloadFormat::Joblib,
        InputFormat::Msgpack => wit_codec::PayloadFormat::Msgpack,
        InputFormat::Json => wit_codec::PayloadFormat::Json,
    }
}

fn value_encoding(encoding: wit_codec::ValueEncoding) -> ValueEncoding {
    match encoding {
        wit_codec::ValueEncoding::Msgpack => ValueEncoding::Msgpack,
        wit_codec::ValueEncoding::Json => ValueEncoding::Json,
        wit_codec::ValueEncoding::JsonPlain => ValueEncoding::JsonPlain,
    }
}

fn container(method: wit_codec::CompressionMethod) -> Container {
    match method {
        wit_codec::CompressionMethod::Zlib => Container::Zlib,
        wit_codec::CompressionMethod::Gzip => Container::Gzip,
        wit_codec::CompressionMethod::Bz2 => Container::Bz2,
        wit_codec::CompressionMethod::Lzma => Container::Lzma,
        wit_codec::CompressionMethod::Xz => Container::Xz,
        wit_codec::CompressionMethod::Lz4 => Container::Lz4,
    }
}

/// Caps from the host; a zero field keeps the default.
fn codec_limits(limits: Option<wit_codec::Limits>) -> CodecLimits {
    let mut caps = CodecLimits::default();
    let Some(given) = limits else {
        return caps;
    };
    let size =
        |value: u64, default: usize| if value == 0 { default } else { usize::try_from(value).unwrap_or(usize::MAX) };
    caps.pickle.max_opcodes = if given.max_opcodes == 0 { caps.pickle.max_opcodes } else { given.max_opcodes };
    caps.pickle.max_stack = size(u64::from(given.max_stack), caps.pickle.max_stack);
    caps.pickle.max_mark_depth = size(u64::from(given.max_stack), caps.pickle.max_mark_depth);
    caps.pickle.max_memo = size(u64::from(given.max_memo), caps.pickle.max_memo);
    caps.pickle.max_nodes = size(given.max_nodes, caps.pickle.max_nodes);
    caps.pickle.max_bigint_bytes = size(u64::from(given.max_bigint_bytes), caps.pickle.max_bigint_bytes);
    caps.decompress.max_output_bytes = size(given.max_decompressed_bytes, caps.decompress.max_output_bytes);
    if given.max_decompression_ratio != 0 {
        caps.decompress.max_ratio = u64::from(given.max_decompression_ratio);
    }
    caps
}

fn finding(finding: &Finding) -> wit_codec::Finding {
    let (module, qualname) = match &finding.global {
        Some((module, qualname)) => (Some(module.clone()), Some(qualname.clone())),
        None => (None, None),
    };
    wit_codec::Finding {
        offset: finding.offset,
        opcode: finding.opcode.to_owned(),
        module,
        qualname,
        severity: match finding.severity {
            FindingSeverity::Info => wit_codec::FindingSeverity::Info,
            FindingSeverity::Warning => wit_codec::FindingSeverity::Warning,
            FindingSeverity::Danger => wit_codec::FindingSeverity::Danger,
        },
        kind: finding.kind.as_str().to_owned(),
        message: finding.message.clone(),
    }
}

fn payload_error(error: codec::CodecError) -> wit_codec::PayloadError {
    wit_codec::PayloadError {
        code: error.code,
        message: error.message,
        offset: error.offset,
        opcode: error.opcode,
        findings: error.findings.iter().map(finding).collect(),
    }
}

fn kind_from_wit(kind: wit::Kind) -> Kind {
    match kind {
        wit::Kind::ArtifactOutput => Kind::ArtifactOutput,
        wit::Kind::ArtifactInput => Kind::ArtifactInput,
        wit::Kind::IoManager => Kind::IoManager,
        wit::Kind::WandbResource => Kind::WandbResource,
        wit::Kind::WandbConfig => Kind::WandbConfig,
        wit::Kind::LaunchAgent => Kind::LaunchAgent,
        wit::Kind::LaunchJob => Kind::LaunchJob,
        wit::Kind::RunConfig => Kind::RunConfig,
    }
}

fn kind_to_wit(kind: Kind) -> wit::Kind {
    match kind {
        Kind::ArtifactOutput => wit::Kind::ArtifactOutput,
        Kind::ArtifactInput => wit::Kind::ArtifactInput,
        Kind::IoManager => wit::Kind::IoManager,
        Kind::WandbResource => wit::Kind::WandbResource,
        Kind::WandbConfig => wit::Kind::WandbConfig,
        Kind::LaunchAgent => wit::Kind::LaunchAgent,
        Kind::LaunchJob => wit::Kind::LaunchJob,
        Kind::RunConfig => wit::Kind::RunConfig,
    }
}

/// Test hook, compiled only with the `fault-injection` feature: lets the host's tests prove that a guest
/// panic becomes a `guest-fault` error carrying the panic message, and that the next call still works.
#[cfg(feature = "fault-injection")]
mod fault_injection {
    /// Sources starting with this marker make the guest panic.
    const PANIC_MARKER: &[u8] = b"#wandguard-fault-injection:panic";
    /// Sources starting with this marker make the guest spin until the host's deadline interrupts it.
    const SPIN_MARKER: &[u8] = b"#wandguard-fault-injection:spin";
    pub(super) fn maybe_panic(source: &[u8]) {
        if source.starts_with(PANIC_MARKER) {
            panic!("fault injected by the host's test");
        }
        if source.starts_with(SPIN_MARKER) {
            let mut counter = 0u64;
            loop {
                counter = std::hint::black_box(counter.wrapping_add(1));
            }
        }
    }
}

export!(Sandbox);
