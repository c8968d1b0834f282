//! Content detection: which container wraps a payload and what kind of payload it is, from the bytes alone
//! (never from a file name).
//!
//! The checks run in this order; the first that matches wins:
//!
//! 1. **Compression containers**, by joblib's own prefixes (`joblib/compressor.py`, `_detect_compressor`):
//!    zlib `78`, gzip `1f 8b`, bz2 `42 5a` ("BZ"), lzma-alone `5d 00`, xz `fd 37 7a 58 5a`, lz4 frame
//!    `04 22 4d 18`. These are deliberately exactly as broad as joblib's: every input that `joblib.load`
//!    would decompress must be treated as that container here, otherwise a file joblib decompresses could be
//!    parsed as something else by us. The stricter checks (zlib FCHECK, the `BZh1`–`BZh9` header, the lzma
//!    dictionary size) are made by [`crate::formats::container::decompress`], which refuses a bad header as
//!    `malformed`. No valid pickle, JSON text or msgpack map/array starts with one of these prefixes, so
//!    checking them first takes nothing away from the other kinds.
//! 2. **Pickle**: `80 NN` (PROTO) with `NN` in 0..=5, which CPython accepts, or a protocol 0/1 opcode that can
//!    legally come first on an empty stack (MARK, the EMPTY_* containers, the scalar and string opcodes,
//!    GLOBAL, INST, PERSID, EXT1/2/4).
//! 3. **JSON**: after JSON whitespace, `{`, `[`, `"`, `-`, a digit, or the literals `true`, `false`, `null`.
//! 4. **msgpack**: a map, array or ext header (`80`–`9f`, `dc`–`df`, `c7`–`c9`, `d4`–`d8`). `80` counts only
//!    when it is not a pickle PROTO (a lone byte, or followed by a byte above 5). Scalar msgpack documents are
//!    not guessed: pass the format explicitly for them.
//!
//! Zip archives (`PK\x03\x04`, `PK\x05\x06`) and `.npy` files (`\x93NUMPY`) are `Unknown`, although `P` is
//! PERSID and `93` a msgpack fixarray: they are other formats, not pickles or value-model documents.
//!
//! For a compressed container the payload kind is [`PayloadKind::Unknown`]: the first bytes of the content are
//! only known after decompression, which [`crate::formats::container::open_payload`] does (and then detects the
//! kind of the decompressed bytes). joblib's legacy `ZF` files (joblib < 0.10) are reported as a raw
//! [`PayloadKind::Unknown`]; see [`is_legacy_joblib_zfile`].

/// The compression envelope around a payload, as joblib writes it with `compress=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Container {
    /// No compression: the bytes are the payload.
    Raw,
    /// A zlib stream (RFC 1950), joblib's `zlib` (`zlib.compressobj`).
    Zlib,
    /// A gzip file (RFC 1952), one or more members; joblib's `gzip`.
    Gzip,
    /// A bzip2 stream (one or more concatenated), joblib's `bz2`.
    Bz2,
    /// An "alone" `.lzma` stream (`lzma.FORMAT_ALONE`), joblib's `lzma`.
    Lzma,
    /// An `.xz` stream (`lzma.FORMAT_XZ`), joblib's `xz`.
    Xz,
    /// An LZ4 frame (`lz4.frame`), joblib's `lz4`.
    Lz4,
}

impl Container {
    /// Every compressed container, in joblib's order of registration.
    pub const COMPRESSED: [Container; 6] =
        [Container::Zlib, Container::Gzip, Container::Bz2, Container::Lzma, Container::Xz, Container::Lz4];

    /// The container for a joblib compressor name (`"zlib"`, `"gzip"`, `"bz2"`, `"lzma"`, `"xz"`, `"lz4"`, or
    /// `"raw"`), as in `joblib.dump(..., compress=(name, level))`. joblib's `compress=N` alone means `"zlib"`.
    pub fn from_name(name: &str) -> Option<Container> {
        [Container::Raw].into_iter().chain(Container::COMPRESSED).find(|container| container.name() == name)
    }

    /// The joblib compressor name of this container (`"raw"` for no compression).
    pub fn name(self) -> &'static str {
        match self {
            Container::Raw => "raw",
            Container::Zlib => "zlib",
            Container::Gzip => "gzip",
            Container::Bz2 => "bz2",
            Container::Lzma => "lzma",
            Container::Xz => "xz",
            Container::Lz4 => "lz4",
        }
    }
}

/// What the (decompressed) payload is, as far as its first bytes tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PayloadKind {
    /// A pickle stream (plain pickle, dill, cloudpickle, or a joblib file's pickle).
    Pickle,
    /// A msgpack document (the value model's wire form).
    Msgpack,
    /// A JSON text.
    Json,
    /// Not recognized from the first bytes (or not known yet: compressed content).
    Unknown,
}

/// The result of [`detect`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Detected {
    /// The compression envelope.
    pub container: Container,
    /// The kind of the content when it is known from the first bytes ([`PayloadKind::Unknown`] for a compressed
    /// container: decompress first).
    pub kind: PayloadKind,
}

/// Magic prefixes of the compression containers, in joblib's order of registration.
const CONTAINER_PREFIXES: [(&[u8], Container); 6] = [
    (b"\x78", Container::Zlib),
    (b"\x1f\x8b", Container::Gzip),
    (b"BZ", Container::Bz2),
    (b"\x5d\x00", Container::Lzma),
    (b"\xfd\x37\x7a\x58\x5a", Container::Xz),
    (b"\x04\x22\x4d\x18", Container::Lz4),
];

/// joblib's legacy (< 0.10) compressed file prefix.
const LEGACY_ZFILE_PREFIX: &[u8] = b"ZF";

/// Magic numbers of other formats that would otherwise pass a check above (zip: `P` is PERSID; `.npy`: `93` is
/// a msgpack fixarray header). They are reported as [`PayloadKind::Unknown`].
const FOREIGN_MAGICS: [&[u8]; 3] = [b"PK\x03\x04", b"PK\x05\x06", b"\x93NUMPY"];

/// Detects the container and payload kind of `input` by content (see the module documentation for the rules
/// and their order). Never fails: unrecognized input is `Raw` + `Unknown`.
pub fn detect(input: &[u8]) -> Detected {
    if let Some(container) = container_of(input) {
        return Detected { container, kind: PayloadKind::Unknown };
    }
    Detected { container: Container::Raw, kind: payload_kind(input) }
}

/// The payload kind of uncompressed bytes (steps 2–4 of the module documentation): used on decompressed
/// content, where a compression prefix means nothing to the loader (joblib decompresses only once).
pub fn payload_kind(input: &[u8]) -> PayloadKind {
    if FOREIGN_MAGICS.iter().any(|magic| input.starts_with(magic)) {
        PayloadKind::Unknown
    } else if looks_like_pickle(input) {
        PayloadKind::Pickle
    } else if looks_like_json(input) {
        PayloadKind::Json
    } else if looks_like_msgpack(input) {
        PayloadKind::Msgpack
    } else {
        PayloadKind::Unknown
    }
}

/// Whether `input` is a joblib < 0.10 `ZF` file, which wandguard refuses as `unsupported`.
pub fn is_legacy_joblib_zfile(input: &[u8]) -> bool {
    input.starts_with(LEGACY_ZFILE_PREFIX)
}

fn container_of(input: &[u8]) -> Option<Container> {
    CONTAINER_PREFIXES.iter().find(|(prefix, _)| input.starts_with(prefix)).map(|&(_, container)| container)
}

/// Opcodes that CPython accepts as the first opcode of a stream (they push onto an empty stack or set a mark).
fn is_first_pickle_opcode(op: u8) -> bool {
    matches!(
        op,
        b'(' // MARK
            | b']' | b'}' | b')' // EMPTY_LIST, EMPTY_DICT, EMPTY_TUPLE
            | b'N' | b'I' | b'L' | b'F' | b'S' | b'V' // NONE, INT, LONG, FLOAT, STRING, UNICODE
            | b'K' | b'J' | b'M' | b'G' // BININT1, BININT, BININT2, BINFLOAT
            | b'U' | b'T' | b'X' | b'B' | b'C' // SHORT_BINSTRING, BINSTRING, BINUNICODE, BINBYTES, SHORT_BINBYTES
            | b'c' | b'i' | b'P' // GLOBAL, INST, PERSID
            | 0x82..=0x84 // EXT1, EXT2, EXT4
    )
}

fn looks_like_pickle(input: &[u8]) -> bool {
    match input {
        // A leading PROTO byte is pickle even when its argument is missing or unknown: the VM then refuses it
        // as malformed, rather than a lone 0x80 slipping through as msgpack's empty map.
        [0x80, ..] => true,
        [first, ..] => is_first_pickle_opcode(*first),
        [] => false,
    }
}

fn looks_like_json(input: &[u8]) -> bool {
    let Some(start) = input.iter().position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r')) else {
        return false;
    };
    let rest = input.get(start..).unwrap_or_default();
    match rest.first() {
        Some(b'{' | b'[' | b'"' | b'-' | b'0'..=b'9') => true,
        Some(_) => rest.starts_with(b"true") || rest.starts_with(b"false") || rest.starts_with(b"null"),
        None => false,
    }
}

fn looks_like_msgpack(input: &[u8]) -> bool {
    matches!(input, [0x81..=0x9f | 0xdc..=0xdf | 0xc7..=0xc9 | 0xd4..=0xd8, ..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(input: &[u8]) -> PayloadKind {
        let detected = detect(input);
        assert_eq!(detected.container, Container::Raw, "{input:?}");
        detected.kind
    }

    #[test]
    fn containers_by_joblib_prefix() {
        let cases: [(&[u8], Container); 9] = [
            (b"\x78\x9c\x01\x02", Container::Zlib),
            (b"\x78\x01", Container::Zlib),
            (b"\x1f\x8b\x08\x00", Container::Gzip),
            (b"BZh91AY&SY", Container::Bz2),
            (b"\x5d\x00\x00\x80\x00", Container::Lzma),
            (b"\x5d\x00\x00\x00\x04", Container::Lzma),
            (b"\xfd7zXZ\x00\x00\x04", Container::Xz),
            (b"\x04\x22\x4d\x18\x64\x40", Container::Lz4),
            // joblib decompresses by prefix alone, so an invalid zlib header is still a zlib container.
            (b"\x78\x00garbage", Container::Zlib),
        ];
        for (input, container) in cases {
            assert_eq!(detect(input), Detected { container, kind: PayloadKind::Unknown }, "{input:?}");
        }
    }

    #[test]
    fn pickles_of_every_protocol() {
        // protocol 0: pickle.dumps([1], protocol=0) == b'(lp0\nI1\na.'
        assert_eq!(kind(b"(lp0\nI1\na."), PayloadKind::Pickle);
        // protocol 1: pickle.dumps([1], protocol=1) == b']q\x00K\x01a.'
        assert_eq!(kind(b"]q\x00K\x01a."), PayloadKind::Pickle);
        assert_eq!(kind(b"N."), PayloadKind::Pickle);
        assert_eq!(kind(b"cos\nsystem\n(S'id'\ntR."), PayloadKind::Pickle);
        for proto in 0..=5u8 {
            assert_eq!(kind(&[0x80, proto, b'N', b'.']), PayloadKind::Pickle, "protocol {proto}");
        }
    }

    #[test]
    fn lzma_prefix_wins_over_a_protocol_1_empty_list() {
        // `]` is EMPTY_LIST, but `]\x00` can never be a pickle (0x00 is no opcode), while joblib reads it as lzma.
        assert_eq!(detect(b"\x5d\x00\x00\x10\x00").container, Container::Lzma);
        assert_eq!(kind(b"]q\x00."), PayloadKind::Pickle);
    }

    #[test]
    fn json_texts() {
        for text in [&b"{\"a\": 1}"[..], b"[1, 2]", b"  \n\t{}", b"\"s\"", b"-1.5", b"42", b"true", b"false", b"null"] {
            assert_eq!(kind(text), PayloadKind::Json, "{text:?}");
        }
        assert_eq!(kind(b"nul"), PayloadKind::Unknown);
        assert_eq!(kind(b"   "), PayloadKind::Unknown);
    }

    #[test]
    fn msgpack_headers() {
        for doc in [&b"\x81\xa1a\x01"[..], b"\x93\x01\x02\x03", b"\xde\x00\x01", b"\xdc\x00\x00", b"\xc7\x01\x05x"] {
            assert_eq!(kind(doc), PayloadKind::Msgpack, "{doc:?}");
        }
        // 0x80 is pickle's PROTO before it is msgpack's empty map: a bad protocol is the VM's to refuse.
        assert_eq!(kind(b"\x80"), PayloadKind::Pickle);
        assert_eq!(kind(b"\x80\x07"), PayloadKind::Pickle);
        assert_eq!(kind(b"\xd4\x01\x02"), PayloadKind::Msgpack);
    }

    #[test]
    fn unknown_inputs() {
        for input in [&b""[..], b"\x00\x01", b"hello", b"\xef\xbb\xbf{}", b"\xc1", b"PK\x03\x04", b"\x93NUMPY"] {
            let detected = detect(input);
            assert_eq!(detected.kind, PayloadKind::Unknown, "{input:?}");
        }
    }

    #[test]
    fn legacy_zfile() {
        assert!(is_legacy_joblib_zfile(b"ZF0x1f            x\x9c"));
        assert!(!is_legacy_joblib_zfile(b"\x80\x04"));
        assert_eq!(detect(b"ZF0x1f").kind, PayloadKind::Unknown);
    }

    #[test]
    fn payload_kind_ignores_compression_prefixes() {
        // Inside a decompressed joblib file a gzip magic is not a container (joblib decompresses only once).
        assert_eq!(payload_kind(b"\x1f\x8b\x08"), PayloadKind::Unknown);
        assert_eq!(payload_kind(b"\x80\x04\x95"), PayloadKind::Pickle);
    }

    #[test]
    fn container_names() {
        assert_eq!(Container::Lzma.name(), "lzma");
        assert_eq!(Container::Raw.name(), "raw");
        for container in Container::COMPRESSED {
            assert_eq!(Container::from_name(container.name()), Some(container));
        }
        assert_eq!(Container::from_name("raw"), Some(Container::Raw));
        assert_eq!(Container::from_name("zip"), None);
    }
}
