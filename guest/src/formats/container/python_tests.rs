//! Decompression of real CPython-written containers (see [`super::fixtures`]): every joblib compressor, the
//! concatenations Python reads, truncation, trailing data, wrong magic, and bombs.

use std::time::{Duration, Instant};

use super::fixtures::{self, bytes};
use super::{DecompressLimits, compress, decompress, open_payload};
use crate::formats::detect::{Container, PayloadKind, detect};

const JOBLIB_FILES: [(&str, Container); 6] = [
    (fixtures::JOBLIB_ZLIB, Container::Zlib),
    (fixtures::JOBLIB_GZIP, Container::Gzip),
    (fixtures::JOBLIB_BZ2, Container::Bz2),
    (fixtures::JOBLIB_LZMA, Container::Lzma),
    (fixtures::JOBLIB_XZ, Container::Xz),
    (fixtures::JOBLIB_LZ4, Container::Lz4),
];

const CONCATENATIONS: [(&str, Container); 8] = [
    (fixtures::GZIP_TWO, Container::Gzip),
    (fixtures::ZLIB_TWO, Container::Zlib),
    (fixtures::BZ2_TWO, Container::Bz2),
    (fixtures::LZMA_TWO, Container::Lzma),
    (fixtures::XZ_TWO, Container::Xz),
    (fixtures::XZ_THEN_LZMA, Container::Xz),
    (fixtures::LZ4_TWO, Container::Lz4),
    (fixtures::LZ4_WITH_SKIPPABLE, Container::Lz4),
];

fn limits() -> DecompressLimits {
    DecompressLimits::default()
}

#[test]
fn every_joblib_compressor_decompresses_to_the_plain_file() {
    let plain = bytes(fixtures::JOBLIB_RAW);
    assert_eq!(detect(&plain).kind, PayloadKind::Pickle);
    for (hex, container) in JOBLIB_FILES {
        let file = bytes(hex);
        assert_eq!(detect(&file).container, container);
        assert_eq!(decompress(&file, container, &limits()).as_ref(), Ok(&plain), "{container:?}");
        let opened = open_payload(&file, &limits()).map(|o| (o.container, o.kind, o.payload.into_owned()));
        assert_eq!(opened, Ok((container, PayloadKind::Pickle, plain.clone())), "{container:?}");
    }
}

#[test]
fn concatenated_streams_are_read_like_python() {
    for (hex, container) in CONCATENATIONS {
        let result = decompress(&bytes(hex), container, &limits());
        assert_eq!(result.as_deref(), Ok(fixtures::TWO_STREAMS), "{hex}");
    }
    let flags = decompress(&bytes(fixtures::GZIP_ALL_FLAGS), Container::Gzip, &limits());
    assert_eq!(flags.as_deref(), Ok(&b"first stream|"[..]));
}

#[test]
fn gzip_zero_padding_is_skipped_other_trailing_bytes_are_not() {
    let mut padded = bytes(fixtures::JOBLIB_GZIP);
    padded.extend_from_slice(&[0; 7]);
    assert_eq!(decompress(&padded, Container::Gzip, &limits()), Ok(bytes(fixtures::JOBLIB_RAW)));
    let mut corrupt_padding = bytes(fixtures::JOBLIB_GZIP);
    let member_len = corrupt_padding.len();
    corrupt_padding.extend_from_slice(&[0, 0, 1]);
    let error = decompress(&corrupt_padding, Container::Gzip, &limits());
    assert_eq!(error.map_err(|e| (e.code, e.offset)), Err(("malformed", member_len as u64 + 2)));
    // Python's gzip module also reads a member after zero padding.
    let mut padded_members = bytes(fixtures::JOBLIB_GZIP);
    padded_members.extend_from_slice(&[0; 3]);
    padded_members.extend_from_slice(&bytes(fixtures::JOBLIB_GZIP));
    let twice = [bytes(fixtures::JOBLIB_RAW), bytes(fixtures::JOBLIB_RAW)].concat();
    assert_eq!(decompress(&padded_members, Container::Gzip, &limits()), Ok(twice));
}

#[test]
fn trailing_garbage_is_malformed_at_its_offset() {
    for (hex, container) in JOBLIB_FILES {
        let mut file = bytes(hex);
        let end = file.len() as u64;
        file.extend_from_slice(b"\x80\x04\x95garbage after the stream");
        let error = decompress(&file, container, &limits()).map_err(|e| (e.code, e.offset));
        let (code, offset) = error.err().unwrap_or(("accepted", 0));
        assert_eq!(code, "malformed", "{container:?}");
        assert!(offset >= end, "{container:?}: offset {offset} before the end of the stream {end}");
    }
}

#[test]
fn every_truncation_is_malformed() {
    for (hex, container) in JOBLIB_FILES.iter().chain(CONCATENATIONS.iter()) {
        let file = bytes(hex);
        for cut in 1..file.len() {
            let result = decompress(file.get(..cut).unwrap_or_default(), *container, &limits());
            // A cut exactly between two complete streams is a valid, shorter file.
            if let Ok(prefix) = &result {
                assert!(fixtures::TWO_STREAMS.starts_with(prefix), "{container:?} cut at {cut}");
                continue;
            }
            assert_eq!(result.map_err(|e| e.code), Err("malformed"), "{container:?} cut at {cut}");
        }
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    for (hex, container) in JOBLIB_FILES {
        let file = bytes(hex);
        for index in 0..file.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut corrupt = file.clone();
                if let Some(byte) = corrupt.get_mut(index) {
                    *byte ^= flip;
                }
                if let Err(error) = decompress(&corrupt, container, &limits()) {
                    assert!(["malformed", "unsupported"].contains(&error.code), "{container:?} {index}: {error}");
                }
            }
        }
    }
}

#[test]
fn wrong_magic_is_malformed() {
    let gzip = bytes(fixtures::JOBLIB_GZIP);
    for container in [Container::Zlib, Container::Bz2, Container::Lzma, Container::Xz, Container::Lz4] {
        let error = decompress(&gzip, container, &limits());
        assert_eq!(error.map_err(|e| (e.code, e.offset)), Err(("malformed", 0)), "{container:?}");
    }
    let zlib = bytes(fixtures::JOBLIB_ZLIB);
    assert_eq!(decompress(&zlib, Container::Gzip, &limits()).map_err(|e| e.code), Err("malformed"));
}

#[test]
fn bombs_stop_at_the_cap_quickly() {
    let cap = DecompressLimits { max_output_bytes: 1 << 20, max_ratio: 1000 };
    let zeros = vec![0u8; 8 << 20];
    let mut bombs = vec![
        (bytes(fixtures::BZ2_BOMB), Container::Bz2),
        (bytes(fixtures::LZMA_BOMB), Container::Lzma),
        (bytes(fixtures::XZ_BOMB), Container::Xz),
    ];
    for container in [Container::Zlib, Container::Gzip, Container::Lz4] {
        bombs.push((compress(&zeros, container, 9).unwrap_or_default(), container));
    }
    for (bomb, container) in bombs {
        let started = Instant::now();
        let error = decompress(&bomb, container, &cap);
        assert_eq!(error.map_err(|e| e.code), Err("resource-limit"), "{container:?}");
        assert!(started.elapsed() < Duration::from_secs(5), "{container:?} took {:?}", started.elapsed());
    }
}

#[test]
fn bombs_within_the_cap_decode() {
    let decoded = decompress(&bytes(fixtures::XZ_BOMB), Container::Xz, &limits());
    assert_eq!(decoded.map(|d| (d.len(), d.iter().all(|&b| b == 0))), Ok((8 << 20, true)));
    let decoded = decompress(&bytes(fixtures::LZMA_BOMB), Container::Lzma, &limits());
    assert_eq!(decoded.map(|d| d.len()), Ok(8 << 20));
}

#[test]
fn random_mutations_never_panic() {
    // xorshift64: deterministic, no dependency
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let small = DecompressLimits { max_output_bytes: 1 << 20, max_ratio: 1000 };
    for (hex, container) in JOBLIB_FILES.iter().chain(CONCATENATIONS.iter()) {
        let file = bytes(hex);
        for _ in 0..300 {
            let mut mutated = file.clone();
            for _ in 0..1 + next() % 6 {
                let index = (next() % mutated.len() as u64) as usize;
                if let Some(byte) = mutated.get_mut(index) {
                    *byte = next() as u8;
                }
            }
            if next() % 4 == 0 {
                mutated.truncate((next() % mutated.len() as u64) as usize);
            }
            if next() % 8 == 0 {
                mutated.extend((0..next() % 32).map(|_| next() as u8));
            }
            // Any container reading any mutated file: wrong formats must be refused cleanly too.
            for target in Container::COMPRESSED {
                if let Err(error) = decompress(&mutated, target, &small) {
                    assert!(
                        ["malformed", "unsupported", "resource-limit"].contains(&error.code),
                        "{target:?}: {error}"
                    );
                    assert!(error.offset <= mutated.len() as u64, "{target:?}: {error}");
                }
            }
            let _ = *container;
        }
    }
}

/// Python reads what [`compress`] writes: every container of the plain joblib fixture goes through the real
/// `joblib.load` (and the matching stdlib / `lz4.frame` decompressor for a larger payload). Needs `python3`
/// with numpy, joblib and lz4 importable (e.g. `PYTHONPATH=/tmp/x-py`): run with `cargo test -- --ignored`.
#[test]
#[ignore = "shells out to python3 with numpy, joblib and lz4"]
fn python_reads_our_containers() {
    let dir = std::env::temp_dir().join(format!("wandguard-formats-{}", std::process::id()));
    assert!(std::fs::create_dir_all(&dir).is_ok());
    let plain = bytes(fixtures::JOBLIB_RAW);
    let large: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8 ^ (i >> 10) as u8).collect();
    assert!(std::fs::write(dir.join("large.bin"), &large).is_ok());
    for container in [Container::Zlib, Container::Gzip, Container::Bz2, Container::Lzma, Container::Xz, Container::Lz4]
    {
        for level in [1, 9] {
            let name = format!("{}-{level}", container.name());
            let joblib_file = compress(&plain, container, level).unwrap_or_default();
            assert!(std::fs::write(dir.join(format!("{name}.joblib")), joblib_file).is_ok());
            let large_file = compress(&large, container, level).unwrap_or_default();
            assert!(std::fs::write(dir.join(format!("{name}.large")), large_file).is_ok());
        }
    }
    let script = r#"
import sys, pathlib, zlib, gzip, bz2, lzma, io
import numpy as np, joblib, lz4.frame
from joblib.numpy_pickle_utils import _detect_compressor
d = pathlib.Path(sys.argv[1])
large = (d / "large.bin").read_bytes()
readers = {"zlib": zlib.decompress, "gzip": gzip.decompress, "bz2": bz2.decompress,
           "lzma": lambda b: lzma.decompress(b, format=lzma.FORMAT_ALONE), "xz": lzma.decompress,
           "lz4": lz4.frame.decompress}
for f in sorted(d.glob("*.joblib")):
    method = f.name.split("-")[0]
    with open(f, "rb") as fh:
        assert _detect_compressor(fh) == method, (f.name, _detect_compressor(fh))
    value = joblib.load(f)
    assert value.dtype == np.int16 and value.tolist() == list(range(6)), (f.name, value)
    assert readers[method]((d / (f.stem + ".large")).read_bytes()) == large, f.name
print("ok", len(list(d.glob("*.joblib"))))
"#;
    let output = std::process::Command::new("python3").arg("-c").arg(script).arg(&dir).output();
    let _ = std::fs::remove_dir_all(&dir);
    let output = output.map_err(|e| e.to_string());
    let (status, stdout, stderr) = match &output {
        Ok(o) => (o.status.success(), String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)),
        Err(e) => (false, "".into(), e.as_str().into()),
    };
    assert!(status, "python3 failed:\n{stdout}\n{stderr}");
    assert_eq!(stdout.trim(), "ok 12");
}

/// Decompression speed on large joblib files (one per compressor, named `<method>.joblib`) in the directory
/// `WANDGUARD_CONTAINER_BENCH`; prints MB/s of output. Run in release: `cargo test --release -- --ignored`.
#[test]
#[ignore = "needs large joblib files in WANDGUARD_CONTAINER_BENCH"]
fn container_throughput() {
    let Some(dir) = std::env::var_os("WANDGUARD_CONTAINER_BENCH") else { return };
    for container in [Container::Zlib, Container::Gzip, Container::Bz2, Container::Lzma, Container::Xz, Container::Lz4]
    {
        let path = std::path::Path::new(&dir).join(format!("{}.joblib", container.name()));
        let Ok(file) = std::fs::read(&path) else { continue };
        let started = Instant::now();
        let result = decompress(&file, container, &limits());
        let seconds = started.elapsed().as_secs_f64();
        let size = result.as_ref().map(Vec::len).unwrap_or_default();
        assert!(result.is_ok(), "{container:?}: {:?}", result.err());
        eprintln!(
            "{:5} {:>10} -> {:>10} bytes {:7.3} s {:8.1} MB/s",
            container.name(),
            file.len(),
            size,
            seconds,
            size as f64 / seconds / 1e6
        );
    }
}
