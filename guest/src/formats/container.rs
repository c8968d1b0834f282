//! joblib's compressed containers: decompression into capped buffers, compression for writing joblib files,
//! and [`open_payload`], which takes any input to the bytes a loader would unpickle.
//!
//! What joblib 1.x writes for each `compress=` method (checked in `joblib/compressor.py`), and what is read:
//!
//! | container | joblib writes | read here |
//! | --- | --- | --- |
//! | zlib | `zlib.compressobj(level)`: one zlib stream | concatenated zlib streams |
//! | gzip | `zlib.compressobj(level, DEFLATED, 31)`: one gzip member | members (`gzip` module), zero padding after |
//! | bz2 | `bz2.BZ2File`: one stream | concatenated streams (`bz2.BZ2File`) |
//! | lzma | `lzma.LZMAFile(format=FORMAT_ALONE)` | streams, each `.lzma` or `.xz` (`LZMAFile` reads `FORMAT_AUTO`) |
//! | xz | `lzma.LZMAFile(format=FORMAT_XZ)` | streams, each `.xz` or `.lzma` |
//! | lz4 | `lz4.frame.LZ4FrameFile`: one frame | concatenated frames, skippable frames skipped |
//!
//! Anything after the last stream that is not another complete stream is refused as `malformed` (Python
//! silently drops such trailing bytes for bz2/lzma/xz, and joblib's zlib reader even loops forever on them;
//! either way they never reach the unpickler, so refusing loses nothing and hides nothing). Legacy joblib `ZF`
//! files (< 0.10) are refused as `unsupported`.

use std::borrow::Cow;
use std::fmt;

use crate::formats::detect::{self, Container, PayloadKind};

mod budget;
mod compress;
mod crc32;
mod decompress;
#[cfg(test)]
mod fixtures;
mod gzip;
mod lz4;
mod lzma;
#[cfg(test)]
mod python_tests;

pub use compress::compress;
pub use decompress::decompress;

/// Error code: the input is not a valid stream of its format (corrupt, truncated, wrong magic, bad checksum).
pub const MALFORMED: &str = "malformed";
/// Error code: a configured cap (decompressed size or ratio) was reached.
pub const RESOURCE_LIMIT: &str = "resource-limit";
/// Error code: a valid but unsupported variant (legacy joblib `ZF`, xz filters other than LZMA2, lz4
/// dictionaries and legacy frames, compression levels above 9).
pub const UNSUPPORTED: &str = "unsupported";

/// A container error: a stable code, the byte offset in the (compressed) input where it was found, and a
/// human message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// One of [`MALFORMED`], [`RESOURCE_LIMIT`], [`UNSUPPORTED`].
    pub code: &'static str,
    /// Byte offset in the input (for compression errors: in the data being compressed).
    pub offset: u64,
    /// What went wrong, for humans.
    pub message: String,
}

impl FormatError {
    /// A `malformed` error at `offset`.
    pub fn malformed(offset: usize, message: impl Into<String>) -> Self {
        Self::new(MALFORMED, offset, message)
    }

    /// A `resource-limit` error at `offset`.
    pub fn resource_limit(offset: usize, message: impl Into<String>) -> Self {
        Self::new(RESOURCE_LIMIT, offset, message)
    }

    /// An `unsupported` error at `offset`.
    pub fn unsupported(offset: usize, message: impl Into<String>) -> Self {
        Self::new(UNSUPPORTED, offset, message)
    }

    fn new(code: &'static str, offset: usize, message: impl Into<String>) -> Self {
        Self { code, offset: u64::try_from(offset).unwrap_or(u64::MAX), message: message.into() }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}: {}", self.code, self.offset, self.message)
    }
}

impl std::error::Error for FormatError {}

/// Caps on decompression. Output is produced into a buffer that is never allowed past the smaller of
/// `max_output_bytes` and the ratio allowance, and decompression stops with `resource-limit` as soon as more
/// would be needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecompressLimits {
    /// Absolute cap on the decompressed size in bytes (default 1 GiB).
    pub max_output_bytes: usize,
    /// Cap on decompressed / compressed size (default 1000). It only counts past [`RATIO_GRACE_BYTES`] of
    /// output: benign, very regular arrays compress far better than 1000:1 (measured with joblib 1.6,
    /// `np.zeros(10**7)` at level 9: zlib 1026:1, lzma 6919:1, bz2 253968:1), and an output that small is
    /// harmless anyway. `0` means "no ratio cap".
    pub max_ratio: u64,
}

/// Output size below which [`DecompressLimits::max_ratio`] is not applied (256 MiB: a 1e7-element array of
/// 16-byte items plus its pickle).
pub const RATIO_GRACE_BYTES: usize = 256 << 20;

impl Default for DecompressLimits {
    fn default() -> Self {
        Self { max_output_bytes: 1 << 30, max_ratio: 1000 }
    }
}

/// An input taken out of its container: what a loader would unpickle (or parse).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened<'a> {
    /// The container the input was in.
    pub container: Container,
    /// The kind of the (decompressed) payload, from its first bytes.
    pub kind: PayloadKind,
    /// The payload: borrowed for [`Container::Raw`], decompressed otherwise.
    pub payload: Cow<'a, [u8]>,
}

/// Detects the container of `input`, decompresses it within `limits`, and detects the payload kind of the
/// result. The content of a container is never opened again: joblib decompresses once, so a container inside a
/// container is a payload of kind [`PayloadKind::Unknown`].
pub fn open_payload<'a>(input: &'a [u8], limits: &DecompressLimits) -> Result<Opened<'a>, FormatError> {
    if detect::is_legacy_joblib_zfile(input) {
        return Err(FormatError::unsupported(0, "legacy joblib ZF file (joblib < 0.10) is not supported"));
    }
    let detected = detect::detect(input);
    if detected.container == Container::Raw {
        return Ok(Opened { container: Container::Raw, kind: detected.kind, payload: Cow::Borrowed(input) });
    }
    let payload = decompress(input, detected.container, limits)?;
    Ok(Opened { container: detected.container, kind: detect::payload_kind(&payload), payload: Cow::Owned(payload) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_display_and_codes() {
        let error = FormatError::malformed(7, "bad header");
        assert_eq!(error.to_string(), "malformed at byte 7: bad header");
        assert_eq!(FormatError::resource_limit(0, "x").code, "resource-limit");
        assert_eq!(FormatError::unsupported(1, "x").code, "unsupported");
    }

    #[test]
    fn default_limits() {
        let limits = DecompressLimits::default();
        assert_eq!(limits.max_output_bytes, 1024 * 1024 * 1024);
        assert_eq!(limits.max_ratio, 1000);
    }

    #[test]
    fn open_raw_borrows() {
        let pickle = b"\x80\x04K\x01.";
        let opened = open_payload(pickle, &DecompressLimits::default()).map_err(|e| e.to_string());
        assert_eq!(
            opened,
            Ok(Opened { container: Container::Raw, kind: PayloadKind::Pickle, payload: Cow::Borrowed(&pickle[..]) })
        );
    }

    #[test]
    fn open_refuses_legacy_zfile() {
        let error = open_payload(b"ZF0x10            x\x9c", &DecompressLimits::default());
        assert_eq!(error.map_err(|e| e.code), Err(UNSUPPORTED));
    }

    #[test]
    fn open_nested_container_is_unknown() {
        let inner = compress(b"\x80\x04K\x01.", Container::Gzip, 6);
        let outer = inner.and_then(|gz| compress(&gz, Container::Zlib, 6));
        let opened =
            outer.and_then(|zl| open_payload(&zl, &DecompressLimits::default()).map(|o| (o.container, o.kind)));
        assert_eq!(opened, Ok((Container::Zlib, PayloadKind::Unknown)));
    }
}
