//! The W3C header values, below the context that carries them: [`TraceParent`], [`TraceState`]
//! and [`Baggage`], each parsed, validated and formatted by its own file, with the grammar they
//! share in `grammar`. Nothing here knows about the current context; `propagation` moves these
//! values between carriers and [`TraceContext`](crate::TraceContext)s and re-exports them.

mod baggage;
mod grammar;
mod traceparent;
mod tracestate;

pub use baggage::{
    BAGGAGE_HEADER, Baggage, BaggageEntry, MAX_BYTES, MAX_MEMBERS, ParseBaggageError,
};
pub(crate) use grammar::trim_ows;
pub use traceparent::{ParseTraceParentError, TRACEPARENT_LEN, TraceParent};
pub use tracestate::{
    LARGE_MEMBER_LEN as TRACESTATE_LARGE_MEMBER_LEN, MAX_LEN as TRACESTATE_MAX_LEN,
    MAX_MEMBERS as TRACESTATE_MAX_MEMBERS, ParseTraceStateError, TRACESTATE_HEADER, TraceState,
};
