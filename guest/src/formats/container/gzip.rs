//! The deflate family: zlib streams (RFC 1950) and gzip members (RFC 1952), inflated by miniz_oxide directly
//! into the output vector (no intermediate window copies), which grows only through the [`Budget`].

use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

use super::FormatError;
use super::budget::Budget;
use super::crc32;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const GZIP_FIXED_HEADER: usize = 10;
const GZIP_TRAILER: usize = 8;
const CM_DEFLATE: u8 = 8;
const FLAG_HCRC: u8 = 0x02;
const FLAG_EXTRA: u8 = 0x04;
const FLAG_NAME: u8 = 0x08;
const FLAG_COMMENT: u8 = 0x10;
const FLAG_RESERVED: u8 = 0xe0;

/// Decodes every zlib stream in `input`, one after the other, appending to `out`.
pub(super) fn zlib_streams(input: &[u8], out: &mut Vec<u8>, budget: &Budget) -> Result<(), FormatError> {
    let mut pos = 0;
    while pos < input.len() {
        let stream = input.get(pos..).unwrap_or_default();
        check_zlib_header(stream, pos)?;
        pos += inflate(stream, pos, true, out, budget)?;
    }
    Ok(())
}

/// Decodes every gzip member in `input`, appending to `out`. Zero bytes after a member are padding, skipped
/// as Python's `gzip` module skips them; anything else must be another complete member.
pub(super) fn gzip_members(input: &[u8], out: &mut Vec<u8>, budget: &Budget) -> Result<(), FormatError> {
    reserve_for_isize(input, out, budget);
    let mut pos = 0;
    while pos < input.len() {
        let rest = input.get(pos..).unwrap_or_default();
        if pos > 0 && rest.first() == Some(&0) {
            pos += rest.iter().take_while(|&&b| b == 0).count();
            continue;
        }
        pos += gzip_member(rest, pos, out, budget)?;
    }
    Ok(())
}

/// Deflate cannot expand more than 1032:1 (a 258-byte match in 2 bits), so no honest output is larger.
const DEFLATE_MAX_RATIO: usize = 1032;

/// Reserves room for the size the last member's ISIZE field announces, so a large gzip payload is decoded
/// without repeated doubling. The field is untrusted: the reservation is bounded by what deflate can produce
/// from this input and by the budget, so a lying field costs no more memory than a real bomb of the same size.
fn reserve_for_isize(input: &[u8], out: &mut Vec<u8>, budget: &Budget) {
    let Some(field) = input.len().checked_sub(4).and_then(|at| input.get(at..)) else { return };
    let announced = field.first_chunk::<4>().map_or(0, |b| u32::from_le_bytes(*b) as usize);
    let bound = input.len().saturating_mul(DEFLATE_MAX_RATIO).min(budget.remaining(out));
    out.reserve_exact(announced.min(bound));
}

fn check_zlib_header(stream: &[u8], base: usize) -> Result<(), FormatError> {
    let [cmf, flg, ..] = *stream else {
        return Err(FormatError::malformed(base + stream.len(), "truncated zlib header"));
    };
    if cmf & 0x0f != CM_DEFLATE || cmf >> 4 > 7 {
        return Err(FormatError::malformed(base, format!("not a zlib stream (CMF byte {cmf:#04x})")));
    }
    if (u16::from(cmf) << 8 | u16::from(flg)) % 31 != 0 {
        return Err(FormatError::malformed(base + 1, "zlib header check (FCHECK) failed"));
    }
    if flg & 0x20 != 0 {
        return Err(FormatError::unsupported(base + 1, "zlib stream needs a preset dictionary"));
    }
    Ok(())
}

/// Decodes one gzip member at `input` (which is at `base` in the whole input); returns its length.
fn gzip_member(input: &[u8], base: usize, out: &mut Vec<u8>, budget: &Budget) -> Result<usize, FormatError> {
    let truncated = |at: usize| FormatError::malformed(base + at, "truncated gzip header");
    if !GZIP_MAGIC.starts_with(input.get(..2).unwrap_or(input)) {
        return Err(FormatError::malformed(base, "not a gzip member (bad magic)"));
    }
    let header = input.get(..GZIP_FIXED_HEADER).ok_or_else(|| truncated(input.len()))?;
    let (method, flags) = (header.get(2).copied().unwrap_or(0), header.get(3).copied().unwrap_or(0));
    if method != CM_DEFLATE {
        return Err(FormatError::malformed(base + 2, format!("unknown gzip compression method {method}")));
    }
    if flags & FLAG_RESERVED != 0 {
        return Err(FormatError::malformed(base + 3, "reserved gzip header flags set"));
    }
    let mut pos = GZIP_FIXED_HEADER;
    if flags & FLAG_EXTRA != 0 {
        let length = input.get(pos..pos + 2).ok_or_else(|| truncated(input.len()))?;
        let length = usize::from(u16::from_le_bytes([length[0], length[1]]));
        pos = pos.checked_add(2 + length).filter(|&end| end <= input.len()).ok_or_else(|| truncated(input.len()))?;
    }
    for flag in [FLAG_NAME, FLAG_COMMENT] {
        if flags & flag != 0 {
            let text = input.get(pos..).unwrap_or_default();
            let nul = text.iter().position(|&b| b == 0).ok_or_else(|| truncated(input.len()))?;
            pos += nul + 1;
        }
    }
    if flags & FLAG_HCRC != 0 {
        let stored = input.get(pos..pos + 2).ok_or_else(|| truncated(input.len()))?;
        let stored = u16::from_le_bytes([stored[0], stored[1]]);
        let computed = crc32::update(0, input.get(..pos).unwrap_or_default()) & 0xffff;
        if u32::from(stored) != computed {
            return Err(FormatError::malformed(base + pos, "gzip header CRC mismatch"));
        }
        pos += 2;
    }
    let start = out.len();
    let body = input.get(pos..).unwrap_or_default();
    pos += inflate(body, base + pos, false, out, budget)?;
    let trailer = input
        .get(pos..pos + GZIP_TRAILER)
        .ok_or_else(|| FormatError::malformed(base + input.len(), "truncated gzip trailer"))?;
    let stored_crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    let stored_size = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
    let content = out.get(start..).unwrap_or_default();
    if crc32::update(0, content) != stored_crc {
        return Err(FormatError::malformed(base + pos, "gzip CRC-32 mismatch"));
    }
    // ISIZE is the length modulo 2^32.
    if content.len() as u32 != stored_size {
        return Err(FormatError::malformed(base + pos + 4, "gzip length (ISIZE) mismatch"));
    }
    Ok(pos + GZIP_TRAILER)
}

/// Inflates one deflate stream (zlib-wrapped when `zlib`) from the start of `input` (at `base` in the whole
/// input), appending its output to `out`; returns the number of input bytes it used.
///
/// The stream is decoded into `out[start..]` with miniz_oxide's non-wrapping mode, so back-references reach
/// only into this stream's own output, as with zlib.
fn inflate(input: &[u8], base: usize, zlib: bool, out: &mut Vec<u8>, budget: &Budget) -> Result<usize, FormatError> {
    let start = out.len();
    let mut flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    if zlib {
        flags |= inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER | inflate_flags::TINFL_FLAG_COMPUTE_ADLER32;
    }
    let mut decompressor = Box::<DecompressorOxide>::default();
    let mut used = 0;
    let mut produced = 0;
    budget.grow(out, base)?;
    loop {
        let rest = input.get(used..).unwrap_or_default();
        let window = out.get_mut(start..).unwrap_or_default();
        let (status, consumed, written) = decompress(&mut decompressor, rest, window, produced, flags);
        used += consumed;
        produced += written;
        match status {
            TINFLStatus::Done => {
                out.truncate(start + produced);
                return Ok(used);
            }
            TINFLStatus::HasMoreOutput => budget.grow(out, base + used)?,
            TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
                out.truncate(start + produced);
                return Err(FormatError::malformed(base + input.len(), "truncated deflate stream"));
            }
            TINFLStatus::Adler32Mismatch => {
                out.truncate(start + produced);
                return Err(FormatError::malformed(base + used, "zlib Adler-32 checksum mismatch"));
            }
            _ => {
                out.truncate(start + produced);
                return Err(FormatError::malformed(base + used, "invalid deflate data"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::container::DecompressLimits;

    fn budget(cap: usize) -> Budget {
        Budget::new(1, &DecompressLimits { max_output_bytes: cap, max_ratio: 0 })
    }

    #[test]
    fn zlib_header_checks() {
        assert!(check_zlib_header(b"\x78\x9c", 0).is_ok());
        assert!(check_zlib_header(b"\x78\x01", 0).is_ok());
        assert_eq!(check_zlib_header(b"\x78\x00", 4).map_err(|e| (e.code, e.offset)), Err(("malformed", 5)));
        assert_eq!(check_zlib_header(b"\x78", 0).map_err(|e| e.offset), Err(1));
        assert_eq!(check_zlib_header(b"\x79\x9c", 0).map_err(|e| e.code), Err("malformed"));
        // FDICT set with a valid FCHECK: 0x78 0xbb
        assert_eq!(check_zlib_header(b"\x78\xbb", 0).map_err(|e| e.code), Err("unsupported"));
    }

    #[test]
    fn inflate_grows_past_the_first_step() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 97) as u8).collect();
        let stream = miniz_oxide::deflate::compress_to_vec_zlib(&data, 6);
        let mut out = b"prefix".to_vec();
        assert_eq!(zlib_streams(&stream, &mut out, &budget(1 << 20)), Ok(()));
        assert_eq!(out.get(6..), Some(&data[..]));
    }

    #[test]
    fn bad_adler_is_malformed() {
        let mut stream = miniz_oxide::deflate::compress_to_vec_zlib(b"hello hello hello", 6);
        if let Some(last) = stream.last_mut() {
            *last ^= 1;
        }
        let result = zlib_streams(&stream, &mut Vec::new(), &budget(1 << 20));
        assert_eq!(result.map_err(|e| e.code), Err("malformed"));
    }
}
