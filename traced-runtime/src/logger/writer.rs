//! Where finished lines go: stderr, or a writer the application gave. One `write` per line
//! (stderr is unbuffered in Rust, and a line is handed over whole), so lines of concurrent
//! threads never interleave.

use std::io::{self, Write};
use std::sync::{Mutex, PoisonError};

use super::background::Background;

/// The destination of the ready-made logger's lines.
pub(super) enum Output {
    /// The process's stderr.
    Stderr,
    /// A writer given to [`Builder::writer`](super::Builder::writer).
    Writer(Mutex<Box<dyn Write + Send>>),
    /// A background thread writing batches (see [`Builder::non_blocking`](super::Builder::non_blocking)).
    Background(Background),
}

impl Output {
    /// Writes one or more whole lines. A failing output loses the line: logging has nowhere to
    /// report its own failure, and a logger must not fail the caller.
    #[inline]
    pub(super) fn write(&self, bytes: &[u8]) {
        let _ = match self {
            Self::Stderr => io::stderr().lock().write_all(bytes),
            Self::Writer(writer) => writer
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .write_all(bytes),
            Self::Background(background) => {
                background.write(bytes);
                Ok(())
            }
        };
    }

    /// Lines dropped because a non-blocking queue was full.
    pub(super) fn dropped(&self) -> u64 {
        match self {
            Self::Background(background) => background.dropped(),
            _ => 0,
        }
    }

    /// Flushes the writer (for a background writer: waits until every queued line is written).
    pub(super) fn flush(&self) {
        let _ = match self {
            Self::Stderr => io::stderr().flush(),
            Self::Writer(writer) => writer
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .flush(),
            Self::Background(background) => {
                background.flush();
                Ok(())
            }
        };
    }
}
