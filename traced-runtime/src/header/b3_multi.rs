//! B3 propagation, multiple-header form: `X-B3-TraceId`, `X-B3-SpanId`, `X-B3-ParentSpanId`,
//! `X-B3-Sampled`, `X-B3-Flags`.
//!
//! Implements [openzipkin/b3-propagation](https://github.com/openzipkin/b3-propagation)
//! ("Multiple Headers"):
//!
//! - `X-B3-TraceId`: 32 or 16 lower-hex characters; `X-B3-SpanId`, `X-B3-ParentSpanId`: 16.
//! - `X-B3-Sampled`: `1` accept, `0` deny, absent defer; `true` / `false` accepted as the text
//!   allows ("a lenient implementation may accept them").
//! - `X-B3-Flags: 1`: debug, which implies accept (so `X-B3-Sampled` is not written with it).
//! - `X-B3-Sampled` (or `X-B3-Flags`) alone: a sampling decision without identifiers.
//!
//! "When extracting state headers, the first value wins": callers pass the first value of each.

use super::b3::{B3, B3Sampling, ParseB3Error};
use super::grammar::trim_ows;
use super::hex_field::{self, Case};

/// `X-B3-TraceId`, lowercase as this crate writes header names.
pub const X_B3_TRACE_ID: &str = "x-b3-traceid";
/// `X-B3-SpanId`.
pub const X_B3_SPAN_ID: &str = "x-b3-spanid";
/// `X-B3-ParentSpanId`.
pub const X_B3_PARENT_SPAN_ID: &str = "x-b3-parentspanid";
/// `X-B3-Sampled`.
pub const X_B3_SAMPLED: &str = "x-b3-sampled";
/// `X-B3-Flags`.
pub const X_B3_FLAGS: &str = "x-b3-flags";

/// The first value of each B3 multiple header, as received (`None`: absent).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct B3MultiValues<'a> {
    /// `X-B3-TraceId`.
    pub trace_id: Option<&'a [u8]>,
    /// `X-B3-SpanId`.
    pub span_id: Option<&'a [u8]>,
    /// `X-B3-ParentSpanId`.
    pub parent_span_id: Option<&'a [u8]>,
    /// `X-B3-Sampled`.
    pub sampled: Option<&'a [u8]>,
    /// `X-B3-Flags`.
    pub flags: Option<&'a [u8]>,
}

impl B3 {
    /// Reads the multiple-header form.
    ///
    /// Each value is trimmed of optional whitespace.
    ///
    /// # Errors
    ///
    /// [`ParseB3Error::Missing`] when no header is present; otherwise the first field that is
    /// wrong ([`ParseB3Error::MissingTraceId`] / [`MissingSpanId`](ParseB3Error::MissingSpanId)
    /// when only one of the two ids is present). Never panics.
    pub fn from_multi(values: B3MultiValues<'_>) -> Result<Self, ParseB3Error> {
        let sampled = values
            .sampled
            .map(|v| match trim_ows(v) {
                b"1" | b"true" => Ok(B3Sampling::Accept),
                b"0" | b"false" => Ok(B3Sampling::Deny),
                _ => Err(ParseB3Error::SamplingState),
            })
            .transpose()?;
        let debug = match values.flags.map(trim_ows) {
            None | Some(b"0") => false,
            Some(b"1") => true,
            Some(_) => return Err(ParseB3Error::Flags),
        };
        // Debug implies accept, whatever X-B3-Sampled says.
        let sampling = if debug {
            Some(B3Sampling::Debug)
        } else {
            sampled
        };
        let (trace_id, span_id) = match (values.trace_id, values.span_id) {
            (None, None) => {
                return sampling.map(B3::SamplingOnly).ok_or(ParseB3Error::Missing);
            }
            (None, Some(_)) => return Err(ParseB3Error::MissingTraceId),
            (Some(_), None) => return Err(ParseB3Error::MissingSpanId),
            (Some(t), Some(s)) => (trim_ows(t), trim_ows(s)),
        };
        let trace_id =
            hex_field::trace_id(trace_id, &[16, 32], Case::Lower).map_err(ParseB3Error::TraceId)?;
        let span_id =
            hex_field::span_id(span_id, &[16], Case::Lower).map_err(ParseB3Error::SpanId)?;
        let parent_span_id = values
            .parent_span_id
            .map(|v| hex_field::span_id(trim_ows(v), &[16], Case::Lower))
            .transpose()
            .map_err(ParseB3Error::ParentSpanId)?;
        Ok(Self::Context {
            trace_id,
            span_id,
            sampling,
            parent_span_id,
        })
    }

    /// The multiple headers for this value, as `(name, value)` pairs in the order the
    /// specification lists them: trace-id (32 characters), span-id, parent span-id when
    /// known, then `X-B3-Sampled` (`1` / `0`) or, for debug, `X-B3-Flags: 1` alone.
    #[must_use]
    pub fn to_multi(&self) -> Vec<(&'static str, String)> {
        let mut headers = Vec::with_capacity(4);
        if let Self::Context {
            trace_id,
            span_id,
            parent_span_id,
            ..
        } = *self
        {
            headers.push((X_B3_TRACE_ID, trace_id.to_string()));
            headers.push((X_B3_SPAN_ID, span_id.to_string()));
            if let Some(parent) = parent_span_id {
                headers.push((X_B3_PARENT_SPAN_ID, parent.to_string()));
            }
        }
        match self.sampling() {
            Some(B3Sampling::Debug) => headers.push((X_B3_FLAGS, "1".to_owned())),
            Some(sampling) => headers.push((X_B3_SAMPLED, sampling.as_str().to_owned())),
            None => {}
        }
        headers
    }
}
