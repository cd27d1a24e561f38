//! The `traceparent` header: a strict parser and a formatter.
//!
//! Implements [W3C Trace Context §3.2](https://www.w3.org/TR/trace-context/#traceparent-header)
//! with the flags of [Level 2](https://www.w3.org/TR/trace-context-2/#trace-flags):
//!
//! ```text
//! traceparent = version "-" trace-id "-" parent-id "-" trace-flags
//!               00      -  32 hex    -  16 hex     -  2 hex        (55 characters for version 00)
//! ```
//!
//! - Version `00` is parsed exactly: 55 characters, lowercase hex, dashes in place.
//! - A higher version is parsed forward-compatibly
//!   ([§3.2.4](https://www.w3.org/TR/trace-context/#versioning-of-traceparent)): the first four
//!   fields are read as in version `00`, and anything after them must start with a dash.
//! - Version `ff`, all-zero ids, uppercase hex, wrong lengths and stray characters are rejected
//!   with a [`ParseTraceParentError`].
//! - Optional whitespace (space, horizontal tab) around the whole value is ignored.
//!
//! On output the version is always `00`, and only the sampled (`0x01`) and random (`0x02`) flags
//! are written ([`TraceFlags::to_emitted`]).

use core::fmt;
use core::str::FromStr;
use std::error::Error;

use super::grammar::trim_ows;
use crate::id::{ParseIdError, SpanId, TraceFlags, TraceId, parse_byte};

/// Name of the [traceparent header](https://www.w3.org/TR/trace-context/#traceparent-header).
pub const TRACEPARENT_HEADER: &str = "traceparent";

/// Length in bytes of a version `00` traceparent value (and the minimum for any version).
pub const TRACEPARENT_LEN: usize = 55;

const TRACE_ID_AT: usize = 3;
const PARENT_ID_AT: usize = TRACE_ID_AT + TraceId::HEX_LEN + 1; // 36
const FLAGS_AT: usize = PARENT_ID_AT + SpanId::HEX_LEN + 1; // 53

/// The fields of one `traceparent` header value.
///
/// ```
/// use traced_runtime::propagation::TraceParent;
///
/// let tp: TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse()?;
/// assert_eq!(tp.trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
/// assert!(tp.trace_flags().is_sampled());
/// assert_eq!(tp.to_string(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
/// # Ok::<(), traced_runtime::propagation::ParseTraceParentError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceParent {
    version: u8,
    trace_id: TraceId,
    parent_id: SpanId,
    trace_flags: TraceFlags,
}

impl TraceParent {
    /// Builds a version `00` traceparent from its fields.
    #[inline]
    #[must_use]
    pub const fn new(trace_id: TraceId, parent_id: SpanId, trace_flags: TraceFlags) -> Self {
        Self {
            version: 0,
            trace_id,
            parent_id,
            trace_flags,
        }
    }

    /// Parses a header value given as bytes (HTTP header values need not be UTF-8).
    ///
    /// Leading and trailing spaces and horizontal tabs are ignored; everything else follows
    /// [W3C Trace Context §3.2.2](https://www.w3.org/TR/trace-context/#traceparent-header-field-values)
    /// and [§3.2.4](https://www.w3.org/TR/trace-context/#versioning-of-traceparent) strictly.
    ///
    /// # Errors
    ///
    /// A [`ParseTraceParentError`] naming the first field that is wrong. Never panics, whatever
    /// the input.
    pub fn parse(value: &[u8]) -> Result<Self, ParseTraceParentError> {
        let value = trim_ows(value);
        if value.len() < 3 {
            return Err(ParseTraceParentError::InvalidLength { found: value.len() });
        }
        let version = parse_byte(&value[..2]).map_err(ParseTraceParentError::Version)?;
        if value[2] != b'-' {
            return Err(ParseTraceParentError::Delimiter { index: 2 });
        }
        if version == 0xff {
            return Err(ParseTraceParentError::ForbiddenVersion);
        }
        let len_ok = if version == 0 {
            value.len() == TRACEPARENT_LEN
        } else {
            value.len() >= TRACEPARENT_LEN
        };
        if !len_ok {
            return Err(ParseTraceParentError::InvalidLength { found: value.len() });
        }
        for index in [PARENT_ID_AT - 1, FLAGS_AT - 1] {
            if value[index] != b'-' {
                return Err(ParseTraceParentError::Delimiter { index });
            }
        }
        // Only versions above 00 may carry more fields, and those start with a dash.
        if value.len() > TRACEPARENT_LEN && value[TRACEPARENT_LEN] != b'-' {
            return Err(ParseTraceParentError::Delimiter {
                index: TRACEPARENT_LEN,
            });
        }
        let trace_id = TraceId::from_hex_bytes(&value[TRACE_ID_AT..PARENT_ID_AT - 1])
            .map_err(ParseTraceParentError::TraceId)?;
        let parent_id = SpanId::from_hex_bytes(&value[PARENT_ID_AT..FLAGS_AT - 1])
            .map_err(ParseTraceParentError::ParentId)?;
        let trace_flags = TraceFlags::from_hex_bytes(&value[FLAGS_AT..TRACEPARENT_LEN])
            .map_err(ParseTraceParentError::TraceFlags)?;
        Ok(Self {
            version,
            trace_id,
            parent_id,
            trace_flags,
        })
    }

    /// The version byte that was received (`0` for values built with [`new`](Self::new)).
    ///
    /// Informational only: output is always version `00`.
    #[inline]
    #[must_use]
    pub const fn version(&self) -> u8 {
        self.version
    }

    /// The 16-byte trace-id.
    #[inline]
    #[must_use]
    pub const fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// The 8-byte parent-id: the span-id of the caller's span.
    #[inline]
    #[must_use]
    pub const fn parent_id(&self) -> SpanId {
        self.parent_id
    }

    /// The trace-flags byte as received (unknown bits included; they are dropped on output).
    #[inline]
    #[must_use]
    pub const fn trace_flags(&self) -> TraceFlags {
        self.trace_flags
    }

    /// Writes the 55-byte version `00` form into a stack buffer and returns it as a `&str`.
    ///
    /// Only the sampled and random flags are written ([`TraceFlags::to_emitted`]).
    pub fn encode<'b>(&self, buf: &'b mut [u8; TRACEPARENT_LEN]) -> &'b str {
        buf[..TRACE_ID_AT].copy_from_slice(b"00-");
        let mut trace = [0u8; TraceId::HEX_LEN];
        buf[TRACE_ID_AT..PARENT_ID_AT - 1]
            .copy_from_slice(self.trace_id.encode_hex(&mut trace).as_bytes());
        buf[PARENT_ID_AT - 1] = b'-';
        let mut parent = [0u8; SpanId::HEX_LEN];
        buf[PARENT_ID_AT..FLAGS_AT - 1]
            .copy_from_slice(self.parent_id.encode_hex(&mut parent).as_bytes());
        buf[FLAGS_AT - 1] = b'-';
        let mut flags = [0u8; 2];
        buf[FLAGS_AT..].copy_from_slice(
            self.trace_flags
                .to_emitted()
                .encode_hex(&mut flags)
                .as_bytes(),
        );
        // Only ASCII was written.
        core::str::from_utf8(buf).unwrap_or_default()
    }
}

impl fmt::Display for TraceParent {
    /// Writes the version `00` form (55 characters).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; TRACEPARENT_LEN];
        f.write_str(self.encode(&mut buf))
    }
}

impl FromStr for TraceParent {
    type Err = ParseTraceParentError;

    /// Same as [`TraceParent::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s.as_bytes())
    }
}

/// Why a `traceparent` value was rejected.
///
/// W3C Trace Context asks the receiver to start a new trace in every one of these cases
/// ([§3.2.2](https://www.w3.org/TR/trace-context/#traceparent-header-field-values)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseTraceParentError {
    /// The value (after trimming whitespace) has `found` bytes: version `00` needs exactly 55,
    /// a higher version at least 55.
    InvalidLength {
        /// Length in bytes after trimming.
        found: usize,
    },
    /// The version is not 2 lowercase hex characters.
    Version(ParseIdError),
    /// The version is `ff`, which the specification forbids.
    ForbiddenVersion,
    /// A dash was expected at byte offset `index` (after trimming).
    Delimiter {
        /// Zero-based byte offset into the trimmed value.
        index: usize,
    },
    /// The trace-id is not 32 lowercase hex characters, or is all zero.
    TraceId(ParseIdError),
    /// The parent-id is not 16 lowercase hex characters, or is all zero.
    ParentId(ParseIdError),
    /// The trace-flags are not 2 lowercase hex characters.
    TraceFlags(ParseIdError),
}

impl fmt::Display for ParseTraceParentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidLength { found } => write!(
                f,
                "invalid traceparent: {found} bytes, expected {TRACEPARENT_LEN} (version 00) \
                 or more (higher versions)"
            ),
            Self::Version(e) => write!(f, "invalid traceparent version: {e}"),
            Self::ForbiddenVersion => f.write_str("invalid traceparent: version ff is forbidden"),
            Self::Delimiter { index } => {
                write!(f, "invalid traceparent: expected '-' at offset {index}")
            }
            Self::TraceId(e) => write!(f, "invalid traceparent trace-id: {e}"),
            Self::ParentId(e) => write!(f, "invalid traceparent parent-id: {e}"),
            Self::TraceFlags(e) => write!(f, "invalid traceparent trace-flags: {e}"),
        }
    }
}

impl Error for ParseTraceParentError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Version(e) | Self::TraceId(e) | Self::ParentId(e) | Self::TraceFlags(e) => {
                Some(e)
            }
            _ => None,
        }
    }
}
