//! The one error of the id layer: why an id or flags byte could not be parsed or built.

use core::fmt;
use std::error::Error;

/// Why a [`TraceId`](super::TraceId), [`SpanId`](super::SpanId) or [`TraceFlags`](super::TraceFlags)
/// could not be parsed or built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseIdError {
    /// The input had `found` bytes where `expected` hex characters were required.
    InvalidLength {
        /// Required number of hex characters (32, 16 or 2).
        expected: usize,
        /// Number of bytes in the input.
        found: usize,
    },
    /// The byte at `index` is not a lowercase hex digit (`0-9`, `a-f`).
    InvalidCharacter {
        /// Zero-based byte offset into the field.
        index: usize,
        /// The offending byte.
        found: u8,
    },
    /// The id is all zero, which W3C Trace Context declares invalid.
    Zero,
}

impl fmt::Display for ParseIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::InvalidLength { expected, found } => {
                write!(
                    f,
                    "expected {expected} lowercase hex characters, found {found} bytes"
                )
            }
            Self::InvalidCharacter { index, found } => write!(
                f,
                "byte {:?} at offset {index} is not a lowercase hex digit (0-9, a-f)",
                char::from(found)
            ),
            Self::Zero => f.write_str("an all-zero id is invalid"),
        }
    }
}

impl Error for ParseIdError {}
