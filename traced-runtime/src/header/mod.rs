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

mod baggage;
mod grammar;
mod percent;
mod traceparent;
mod tracestate;

pub use baggage::{
    BAGGAGE_HEADER, Baggage, BaggageEntry, MAX_BYTES, MAX_MEMBERS, ParseBaggageError,
};
pub(crate) use grammar::trim_ows;
pub use traceparent::{ParseTraceParentError, TRACEPARENT_HEADER, TRACEPARENT_LEN, TraceParent};
pub use tracestate::{
    LARGE_MEMBER_LEN as TRACESTATE_LARGE_MEMBER_LEN, MAX_LEN as TRACESTATE_MAX_LEN,
    MAX_MEMBERS as TRACESTATE_MAX_MEMBERS, ParseTraceStateError, TRACESTATE_HEADER, TraceState,
};
