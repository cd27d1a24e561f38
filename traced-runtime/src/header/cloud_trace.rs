//! Google Cloud's `X-Cloud-Trace-Context` header.
//!
//! Implements the header as Google Cloud documents it
//! ([Cloud Trace, "Trace context"](https://cloud.google.com/trace/docs/trace-context#legacy-http-header)):
//!
//! ```text
//! X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=OPTIONS
//! TRACE_ID = 32LOWERHEX            ; 128 bits, the same value as a W3C trace-id
//! SPAN_ID  = 1*20DIGIT             ; the span-id in decimal (unsigned 64 bits)
//! OPTIONS  = "0" / "1"             ; 1: the caller sampled (traced) the request
//! ```
//!
//! `;o=OPTIONS` may be left out (the decision is then deferred). All-zero ids, a span-id past
//! `u64::MAX`, uppercase hex and any other option value are rejected; optional whitespace
//! around the whole value is ignored.

use core::fmt;
use core::str::FromStr;
use std::error::Error;

use super::grammar::trim_ows;
use super::hex_field::{self, Case};
use crate::id::{ParseIdError, SpanId, TraceId};

/// Name of the header, lowercase.
pub const CLOUD_TRACE_HEADER: &str = "x-cloud-trace-context";

/// Longest value accepted: 32 + 1 + 20 + 4 bytes.
pub const CLOUD_TRACE_MAX_LEN: usize = 57;

/// The field a context continued from `X-Cloud-Trace-Context` carries: the load balancer's
/// span-id as 16 lowercase hex characters, which the JSON log lines give Cloud Logging as
/// `logging.googleapis.com/spanId` so that they join the load balancer's span.
pub const CLOUD_TRACE_SPAN_FIELD: &str = "gcp_span_id";

/// One `X-Cloud-Trace-Context` value.
///
/// ```
/// use traced_runtime::propagation::CloudTraceContext;
///
/// let value: CloudTraceContext = "105445aa7843bc8bf206b12000100000/1;o=1".parse()?;
/// assert_eq!(value.trace_id().to_string(), "105445aa7843bc8bf206b12000100000");
/// assert_eq!(value.span_id().to_string(), "0000000000000001");
/// assert_eq!(value.sampled(), Some(true));
/// assert_eq!(value.to_string(), "105445aa7843bc8bf206b12000100000/1;o=1");
/// # Ok::<(), traced_runtime::propagation::ParseCloudTraceError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CloudTraceContext {
    trace_id: TraceId,
    span_id: SpanId,
    sampled: Option<bool>,
}

impl CloudTraceContext {
    /// Builds a value from its fields (`sampled: None` leaves out `;o=`).
    #[must_use]
    pub const fn new(trace_id: TraceId, span_id: SpanId, sampled: Option<bool>) -> Self {
        Self {
            trace_id,
            span_id,
            sampled,
        }
    }

    /// Parses a header value given as bytes.
    ///
    /// # Errors
    ///
    /// A [`ParseCloudTraceError`] naming the first part that is wrong. Never panics.
    pub fn parse(value: &[u8]) -> Result<Self, ParseCloudTraceError> {
        let value = trim_ows(value);
        if value.len() > CLOUD_TRACE_MAX_LEN {
            return Err(ParseCloudTraceError::TooLong { found: value.len() });
        }
        let slash = value
            .iter()
            .position(|&b| b == b'/')
            .ok_or(ParseCloudTraceError::MissingSpanId)?;
        let (trace, rest) = (&value[..slash], &value[slash + 1..]);
        let trace_id = hex_field::trace_id(trace, &[32], Case::Lower)
            .map_err(ParseCloudTraceError::TraceId)?;
        let (span, options) = match rest.iter().position(|&b| b == b';') {
            Some(semi) => (&rest[..semi], Some(&rest[semi + 1..])),
            None => (rest, None),
        };
        let span = hex_field::decimal_u64(span).ok_or(ParseCloudTraceError::SpanId)?;
        let span_id = SpanId::from_bytes(span.to_be_bytes()).ok_or(ParseCloudTraceError::SpanId)?;
        let sampled = match options {
            None => None,
            Some(b"o=1") => Some(true),
            Some(b"o=0") => Some(false),
            Some(_) => return Err(ParseCloudTraceError::Options),
        };
        Ok(Self {
            trace_id,
            span_id,
            sampled,
        })
    }

    /// The 16-byte trace-id.
    #[must_use]
    pub const fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// The caller's span-id (sent in decimal).
    #[must_use]
    pub const fn span_id(&self) -> SpanId {
        self.span_id
    }

    /// `o=1`: `Some(true)`, `o=0`: `Some(false)`, no options: `None`.
    #[must_use]
    pub const fn sampled(&self) -> Option<bool> {
        self.sampled
    }
}

impl fmt::Display for CloudTraceContext {
    /// `TRACE_ID/SPAN_ID;o=OPTIONS`, the span-id in decimal without leading zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let span = u64::from_be_bytes(self.span_id.to_bytes());
        write!(f, "{}/{span}", self.trace_id)?;
        match self.sampled {
            Some(sampled) => write!(f, ";o={}", u8::from(sampled)),
            None => Ok(()),
        }
    }
}

impl FromStr for CloudTraceContext {
    type Err = ParseCloudTraceError;

    /// Same as [`CloudTraceContext::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s.as_bytes())
    }
}

/// Why an `X-Cloud-Trace-Context` value was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseCloudTraceError {
    /// Longer than [`CLOUD_TRACE_MAX_LEN`] bytes.
    TooLong {
        /// Length in bytes after trimming.
        found: usize,
    },
    /// No `/` and span-id.
    MissingSpanId,
    /// The trace-id is not 32 lowercase hex characters, or is zero.
    TraceId(ParseIdError),
    /// The span-id is not 1 to 20 decimal digits of a non-zero unsigned 64-bit number.
    SpanId,
    /// What follows the span-id is not `;o=0` or `;o=1`.
    Options,
}

impl fmt::Display for ParseCloudTraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { found } => write!(
                f,
                "invalid X-Cloud-Trace-Context: {found} bytes, at most {CLOUD_TRACE_MAX_LEN}"
            ),
            Self::MissingSpanId => f.write_str("invalid X-Cloud-Trace-Context: no /SPAN_ID"),
            Self::TraceId(e) => write!(f, "invalid X-Cloud-Trace-Context trace-id: {e}"),
            Self::SpanId => f.write_str(
                "invalid X-Cloud-Trace-Context span-id: expected a non-zero decimal u64",
            ),
            Self::Options => {
                f.write_str("invalid X-Cloud-Trace-Context options: expected ;o=0 or ;o=1")
            }
        }
    }
}

impl Error for ParseCloudTraceError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::TraceId(e) => Some(e),
            _ => None,
        }
    }
}
