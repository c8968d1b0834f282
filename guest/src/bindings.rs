//! The only file that knows the WIT contract: converts between the generated types and the guest's own.

use crate::config::{self, Context, Kind, Options, Severity, Syntax};

wit_bindgen::generate!({ world: "sandbox", path: "../wit" });

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
