//! msgpack's byte-level encoding: the writer's primitives (most compact forms, big-endian) and ext
//! framing with a back-patched length.

/// Saturating length conversion: msgpack lengths are 32-bit; nothing in a wasm32 guest can exceed that.
fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Writes `nil`.
pub(crate) fn nil(out: &mut Vec<u8>) {
    out.push(0xC0);
}

/// Writes a bool.
pub(crate) fn boolean(out: &mut Vec<u8>, b: bool) {
    out.push(if b { 0xC3 } else { 0xC2 });
}

/// Writes an unsigned int in its most compact form.
pub(crate) fn uint(out: &mut Vec<u8>, v: u64) {
    if v < 0x80 {
        out.push(v as u8);
    } else if v <= 0xFF {
        out.extend([0xCC, v as u8]);
    } else if v <= 0xFFFF {
        out.push(0xCD);
        out.extend((v as u16).to_be_bytes());
    } else if v <= 0xFFFF_FFFF {
        out.push(0xCE);
        out.extend((v as u32).to_be_bytes());
    } else {
        out.push(0xCF);
        out.extend(v.to_be_bytes());
    }
}

/// Writes a signed int in its most compact form.
pub(crate) fn int(out: &mut Vec<u8>, v: i64) {
    if v >= 0 {
        uint(out, v as u64);
    } else if v >= -32 {
        out.push(v as i8 as u8);
    } else if v >= i64::from(i8::MIN) {
        out.extend([0xD0, v as i8 as u8]);
    } else if v >= i64::from(i16::MIN) {
        out.push(0xD1);
        out.extend((v as i16).to_be_bytes());
    } else if v >= i64::from(i32::MIN) {
        out.push(0xD2);
        out.extend((v as i32).to_be_bytes());
    } else {
        out.push(0xD3);
        out.extend(v.to_be_bytes());
    }
}

/// Writes a float 64 (always 64-bit, so every bit pattern survives).
pub(crate) fn float(out: &mut Vec<u8>, f: f64) {
    out.push(0xCB);
    out.extend(f.to_bits().to_be_bytes());
}

/// Writes a str.
pub(crate) fn str(out: &mut Vec<u8>, s: &str) {
    let n = s.len();
    if n < 32 {
        out.push(0xA0 | n as u8);
    } else if n <= 0xFF {
        out.extend([0xD9, n as u8]);
    } else if n <= 0xFFFF {
        out.push(0xDA);
        out.extend((n as u16).to_be_bytes());
    } else {
        out.push(0xDB);
        out.extend(len32(n).to_be_bytes());
    }
    out.extend_from_slice(s.as_bytes());
}

/// Writes a bin.
pub(crate) fn bin(out: &mut Vec<u8>, b: &[u8]) {
    let n = b.len();
    if n <= 0xFF {
        out.extend([0xC4, n as u8]);
    } else if n <= 0xFFFF {
        out.push(0xC5);
        out.extend((n as u16).to_be_bytes());
    } else {
        out.push(0xC6);
        out.extend(len32(n).to_be_bytes());
    }
    out.extend_from_slice(b);
}

/// Writes an array header for `n` elements.
pub(crate) fn array(out: &mut Vec<u8>, n: usize) {
    if n < 16 {
        out.push(0x90 | n as u8);
    } else if n <= 0xFFFF {
        out.push(0xDC);
        out.extend((n as u16).to_be_bytes());
    } else {
        out.push(0xDD);
        out.extend(len32(n).to_be_bytes());
    }
}

/// Writes a map header for `n` pairs.
pub(crate) fn map(out: &mut Vec<u8>, n: usize) {
    if n < 16 {
        out.push(0x80 | n as u8);
    } else if n <= 0xFFFF {
        out.push(0xDE);
        out.extend((n as u16).to_be_bytes());
    } else {
        out.push(0xDF);
        out.extend(len32(n).to_be_bytes());
    }
}

/// Opens an ext of type `code` whose payload follows; returns the position to pass to [`ext_close`].
/// The header is written as ext 32 and shrunk on close when the payload is short.
pub(crate) fn ext_open(out: &mut Vec<u8>, code: i8) -> usize {
    let at = out.len();
    out.extend([0xC9, 0, 0, 0, 0, code as u8]);
    at
}

/// Finishes the ext opened at `at`: payloads of 1, 2, 4, 8 or 16 bytes get a fixext header, others up to
/// 255 bytes an ext 8 header (moving at most 255 bytes), longer ones keep the ext 32 header.
pub(crate) fn ext_close(out: &mut Vec<u8>, at: usize) {
    let body = at + 6;
    let n = out.len().saturating_sub(body);
    let Some(code) = out.get(at + 5).copied() else { return };
    let header: &[u8] = match n {
        1 => &[0xD4, code],
        2 => &[0xD5, code],
        4 => &[0xD6, code],
        8 => &[0xD7, code],
        16 => &[0xD8, code],
        0..=255 => &[0xC7, n as u8, code],
        _ => {
            if let Some(len) = out.get_mut(at + 1..at + 5) {
                len.copy_from_slice(&len32(n).to_be_bytes());
            }
            return;
        }
    };
    let header = header.to_vec();
    let start = at + header.len();
    if let Some(dst) = out.get_mut(at..start) {
        dst.copy_from_slice(&header);
    }
    out.copy_within(body.., start);
    out.truncate(start + n);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_ints() {
        let cases: &[(i64, &[u8])] = &[
            (0, &[0x00]),
            (127, &[0x7F]),
            (128, &[0xCC, 0x80]),
            (-1, &[0xFF]),
            (-32, &[0xE0]),
            (-33, &[0xD0, 0xDF]),
            (65536, &[0xCE, 0, 1, 0, 0]),
            (i64::MIN, &[0xD3, 0x80, 0, 0, 0, 0, 0, 0, 0]),
        ];
        for (v, bytes) in cases {
            let mut out = Vec::new();
            int(&mut out, *v);
            assert_eq!(&out, bytes, "{v}");
        }
    }

    #[test]
    fn ext_headers_shrink() {
        for (n, head) in [(1usize, vec![0xD4, 3]), (3, vec![0xC7, 3, 3]), (16, vec![0xD8, 3]), (0, vec![0xC7, 0, 3])] {
            let mut out = vec![0xAA];
            let at = ext_open(&mut out, 3);
            out.extend(std::iter::repeat_n(7u8, n));
            ext_close(&mut out, at);
            let mut want = vec![0xAA];
            want.extend(head);
            want.extend(std::iter::repeat_n(7u8, n));
            assert_eq!(out, want);
        }
        let mut out = Vec::new();
        let at = ext_open(&mut out, 2);
        out.extend([1u8; 300]);
        ext_close(&mut out, at);
        assert_eq!(&out[..6], &[0xC9, 0, 0, 1, 0x2C, 2]);
        assert_eq!(out.len(), 306);
    }
}
