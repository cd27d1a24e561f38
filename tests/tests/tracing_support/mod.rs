//! Shared by the `tracing_*` tests: a writer the test reads back, installed once per test
//! binary, and a lock that gives each test the output to itself.

#![allow(dead_code, unreachable_pub)] // each test binary uses part of it

use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

/// A `Write` that keeps every byte, shared by clones.
#[derive(Clone, Debug, Default)]
pub struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    /// Takes what was written since the last call, as lines.
    pub fn take_lines(&self) -> Vec<String> {
        let bytes = std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner));
        String::from_utf8(bytes)
            .expect("output is UTF-8")
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// The process's output, installed by `install` on first use, and the lock serializing tests.
pub struct Output {
    buffer: Buffer,
    serial: Mutex<()>,
}

/// Exclusive use of the output for one test; starts empty.
pub struct Exclusive<'a> {
    pub buffer: &'a Buffer,
    _serial: MutexGuard<'a, ()>,
}

impl Output {
    /// The output, installing it with `install(buffer)` the first time.
    pub fn get(cell: &'static OnceLock<Output>, install: fn(Buffer)) -> Exclusive<'static> {
        let output = cell.get_or_init(|| {
            let buffer = Buffer::default();
            install(buffer.clone());
            Output {
                buffer,
                serial: Mutex::new(()),
            }
        });
        let serial = output.serial.lock().unwrap_or_else(PoisonError::into_inner);
        output.buffer.take_lines();
        Exclusive {
            buffer: &output.buffer,
            _serial: serial,
        }
    }
}

/// README's tracing-subscriber-first JSON output, writing to `buffer`, DEBUG and up.
pub fn json_subscriber(buffer: Buffer) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::fmt()
        .json()
        .with_writer(move || buffer.clone())
        .with_max_level(tracing::Level::DEBUG)
        .event_format(traced_runtime::subscriber::json())
        .finish()
}
