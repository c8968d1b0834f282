//! `scan`: a picklescan-style report that is sound. The stream is decoded under the `inspect` policy, so
//! every global and code-capable operation is seen by a real stack machine (memo, frames, joblib inline
//! arrays included). The verdict is `clean` only when every pickle parsed completely, nothing trails, and
//! every global was recognized; the denylist only decides between `unsafe` and `unknown-globals`. The most
//! severe verdict that applies wins (`unsafe` > `malformed` > `incomplete` > `unknown-globals` > `clean`):
//! a stream CPython cannot load is never rated below `malformed`, even where scanning went on past the
//! failing opcode (a missing out-of-band buffer) to look for dangerous globals.

use super::decode::{DecodeOptions, decode_stream};
use super::error::{DecodeError, ErrorCode};
use super::findings::Finding;
use super::limits::PickleLimits;
use super::policy::Policy;

/// Overall judgement of a payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Fully parsed; only recognized globals and plain data.
    Clean,
    /// References something known dangerous or a code object.
    Unsafe,
    /// References globals (or code-capable operations) nothing recognizes.
    UnknownGlobals,
    /// Parsing stopped early (truncated input or a resource limit): what follows was not seen.
    Incomplete,
    /// Not a valid pickle stream (or garbage after the last pickle).
    Malformed,
}

impl Verdict {
    /// Rank for "the most severe verdict wins".
    fn severity(self) -> u8 {
        match self {
            Verdict::Clean => 0,
            Verdict::UnknownGlobals => 1,
            Verdict::Incomplete => 2,
            Verdict::Malformed => 3,
            Verdict::Unsafe => 4,
        }
    }

    /// Stable string form: "clean", "unsafe", "unknown-globals", "incomplete", "malformed".
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Clean => "clean",
            Verdict::Unsafe => "unsafe",
            Verdict::UnknownGlobals => "unknown-globals",
            Verdict::Incomplete => "incomplete",
            Verdict::Malformed => "malformed",
        }
    }
}

/// The scan result.
#[derive(Clone, Debug, PartialEq)]
pub struct ScanReport {
    /// The verdict.
    pub verdict: Verdict,
    /// Every finding (globals with labels, code-capable operations, extra pickles, trailing data, …).
    pub findings: Vec<Finding>,
    /// Complete pickles found in the stream.
    pub pickles: usize,
    /// Bytes after the last complete pickle.
    pub trailing_bytes: u64,
    /// Why parsing stopped, if it did not finish.
    pub error: Option<DecodeError>,
}

/// Scans a raw pickle stream. Never fails: problems are part of the report.
pub fn scan(input: &[u8], limits: &PickleLimits) -> ScanReport {
    let options =
        DecodeOptions { policy: Policy::Inspect, limits: limits.clone(), buffers: Vec::new(), allow_trailing: false };
    let out = decode_stream(input, &options);
    let danger = out.findings.iter().any(|f| f.severity == super::findings::FindingSeverity::Danger);
    let warning = out.findings.iter().any(|f| f.severity == super::findings::FindingSeverity::Warning);
    let from_error = out.error.as_ref().map(|e| match e.code {
        ErrorCode::ResourceLimit => Verdict::Incomplete,
        ErrorCode::Malformed | ErrorCode::TrailingData if e.truncated && !input.is_empty() => Verdict::Incomplete,
        ErrorCode::Malformed | ErrorCode::TrailingData => Verdict::Malformed,
        ErrorCode::Unsafe | ErrorCode::CodeObject => Verdict::Unsafe,
    });
    let verdict = [
        danger.then_some(Verdict::Unsafe),
        from_error,
        out.unloadable.then_some(Verdict::Malformed),
        warning.then_some(Verdict::UnknownGlobals),
    ]
    .into_iter()
    .flatten()
    .max_by_key(|v| v.severity())
    .unwrap_or(Verdict::Clean);
    let error = out.error.map(|mut e| {
        e.findings = Vec::new();
        e
    });
    ScanReport {
        verdict,
        findings: out.findings,
        pickles: out.roots.len(),
        trailing_bytes: (input.len().saturating_sub(out.consumed)) as u64,
        error,
    }
}
