//! The W3C header values, below the context that carries them: [`TraceParent`], [`TraceState`]
//! and [`Baggage`], each parsed, validated and formatted by its own file, with its header name
//! ([`TRACEPARENT_HEADER`], [`TRACESTATE_HEADER`], [`BAGGAGE_HEADER`]) and its bounds.
//!
//! The second layer of the crate: it imports only `id/`, and reads ids through the id types'
//! typed entry points ([`TraceId::from_hex_bytes`](crate::TraceId::from_hex_bytes) and its
//! siblings). What the values share sits in its own file: `grammar` (optional whitespace) and
//! `percent` (the percent codec of baggage values). Nothing here knows about the current
//! context; `propagation` moves these values between carriers and
//! [`TraceContext`](crate::TraceContext)s and re-exports them.
//!
//! The formats load balancers and meshes send have a file each too: [`B3`] (single and multiple
//! headers), [`CloudTraceContext`], [`XRayHeader`], [`UberTraceId`] (and `uberctx-*` baggage),
//! with their variable-width id fields in `hex_field`.

mod baggage;
mod grammar;
mod percent;
mod traceparent;
mod tracestate;

// The other formats a load balancer or mesh sends (issue 21), each in its own file.
mod b3;
mod b3_multi;
mod cloud_trace;
mod format;
mod hex_field;
mod jaeger;
mod jaeger_baggage;
mod xray;

pub use baggage::{
    BAGGAGE_HEADER, Baggage, BaggageEntry, MAX_BYTES, MAX_MEMBERS, ParseBaggageError,
};
pub(crate) use grammar::trim_ows;
pub use traceparent::{ParseTraceParentError, TRACEPARENT_HEADER, TRACEPARENT_LEN, TraceParent};
pub use tracestate::{
    LARGE_MEMBER_LEN as TRACESTATE_LARGE_MEMBER_LEN, MAX_LEN as TRACESTATE_MAX_LEN,
    MAX_MEMBERS as TRACESTATE_MAX_MEMBERS, ParseTraceStateError, TRACESTATE_HEADER, TraceState,
};

pub use b3::{B3, B3_HEADER, B3_MAX_LEN, B3Sampling, ParseB3Error};
pub use b3_multi::{
    B3MultiValues, X_B3_FLAGS, X_B3_PARENT_SPAN_ID, X_B3_SAMPLED, X_B3_SPAN_ID, X_B3_TRACE_ID,
};
pub use cloud_trace::{
    CLOUD_TRACE_HEADER, CLOUD_TRACE_MAX_LEN, CLOUD_TRACE_SPAN_FIELD, CloudTraceContext,
    ParseCloudTraceError,
};
pub use format::{Format, UnknownFormat};
pub use jaeger::{JAEGER_HEADER, JAEGER_MAX_LEN, ParseJaegerError, UberTraceId};
pub use jaeger_baggage::UBERCTX_PREFIX;
pub(crate) use jaeger_baggage::{add_uberctx, uberctx_headers};
pub use xray::{
    ParseXRayError, XRAY_HEADER, XRAY_MAX_LEN, XRAY_TRACE_ID_FIELD, XRayHeader, XRaySampled,
    XRayTraceId,
};
