//! A bounded, truncating capture of the guest's stdout/stderr. Output past the bound is dropped (never a
//! trap), so a chatty guest cannot grow host memory and its panic message is still kept.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// Shared handle to the captured bytes.
#[derive(Clone, Debug)]
pub(crate) struct BoundedCapture {
    buffer: Arc<Mutex<Vec<u8>>>,
    capacity: usize,
}

/// How much the guest may offer per write; writes are always accepted (and truncated).
const WRITE_BUDGET: usize = 64 * 1024;

impl BoundedCapture {
    pub(crate) fn new(capacity: usize) -> Self {
        BoundedCapture { buffer: Arc::new(Mutex::new(Vec::new())), capacity }
    }

    fn append(&self, bytes: &[u8]) {
        let mut buffer = self.buffer.lock().unwrap_or_else(PoisonError::into_inner);
        let room = self.capacity.saturating_sub(buffer.len());
        buffer.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// The captured text (lossy UTF-8), trimmed.
    pub(crate) fn text(&self) -> String {
        let buffer = self.buffer.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&buffer).trim().to_owned()
    }

    /// Forgets what was captured (a warm instance serves many calls).
    pub(crate) fn clear(&self) {
        self.buffer.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

impl IsTerminal for BoundedCapture {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for BoundedCapture {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for BoundedCapture {
    async fn ready(&mut self) {}
}

impl OutputStream for BoundedCapture {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.append(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(WRITE_BUDGET)
    }
}

impl tokio::io::AsyncWrite for BoundedCapture {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.append(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_first_bytes() {
        let capture = BoundedCapture::new(5);
        capture.append(b"hello world");
        capture.append(b"more");
        assert_eq!(capture.text(), "hello");
        capture.clear();
        assert_eq!(capture.text(), "");
    }
}
