//! [`decompress`]: one entry point over every container, each decoder writing through the same [`Budget`].

use bzip2::{Decompress, Status};

use super::budget::Budget;
use super::lzma::{self, FirstStream};
use super::{DecompressLimits, FormatError, gzip, lz4};
use crate::formats::detect::Container;

/// Output chunk for the bzip2 decoder.
const BZ2_CHUNK: usize = 256 << 10;

/// Decompresses the whole of `input` as `container` (every concatenated stream or member, as Python reads them),
/// never letting the output grow past `limits`.
///
/// Errors: `malformed` for a wrong magic, a corrupt, truncated or checksum-failing stream, or trailing bytes that
/// are not another complete stream (with the byte offset where it was found); `resource-limit` as soon as the
/// output would pass `limits.max_output_bytes` or the ratio allowance; `unsupported` for valid variants wandguard
/// does not read (see [`super::UNSUPPORTED`]). [`Container::Raw`] returns a copy of `input` (within
/// `max_output_bytes`).
pub fn decompress(input: &[u8], container: Container, limits: &DecompressLimits) -> Result<Vec<u8>, FormatError> {
    let budget = Budget::new(input.len(), limits);
    let mut out = Vec::new();
    if input.is_empty() && container != Container::Raw {
        return Err(FormatError::malformed(0, format!("empty input is not a {} stream", container.name())));
    }
    match container {
        Container::Raw => budget.append(&mut out, input, 0)?,
        Container::Zlib => gzip::zlib_streams(input, &mut out, &budget)?,
        Container::Gzip => gzip::gzip_members(input, &mut out, &budget)?,
        Container::Bz2 => bz2_streams(input, &mut out, &budget)?,
        Container::Lzma => lzma::lzma_streams(input, FirstStream::Alone, &mut out, &budget)?,
        Container::Xz => lzma::lzma_streams(input, FirstStream::Xz, &mut out, &budget)?,
        Container::Lz4 => lz4::lz4_frames(input, &mut out, &budget)?,
    }
    Ok(out)
}

/// Decodes concatenated bzip2 streams (as `bz2.BZ2File` reads them), appending to `out`.
fn bz2_streams(input: &[u8], out: &mut Vec<u8>, budget: &Budget) -> Result<(), FormatError> {
    let mut chunk = vec![0u8; BZ2_CHUNK];
    let mut pos = 0;
    while pos < input.len() {
        check_bz2_header(input.get(pos..).unwrap_or_default(), pos)?;
        let mut decoder = Decompress::new(false);
        loop {
            let stream_used = usize::try_from(decoder.total_in()).unwrap_or(usize::MAX);
            let at = pos.saturating_add(stream_used);
            let rest = input.get(at..).unwrap_or_default();
            let (in_before, out_before) = (decoder.total_in(), decoder.total_out());
            let status = decoder.decompress(rest, &mut chunk).map_err(|error| {
                let at = pos.saturating_add(usize::try_from(decoder.total_in()).unwrap_or(usize::MAX));
                FormatError::malformed(at, format!("invalid bz2 data ({error:?})"))
            })?;
            let written = usize::try_from(decoder.total_out() - out_before).unwrap_or(usize::MAX);
            budget.append(out, chunk.get(..written).unwrap_or_default(), at)?;
            if status == Status::StreamEnd {
                pos = pos.saturating_add(usize::try_from(decoder.total_in()).unwrap_or(usize::MAX));
                break;
            }
            if decoder.total_in() == in_before && written == 0 {
                return Err(FormatError::malformed(input.len(), "truncated bz2 stream"));
            }
        }
    }
    Ok(())
}

/// A bz2 stream starts with `BZh` and a block size digit `1`–`9`.
fn check_bz2_header(stream: &[u8], base: usize) -> Result<(), FormatError> {
    let expected = stream.get(..3).unwrap_or(stream);
    if !b"BZh".starts_with(expected) || stream.get(3).is_some_and(|digit| !(b'1'..=b'9').contains(digit)) {
        return Err(FormatError::malformed(base, "not a bz2 stream (bad magic)"));
    }
    if stream.len() < 4 {
        return Err(FormatError::malformed(base + stream.len(), "truncated bz2 header"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_is_malformed_except_raw() {
        for container in
            [Container::Zlib, Container::Gzip, Container::Bz2, Container::Lzma, Container::Xz, Container::Lz4]
        {
            let error = decompress(b"", container, &DecompressLimits::default());
            assert_eq!(error.map_err(|e| (e.code, e.offset)), Err(("malformed", 0)), "{container:?}");
        }
        assert_eq!(decompress(b"", Container::Raw, &DecompressLimits::default()), Ok(Vec::new()));
    }

    #[test]
    fn raw_is_a_capped_copy() {
        let limits = DecompressLimits { max_output_bytes: 3, max_ratio: 0 };
        assert_eq!(decompress(b"abc", Container::Raw, &limits), Ok(b"abc".to_vec()));
        assert_eq!(decompress(b"abcd", Container::Raw, &limits).map_err(|e| e.code), Err("resource-limit"));
    }
}
