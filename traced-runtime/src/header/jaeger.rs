//! Jaeger's `uber-trace-id` header.
//!
//! Implements the Jaeger propagation format
//! ([Jaeger client libraries, "Propagation Format"](https://www.jaegertracing.io/docs/1.52/client-libraries/#propagation-format)):
//!
//! ```text
//! uber-trace-id: {trace-id}:{span-id}:{parent-span-id}:{flags}
//! trace-id       = 1*32HEXDIG    ; 64 or 128 bits, shorter values 0-padded on the left; 0 invalid
//! span-id        = 1*16HEXDIG    ; 0 invalid
//! parent-span-id = 1*16HEXDIG    ; deprecated, "0" when there is none
//! flags          = 1*2HEXDIG     ; bit 0 sampled, bit 1 debug
//! ```
//!
//! - Hex digits of either case are accepted ("base16"); ids are written in lowercase, the
//!   trace-id as 32 digits, the span-id as 16, the parent as `0` when unknown, the flags as
//!   two digits.
//! - Jaeger clients URL-encode header values over HTTP, so a value without `:` whose
//!   delimiters are spelled `%3A` is read as well.
//! - Optional whitespace around the whole value is ignored.
//!
//! Baggage travels in `uberctx-{key}` headers (see `jaeger_baggage`).

use core::fmt;
use core::str::FromStr;
use std::error::Error;

use super::grammar::trim_ows;
use super::hex_field::{self, Case, UP_TO_16, UP_TO_32};
use crate::id::{ParseIdError, SpanId, TraceId};

/// Name of the header.
pub const JAEGER_HEADER: &str = "uber-trace-id";

/// Longest value accepted, in bytes: 32 + 16 + 16 + 2 digits and 3 delimiters, each delimiter
/// possibly spelled `%3A`.
pub const JAEGER_MAX_LEN: usize = 75;

/// One `uber-trace-id` value.
///
/// ```
/// use traced_runtime::propagation::UberTraceId;
///
/// let value: UberTraceId = "a3ce929d0e0e4736:f067aa0ba902b7:0:1".parse()?;
/// assert_eq!(value.trace_id().to_string(), "0000000000000000a3ce929d0e0e4736");
/// assert_eq!(value.span_id().to_string(), "00f067aa0ba902b7");
/// assert!(value.is_sampled());
/// assert_eq!(value.to_string(), "0000000000000000a3ce929d0e0e4736:00f067aa0ba902b7:0:01");
/// # Ok::<(), traced_runtime::propagation::ParseJaegerError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UberTraceId {
    trace_id: TraceId,
    span_id: SpanId,
    parent_span_id: Option<SpanId>,
    flags: u8,
}

impl UberTraceId {
    /// Flag bit: the trace is sampled.
    pub const SAMPLED: u8 = 0x01;
    /// Flag bit: debug (force sampling).
    pub const DEBUG: u8 = 0x02;

    /// Builds a value from its fields.
    #[must_use]
    pub const fn new(
        trace_id: TraceId,
        span_id: SpanId,
        parent_span_id: Option<SpanId>,
        flags: u8,
    ) -> Self {
        Self {
            trace_id,
            span_id,
            parent_span_id,
            flags,
        }
    }

    /// Parses a header value given as bytes.
    ///
    /// # Errors
    ///
    /// A [`ParseJaegerError`] naming the first field that is wrong. Never panics.
    pub fn parse(value: &[u8]) -> Result<Self, ParseJaegerError> {
        let value = trim_ows(value);
        if value.len() > JAEGER_MAX_LEN {
            return Err(ParseJaegerError::TooLong { found: value.len() });
        }
        let decoded;
        let value = if value.contains(&b':') {
            value
        } else {
            decoded = url_decoded_colons(value);
            &decoded[..]
        };
        let mut fields = value.split(|&b| b == b':');
        let (Some(trace), Some(span), Some(parent), Some(flags), None) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        ) else {
            return Err(ParseJaegerError::FieldCount {
                found: value.split(|&b| b == b':').count(),
            });
        };
        let trace_id = hex_field::trace_id(trace, &UP_TO_32, Case::Either)
            .map_err(ParseJaegerError::TraceId)?;
        let span_id =
            hex_field::span_id(span, &UP_TO_16, Case::Either).map_err(ParseJaegerError::SpanId)?;
        let parent_span_id = hex_field::optional_span_id(parent, Case::Either)
            .map_err(ParseJaegerError::ParentSpanId)?;
        let flags = match hex_field::span_id(flags, &[1, 2], Case::Either) {
            Ok(id) => id.to_bytes()[7],
            Err(ParseIdError::Zero) => 0,
            Err(_) => return Err(ParseJaegerError::Flags),
        };
        Ok(Self {
            trace_id,
            span_id,
            parent_span_id,
            flags,
        })
    }

    /// The trace-id (a 64-bit one has its upper 8 bytes zero).
    #[must_use]
    pub const fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// The caller's span-id.
    #[must_use]
    pub const fn span_id(&self) -> SpanId {
        self.span_id
    }

    /// The deprecated parent span-id, `None` when it was `0`.
    #[must_use]
    pub const fn parent_span_id(&self) -> Option<SpanId> {
        self.parent_span_id
    }

    /// The flags byte as received.
    #[must_use]
    pub const fn flags(&self) -> u8 {
        self.flags
    }

    /// Whether the sampled bit (`0x01`) is set.
    #[must_use]
    pub const fn is_sampled(&self) -> bool {
        self.flags & Self::SAMPLED != 0
    }
}

/// `%3A` / `%3a` replaced by `:`; everything else as is.
fn url_decoded_colons(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut rest = value;
    while let Some((&first, tail)) = rest.split_first() {
        if first == b'%' && matches!(tail, [b'3', b'A' | b'a', ..]) {
            out.push(b':');
            rest = &tail[2..];
        } else {
            out.push(first);
            rest = tail;
        }
    }
    out
}

impl fmt::Display for UberTraceId {
    /// `{32 hex}:{16 hex}:{16 hex or 0}:{2 hex}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:", self.trace_id, self.span_id)?;
        match self.parent_span_id {
            Some(parent) => write!(f, "{parent}")?,
            None => f.write_str("0")?,
        }
        write!(f, ":{:02x}", self.flags)
    }
}

impl FromStr for UberTraceId {
    type Err = ParseJaegerError;

    /// Same as [`UberTraceId::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s.as_bytes())
    }
}

/// Why an `uber-trace-id` value was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseJaegerError {
    /// Longer than [`JAEGER_MAX_LEN`] bytes.
    TooLong {
        /// Length in bytes after trimming.
        found: usize,
    },
    /// Not 4 colon-separated fields.
    FieldCount {
        /// Number of fields found.
        found: usize,
    },
    /// The trace-id is not 1 to 32 hex digits, or is zero.
    TraceId(ParseIdError),
    /// The span-id is not 1 to 16 hex digits, or is zero.
    SpanId(ParseIdError),
    /// The parent span-id is not 1 to 16 hex digits.
    ParentSpanId(ParseIdError),
    /// The flags are not 1 or 2 hex digits.
    Flags,
}

impl fmt::Display for ParseJaegerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { found } => {
                write!(
                    f,
                    "invalid uber-trace-id: {found} bytes, at most {JAEGER_MAX_LEN}"
                )
            }
            Self::FieldCount { found } => {
                write!(f, "invalid uber-trace-id: {found} fields, expected 4")
            }
            Self::TraceId(e) => write!(f, "invalid uber-trace-id trace-id (hex, either case): {e}"),
            Self::SpanId(e) => write!(f, "invalid uber-trace-id span-id (hex, either case): {e}"),
            Self::ParentSpanId(e) => {
                write!(
                    f,
                    "invalid uber-trace-id parent span-id (hex, either case): {e}"
                )
            }
            Self::Flags => f.write_str("invalid uber-trace-id flags: expected 1 or 2 hex digits"),
        }
    }
}

impl Error for ParseJaegerError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::TraceId(e) | Self::SpanId(e) | Self::ParentSpanId(e) => Some(e),
            _ => None,
        }
    }
}
