//! Carrying a trace across process boundaries: W3C Trace Context and Baggage.
//!
//! - [`inject`] writes a [`TraceContext`] into a carrier (HTTP headers, a job payload's map)
//!   as [`traceparent`](https://www.w3.org/TR/trace-context/#traceparent-header),
//!   [`tracestate`](https://www.w3.org/TR/trace-context/#tracestate-header) and
//!   [`baggage`](https://www.w3.org/TR/baggage/).
//! - [`extract`] reads it back on the other side; [`extract_or_root`] starts a fresh trace
//!   instead when the incoming headers are missing or invalid, as
//!   [W3C Trace Context §3.2.2](https://www.w3.org/TR/trace-context/#traceparent-header-field-values)
//!   requires.
//! - [`extract_with_request_id`] also accepts a plain request-id header (`X-Request-Id`, ...)
//!   when `traceparent` is absent.
//! - The pieces: [`TraceParent`] (strict parser / formatter), [`TraceState`], [`Baggage`], and
//!   the carrier traits [`Extractor`] / [`Injector`] (implemented for `HashMap<String, String>`
//!   and, with the `http` feature, `http::HeaderMap` and `http::Request`).
//!
//! ```
//! use std::collections::HashMap;
//! use traced_runtime::TraceContext;
//! use traced_runtime::propagation::{extract, inject};
//!
//! // Producer: the job payload carries the current context.
//! let ctx = TraceContext::new_root().child();
//! let mut payload = HashMap::new();
//! inject(&ctx, &mut payload);
//!
//! // Consumer: continue the trace; the remote span is the parent of the consumer's span.
//! let remote = extract(&payload)?;
//! let span = remote.child();
//! assert_eq!(span.trace_id(), ctx.trace_id());
//! assert_eq!(span.parent_span_id(), ctx.span_id());
//! # Ok::<(), traced_runtime::propagation::ExtractError>(())
//! ```
//!
//! # Semantics
//!
//! - Outgoing: the parent-id written is the context's span-id, or a fresh random one when the
//!   context has no span yet (a trace started by plain `#[traced]`), so the receiver always gets
//!   a valid traceparent. The version written is always `00`.
//! - Incoming: the extracted context's [`span_id`](TraceContext::span_id) is the caller's
//!   parent-id, i.e. the context *stands in* for the remote span. A server opens its own span
//!   with [`TraceContext::child`], whose `parent_span_id` is then the remote span.

mod carrier;
mod request_id;

use core::fmt;
use std::error::Error;

pub use crate::header::{
    BAGGAGE_HEADER, Baggage, BaggageEntry, MAX_BYTES as BAGGAGE_MAX_BYTES,
    MAX_MEMBERS as BAGGAGE_MAX_MEMBERS, ParseBaggageError, ParseTraceParentError,
    ParseTraceStateError, TRACEPARENT_HEADER, TRACEPARENT_LEN, TRACESTATE_HEADER,
    TRACESTATE_LARGE_MEMBER_LEN, TRACESTATE_MAX_LEN, TRACESTATE_MAX_MEMBERS, TraceParent,
    TraceState,
};
pub use carrier::{Extractor, Injector};
pub use request_id::{
    DEFAULT_REQUEST_ID_HEADERS, MAX_REQUEST_ID_LEN, REQUEST_ID_FIELD, extract_with_request_id,
};

use crate::context::TraceContext;
use crate::id::SpanId;

/// Writes `ctx` into `carrier` as W3C headers.
///
/// Sets `traceparent` (version `00`; parent-id = the context's span-id, or a fresh random one
/// when it has none; only the sampled and random flags), `tracestate` when the context has one
/// and `baggage` when it is not empty. Existing values of these fields are replaced; other
/// fields are left alone.
///
/// Every value written is bounded, whatever was received: `tracestate` to
/// [`TRACESTATE_MAX_LEN`] (512) characters, byte-exact as received when it was valid, that
/// short and free of duplicates (see [`TraceState`]); `baggage` to [`BAGGAGE_MAX_MEMBERS`] (64)
/// members and [`BAGGAGE_MAX_BYTES`] (8192) bytes, unchanged members byte-exact (see
/// [`Baggage`]). The bounds live in the value types, so job payloads
/// ([`crate::payload`]) carry the same.
///
/// To propagate the context of the calling code, use [`inject_current`].
pub fn inject(ctx: &TraceContext, carrier: &mut impl Injector) {
    let parent_id = ctx.span_id().unwrap_or_else(SpanId::random);
    let tp = TraceParent::new(ctx.trace_id(), parent_id, ctx.trace_flags());
    let mut buf = [0u8; TRACEPARENT_LEN];
    carrier.set(TRACEPARENT_HEADER, tp.encode(&mut buf).to_owned());
    if let Some(tracestate) = ctx.tracestate() {
        carrier.set(TRACESTATE_HEADER, tracestate.as_str().to_owned());
    }
    if let Some(baggage) = ctx.baggage().to_header() {
        carrier.set(BAGGAGE_HEADER, baggage);
    }
}

/// Writes the current context into `carrier` (see [`inject`]); returns `false` and writes
/// nothing when no context is current.
///
/// The one-liner for clients that expose their headers, e.g. reqwest:
///
/// ```ignore
/// let mut req = client.get(url).build()?;
/// traced_runtime::propagation::inject_current(req.headers_mut());
/// client.execute(req).await?;
/// ```
pub fn inject_current(carrier: &mut impl Injector) -> bool {
    match TraceContext::current() {
        Some(ctx) => {
            inject(&ctx, carrier);
            true
        }
        None => false,
    }
}

/// Reads a remote context from `carrier`.
///
/// The result has the remote trace-id and trace-flags; its span-id is the remote parent-id and
/// it has no parent span-id of its own. Open the local span with [`TraceContext::child`].
///
/// It also carries the `tracestate` (all `tracestate` fields joined in order; dropped whole when
/// invalid, see [`TraceState`]) and the `baggage` (all `baggage` fields; malformed members and
/// members past the limits dropped, see [`Baggage`]).
///
/// # Errors
///
/// - [`ExtractError::Missing`]: no `traceparent` field.
/// - [`ExtractError::Duplicate`]: more than one `traceparent` field, which W3C Trace Context
///   treats as invalid.
/// - [`ExtractError::Invalid`]: the value does not parse (see [`TraceParent::parse`]).
///
/// In every case the specification asks for a fresh trace: see [`extract_or_root`].
pub fn extract(carrier: &impl Extractor) -> Result<TraceContext, ExtractError> {
    let mut values = carrier.get_all(TRACEPARENT_HEADER);
    let first = values.next().ok_or(ExtractError::Missing)?;
    let more = values.count();
    if more > 0 {
        return Err(ExtractError::Duplicate { count: more + 1 });
    }
    let tp = TraceParent::parse(first).map_err(ExtractError::Invalid)?;
    let tracestate = TraceState::parse_joined(carrier.get_all(TRACESTATE_HEADER))
        .ok()
        .flatten();
    Ok(
        TraceContext::new(tp.trace_id(), Some(tp.parent_id()), tp.trace_flags())
            .with_tracestate(tracestate)
            .with_baggage(extract_baggage(carrier)),
    )
}

/// Reads the `baggage` fields of `carrier` (see [`Baggage::parse_joined`]).
///
/// Baggage is independent of the trace: [`extract_or_root`] keeps it on the fresh root when
/// `traceparent` is missing or invalid.
#[must_use]
pub fn extract_baggage(carrier: &impl Extractor) -> Baggage {
    Baggage::parse_joined(carrier.get_all(BAGGAGE_HEADER))
}

/// Like [`extract`], but starts a fresh root trace ([`TraceContext::new_root`]) when the
/// carrier holds no valid `traceparent`, as W3C Trace Context requires. The incoming
/// `tracestate` is then dropped; the `baggage` is kept. Never fails.
#[must_use]
pub fn extract_or_root(carrier: &impl Extractor) -> TraceContext {
    extract(carrier).unwrap_or_else(|_| root_with_baggage(carrier))
}

/// A fresh root that keeps the carrier's baggage.
pub(crate) fn root_with_baggage(carrier: &impl Extractor) -> TraceContext {
    TraceContext::new_root().with_baggage(extract_baggage(carrier))
}

/// Why [`extract`] found no usable remote context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExtractError {
    /// The carrier has no `traceparent` field.
    Missing,
    /// The carrier has `count` (two or more) `traceparent` fields.
    Duplicate {
        /// How many `traceparent` values were found.
        count: usize,
    },
    /// The `traceparent` value is malformed.
    Invalid(ParseTraceParentError),
}

impl fmt::Display for ExtractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("no traceparent header"),
            Self::Duplicate { count } => write!(f, "{count} traceparent headers, expected one"),
            Self::Invalid(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl Error for ExtractError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Invalid(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_stays_small() {
        // tracestate and baggage are one thin pointer each, null when absent.
        assert_eq!(size_of::<Option<TraceState>>(), size_of::<usize>());
        assert_eq!(size_of::<Baggage>(), size_of::<usize>());
        assert!(
            size_of::<TraceContext>() <= 64,
            "{}",
            size_of::<TraceContext>()
        );
    }
}
