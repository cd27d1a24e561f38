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
//! traced_runtime::log::init();
//! Controller.api1();
//! assert_eq!(traced_runtime::current_trace_id(), None); // the call's trace ended with it
//! ```
//!
//! # The pieces
//!
//! - [`TraceId`], [`SpanId`], [`TraceFlags`]: W3C identifiers, random, lowercase hex.
//! - [`TraceContext`]: the immutable context value, the current-context slot
//!   ([`TraceContext::current`], [`TraceContext::enter`]).
//! - [`FutureExt`]: carry a context through a future's polls.
//! - [`log`](crate::log): a [`log::Log`](::log::Log) wrapper that stamps records, and a ready-made
//!   text logger.
//!
//! # Semantics
//!
//! - `#[traced]`: if no trace is current, start one (new trace-id, sampled, no span); log entry at
//!   INFO; run the body. The caller's context is restored on return, on `?`, and on panic.
//! - `#[traced(span)]`: additionally open a child span: a fresh span-id, whose parent-id is the
//!   caller's span-id.
//! - `async fn`: the context is derived when the function's future is first polled (where its
//!   caller's context is current) and installed around every poll of the body.
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod context;
pub mod export;
mod fields;
mod future;
pub mod id;
pub mod log;
#[cfg(feature = "opentelemetry")]
pub mod otel;
pub mod payload;
pub mod sampling;
pub mod propagation;
#[cfg(feature = "tower")]
pub mod tower;
#[cfg(feature = "tokio")]
pub mod task;
pub mod thread;

#[doc(hidden)]
pub mod __private;

pub use context::{ContextGuard, TraceContext, current_span_id, current_trace_id};
pub use fields::{Fields, field_scope};
pub use future::{FutureExt, WithContext};
pub use id::{ParseIdError, SpanId, TraceFlags, TraceId};

pub use traced_macros::traced;
