//! LZ4 frames (the LZ4 frame format, as `lz4.frame` writes them).
//!
//! lz4_flex's `FrameDecoder` treats input that ends between blocks as a clean end of data, and reads frames
//! with an 8 MiB block size that the reference library refuses. So each frame's layout is walked here first
//! (header, block sizes, end mark, checksums, without decompressing); a frame that is cut short or has a
//! non-standard descriptor is refused, and only the exact bytes of a complete frame are given to the decoder,
//! which then checks the header, block and content checksums and the content size. Skippable frames (magic
//! `0x184D2A50`–`0x184D2A5F`) are skipped, as `lz4.frame` does; legacy frames and dictionary ids are refused.

use std::io::Read;

use lz4_flex::frame::FrameDecoder;

use super::FormatError;
use super::budget::Budget;

const FRAME_MAGIC: u32 = 0x184D_2204;
const LEGACY_MAGIC: u32 = 0x184C_2102;
const SKIPPABLE_MAGICS: std::ops::RangeInclusive<u32> = 0x184D_2A50..=0x184D_2A5F;
const FLG_VERSION_MASK: u8 = 0xc0;
const FLG_VERSION_01: u8 = 0x40;
const FLG_BLOCK_CHECKSUM: u8 = 0x10;
const FLG_CONTENT_SIZE: u8 = 0x08;
const FLG_CONTENT_CHECKSUM: u8 = 0x04;
const FLG_RESERVED: u8 = 0x02;
const FLG_DICT_ID: u8 = 0x01;
const BD_RESERVED: u8 = 0x8f;
const UNCOMPRESSED_BLOCK_BIT: u32 = 0x8000_0000;
/// Read size when draining the decoder.
const CHUNK: usize = 256 << 10;

/// Decodes every frame in `input`, appending to `out`.
pub(super) fn lz4_frames(input: &[u8], out: &mut Vec<u8>, budget: &Budget) -> Result<(), FormatError> {
    let mut pos = 0;
    let mut chunk = vec![0u8; CHUNK];
    while pos < input.len() {
        let rest = input.get(pos..).unwrap_or_default();
        match frame_layout(rest, pos)? {
            Frame::Skippable(len) => pos += len,
            Frame::Data(len) => {
                let mut decoder = FrameDecoder::new(rest.get(..len).unwrap_or_default());
                loop {
                    let read = decoder
                        .read(&mut chunk)
                        .map_err(|error| FormatError::malformed(pos, format!("invalid lz4 frame: {error}")))?;
                    if read == 0 {
                        break;
                    }
                    budget.append(out, chunk.get(..read).unwrap_or_default(), pos)?;
                }
                pos += len;
            }
        }
    }
    Ok(())
}

/// One frame's kind and total length in bytes.
#[derive(Debug, PartialEq, Eq)]
enum Frame {
    Data(usize),
    Skippable(usize),
}

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    bytes.get(at..at.checked_add(4)?).and_then(|b| b.first_chunk::<4>()).map(|b| u32::from_le_bytes(*b))
}

fn frame_layout(frame: &[u8], base: usize) -> Result<Frame, FormatError> {
    let truncated = || FormatError::malformed(base + frame.len(), "truncated lz4 frame");
    let magic = le32(frame, 0).ok_or_else(truncated)?;
    if SKIPPABLE_MAGICS.contains(&magic) {
        let size = le32(frame, 4).ok_or_else(truncated)?;
        let len = usize::try_from(size).ok().and_then(|size| size.checked_add(8)).ok_or_else(truncated)?;
        return if len <= frame.len() { Ok(Frame::Skippable(len)) } else { Err(truncated()) };
    }
    if magic == LEGACY_MAGIC {
        return Err(FormatError::unsupported(base, "legacy lz4 frame format is not supported"));
    }
    if magic != FRAME_MAGIC {
        return Err(FormatError::malformed(base, format!("not an lz4 frame (magic {magic:#010x})")));
    }
    let [flg, bd] = *frame.get(4..6).ok_or_else(truncated)? else { return Err(truncated()) };
    if flg & FLG_VERSION_MASK != FLG_VERSION_01 || flg & FLG_RESERVED != 0 || bd & BD_RESERVED != 0 {
        return Err(FormatError::malformed(base + 4, "invalid lz4 frame descriptor"));
    }
    if flg & FLG_DICT_ID != 0 {
        return Err(FormatError::unsupported(base + 4, "lz4 frame needs a dictionary"));
    }
    let max_block = match (bd >> 4) & 0x07 {
        4 => 64 << 10,
        5 => 256 << 10,
        6 => 1 << 20,
        7 => 4 << 20,
        id => return Err(FormatError::malformed(base + 5, format!("invalid lz4 block size id {id}"))),
    };
    // magic, FLG, BD, optional content size, header checksum byte
    let mut pos = 6 + if flg & FLG_CONTENT_SIZE != 0 { 8 } else { 0 } + 1;
    let block_checksum = if flg & FLG_BLOCK_CHECKSUM != 0 { 4 } else { 0 };
    loop {
        let word = le32(frame, pos).ok_or_else(truncated)?;
        pos += 4;
        if word == 0 {
            break;
        }
        let size = (word & !UNCOMPRESSED_BLOCK_BIT) as usize;
        if size > max_block {
            return Err(FormatError::malformed(base + pos - 4, "lz4 block larger than the frame's maximum"));
        }
        pos = pos.checked_add(size + block_checksum).ok_or_else(truncated)?;
    }
    if flg & FLG_CONTENT_CHECKSUM != 0 {
        pos += 4;
    }
    if pos > frame.len() {
        return Err(truncated());
    }
    Ok(Frame::Data(pos))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::formats::container::DecompressLimits;

    fn frame_of(data: &[u8]) -> Vec<u8> {
        let mut encoder = lz4_flex::frame::FrameEncoder::new(Vec::new());
        assert!(encoder.write_all(data).is_ok());
        encoder.finish().unwrap_or_default()
    }

    #[test]
    fn layout_of_an_encoded_frame() {
        let frame = frame_of(b"hello lz4 hello lz4 hello lz4");
        assert_eq!(frame_layout(&frame, 0), Ok(Frame::Data(frame.len())));
        let mut padded = frame.clone();
        padded.extend_from_slice(b"rest");
        assert_eq!(frame_layout(&padded, 0), Ok(Frame::Data(frame.len())));
    }

    #[test]
    fn every_truncation_is_refused() {
        let frame = frame_of(b"some text that is long enough to form a block of data");
        for cut in 0..frame.len() {
            let result = frame_layout(frame.get(..cut).unwrap_or_default(), 0);
            assert_eq!(result.map_err(|e| e.code), Err("malformed"), "cut at {cut}");
        }
    }

    #[test]
    fn non_standard_frames() {
        let legacy = frame_layout(&[0x02, 0x21, 0x4c, 0x18, 0, 0, 0, 0], 3);
        assert_eq!(legacy.map_err(|e| (e.code, e.offset)), Err(("unsupported", 3)));
        // block size id 0: only ids 4 to 7 exist in the frame format
        let bad_bd = frame_layout(&[0x04, 0x22, 0x4d, 0x18, 0x60, 0x00, 0x00, 0, 0, 0, 0], 0);
        assert_eq!(bad_bd.map_err(|e| (e.code, e.offset)), Err(("malformed", 5)));
        let dict = frame_layout(&[0x04, 0x22, 0x4d, 0x18, 0x61, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0);
        assert_eq!(dict.map_err(|e| e.code), Err("unsupported"));
        let skippable = frame_layout(&[0x5f, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 9, 9], 0);
        assert_eq!(skippable, Ok(Frame::Skippable(10)));
        let short_skippable = frame_layout(&[0x5f, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9], 0);
        assert_eq!(short_skippable.map_err(|e| e.code), Err("malformed"));
    }

    #[test]
    fn output_cap_stops_a_large_frame() {
        let frame = frame_of(&vec![0u8; 1 << 20]);
        let budget = Budget::new(1, &DecompressLimits { max_output_bytes: 100_000, max_ratio: 0 });
        let mut out = Vec::new();
        let result = lz4_frames(&frame, &mut out, &budget);
        assert_eq!(result.map_err(|e| e.code), Err("resource-limit"));
        assert!(out.len() <= 100_000);
    }
}
