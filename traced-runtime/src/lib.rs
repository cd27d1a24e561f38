//! Put a W3C trace-id on every log line of a service.
//!
//! Annotate functions with [`#[traced]`](traced) or `#[traced(span)]`; every record logged through
//! the [`log`](https://docs.rs/log) facade inside them carries the trace-id (and span-id) of the
//! request or job that caused it, across calls, `.await`s, tasks and threads.
//!
//! ```
//! use traced_runtime::traced;
//!
//! struct Controller;
//! impl Controller {
//!     #[traced] // ensures a trace-id exists (starts one when none is current), logs entry
//!     fn api1(&self) {
//!         Service.api1_service();
//!     }
//! }
//!
//! struct Service;
//! impl Service {
//!     #[traced(span)] // ... and opens a fresh span-id for this call
//!     fn api1_service(&self) {
//!         log::info!("working"); // carries trace_id and span_id too
//!         assert!(traced_runtime::current_span_id().is_some());
//!     }
//! }
//!
//! traced_runtime::logger::init();
//! Controller.api1();
//! assert_eq!(traced_runtime::current_trace_id(), None); // the call's trace ended with it
//! ```
//!
//! # The pieces
//!
//! - [`#[traced]`](traced): the attribute, with options for the entry line (`level`, `target`,
//!   `name`, `args`, `skip`), the exit (`exit`, `ret`, `err`), the context (`span`, `root`,
//!   `fields(..)`) and re-exports (`crate`); its documentation lists them with examples and shows
//!   what an expansion looks like.
//! - [`TraceId`], [`SpanId`], [`TraceFlags`]: W3C identifiers (16 bytes / 32 hex characters,
//!   8 bytes / 16, 1 byte / 2), random, never all zero, lowercase hex.
//! - [`TraceContext`]: the immutable context value and the per-thread current-context slot
//!   ([`TraceContext::current`], [`TraceContext::enter`], [`TraceContext::in_scope`]), with user
//!   fields ([`field_scope`], [`TraceContext::with_field`]).
//! - Hand-off: [`TracedFutureExt`] for futures, [`task`] for tokio, [`thread`] for std threads,
//!   [`TraceContext::wrap`] for anything else, [`payload`] for job queues, [`messaging`] for
//!   message brokers (RabbitMQ, NATS, Kafka headers).
//! - [`propagation`]: W3C `traceparent`, `tracestate` and `baggage`, strict parsers, carriers,
//!   [`inject`](propagation::inject) / [`extract`](propagation::extract); `tower` layers for
//!   servers and clients (module `layer`, feature `tower`), a `reqwest-middleware` middleware
//!   (module `middleware`, feature `reqwest`).
//! - [`logger`]: a [`log::Log`] wrapper that stamps every record with the
//!   ids and fields as key-values, and ready-made text and JSON-lines outputs.
//! - [`export`], [`sampling`] and `otel` (feature `opentelemetry`): span lifecycle, head
//!   sampling, and export to an OpenTelemetry SDK tracer provider or over OTLP.
//!
//! # Semantics
//!
//! - `#[traced]`: if no trace is current, start one (new trace-id, sampled, no span); log entry at
//!   INFO; run the body. The caller's context is restored on return, on `?`, and on panic.
//! - `#[traced(span)]`: additionally open a child span: a fresh span-id, whose parent-id is the
//!   caller's span-id.
//! - `async fn`: the context is derived when the function's future is first polled (where its
//!   caller's context is current) and installed around every poll of the body, so it follows the
//!   task across worker threads and never leaks into other tasks.
//! - Work handed to other tasks or threads does not inherit by magic: use the hand-off helpers,
//!   which capture the context where the work is created.
//! - Bad external input (a malformed header, oversized baggage, a garbled job payload) never
//!   panics and never poisons the current context: it is rejected with a typed error, and the
//!   caller starts a fresh trace, as W3C Trace Context asks.
//!
//! # Attribute options
//!
//! `#[traced(...)]` takes options, each combinable with `span`: `root` (a new trace even inside
//! one), `level = "debug"`, `target = "..."`, `name = "..."` for the entry line,
//! `fields(key = expr, ..)` (user fields for the call's duration), `args` / `skip(a, b)` /
//! `skip_all` (arguments' `Debug` values on the entry line, off by default), `exit` (elapsed
//! microseconds), `ret` (return value), `err` (an `Err` at ERROR) and `crate = "path"`.
//!
//! ```
//! use traced_runtime::traced;
//!
//! #[traced(span, level = "debug", fields(job_id = id), args, exit, err)]
//! fn run_job(id: u64) -> Result<(), std::io::Error> {
//!     log::info!("running"); // carries trace_id, span_id and job_id
//!     Ok(())
//! }
//! # run_job(7).unwrap();
//! ```
//!
//! The [attribute's documentation](macro@traced) describes each option with an example, the
//! function shapes it accepts (async fns, `-> impl Future`, `#[async_trait]`), its order with
//! `#[tokio::main]`, and what an expansion looks like.
//!
//! # Cost
//!
//! A `#[traced(span)]` call inside a trace with its entry level disabled reads one thread-local,
//! draws one random span-id, and restores two ids on return: about 4 ns over a plain call on
//! the benchmark machine, and no heap allocation (see `BENCHMARKS.md`). A record logged outside
//! any context costs the [`TracedLogger`](crate::logger::TracedLogger) one thread-local read.
//!
//! # Module names
//!
//! No module is named after a crate users depend on beside this one: `use traced_runtime::*;`
//! next to `log::info!`, `use tracing::*;` or `tower::ServiceBuilder` compiles (a glob-imported
//! module named like a crate would make that name ambiguous, `E0659`). The integrations live in
//! [`logger`] (the `log` facade), `subscriber` (`tracing`), `layer` (`tower`) and `middleware`
//! (`reqwest-middleware`).
//!
//! # Features
//!
//! `enable` (default: instrumentation; without it `#[traced]` compiles down to the plain
//! function), `tokio` (default), `env_logger` (default), `serde`, `http`, `tower`, `reqwest`,
//! `opentelemetry`, `otlp`, `otlp-grpc`, `tracing` (module `subscriber`: `tracing`
//! events in traced's output, or the ids in `tracing-subscriber`'s), `lapin`, `async-nats`,
//! `rdkafka` (module [`messaging`]: message headers as carriers, PRODUCER and CONSUMER spans).
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

pub mod channel;
mod context;
pub mod export;
mod fields;
mod future;
mod header;
pub mod id;
#[cfg(feature = "tower")]
pub mod layer;
pub mod logger;
pub mod messaging;
#[cfg(feature = "reqwest")]
pub mod middleware;
#[cfg(feature = "opentelemetry")]
pub mod otel;
mod output;
mod own_lines;
pub mod payload;
pub mod propagation;
pub mod sampling;
#[cfg(feature = "env_logger")]
mod setup;
#[cfg(feature = "tracing")]
pub mod subscriber;
#[cfg(feature = "tokio")]
pub mod task;
pub mod thread;

#[doc(hidden)]
pub mod __private;

pub use context::{
    TraceContext, TraceContextGuard, current_span_id, current_trace_id, field_scope,
};
pub use fields::Fields;
pub use future::{InContext, TracedFutureExt};
pub use id::{ParseIdError, SpanId, TraceFlags, TraceId};

// The attribute's documentation lives here, with the runtime its examples run against (the
// macro crate has no dev-dependency on this one: that cycle stopped `cargo package`).
#[doc = include_str!("traced.md")]
pub use traced_macros::traced;
