//! `.lzma` ("alone") and `.xz` streams, decoded with lzma-rs.
//!
//! Python reads joblib's `lzma` and `xz` files with `lzma.LZMAFile(format=FORMAT_AUTO)`, stream after stream,
//! each stream either format; so do we. Two things lzma-rs does not do are done here first:
//! - **Finding where an xz stream ends** (lzma-rs insists on end of input after the footer): the stream's
//!   structure is walked — block headers, LZMA2 chunk headers, index, footer — without decoding anything.
//! - **Bounding memory before decoding an xz stream**: lzma-rs keeps a whole LZMA2 dictionary run in memory
//!   and only then writes it out, so the output cap alone would act too late. The walk adds up the unpacked
//!   size that every LZMA2 chunk header declares (lzma-rs makes each chunk produce exactly that), and a stream
//!   declaring more than the remaining budget is refused before any allocation.
//!
//! `.lzma` headers get liblzma's checks for `FORMAT_AUTO` ("picky" mode): `lc + lp <= 4`, a dictionary size of
//! the form 2^n or 2^n + 2^(n-1), a known uncompressed size below 2^38 — so we never decode a stream Python
//! refuses.

use std::io;

use lzma_rs::decompress::{Options, UnpackedSize};
use lzma_rs::error::Error as LzmaError;

use super::FormatError;
use super::budget::{Budget, CappedWriter};

const XZ_MAGIC: [u8; 6] = [0xfd, b'7', b'z', b'X', b'Z', 0x00];
const XZ_FOOTER_MAGIC: [u8; 2] = [b'Y', b'Z'];
const XZ_HEADER_LEN: usize = 12;
const XZ_FOOTER_LEN: usize = 12;
const LZMA2_FILTER_ID: u64 = 0x21;
const ALONE_HEADER_LEN: usize = 13;
const ALONE_MAX_KNOWN_SIZE: u64 = 1 << 38;

/// Which format the first stream must have (the container joblib chose by prefix).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FirstStream {
    /// An `.lzma` ("alone") stream.
    Alone,
    /// An `.xz` stream.
    Xz,
}

/// Decodes the streams of an `.lzma` / `.xz` file, appending to `out`.
pub(super) fn lzma_streams(
    input: &[u8],
    first: FirstStream,
    out: &mut Vec<u8>,
    budget: &Budget,
) -> Result<(), FormatError> {
    let mut pos = 0;
    loop {
        let stream = input.get(pos..).unwrap_or_default();
        let is_xz = stream.starts_with(&XZ_MAGIC);
        if pos == 0 {
            match (first, is_xz) {
                (FirstStream::Xz, false) => return Err(FormatError::malformed(0, "not an xz stream (bad magic)")),
                (FirstStream::Alone, true) => return Err(FormatError::malformed(0, "an xz stream, not .lzma")),
                _ => {}
            }
        }
        pos += if is_xz { xz_stream(stream, pos, out, budget)? } else { alone_stream(stream, pos, out, budget)? };
        if pos >= input.len() {
            return Ok(());
        }
    }
}

fn alone_stream(stream: &[u8], base: usize, out: &mut Vec<u8>, budget: &Budget) -> Result<usize, FormatError> {
    check_alone_header(stream, base)?;
    let room = budget.remaining(out);
    let end = alone_stream_end(stream, base, room, budget)?;
    let this_stream = stream.get(..end).unwrap_or_default();
    let mut reader = this_stream;
    let mut sink = CappedWriter::new(out, *budget);
    match lzma_rs::lzma_decompress_with_options(&mut reader, &mut sink, &alone_options(room)) {
        Ok(()) => Ok(end),
        Err(error) => Err(decode_error(&error, sink.exceeded(), budget, base + this_stream.len() - reader.len())),
    }
}

/// The message lzma-rs gives when an `.lzma` end marker is followed by more input.
const MARKER_BEFORE_END: &str = "Found end-of-stream marker but more bytes are available";

fn alone_options(room: usize) -> Options {
    // The dictionary buffer never needs to hold more than may still be written out.
    Options { unpacked_size: UnpackedSize::ReadFromHeader, memlimit: Some(room), allow_incomplete: false }
}

/// Finds where the `.lzma` stream at the start of `stream` ends, by decoding it once without keeping the output.
///
/// lzma-rs ends a stream of unknown size either at its end marker or wherever the input runs out while the range
/// decoder happens to be at zero; liblzma only at the end marker. So the stream is decoded with one extra byte
/// after it: a stream that ends at its marker stops before that byte (lzma-rs then reports the marker with "more
/// bytes available", having read exactly the stream, as liblzma does), a cut-off one runs into it.
fn alone_stream_end(stream: &[u8], base: usize, room: usize, budget: &Budget) -> Result<usize, FormatError> {
    let mut reader = io::Read::chain(stream, &[0u8][..]);
    let mut counter = CountingSink { written: 0, room, exceeded: false };
    let result = lzma_rs::lzma_decompress_with_options(&mut reader, &mut counter, &alone_options(room));
    let (rest, sentinel) = reader.into_inner();
    let used = stream.len() - rest.len();
    let truncated = || FormatError::malformed(base + stream.len(), "truncated .lzma stream (no end marker)");
    match result {
        _ if sentinel.is_empty() => Err(truncated()),
        Ok(()) => Ok(used),
        Err(LzmaError::LzmaError(message)) if message == MARKER_BEFORE_END => Ok(used),
        Err(error) => Err(decode_error(&error, counter.exceeded, budget, base + used)),
    }
}

/// An output sink that only counts, within the room left in the budget.
struct CountingSink {
    written: usize,
    room: usize,
    exceeded: bool,
}

impl io::Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() > self.room - self.written {
            self.exceeded = true;
            return Err(io::Error::other("decompressed size cap reached"));
        }
        self.written += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// liblzma's `lzma_alone_decoder` checks in picky mode (the mode `FORMAT_AUTO` uses).
fn check_alone_header(stream: &[u8], base: usize) -> Result<(), FormatError> {
    let Some(header) = stream.first_chunk::<ALONE_HEADER_LEN>() else {
        return Err(FormatError::malformed(base + stream.len(), "truncated .lzma header"));
    };
    let properties = header[0];
    let (lc, lp) = (properties % 9, properties / 9 % 5);
    if properties > 224 || lc + lp > 4 {
        return Err(FormatError::malformed(base, format!("invalid .lzma properties byte {properties:#04x}")));
    }
    let dict_size = u32::from_le_bytes([header[1], header[2], header[3], header[4]]);
    if dict_size != u32::MAX {
        let mut rounded = dict_size.wrapping_sub(1);
        for shift in [2, 3, 4, 8, 16] {
            rounded |= rounded >> shift;
        }
        if rounded.wrapping_add(1) != dict_size {
            return Err(FormatError::malformed(base + 1, format!("uncommon .lzma dictionary size {dict_size}")));
        }
    }
    let size =
        u64::from_le_bytes([header[5], header[6], header[7], header[8], header[9], header[10], header[11], header[12]]);
    if size != u64::MAX && size >= ALONE_MAX_KNOWN_SIZE {
        return Err(FormatError::malformed(base + 5, format!("implausible .lzma uncompressed size {size}")));
    }
    Ok(())
}

fn xz_stream(stream: &[u8], base: usize, out: &mut Vec<u8>, budget: &Budget) -> Result<usize, FormatError> {
    let layout = xz_layout(stream, base)?;
    if layout.declared_output > budget.remaining(out) as u64 {
        return Err(budget.exceeded(base));
    }
    let mut reader = stream.get(..layout.len).unwrap_or_default();
    let mut sink = CappedWriter::new(out, *budget);
    let result = lzma_rs::xz_decompress(&mut reader, &mut sink);
    let used = layout.len - reader.len();
    match result {
        Ok(()) => Ok(layout.len),
        Err(error) => Err(decode_error(&error, sink.exceeded(), budget, base + used)),
    }
}

fn decode_error(error: &LzmaError, cap_reached: bool, budget: &Budget, offset: usize) -> FormatError {
    match error {
        _ if cap_reached => budget.exceeded(offset),
        LzmaError::LzmaError(message) if message.starts_with("exceeded memory limit") => budget.exceeded(offset),
        LzmaError::HeaderTooShort(_) => FormatError::malformed(offset, "truncated header"),
        LzmaError::IoError(io) if io.kind() == io::ErrorKind::UnexpectedEof => {
            FormatError::malformed(offset, "truncated stream")
        }
        _ => FormatError::malformed(offset, error.to_string()),
    }
}

/// Where an xz stream ends, and how much output its LZMA2 chunks declare.
#[derive(Debug, PartialEq, Eq)]
struct XzLayout {
    len: usize,
    declared_output: u64,
}

/// A bounds-checked forward reader over one stream, reporting offsets in the whole input.
struct Walker<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Walker<'a> {
    fn truncated(&self) -> FormatError {
        FormatError::malformed(self.base + self.data.len(), "truncated xz stream")
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], FormatError> {
        let end = self.pos.checked_add(n).ok_or_else(|| self.truncated())?;
        let bytes = self.data.get(self.pos..end).ok_or_else(|| self.truncated())?;
        self.pos = end;
        Ok(bytes)
    }

    fn byte(&mut self) -> Result<u8, FormatError> {
        Ok(self.take(1)?.first().copied().unwrap_or(0))
    }

    fn be16(&mut self) -> Result<usize, FormatError> {
        let bytes = self.take(2)?;
        Ok(usize::from(bytes.first().copied().unwrap_or(0)) << 8 | usize::from(bytes.get(1).copied().unwrap_or(0)))
    }

    /// An xz variable-length integer (7 bits per byte, at most 9 bytes).
    fn varint(&mut self) -> Result<u64, FormatError> {
        let mut value = 0u64;
        for index in 0..9 {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << (7 * index);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(FormatError::malformed(self.base + self.pos, "xz integer longer than 9 bytes"))
    }

    fn pad_to_four(&mut self, since: usize) -> Result<(), FormatError> {
        let unaligned = (self.pos - since) % 4;
        self.take((4 - unaligned) % 4).map(|_| ())
    }
}

fn xz_layout(stream: &[u8], base: usize) -> Result<XzLayout, FormatError> {
    let mut walker = Walker { data: stream, pos: 0, base };
    let header = walker.take(XZ_HEADER_LEN)?;
    let check_size = match header.get(7).copied().unwrap_or(0) & 0x0f {
        0 => 0,
        1..=3 => 4,
        4..=6 => 8,
        7..=9 => 16,
        10..=12 => 32,
        _ => 64,
    };
    let mut declared_output = 0u64;
    loop {
        let block_start = walker.pos;
        let indicator = walker.byte()?;
        if indicator == 0 {
            break;
        }
        declared_output = declared_output.saturating_add(block_output(&mut walker, block_start, indicator)?);
        walker.pad_to_four(block_start)?;
        walker.take(check_size)?;
    }
    let index_start = walker.pos - 1;
    let records = walker.varint()?;
    for _ in 0..records {
        walker.varint()?;
        walker.varint()?;
    }
    walker.pad_to_four(index_start)?;
    walker.take(4)?;
    let footer = walker.take(XZ_FOOTER_LEN)?;
    if footer.get(10..) != Some(&XZ_FOOTER_MAGIC[..]) {
        return Err(FormatError::malformed(base + walker.pos - 2, "bad xz footer magic"));
    }
    Ok(XzLayout { len: walker.pos, declared_output })
}

/// Walks one block's header and LZMA2 chunks (the indicator byte is already read); returns the declared output.
fn block_output(walker: &mut Walker<'_>, block_start: usize, indicator: u8) -> Result<u64, FormatError> {
    let header_len = (usize::from(indicator) + 1) * 4;
    walker.take(header_len - 1)?;
    let header_bytes = walker.data.get(..walker.pos).unwrap_or_default();
    let mut header = Walker { data: header_bytes, pos: block_start + 1, base: walker.base };
    let flags = header.byte()?;
    if flags & 0x40 != 0 {
        header.varint()?;
    }
    if flags & 0x80 != 0 {
        header.varint()?;
    }
    let filter_id = header.varint()?;
    if flags & 0x03 != 0 || filter_id != LZMA2_FILTER_ID {
        return Err(FormatError::unsupported(
            walker.base + block_start,
            "xz filter chain other than a single LZMA2 filter (BCJ, delta) is not supported",
        ));
    }
    let mut declared = 0u64;
    loop {
        let chunk_at = walker.pos;
        let control = walker.byte()?;
        let (unpacked, packed) = match control {
            0x00 => return Ok(declared),
            0x01 | 0x02 => {
                let size = walker.be16()? + 1;
                (size, size)
            }
            0x80..=0xff => {
                let unpacked = (usize::from(control & 0x1f) << 16 | walker.be16()?) + 1;
                let packed = walker.be16()? + 1;
                (unpacked, packed + usize::from(control >= 0xc0))
            }
            _ => {
                let message = format!("invalid LZMA2 chunk control byte {control:#04x}");
                return Err(FormatError::malformed(walker.base + chunk_at, message));
            }
        };
        walker.take(packed)?;
        declared = declared.saturating_add(unpacked as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::container::DecompressLimits;

    #[test]
    fn picky_alone_headers() {
        let good = b"\x5d\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff";
        assert_eq!(check_alone_header(good, 0), Ok(()));
        // 3 MiB = 2^21 + 2^20 is allowed, 5 MiB is not
        assert!(check_alone_header(b"\x5d\x00\x00\x30\x00\xff\xff\xff\xff\xff\xff\xff\xff", 0).is_ok());
        let odd = check_alone_header(b"\x5d\x00\x00\x50\x00\xff\xff\xff\xff\xff\xff\xff\xff", 9);
        assert_eq!(odd.map_err(|e| (e.code, e.offset)), Err(("malformed", 10)));
        // lc = 4, lp = 1
        assert!(check_alone_header(b"\x0d\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff", 0).is_err());
        assert!(check_alone_header(b"\xe1\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff", 0).is_err());
        // known size 2^40
        assert!(check_alone_header(b"\x5d\x00\x00\x80\x00\x00\x00\x00\x00\x00\x01\x00\x00", 0).is_err());
        assert_eq!(check_alone_header(b"\x5d\x00\x00", 4).map_err(|e| e.offset), Err(7));
    }

    #[test]
    fn xz_declared_output_is_checked_before_decoding() {
        // One block whose uncompressed LZMA2 chunks declare 3 × 65536 bytes (written by lzma-rs).
        let data = vec![7u8; 3 << 16];
        let mut stream = Vec::new();
        assert!(lzma_rs::xz_compress(&mut &data[..], &mut stream).is_ok());
        assert_eq!(xz_layout(&stream, 0).map(|l| (l.len, l.declared_output)), Ok((stream.len(), 3 << 16)));
        let small = Budget::new(1, &DecompressLimits { max_output_bytes: 100_000, max_ratio: 0 });
        let error = lzma_streams(&stream, FirstStream::Xz, &mut Vec::new(), &small);
        assert_eq!(error.map_err(|e| (e.code, e.offset)), Err(("resource-limit", 0)));
    }

    #[test]
    fn xz_with_other_filters_is_unsupported() {
        // Stream header (CRC64), then a block header with two filters (delta 0x03 + LZMA2): flags 0x01.
        let mut stream = XZ_MAGIC.to_vec();
        stream.extend_from_slice(&[0x00, 0x04, 0xe6, 0xd6, 0xb4, 0x46]);
        stream.extend_from_slice(&[0x02, 0x01, 0x03, 0x01, 0x00, 0x21, 0x01, 0x16, 0, 0, 0, 0]);
        let error = xz_layout(&stream, 0);
        assert_eq!(error.map_err(|e| (e.code, e.offset)), Err(("unsupported", 12)));
    }

    #[test]
    fn truncated_xz_is_malformed() {
        let mut stream = Vec::new();
        assert!(lzma_rs::xz_compress(&mut &b"abc"[..], &mut stream).is_ok());
        for cut in [0, 5, 12, 13, stream.len() - 1] {
            let error = xz_layout(stream.get(..cut).unwrap_or_default(), 0);
            assert_eq!(error.map_err(|e| e.code), Err("malformed"), "cut at {cut}");
        }
    }
}
