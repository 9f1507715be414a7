//! A guest's stdout or stderr: every write succeeds, and the first
//! `cap + 1` bytes are kept (one past the cap, so the host can tell that the
//! guest wrote more). A guest that writes past its cap therefore runs on as
//! if it had written everything — stdout and stderr alike — and its outcome
//! says `truncated`; writing can neither trap it nor grow host memory.
//!
//! (wasmtime-wasi's `MemoryOutputPipe` refuses writes past its capacity;
//! Rust's `eprintln!` then panics, and the panic message cannot be written
//! either, so a chatty guest used to trap.)

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// What a write may carry at once.
const PERMIT: usize = 64 << 10;

#[derive(Debug, Clone)]
pub(crate) struct CapturePipe {
    keep: usize,
    buffer: Arc<Mutex<Vec<u8>>>,
}

impl CapturePipe {
    /// Keeps `cap + 1` bytes.
    pub(crate) fn new(cap: usize) -> Self {
        CapturePipe {
            keep: cap.saturating_add(1),
            buffer: Arc::default(),
        }
    }

    pub(crate) fn contents(&self) -> Vec<u8> {
        self.buffer.lock().map(|b| b.clone()).unwrap_or_default()
    }

    /// Keeps what fits of `bytes`; the rest is dropped.
    fn take(&self, bytes: &[u8]) {
        if let Ok(mut buffer) = self.buffer.lock() {
            let room = self.keep.saturating_sub(buffer.len());
            buffer.extend_from_slice(&bytes[..room.min(bytes.len())]);
        }
    }
}

impl IsTerminal for CapturePipe {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CapturePipe {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for CapturePipe {
    async fn ready(&mut self) {}
}

#[wasmtime_wasi::async_trait]
impl OutputStream for CapturePipe {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.take(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(PERMIT)
    }
}

impl tokio::io::AsyncWrite for CapturePipe {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.take(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_past_the_cap_succeed_and_keep_one_byte_more() {
        let pipe = CapturePipe::new(4);
        let mut stream = pipe.p2_stream();
        for _ in 0..3 {
            assert!(stream.check_write().unwrap() > 0);
            stream.write(Bytes::from_static(b"abc")).unwrap();
        }
        assert_eq!(pipe.contents(), b"abcab");
    }
}
