//! The output stream: opcode constants, the protocol header and protocol-4+ framing.
//!
//! Framing follows CPython's pickler: after PROTO every opcode goes into a frame; a frame is closed once it
//! holds at least [`FRAME_TARGET`] bytes (checked when the next value starts), a frame shorter than
//! [`FRAME_MIN`] bytes gets no FRAME header, and byte payloads of [`FRAME_TARGET`] bytes or more are written
//! outside any frame (header and payload together), so a loader can read them without copying.

/// Opcode bytes, named as in CPython's `pickle.py`.
pub(crate) mod op {
    pub const MARK: u8 = b'(';
    pub const STOP: u8 = b'.';
    pub const POP: u8 = b'0';
    pub const POP_MARK: u8 = b'1';
    pub const FLOAT: u8 = b'F';
    pub const INT: u8 = b'I';
    pub const BININT: u8 = b'J';
    pub const BININT1: u8 = b'K';
    pub const LONG: u8 = b'L';
    pub const BININT2: u8 = b'M';
    pub const NONE: u8 = b'N';
    pub const REDUCE: u8 = b'R';
    pub const UNICODE: u8 = b'V';
    pub const BINUNICODE: u8 = b'X';
    pub const APPEND: u8 = b'a';
    pub const BUILD: u8 = b'b';
    pub const GLOBAL: u8 = b'c';
    pub const DICT: u8 = b'd';
    pub const EMPTY_DICT: u8 = b'}';
    pub const APPENDS: u8 = b'e';
    pub const GET: u8 = b'g';
    pub const BINGET: u8 = b'h';
    pub const LONG_BINGET: u8 = b'j';
    pub const LIST: u8 = b'l';
    pub const EMPTY_LIST: u8 = b']';
    pub const PUT: u8 = b'p';
    pub const BINPUT: u8 = b'q';
    pub const LONG_BINPUT: u8 = b'r';
    pub const SETITEM: u8 = b's';
    pub const TUPLE: u8 = b't';
    pub const EMPTY_TUPLE: u8 = b')';
    pub const SETITEMS: u8 = b'u';
    pub const BINFLOAT: u8 = b'G';
    pub const PROTO: u8 = 0x80;
    pub const NEWOBJ: u8 = 0x81;
    pub const TUPLE1: u8 = 0x85;
    pub const TUPLE2: u8 = 0x86;
    pub const TUPLE3: u8 = 0x87;
    pub const NEWTRUE: u8 = 0x88;
    pub const NEWFALSE: u8 = 0x89;
    pub const LONG1: u8 = 0x8a;
    pub const LONG4: u8 = 0x8b;
    pub const BINBYTES: u8 = b'B';
    pub const SHORT_BINBYTES: u8 = b'C';
    pub const SHORT_BINUNICODE: u8 = 0x8c;
    pub const BINUNICODE8: u8 = 0x8d;
    pub const BINBYTES8: u8 = 0x8e;
    pub const EMPTY_SET: u8 = 0x8f;
    pub const ADDITEMS: u8 = 0x90;
    pub const FROZENSET: u8 = 0x91;
    pub const STACK_GLOBAL: u8 = 0x93;
    pub const MEMOIZE: u8 = 0x94;
    pub const FRAME: u8 = 0x95;
    pub const BYTEARRAY8: u8 = 0x96;
}

/// A frame is closed once it holds this many bytes (CPython's `_FRAME_SIZE_TARGET`); payloads at least this
/// large bypass frames.
pub(crate) const FRAME_TARGET: usize = 64 * 1024;
/// Frames shorter than this get no FRAME header (CPython's `_FRAME_SIZE_MIN`).
pub(crate) const FRAME_MIN: usize = 4;
/// FRAME opcode plus its 8-byte length.
const FRAME_HEADER: usize = 9;

/// Pickle output with CPython's framing.
pub(crate) struct Writer {
    out: Vec<u8>,
    framing: bool,
    /// Where the 9 bytes reserved for the open frame's header start.
    frame_start: Option<usize>,
}

impl Writer {
    /// Starts a stream for `protocol` (writes PROTO for protocol 2 and above).
    pub(crate) fn new(protocol: u8) -> Self {
        let mut out = Vec::new();
        if protocol >= 2 {
            out.extend_from_slice(&[op::PROTO, protocol]);
        }
        Writer { out, framing: protocol >= 4, frame_start: None }
    }

    /// Bytes written so far (the position a loader reading this stream from its start would be at).
    pub(crate) fn position(&self) -> usize {
        self.out.len()
    }

    fn ensure_frame(&mut self) {
        if self.framing && self.frame_start.is_none() {
            self.frame_start = Some(self.out.len());
            self.out.extend_from_slice(&[0; FRAME_HEADER]);
        }
    }

    /// Writes opcode bytes (inside the current frame when framing).
    pub(crate) fn raw(&mut self, bytes: &[u8]) {
        self.ensure_frame();
        self.out.extend_from_slice(bytes);
    }

    /// Writes a protocol-0 text opcode: the opcode, its text argument and a newline.
    pub(crate) fn text(&mut self, opcode: u8, argument: &str) {
        self.ensure_frame();
        self.out.push(opcode);
        self.out.extend_from_slice(argument.as_bytes());
        self.out.push(b'\n');
    }

    /// Writes one opcode byte.
    pub(crate) fn op(&mut self, opcode: u8) {
        self.ensure_frame();
        self.out.push(opcode);
    }

    /// Called before each value: closes the current frame once it reached the target size.
    pub(crate) fn boundary(&mut self) {
        if let Some(start) = self.frame_start
            && self.out.len() - start - FRAME_HEADER >= FRAME_TARGET
        {
            self.commit_frame();
        }
    }

    /// Closes the open frame, if any: fills in its header, or drops the reserved header for a tiny frame.
    pub(crate) fn commit_frame(&mut self) {
        if let Some(start) = self.frame_start.take() {
            let len = self.out.len() - start - FRAME_HEADER;
            if len >= FRAME_MIN {
                let mut header = [0u8; FRAME_HEADER];
                header[0] = op::FRAME;
                header[1..].copy_from_slice(&(len as u64).to_le_bytes());
                self.out[start..start + FRAME_HEADER].copy_from_slice(&header);
            } else {
                self.out.drain(start..start + FRAME_HEADER);
            }
        }
    }

    /// Writes an opcode header and its byte payload; payloads of [`FRAME_TARGET`] bytes or more go outside
    /// frames, as CPython writes them.
    pub(crate) fn payload(&mut self, header: &[u8], payload: &[u8]) {
        if self.framing && payload.len() >= FRAME_TARGET {
            self.unframed(header);
            self.unframed(payload);
        } else {
            self.raw(header);
            self.raw(payload);
        }
    }

    /// Writes bytes outside any frame (closing the open one first): large payloads, joblib's inline array
    /// bytes and nested pickles.
    pub(crate) fn unframed(&mut self, bytes: &[u8]) {
        self.commit_frame();
        self.out.extend_from_slice(bytes);
    }

    /// Writes STOP, closes the last frame and returns the stream.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.op(op::STOP);
        self.commit_frame();
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_frames_get_no_header() {
        let mut w = Writer::new(4);
        w.op(op::NONE);
        assert_eq!(w.finish(), b"\x80\x04N.");
    }

    #[test]
    fn frames_of_four_bytes_or_more_get_a_header() {
        let mut w = Writer::new(5);
        w.raw(&[op::BININT2, 0x2c, 0x01]);
        assert_eq!(w.finish(), b"\x80\x05\x95\x04\x00\x00\x00\x00\x00\x00\x00M,\x01.");
    }

    #[test]
    fn no_frames_below_protocol_4() {
        let mut w = Writer::new(3);
        w.raw(&[op::BININT2, 0x2c, 0x01]);
        assert_eq!(w.finish(), b"\x80\x03M,\x01.");
        let mut w = Writer::new(0);
        w.op(op::NONE);
        assert_eq!(w.finish(), b"N.");
    }

    #[test]
    fn large_payloads_bypass_frames_and_a_new_frame_follows() {
        let mut w = Writer::new(4);
        w.op(op::EMPTY_LIST);
        let big = vec![7u8; FRAME_TARGET];
        w.payload(&[op::BINBYTES, 0, 0, 1, 0], &big);
        w.raw(&[op::APPEND, op::NONE, op::NONE, op::NONE]);
        let out = w.finish();
        assert_eq!(&out[..4], b"\x80\x04]B");
        assert_eq!(out.len(), 2 + 1 + 5 + FRAME_TARGET + 9 + 5);
        let tail = &out[out.len() - 14..];
        assert_eq!(tail, b"\x95\x05\x00\x00\x00\x00\x00\x00\x00aNNN.");
    }

    #[test]
    fn boundary_closes_full_frames_only() {
        let mut w = Writer::new(4);
        w.raw(&[b'N'; 10]);
        w.boundary();
        assert_eq!(w.position(), 2 + 9 + 10);
        w.raw(&vec![b'N'; FRAME_TARGET]);
        w.boundary();
        w.op(op::NONE);
        let out = w.finish();
        assert_eq!(out[2], op::FRAME);
        let first = u64::from_le_bytes(out[3..11].try_into().unwrap_or([0; 8])) as usize;
        assert_eq!(first, 10 + FRAME_TARGET);
        assert_eq!(&out[11 + first..], b"N.");
    }
}
