//! What the `codec` interface does, without knowing WIT: detect the payload's format by content, open its
//! container (decompression with caps), run the pickle engine or the value-model transcoders, and
//! serialize the result. Also encoding back to pickle/joblib, and signatures.

use crate::formats::{self, Container, DecompressLimits, PayloadKind, TranscodeLimits};
use crate::pickle::encode::{EncodeOptions, Layout};
use crate::pickle::value::{Graph, NodeId};
use crate::pickle::{self, DecodeOptions, Finding, PickleLimits, Policy, ScanReport, Verdict};

/// The payload's format as requested by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputFormat {
    /// Detect by content.
    Auto,
    /// A pickle stream, possibly compressed.
    Pickle,
    /// A joblib file, possibly compressed.
    Joblib,
    /// The value model as msgpack.
    Msgpack,
    /// The value model as JSON.
    Json,
}

/// Serialization of a value-model document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueEncoding {
    /// msgpack with ext types.
    Msgpack,
    /// Lossless tagged JSON.
    Json,
    /// Plain JSON as Python's `json.dumps` writes it (output only).
    JsonPlain,
}

/// Every cap of a codec call.
#[derive(Clone, Debug)]
pub struct CodecLimits {
    /// Caps of the pickle VM.
    pub pickle: PickleLimits,
    /// Caps of decompression.
    pub decompress: DecompressLimits,
    /// Deepest nesting of a decoded value.
    pub max_depth: usize,
}

impl Default for CodecLimits {
    fn default() -> Self {
        CodecLimits {
            pickle: PickleLimits::default(),
            decompress: DecompressLimits::default(),
            max_depth: pickle::depth::DEFAULT_MAX_DEPTH,
        }
    }
}

/// A request to decode.
#[derive(Clone, Debug)]
pub struct DecodeRequest {
    /// Format of the payload.
    pub format: InputFormat,
    /// Policy for globals.
    pub policy: Policy,
    /// Serialization of the result.
    pub output: ValueEncoding,
    /// Accept bytes after the last STOP.
    pub allow_trailing: bool,
    /// Caps.
    pub limits: CodecLimits,
}

/// A decoded payload.
#[derive(Clone, Debug)]
pub struct DecodeOutcome {
    /// The format found.
    pub format: InputFormat,
    /// The container it was in.
    pub container: Container,
    /// The serialized value.
    pub value: Vec<u8>,
    /// Findings.
    pub findings: Vec<Finding>,
}

/// Why a codec call refused its input.
#[derive(Clone, Debug, PartialEq)]
pub struct CodecError {
    /// Stable code.
    pub code: String,
    /// What went wrong.
    pub message: String,
    /// Byte offset in the (decompressed) stream.
    pub offset: u64,
    /// Opcode at the offset, if any.
    pub opcode: Option<String>,
    /// Findings gathered before the refusal.
    pub findings: Vec<Finding>,
}

impl CodecError {
    fn new(code: &str, message: impl Into<String>, offset: u64) -> Self {
        CodecError { code: code.to_owned(), message: message.into(), offset, opcode: None, findings: Vec::new() }
    }
}

impl From<pickle::DecodeError> for CodecError {
    fn from(error: pickle::DecodeError) -> Self {
        CodecError {
            code: error.code.as_str().to_owned(),
            message: error.message,
            offset: error.offset,
            opcode: error.opcode.map(str::to_owned),
            findings: error.findings,
        }
    }
}

impl From<formats::FormatError> for CodecError {
    fn from(error: formats::FormatError) -> Self {
        CodecError::new(error.code, error.message, error.offset)
    }
}

impl From<formats::TranscodeError> for CodecError {
    fn from(error: formats::TranscodeError) -> Self {
        CodecError::new(error.code, error.message, error.offset)
    }
}

/// An opened payload: its container removed (borrowed when it had none), its format known.
struct Opened<'a> {
    format: InputFormat,
    container: Container,
    content: std::borrow::Cow<'a, [u8]>,
}

fn open<'a>(payload: &'a [u8], requested: InputFormat, limits: &DecompressLimits) -> Result<Opened<'a>, CodecError> {
    let opened = formats::open_payload(payload, limits)?;
    let format = match (requested, opened.kind) {
        (InputFormat::Auto, PayloadKind::Pickle) if opened.container != Container::Raw => InputFormat::Joblib,
        (InputFormat::Auto, PayloadKind::Pickle) => InputFormat::Pickle,
        (InputFormat::Auto, PayloadKind::Msgpack) => InputFormat::Msgpack,
        (InputFormat::Auto, PayloadKind::Json) => InputFormat::Json,
        (InputFormat::Auto, _) => {
            return Err(CodecError::new("malformed", "not a pickle, joblib, msgpack or JSON payload", 0));
        }
        (requested, _) => requested,
    };
    Ok(Opened { format, container: opened.container, content: opened.payload })
}

/// Decodes a payload into the value model.
pub fn decode(payload: &[u8], request: &DecodeRequest) -> Result<DecodeOutcome, CodecError> {
    let decoded = decode_graph(payload, request)?;
    finish_decode(decoded, request.output)
}

/// [`decode`] taking ownership of the payload: the input (and its decompressed form) is released before the
/// result is serialized (msgpack is written into the payload's own buffer), so a large payload, its decoded
/// value and the output are never all alive at once.
pub fn decode_owned(payload: Vec<u8>, request: &DecodeRequest) -> Result<DecodeOutcome, CodecError> {
    let decoded = decode_graph(&payload, request)?;
    if request.output != ValueEncoding::Msgpack {
        drop(payload);
        return finish_decode(decoded, request.output);
    }
    // The payload's memory becomes the output's (msgpack of a large array is about the payload's size).
    let value = formats::to_msgpack_in(&decoded.graph, decoded.root, payload);
    Ok(DecodeOutcome { format: decoded.format, container: decoded.container, value, findings: decoded.findings })
}

/// A decoded payload before serialization.
struct DecodedGraph {
    format: InputFormat,
    container: Container,
    graph: Graph,
    root: NodeId,
    findings: Vec<Finding>,
}

fn finish_decode(decoded: DecodedGraph, output: ValueEncoding) -> Result<DecodeOutcome, CodecError> {
    Ok(DecodeOutcome {
        format: decoded.format,
        container: decoded.container,
        value: serialize(&decoded.graph, decoded.root, output)?,
        findings: decoded.findings,
    })
}

fn decode_graph(payload: &[u8], request: &DecodeRequest) -> Result<DecodedGraph, CodecError> {
    let opened = open(payload, request.format, &request.limits.decompress)?;
    let (graph, root, findings) = match opened.format {
        InputFormat::Msgpack => {
            let (graph, root) = read_document(&opened.content, ValueEncoding::Msgpack)?;
            (graph, root, Vec::new())
        }
        InputFormat::Json => {
            let (graph, root) = read_document(&opened.content, ValueEncoding::Json)?;
            (graph, root, Vec::new())
        }
        InputFormat::Pickle | InputFormat::Joblib | InputFormat::Auto => {
            let options = DecodeOptions {
                policy: request.policy,
                limits: request.limits.pickle.clone(),
                buffers: Vec::new(),
                allow_trailing: request.allow_trailing,
            };
            let decoded = pickle::decode(&opened.content, &options)?;
            let root = first_root(&decoded.roots)?;
            check_depth(&decoded.graph, root, request.limits.max_depth)?;
            (decoded.graph, root, decoded.findings)
        }
    };
    Ok(DecodedGraph { format: opened.format, container: opened.container, graph, root, findings })
}

fn check_depth(graph: &Graph, root: NodeId, max_depth: usize) -> Result<(), CodecError> {
    if pickle::depth::exceeds(graph, root, max_depth) {
        return Err(CodecError::new(
            "resource-limit",
            format!("the value is nested deeper than {max_depth} levels"),
            0,
        ));
    }
    Ok(())
}

fn first_root(roots: &[NodeId]) -> Result<NodeId, CodecError> {
    roots.first().copied().ok_or_else(|| CodecError::new("malformed", "the payload holds no pickle", 0))
}

fn serialize(graph: &Graph, root: NodeId, encoding: ValueEncoding) -> Result<Vec<u8>, CodecError> {
    Ok(match encoding {
        ValueEncoding::Msgpack => formats::to_msgpack(graph, root),
        ValueEncoding::Json => formats::to_json(graph, root).into_bytes(),
        ValueEncoding::JsonPlain => {
            formats::json::to_json_plain(graph, root, &TranscodeLimits::default())?.into_bytes()
        }
    })
}

/// Reads a value-model document (for `decode` of msgpack/JSON payloads and for `encode`).
fn read_document(content: &[u8], encoding: ValueEncoding) -> Result<(Graph, NodeId), CodecError> {
    let limits = TranscodeLimits::default();
    match encoding {
        ValueEncoding::Msgpack => Ok(formats::from_msgpack(content, &limits)?),
        ValueEncoding::Json | ValueEncoding::JsonPlain => {
            let text = std::str::from_utf8(content)
                .map_err(|err| CodecError::new("malformed", "JSON input is not UTF-8", err.valid_up_to() as u64))?;
            Ok(formats::from_json(text, &limits)?)
        }
    }
}

/// The result of a scan, with the container it looked into.
#[derive(Clone, Debug)]
pub struct ScanOutcome {
    /// The format found.
    pub format: InputFormat,
    /// The container.
    pub container: Container,
    /// The pickle engine's report (for a container that could not be opened: `malformed`, with the error).
    pub report: ScanReport,
}

/// Scans a payload; never fails — problems are part of the report.
pub fn scan(payload: &[u8], limits: &CodecLimits) -> ScanOutcome {
    match open(payload, InputFormat::Auto, &limits.decompress) {
        Ok(opened) if matches!(opened.format, InputFormat::Pickle | InputFormat::Joblib) => {
            let mut report = pickle::scan(&opened.content, &limits.pickle);
            if report.verdict == Verdict::Clean {
                report = check_clean_depth(&opened.content, limits, report);
            }
            ScanOutcome { format: opened.format, container: opened.container, report }
        }
        // msgpack and JSON are plain data: nothing in them can refer to code; they only have to be well formed.
        Ok(opened) => {
            let encoding =
                if opened.format == InputFormat::Msgpack { ValueEncoding::Msgpack } else { ValueEncoding::Json };
            let report = match read_document(&opened.content, encoding) {
                Ok(_) => ScanReport {
                    verdict: Verdict::Clean,
                    findings: Vec::new(),
                    pickles: 0,
                    trailing_bytes: 0,
                    error: None,
                },
                Err(error) => unreadable(error),
            };
            ScanOutcome { format: opened.format, container: opened.container, report }
        }
        Err(error) => ScanOutcome {
            format: InputFormat::Auto,
            container: formats::detect(payload).container,
            report: unreadable(error),
        },
    }
}

/// A clean stream may still hold a value nested too deep for any consumer: decode it once more to measure.
fn check_clean_depth(content: &[u8], limits: &CodecLimits, report: ScanReport) -> ScanReport {
    let options = DecodeOptions {
        policy: Policy::Data,
        limits: limits.pickle.clone(),
        buffers: Vec::new(),
        allow_trailing: false,
    };
    let outcome = pickle::decode(content, &options)
        .map_err(CodecError::from)
        .and_then(|decoded| check_depth(&decoded.graph, first_root(&decoded.roots)?, limits.max_depth));
    match outcome {
        Ok(()) => report,
        Err(error) => ScanReport { findings: report.findings, pickles: report.pickles, ..unreadable(error) },
    }
}

/// A container that could not be opened: a cap stopped us (never `clean`: `incomplete`), or it is broken.
fn unreadable(error: CodecError) -> ScanReport {
    let (verdict, code) = if error.code == "resource-limit" {
        (Verdict::Incomplete, pickle::ErrorCode::ResourceLimit)
    } else {
        (Verdict::Malformed, pickle::ErrorCode::Malformed)
    };
    let error = pickle::DecodeError {
        code,
        offset: error.offset,
        opcode: None,
        message: error.message,
        findings: Vec::new(),
        truncated: false,
    };
    ScanReport { verdict, findings: Vec::new(), pickles: 0, trailing_bytes: 0, error: Some(error) }
}

/// A request to encode.
#[derive(Clone, Debug)]
pub struct EncodeRequest {
    /// Serialization of the input value.
    pub input: ValueEncoding,
    /// Pickle or joblib layout.
    pub layout: Layout,
    /// Protocol 0-5.
    pub protocol: u8,
    /// Container and level for joblib files.
    pub compress: Option<(Container, u32)>,
}

/// Encodes a value-model document into a pickle or joblib payload.
pub fn encode(value: &[u8], request: &EncodeRequest) -> Result<Vec<u8>, CodecError> {
    if request.protocol > 5 {
        return Err(CodecError::new(
            "unsupported",
            format!("pickle protocol {} does not exist (0-5)", request.protocol),
            0,
        ));
    }
    let (graph, root) = read_document(value, request.input)?;
    let options = EncodeOptions { protocol: request.protocol, layout: request.layout };
    let pickled = pickle::encode::encode(&graph, root, &options).map_err(|error| CodecError {
        code: error.code.to_owned(),
        message: format!("{} (at {})", error.message, error.path),
        offset: 0,
        opcode: None,
        findings: Vec::new(),
    })?;
    match request.compress {
        None | Some((Container::Raw, _)) => Ok(pickled),
        Some((container, level)) => Ok(formats::compress(&pickled, container, level)?),
    }
}

/// HMAC-SHA256 of `payload` under `key`.
pub fn sign(payload: &[u8], key: &[u8]) -> Vec<u8> {
    formats::sign(payload, key).to_vec()
}

/// Whether `signature` authenticates `payload` under `key`.
pub fn verify(payload: &[u8], signature: &[u8], key: &[u8]) -> bool {
    formats::verify(payload, signature, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_owned_matches_decode_for_every_output() {
        // pickle.dumps([1.5, "x" * 40, {"k": None}, b"ab"], 2): a float, a str, a dict, `_codecs.encode` bytes.
        let mut payload = vec![128, 2, 93, 113, 0, 40, 71, 63, 248, 0, 0, 0, 0, 0, 0, 88, 40, 0, 0, 0];
        payload.extend([b'x'; 40]);
        payload.extend([113, 1, 125, 113, 2, 88, 1, 0, 0, 0, 107, 113, 3, 78, 115, 99]);
        payload.extend(b"_codecs\nencode\nq\x04X\x02\x00\x00\x00abq\x05X\x06\x00\x00\x00latin1q\x06\x86q\x07Rq\x08e.");
        for output in [ValueEncoding::Msgpack, ValueEncoding::Json, ValueEncoding::JsonPlain] {
            let request = DecodeRequest {
                format: InputFormat::Auto,
                policy: Policy::Data,
                output,
                allow_trailing: false,
                limits: CodecLimits::default(),
            };
            let borrowed = decode(&payload, &request);
            let owned = decode_owned(payload.clone(), &request);
            match (borrowed, owned) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.value, b.value, "{output:?}");
                    assert_eq!(a.findings, b.findings);
                }
                (Err(a), Err(b)) => assert_eq!(a, b),
                (a, b) => panic!("{output:?}: {a:?} vs {b:?}"),
            }
        }
        let request = DecodeRequest {
            format: InputFormat::Auto,
            policy: Policy::Data,
            output: ValueEncoding::Msgpack,
            allow_trailing: false,
            limits: CodecLimits::default(),
        };
        assert!(decode_owned(payload, &request).is_ok_and(|outcome| !outcome.value.is_empty()));
    }
}
