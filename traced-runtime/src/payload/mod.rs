//! Trace context in job payloads: enqueue inside a trace, continue it in the worker, also across
//! retries.
//!
//! A job queue is a carrier like HTTP headers, so the context travels in its W3C form: the
//! [traceparent](https://www.w3.org/TR/trace-context/#traceparent-header) string (plus
//! `tracestate` and `baggage` when present) and the context's user fields. With the `serde`
//! feature, `TraceContext` implements `Serialize` and `Deserialize` as
//!
//! ```json
//! {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
//!  "fields": {"account_id": "account-456"}}
//! ```
//!
//! so a payload struct can hold an `Option<TraceContext>`. A bare traceparent string is accepted
//! too. A missing context is handled by [`resume`].
//!
//! # Bad input costs only itself
//!
//! Deserializing never fails because of the context, and a bad member never costs a good one:
//!
//! - a `tracestate`, `baggage` or field that has the wrong JSON type (`7`, `null`, an object), is
//!   not a valid header value, or is a string that is not valid Unicode (a lone surrogate
//!   `"\ud800"`) is dropped alone; the traceparent and the other members are kept, as
//!   [Trace Context §3.3](https://www.w3.org/TR/trace-context/#tracestate-header) asks of HTTP
//!   (a bad tracestate never invalidates the traceparent). A baggage string with some malformed
//!   list-members keeps its valid ones, as the HTTP path does;
//! - a missing, repeated or invalid `traceparent`, or a context that cannot be read at all (a
//!   number such as `1e400`, an array, a string that is not valid Unicode), gives a fresh root
//!   trace; the fields and the baggage are still kept, and a tracestate is not: "if the vendor
//!   failed to parse traceparent, it MUST NOT attempt to parse tracestate"
//!   ([Trace Context §3.3](https://www.w3.org/TR/trace-context/#tracestate-header));
//! - every such problem is named in one WARN record per payload (target
//!   `traced_runtime::payload`), at most [`MAX_PROBLEMS_NAMED`] of them, then a count.
//!
//! The rest of the job is never touched: with serde_json, even a number out of `f64`'s range or
//! a lone surrogate inside the context does not fail `serde_json::from_str::<Job>`, because the
//! context is first taken as raw JSON text (serde_json's `raw_value`) and then read member by
//! member. Other self-describing formats go through `deserialize_any`, member by member too.
//!
//! # Limits
//!
//! The fields of one payload are bounded like baggage (W3C Baggage,
//! [Limits](https://www.w3.org/TR/baggage/#limits): 64 list-members, 8192 bytes): at most [`MAX_FIELDS`] fields and [`MAX_FIELDS_BYTES`] bytes of keys plus values
//! are kept, in payload order; the others are dropped (and counted in the WARN). A key that
//! repeats replaces the earlier value, as [`TraceContext::with_field`] does. Reading a payload
//! costs time linear in its size: fields past the limits are skipped without being decoded or
//! copied. The `tracestate` and `baggage` strings are bounded by their own parsers (see
//! [`propagation`](crate::propagation)).
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! use serde::{Deserialize, Serialize};
//! use traced_runtime::TraceContext;
//!
//! #[derive(Serialize, Deserialize)]
//! struct Job {
//!     lead_id: u64,
//!     trace: Option<TraceContext>,
//! }
//!
//! let ctx = TraceContext::new_root().child().with_field("account_id", "account-456");
//! let json = serde_json::to_string(&Job { lead_id: 7, trace: Some(ctx.clone()) }).unwrap();
//!
//! // In the worker, possibly on another machine, possibly on the third retry:
//! let job: Job = serde_json::from_str(&json).unwrap();
//! let remote = traced_runtime::payload::resume(job.trace);
//! assert_eq!(remote.trace_id(), ctx.trace_id());
//! assert_eq!(remote.span_id(), ctx.span_id()); // the enqueuing span, parent of the worker's
//! assert_eq!(remote.fields().get("account_id"), Some("account-456"));
//!
//! // A wrong-typed tracestate costs the tracestate, not the trace:
//! let json = json.replace(r#""traceparent""#, r#""tracestate": 7, "traceparent""#);
//! let job: Job = serde_json::from_str(&json).unwrap();
//! assert_eq!(job.trace.unwrap().trace_id(), ctx.trace_id());
//! # }
//! ```
//!
//! [`TraceContext::with_field`]: crate::TraceContext::with_field

#[cfg(feature = "serde")]
mod json;
#[cfg(feature = "serde")]
mod members;
#[cfg(feature = "serde")]
mod serde_impl;

use std::borrow::Cow;

use crate::context::TraceContext;
use crate::messaging::{ConsumerSpan, ProducerSpan};

/// Log target of the payload warnings.
const TARGET: &str = "traced_runtime::payload";

/// Most user fields one payload's context keeps (as W3C Baggage's
/// [Limits](https://www.w3.org/TR/baggage/#limits): 64 list-members).
pub const MAX_FIELDS: usize = 64;

/// Most bytes of field keys plus values one payload's context keeps (as W3C Baggage's
/// [Limits](https://www.w3.org/TR/baggage/#limits): 8192 bytes).
pub const MAX_FIELDS_BYTES: usize = 8192;

/// Most problems one payload's WARN record names; the rest are counted.
pub const MAX_PROBLEMS_NAMED: usize = 8;

/// The context a worker continues: the payload's context, or a fresh root trace when the payload
/// carried none (logged once at WARN).
///
/// Open the worker's own span with [`TraceContext::child`] (or call a `#[traced(span)]`
/// function inside [`TraceContext::in_scope`]).
#[must_use]
pub fn resume(payload_context: Option<TraceContext>) -> TraceContext {
    payload_context.unwrap_or_else(|| {
        let root = TraceContext::new_root();
        ::log::warn!(
            target: TARGET,
            "job payload carries no trace context; continuing in fresh trace {}",
            root.trace_id()
        );
        root
    })
}

/// Opens the PRODUCER span of an enqueue to `queue` on the job system `system` (exported as
/// `messaging.system`), under the current context: put
/// [`context()`](ProducerSpan::context) into the payload, then drop the span once the job is
/// enqueued.
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use traced_runtime::TraceContext;
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Job { trace: Option<TraceContext> }
///
/// let producer = traced_runtime::payload::enqueue_span("my-jobs", "emails");
/// let json = serde_json::to_string(&Job { trace: Some(producer.context().clone()) }).unwrap();
/// drop(producer);
///
/// // The worker (also on a retry: the payload is the same, so is the trace):
/// let job: Job = serde_json::from_str(&json).unwrap();
/// let consumer = traced_runtime::payload::process_span("my-jobs", "emails", job.trace.clone());
/// assert_eq!(consumer.context().parent_span_id(), job.trace.unwrap().span_id());
/// consumer.in_scope(|| log::info!("sending")); // carries the trace-id and the CONSUMER span's id
/// # }
/// ```
pub fn enqueue_span(system: &'static str, queue: impl Into<Cow<'static, str>>) -> ProducerSpan {
    ProducerSpan::start(system, queue)
}

/// Opens the CONSUMER span that processes a job from `queue`: a child of the payload's context
/// (the PRODUCER span of [`enqueue_span`]), or of a fresh root trace when the payload carried
/// none (logged once at WARN, as [`resume`] does).
pub fn process_span(
    system: &'static str,
    queue: impl Into<Cow<'static, str>>,
    payload_context: Option<TraceContext>,
) -> ConsumerSpan {
    ConsumerSpan::process_context(system, queue, &resume(payload_context))
}
