//! The byte reader under the VM: a cursor over the input with strict PEP 3154 framing. Inside a FRAME an
//! opcode or argument must end at or before the frame end (crossing it is `malformed`, the gh-154848
//! differential); a FRAME opened while a frame still has bytes is `malformed`. When a frame is used up,
//! reading continues in the raw stream. Declared lengths are checked against what remains before anyone
//! allocates.

use super::error::{Fail, malformed, truncated};

/// Cursor over one input.
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    /// End of the current frame, or `data.len()` outside frames.
    limit: usize,
    in_frame: bool,
}

impl<'a> Reader<'a> {
    /// A reader at `start`.
    pub(crate) fn new(data: &'a [u8], start: usize) -> Self {
        Reader { data, pos: start.min(data.len()), limit: data.len(), in_frame: false }
    }

    /// Current offset.
    #[inline]
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Whether all input has been read.
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Bytes left in the whole input (frames aside).
    pub(crate) fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    /// Reads `n` bytes.
    #[inline]
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], Fail> {
        let start = self.pos;
        if let Some(end) = start.checked_add(n)
            && end <= self.limit
            && let Some(bytes) = self.data.get(start..end)
        {
            self.pos = end;
            return Ok(bytes);
        }
        self.take_slow(n)
    }

    #[cold]
    fn take_slow(&mut self, n: usize) -> Result<&'a [u8], Fail> {
        if self.in_frame && self.pos >= self.limit {
            self.leave_frame();
            return self.take(n);
        }
        if self.in_frame {
            return Err(malformed(
                self.pos,
                format!("a {n}-byte read crosses the end of the current frame at byte {}", self.limit),
            ));
        }
        Err(truncated(self.pos, format!("pickle data truncated: {n} bytes needed, {} remain", self.remaining())))
    }

    /// Reads one byte.
    #[inline]
    pub(crate) fn byte(&mut self) -> Result<u8, Fail> {
        if self.pos < self.limit
            && let Some(&b) = self.data.get(self.pos)
        {
            self.pos += 1;
            return Ok(b);
        }
        Ok(self.take_slow(1)?.first().copied().unwrap_or(0))
    }

    /// Reads a little-endian u16.
    #[inline]
    pub(crate) fn u16_le(&mut self) -> Result<u16, Fail> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    /// Reads a little-endian u32.
    #[inline]
    pub(crate) fn u32_le(&mut self) -> Result<u32, Fail> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads a little-endian u64.
    #[inline]
    pub(crate) fn u64_le(&mut self) -> Result<u64, Fail> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// Reads `len` bytes for a length-prefixed argument, refusing lengths beyond the input first.
    #[inline]
    pub(crate) fn take_declared(&mut self, len: u64) -> Result<&'a [u8], Fail> {
        match usize::try_from(len) {
            Ok(n) if n <= self.remaining() => self.take(n),
            _ => Err(truncated(
                self.pos,
                format!("declared length {len} exceeds the {} bytes left in the input", self.remaining()),
            )),
        }
    }

    /// Reads a text line, returning it without its `\n`. The line must end inside the current frame.
    pub(crate) fn line(&mut self) -> Result<&'a [u8], Fail> {
        loop {
            let window = self.data.get(self.pos..self.limit).unwrap_or(&[]);
            if let Some(i) = window.iter().position(|&b| b == b'\n') {
                let line = &window[..i];
                self.pos += i + 1;
                return Ok(line);
            }
            if self.in_frame && window.is_empty() {
                self.leave_frame();
                continue;
            }
            if self.in_frame {
                return Err(malformed(self.pos, "a text line crosses the end of the current frame"));
            }
            return Err(truncated(self.pos, "pickle data truncated: no end of line"));
        }
    }

    /// Starts a frame of `len` bytes at the current position (after the FRAME argument).
    pub(crate) fn start_frame(&mut self, op_offset: usize, len: u64) -> Result<(), Fail> {
        if self.in_frame && self.pos < self.limit {
            return Err(malformed(op_offset, "FRAME opened before the end of the current frame"));
        }
        let n = match usize::try_from(len) {
            Ok(n) if n <= self.remaining() => n,
            _ => {
                return Err(truncated(
                    op_offset,
                    format!("FRAME declares {len} bytes but only {} remain", self.remaining()),
                ));
            }
        };
        self.in_frame = true;
        self.limit = self.pos + n;
        Ok(())
    }

    /// Reads `n` raw bytes after the current frame (joblib's inline array data). The frame, if any, must
    /// be used up: joblib commits its frame before writing array bytes.
    pub(crate) fn take_raw(&mut self, n: u64) -> Result<&'a [u8], Fail> {
        self.raw_position()?;
        self.take_declared(n)
    }

    /// The raw stream position after a used-up frame (where joblib's unpickler reads inline data).
    pub(crate) fn raw_position(&mut self) -> Result<usize, Fail> {
        if self.in_frame {
            if self.pos < self.limit {
                return Err(malformed(self.pos, "joblib array data inside an unfinished pickle frame"));
            }
            self.leave_frame();
        }
        Ok(self.pos)
    }

    /// Continues reading at `pos` in the raw stream (after a nested pickle).
    pub(crate) fn seek(&mut self, pos: usize) {
        self.pos = pos.min(self.data.len());
        self.leave_frame();
    }

    /// Leaves any finished frame (so a nested pickle starts in the raw stream).
    pub(crate) fn end_of_pickle(&mut self) {
        self.in_frame = false;
        self.limit = self.data.len();
    }

    fn leave_frame(&mut self) {
        self.in_frame = false;
        self.limit = self.data.len();
    }
}

#[cfg(test)]
mod tests {
    use super::Reader;

    #[test]
    fn frames_are_strict() {
        let data = [1u8, 2, 3, 4, 5];
        let mut r = Reader::new(&data, 0);
        r.start_frame(0, 2).expect("ok");
        assert_eq!(r.byte().expect("ok"), 1);
        let err = r.take(2).expect_err("err");
        assert_eq!(err.code.as_str(), "malformed");
        assert!(!err.truncated);
    }

    #[test]
    fn exhausted_frame_falls_back_to_stream() {
        let data = [1u8, 2, 3, 4, 5];
        let mut r = Reader::new(&data, 0);
        r.start_frame(0, 2).expect("ok");
        assert_eq!(r.take(2).expect("ok"), &[1, 2]);
        assert_eq!(r.take(3).expect("ok"), &[3, 4, 5]);
        assert!(r.take(1).expect_err("err").truncated);
    }

    #[test]
    fn nested_frame_and_oversized_frame_refused() {
        let data = [0u8; 10];
        let mut r = Reader::new(&data, 0);
        r.start_frame(0, 4).expect("ok");
        assert!(r.start_frame(0, 1).is_err());
        let mut r = Reader::new(&data, 0);
        assert!(r.start_frame(0, 11).expect_err("err").truncated);
        assert!(r.take_declared(u64::MAX).is_err());
    }

    #[test]
    fn lines_must_end_inside_frame() {
        let data = b"ab\ncd\n";
        let mut r = Reader::new(data, 0);
        assert_eq!(r.line().expect("ok"), b"ab");
        r.start_frame(0, 2).expect("ok");
        assert!(r.line().is_err());
    }
}
