//! The output budget every decompressor writes through: a hard cap derived from [`DecompressLimits`] and the
//! input length, checked before each allocation, so a bomb never makes the output grow past the cap.

use std::io;

use super::{DecompressLimits, FormatError, RATIO_GRACE_BYTES};

/// Growth step when the decompressed size is not known in advance.
const MIN_GROWTH: usize = 64 << 10;

/// The cap on the decompressed size of one input, and why it is what it is.
#[derive(Clone, Copy, Debug)]
pub(super) struct Budget {
    cap: usize,
    ratio_bound: bool,
}

impl Budget {
    /// The cap for an input of `input_len` bytes: `max_output_bytes`, lowered to `max_ratio × input_len` when
    /// that is larger than [`RATIO_GRACE_BYTES`].
    pub(super) fn new(input_len: usize, limits: &DecompressLimits) -> Self {
        let ratio_cap = if limits.max_ratio == 0 {
            usize::MAX
        } else {
            let ratio = usize::try_from(limits.max_ratio).unwrap_or(usize::MAX);
            input_len.saturating_mul(ratio).max(RATIO_GRACE_BYTES)
        };
        if ratio_cap < limits.max_output_bytes {
            Self { cap: ratio_cap, ratio_bound: true }
        } else {
            Self { cap: limits.max_output_bytes, ratio_bound: false }
        }
    }

    /// The maximum number of output bytes.
    #[cfg(test)]
    pub(super) fn cap(&self) -> usize {
        self.cap
    }

    /// Bytes that may still be appended to `out`.
    pub(super) fn remaining(&self, out: &[u8]) -> usize {
        self.cap.saturating_sub(out.len())
    }

    /// The `resource-limit` error for exceeding this budget, reported at input `offset`.
    pub(super) fn exceeded(&self, offset: usize) -> FormatError {
        let message = if self.ratio_bound {
            format!("decompressed size exceeds the ratio cap ({} bytes for this input)", self.cap)
        } else {
            format!("decompressed size exceeds max_output_bytes ({} bytes)", self.cap)
        };
        FormatError::resource_limit(offset, message)
    }

    /// Appends `data` to `out`, or fails (appending nothing) when that would pass the cap.
    pub(super) fn append(&self, out: &mut Vec<u8>, data: &[u8], offset: usize) -> Result<(), FormatError> {
        if data.len() > self.remaining(out) {
            return Err(self.exceeded(offset));
        }
        out.extend_from_slice(data);
        Ok(())
    }

    /// Grows the zero-filled `out` for a decompressor that writes in place: roughly doubles, never past the cap.
    /// Fails when `out` is already at the cap.
    pub(super) fn grow(&self, out: &mut Vec<u8>, offset: usize) -> Result<(), FormatError> {
        let room = self.remaining(out);
        if room == 0 {
            return Err(self.exceeded(offset));
        }
        // Use the capacity already reserved (an announced size) before doubling.
        let spare = out.capacity() - out.len();
        let step = if spare >= MIN_GROWTH { spare } else { out.len().max(MIN_GROWTH) }.min(room);
        out.reserve_exact(step);
        out.resize(out.len() + step, 0);
        Ok(())
    }
}

/// An [`io::Write`] sink for decoders that push their output (lzma-rs, lz4_flex): appends to a vector and
/// refuses any write that would pass the budget, remembering that it did.
pub(super) struct CappedWriter<'a> {
    out: &'a mut Vec<u8>,
    budget: Budget,
    exceeded: bool,
}

impl<'a> CappedWriter<'a> {
    /// A sink appending to `out` within `budget`.
    pub(super) fn new(out: &'a mut Vec<u8>, budget: Budget) -> Self {
        Self { out, budget, exceeded: false }
    }

    /// Whether a write was refused because of the cap.
    pub(super) fn exceeded(&self) -> bool {
        self.exceeded
    }
}

impl io::Write for CappedWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() > self.budget.remaining(self.out) {
            self.exceeded = true;
            return Err(io::Error::other("decompressed size cap reached"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn limits(max_output_bytes: usize, max_ratio: u64) -> DecompressLimits {
        DecompressLimits { max_output_bytes, max_ratio }
    }

    #[test]
    fn ratio_applies_only_past_the_grace() {
        assert_eq!(Budget::new(10, &limits(1 << 30, 1000)).cap(), RATIO_GRACE_BYTES);
        assert_eq!(Budget::new(2 << 20, &limits(1 << 30, 1000)).cap(), 1 << 30);
        assert_eq!(Budget::new(300_000, &limits(1 << 30, 1000)).cap(), 300_000_000);
        assert_eq!(Budget::new(10, &limits(100, 1000)).cap(), 100);
        assert_eq!(Budget::new(10, &limits(usize::MAX, 0)).cap(), usize::MAX);
        assert_eq!(Budget::new(usize::MAX, &limits(usize::MAX, u64::MAX)).cap(), usize::MAX);
    }

    #[test]
    fn messages_name_the_binding_limit() {
        let by_size = Budget::new(2 << 20, &limits(1 << 30, 1000)).exceeded(3);
        assert!(by_size.message.contains("max_output_bytes"), "{}", by_size.message);
        assert_eq!((by_size.code, by_size.offset), ("resource-limit", 3));
        let by_ratio = Budget::new(300_000, &limits(1 << 30, 1000)).exceeded(0);
        assert!(by_ratio.message.contains("ratio"), "{}", by_ratio.message);
    }

    #[test]
    fn append_and_grow_stop_at_the_cap() {
        let budget = Budget::new(1, &limits(100, 0));
        let mut out = Vec::new();
        assert!(budget.append(&mut out, &[1; 60], 0).is_ok());
        assert!(budget.append(&mut out, &[1; 41], 0).is_err());
        assert_eq!(out.len(), 60);
        assert!(budget.grow(&mut out, 0).is_ok());
        assert_eq!(out.len(), 100);
        assert!(budget.grow(&mut out, 0).is_err());
    }

    #[test]
    fn writer_refuses_past_the_cap() {
        let mut out = Vec::new();
        let mut writer = CappedWriter::new(&mut out, Budget::new(1, &limits(5, 0)));
        assert!(writer.write_all(b"abc").is_ok());
        assert!(!writer.exceeded());
        assert!(writer.write_all(b"def").is_err());
        assert!(writer.exceeded());
        assert_eq!(out, b"abc");
    }
}
