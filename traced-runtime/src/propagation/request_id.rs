//! Falling back to a plain request-id header when `traceparent` is absent.
//!
//! Many systems already pass an id of their own (`X-Request-Id`, `X-Trace-Id`). When a request
//! carries one but no `traceparent`, [`extract_with_request_id`] keeps the correlation:
//!
//! - a value of exactly 32 hex characters (either case, not all zero) becomes the trace-id of
//!   the new trace, so the caller's id and this service's logs line up;
//! - any other value of 1 to [`MAX_REQUEST_ID_LEN`] visible ASCII characters starts a fresh
//!   trace and is kept as the user field [`REQUEST_ID_FIELD`], printed on every log line;
//! - anything else (empty, longer, control or non-ASCII bytes) is ignored: the header comes
//!   from outside and is not trusted blindly.

use super::{Extractor, extract};
use crate::context::TraceContext;
use crate::id::{TraceFlags, TraceId};

/// The headers [`extract_with_request_id`] is usually given: `x-request-id`, then `x-trace-id`.
pub const DEFAULT_REQUEST_ID_HEADERS: &[&str] = &["x-request-id", "x-trace-id"];

/// Name of the user field that keeps a request-id that is not a trace-id.
pub const REQUEST_ID_FIELD: &str = "request_id";

/// Longest request-id (in bytes) kept as a user field.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// Reads the remote context like [`extract`](super::extract); when `traceparent` is *absent*,
/// falls back to the first of `headers` (field names, any case) that is present.
///
/// Returns, in order of preference:
/// 1. the extracted context when `traceparent` is valid;
/// 2. a fresh root ([`TraceContext::new_root`]) when `traceparent` is present but invalid
///    (W3C Trace Context asks to restart the trace; the request-id is not consulted);
/// 3. when `traceparent` is absent and a request-id header is present: a root whose trace-id is
///    the request-id when it is 32 hex characters (either case, not all zero); otherwise a fresh
///    root with the user field [`REQUEST_ID_FIELD`] set to the value when it is 1 to
///    [`MAX_REQUEST_ID_LEN`] visible ASCII characters; otherwise (empty, longer, control or
///    non-ASCII bytes) the value is ignored: it comes from outside and is not trusted blindly;
/// 4. a fresh root otherwise.
///
/// The carrier's `baggage` is kept in every case.
///
/// ```
/// use std::collections::HashMap;
/// use traced_runtime::propagation::{DEFAULT_REQUEST_ID_HEADERS, extract_with_request_id};
///
/// let mut headers = HashMap::new();
/// headers.insert("X-Request-Id".to_owned(), "req-7f3a".to_owned());
/// let ctx = extract_with_request_id(&headers, DEFAULT_REQUEST_ID_HEADERS);
/// assert_eq!(ctx.fields().get("request_id"), Some("req-7f3a"));
///
/// headers.insert("X-Request-Id".to_owned(), "4BF92F3577B34DA6A3CE929D0E0E4736".to_owned());
/// let ctx = extract_with_request_id(&headers, DEFAULT_REQUEST_ID_HEADERS);
/// assert_eq!(ctx.trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
/// ```
#[must_use]
pub fn extract_with_request_id<E, S>(carrier: &E, headers: &[S]) -> TraceContext
where
    E: Extractor + ?Sized,
    S: AsRef<str>,
{
    match extract(&carrier) {
        Ok(ctx) => ctx,
        Err(super::ExtractError::Missing) => headers
            .iter()
            .find_map(|name| {
                let name = name.as_ref().to_ascii_lowercase();
                carrier.get_all(&name).next().map(from_request_id)
            })
            .unwrap_or_else(TraceContext::new_root)
            .with_baggage(super::extract_baggage(&carrier)),
        Err(_) => super::root_with_baggage(&carrier),
    }
}

/// The context a request-id value starts.
fn from_request_id(value: &[u8]) -> TraceContext {
    let value = crate::header::trim_ows(value);
    if value.len() == TraceId::HEX_LEN {
        let lower = value.to_ascii_lowercase();
        if let Ok(trace_id) = TraceId::from_hex_bytes(&lower) {
            return TraceContext::new(trace_id, None, TraceFlags::SAMPLED);
        }
    }
    let root = TraceContext::new_root();
    let visible = !value.is_empty()
        && value.len() <= MAX_REQUEST_ID_LEN
        && value.iter().all(|b| (0x21..=0x7e).contains(b));
    match core::str::from_utf8(value) {
        Ok(id) if visible => root.with_field(REQUEST_ID_FIELD, id),
        _ => root,
    }
}
