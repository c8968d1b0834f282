//! [`compress`]: writes the container joblib expects for `compress=(method, level)`, readable by Python's
//! `zlib`, `gzip`, `bz2`, `lzma` and `lz4.frame` (and so by `joblib.load`, which picks the decompressor by the
//! same magic prefixes [`crate::formats::detect`] uses).

use std::io::Write;

use bzip2::Compression;
use bzip2::write::BzEncoder;
use lz4_flex::frame::FrameEncoder;
use lzma_rs::compress::{Options, UnpackedSize};

use super::FormatError;
use super::crc32;
use crate::formats::detect::Container;

/// Highest compression level joblib (and zlib, bz2, lzma) accept.
const MAX_LEVEL: u32 = 9;
/// gzip header: magic, deflate, no flags, mtime 0, no extra flags, OS "unknown" (as `zlib` writes with wbits 31
/// apart from the OS byte).
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff];

/// Compresses `data` into `container` at `level` (0–9, as joblib's `compress=` takes it).
///
/// - zlib, gzip: deflate at `level` (0 stores), one zlib stream / one gzip member.
/// - bz2: block size `level` × 100 kB (level 0 is taken as 1, the smallest block).
/// - lzma (`.lzma`, unknown size + end marker, 8 MiB dictionary) and xz (no integrity check): lzma-rs's
///   encoders, which only store literals (lzma) or uncompressed LZMA2 chunks (xz) — valid streams every decoder
///   reads, with little or no size reduction; `level` is accepted and has no effect.
/// - lz4: one LZ4 frame, linked 64 KiB blocks; `level` has no effect (lz4_flex has a single level).
/// - Raw: a copy of `data`.
///
/// Errors: `unsupported` for `level` above 9; `malformed` (offset 0) if an encoder fails.
pub fn compress(data: &[u8], container: Container, level: u32) -> Result<Vec<u8>, FormatError> {
    if level > MAX_LEVEL {
        return Err(FormatError::unsupported(0, format!("compression level {level} is above {MAX_LEVEL}")));
    }
    let encoder_failed =
        |error: std::io::Error| FormatError::malformed(0, format!("{} encoder: {error}", container.name()));
    // `level` is at most 9 here.
    let deflate_level = u8::try_from(level).unwrap_or(9);
    match container {
        Container::Raw => Ok(data.to_vec()),
        Container::Zlib => Ok(miniz_oxide::deflate::compress_to_vec_zlib(data, deflate_level)),
        Container::Gzip => {
            let body = miniz_oxide::deflate::compress_to_vec(data, deflate_level);
            let mut out = Vec::with_capacity(GZIP_HEADER.len() + body.len() + 8);
            out.extend_from_slice(&GZIP_HEADER);
            out.extend_from_slice(&body);
            out.extend_from_slice(&crc32::update(0, data).to_le_bytes());
            // ISIZE: the length modulo 2^32.
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            Ok(out)
        }
        Container::Bz2 => {
            let mut encoder = BzEncoder::new(Vec::new(), Compression::new(level.max(1)));
            encoder.write_all(data).map_err(encoder_failed)?;
            encoder.finish().map_err(encoder_failed)
        }
        Container::Lzma => {
            let mut out = Vec::new();
            let options = Options { unpacked_size: UnpackedSize::WriteToHeader(None) };
            lzma_rs::lzma_compress_with_options(&mut &data[..], &mut out, &options).map_err(encoder_failed)?;
            Ok(out)
        }
        Container::Xz => {
            let mut out = Vec::new();
            lzma_rs::xz_compress(&mut &data[..], &mut out).map_err(encoder_failed)?;
            Ok(out)
        }
        Container::Lz4 => {
            let mut encoder = FrameEncoder::new(Vec::new());
            encoder.write_all(data).map_err(encoder_failed)?;
            encoder.finish().map_err(|error| encoder_failed(std::io::Error::other(error)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::container::{DecompressLimits, decompress};
    use crate::formats::detect::detect;

    const ALL: [Container; 7] = [
        Container::Raw,
        Container::Zlib,
        Container::Gzip,
        Container::Bz2,
        Container::Lzma,
        Container::Xz,
        Container::Lz4,
    ];

    fn sample() -> Vec<u8> {
        let mut data = b"\x80\x05\x95".to_vec();
        data.extend((0..200_000u32).map(|i| (i % 251) as u8 ^ (i / 1000) as u8));
        data
    }

    #[test]
    fn round_trip_every_container_and_level() {
        let data = sample();
        for container in ALL {
            for level in [0, 1, 3, 9] {
                let packed = compress(&data, container, level);
                let unpacked = packed.and_then(|p| decompress(&p, container, &DecompressLimits::default()));
                assert_eq!(unpacked.as_deref(), Ok(&data[..]), "{container:?} level {level}");
            }
        }
    }

    #[test]
    fn output_is_detected_as_its_container() {
        for container in ALL {
            let packed = compress(&sample(), container, 3).unwrap_or_default();
            assert_eq!(detect(&packed).container, container);
        }
        assert_eq!(compress(b"", Container::Gzip, 6).map(|g| g.len()), Ok(20));
    }

    #[test]
    fn deflate_levels_compress() {
        let data = vec![b'a'; 100_000];
        for container in [Container::Zlib, Container::Gzip, Container::Bz2, Container::Lz4] {
            let size = compress(&data, container, 9).map(|p| p.len()).unwrap_or(usize::MAX);
            assert!(size < 2_000, "{container:?}: {size}");
        }
    }

    #[test]
    fn level_above_nine_is_unsupported() {
        assert_eq!(compress(b"x", Container::Zlib, 10).map_err(|e| e.code), Err("unsupported"));
    }
}
