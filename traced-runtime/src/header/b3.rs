//! B3 propagation: the value and its single-header form, `b3`.
//!
//! Implements [openzipkin/b3-propagation](https://github.com/openzipkin/b3-propagation)
//! ("Single Header"):
//!
//! ```text
//! b3 = TraceId "-" SpanId [ "-" SamplingState [ "-" ParentSpanId ] ]
//!    / SamplingState                     ; a sampling decision alone, e.g. `b3: 0`
//! TraceId       = 32LOWERHEX / 16LOWERHEX   ; 128 or 64 bits
//! SpanId        = 16LOWERHEX
//! ParentSpanId  = 16LOWERHEX
//! SamplingState = "0" / "1" / "d"           ; deny / accept / debug; absent = defer
//! ```
//!
//! - Ids are "lower-hex": uppercase is rejected; all-zero ids are rejected.
//! - A 64-bit trace-id is kept as a 128-bit one whose upper 8 bytes are zero (how W3C and
//!   OpenTelemetry carry it); it is written back as 32 characters, which B3 allows.
//! - Optional whitespace (space, tab) around the whole value is ignored, as HTTP does
//!   ([RFC 9110 §5.5](https://www.rfc-editor.org/rfc/rfc9110#section-5.5)).
//!
//! The multiple-header form (`X-B3-TraceId`, ...) is in `b3_multi`.

use core::fmt;
use core::str::FromStr;
use std::error::Error;

use super::grammar::trim_ows;
use super::hex_field::{self, Case};
use crate::id::{ParseIdError, SpanId, TraceId};

/// Name of the B3 single header.
pub const B3_HEADER: &str = "b3";

/// Longest `b3` value accepted: 32 + 1 + 16 + 1 + 1 + 1 + 16 bytes.
pub const B3_MAX_LEN: usize = 68;

/// A B3 sampling state other than "defer" (which is the absence of one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum B3Sampling {
    /// `0`: do not record.
    Deny,
    /// `1`: record.
    Accept,
    /// `d` (single header) or `X-B3-Flags: 1` (multiple headers): record, and ask the
    /// collector to keep it. Implies accept.
    Debug,
}

impl B3Sampling {
    /// Whether the trace is to be recorded (accept or debug).
    #[inline]
    #[must_use]
    pub const fn is_sampled(self) -> bool {
        !matches!(self, Self::Deny)
    }

    /// The single-header character: `0`, `1` or `d`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Deny => "0",
            Self::Accept => "1",
            Self::Debug => "d",
        }
    }

    fn parse_single(field: &[u8]) -> Result<Self, ParseB3Error> {
        match field {
            b"0" => Ok(Self::Deny),
            b"1" => Ok(Self::Accept),
            b"d" => Ok(Self::Debug),
            _ => Err(ParseB3Error::SamplingState),
        }
    }
}

/// One B3 context: identifiers with an optional sampling state, or a sampling state alone.
///
/// ```
/// use traced_runtime::propagation::{B3, B3Sampling};
///
/// let b3: B3 = "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90".parse()?;
/// let B3::Context { trace_id, sampling, parent_span_id, .. } = b3 else { unreachable!() };
/// assert_eq!(trace_id.to_string(), "80f198ee56343ba864fe8b2a57d3eff7");
/// assert_eq!(sampling, Some(B3Sampling::Accept));
/// assert!(parent_span_id.is_some());
/// assert_eq!(b3.to_string(), "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90");
///
/// assert_eq!("0".parse::<B3>()?, B3::SamplingOnly(B3Sampling::Deny));
/// # Ok::<(), traced_runtime::propagation::ParseB3Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum B3 {
    /// Trace and span identifiers.
    Context {
        /// The trace-id (a 64-bit one has its upper 8 bytes zero).
        trace_id: TraceId,
        /// The span-id of the caller's span.
        span_id: SpanId,
        /// The sampling state; `None` defers the decision to the receiver.
        sampling: Option<B3Sampling>,
        /// The caller's parent span, when it sent one.
        parent_span_id: Option<SpanId>,
    },
    /// A sampling decision without identifiers (`b3: 0`, `X-B3-Sampled: 0` alone).
    SamplingOnly(B3Sampling),
}

impl B3 {
    /// Parses a `b3` single-header value given as bytes.
    ///
    /// # Errors
    ///
    /// A [`ParseB3Error`] naming the first field that is wrong. Never panics, whatever the
    /// input.
    pub fn parse(value: &[u8]) -> Result<Self, ParseB3Error> {
        let value = trim_ows(value);
        if value.is_empty() {
            return Err(ParseB3Error::Empty);
        }
        if value.len() > B3_MAX_LEN {
            return Err(ParseB3Error::TooLong { found: value.len() });
        }
        let mut fields = value.split(|&b| b == b'-');
        let first = fields.next().unwrap_or_default();
        let Some(second) = fields.next() else {
            return B3Sampling::parse_single(first).map(Self::SamplingOnly);
        };
        let trace_id =
            hex_field::trace_id(first, &[16, 32], Case::Lower).map_err(ParseB3Error::TraceId)?;
        let span_id =
            hex_field::span_id(second, &[16], Case::Lower).map_err(ParseB3Error::SpanId)?;
        let sampling = fields.next().map(B3Sampling::parse_single).transpose()?;
        let parent_span_id = fields
            .next()
            .map(|field| hex_field::span_id(field, &[16], Case::Lower))
            .transpose()
            .map_err(ParseB3Error::ParentSpanId)?;
        let extra = fields.count();
        if extra > 0 {
            return Err(ParseB3Error::FieldCount { found: 4 + extra });
        }
        Ok(Self::Context {
            trace_id,
            span_id,
            sampling,
            parent_span_id,
        })
    }

    /// The sampling state (`None`: defer).
    #[must_use]
    pub const fn sampling(&self) -> Option<B3Sampling> {
        match *self {
            Self::Context { sampling, .. } => sampling,
            Self::SamplingOnly(sampling) => Some(sampling),
        }
    }

    /// The single-header value: `{trace-id}-{span-id}[-{sampling}[-{parent}]]` with a
    /// 32-character trace-id, or the sampling state alone.
    #[must_use]
    pub fn to_header(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for B3 {
    /// Writes the single-header value (see [`B3::to_header`]). A parent span-id is written
    /// only after a sampling state, as the grammar requires: a deferred context with a parent
    /// loses the parent.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::SamplingOnly(sampling) => f.write_str(sampling.as_str()),
            Self::Context {
                trace_id,
                span_id,
                sampling,
                parent_span_id,
            } => {
                write!(f, "{trace_id}-{span_id}")?;
                if let Some(sampling) = sampling {
                    write!(f, "-{}", sampling.as_str())?;
                    if let Some(parent) = parent_span_id {
                        write!(f, "-{parent}")?;
                    }
                }
                Ok(())
            }
        }
    }
}

impl FromStr for B3 {
    type Err = ParseB3Error;

    /// Same as [`B3::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s.as_bytes())
    }
}

/// Why a B3 value (single header or multiple headers) was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseB3Error {
    /// The `b3` value is empty (after trimming whitespace).
    Empty,
    /// The `b3` value is longer than [`B3_MAX_LEN`] bytes.
    TooLong {
        /// Length in bytes after trimming.
        found: usize,
    },
    /// The `b3` value has more than 4 dash-separated fields.
    FieldCount {
        /// Number of fields found.
        found: usize,
    },
    /// The trace-id is not 16 or 32 lowercase hex characters, or is zero.
    TraceId(ParseIdError),
    /// The span-id is not 16 lowercase hex characters, or is zero.
    SpanId(ParseIdError),
    /// The parent span-id is not 16 lowercase hex characters, or is zero.
    ParentSpanId(ParseIdError),
    /// The sampling state is not `0`, `1` or `d` (single header), or `X-B3-Sampled` is not `0`,
    /// `1`, `true` or `false`.
    SamplingState,
    /// `X-B3-Flags` is not `0` or `1`.
    Flags,
    /// `X-B3-SpanId` without `X-B3-TraceId`.
    MissingTraceId,
    /// `X-B3-TraceId` without `X-B3-SpanId`.
    MissingSpanId,
    /// No B3 header at all.
    Missing,
}

impl fmt::Display for ParseB3Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("invalid b3: empty value"),
            Self::TooLong { found } => {
                write!(f, "invalid b3: {found} bytes, at most {B3_MAX_LEN}")
            }
            Self::FieldCount { found } => {
                write!(f, "invalid b3: {found} fields, at most 4")
            }
            Self::TraceId(e) => write!(f, "invalid b3 trace-id: {e}"),
            Self::SpanId(e) => write!(f, "invalid b3 span-id: {e}"),
            Self::ParentSpanId(e) => write!(f, "invalid b3 parent span-id: {e}"),
            Self::SamplingState => f.write_str("invalid b3 sampling state"),
            Self::Flags => f.write_str("invalid X-B3-Flags, expected 0 or 1"),
            Self::MissingTraceId => f.write_str("X-B3-SpanId without X-B3-TraceId"),
            Self::MissingSpanId => f.write_str("X-B3-TraceId without X-B3-SpanId"),
            Self::Missing => f.write_str("no b3 header"),
        }
    }
}

impl Error for ParseB3Error {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::TraceId(e) | Self::SpanId(e) | Self::ParentSpanId(e) => Some(e),
            _ => None,
        }
    }
}
