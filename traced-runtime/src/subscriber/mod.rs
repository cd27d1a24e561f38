//! Interop with [`tracing`](https://docs.rs/tracing) (feature `tracing`): the ids on every
//! `tracing` event, whichever of the two outputs a service uses.
//!
//! Most libraries under a service (tower-http, hyper-util, h2, tonic, sqlx) emit `tracing`
//! events, not `log` records. There are two ways to set a service up; pick one.
//!
//! # traced's output first
//!
//! With this feature, [`logger::init`](crate::logger::init) (and [`try_init`](crate::logger::try_init),
//! [`Builder::try_init`](crate::logger::Builder::try_init)) installs traced's logger as the `log`
//! logger and, when no global `tracing` subscriber is installed yet, a subscriber that hands
//! every `tracing` event to it ([`LogLayer`]). No other line is needed:
//!
//! ```
//! traced_runtime::logger::init();
//! tracing::info!(status = 200, "finished"); // [-] [-] INFO <module>: finished status=200
//! ```
//!
//! The event keeps its level and target; its fields are the record's key-values (`key=value` in
//! text, keys in JSON, numbers and booleans typed), followed by the fields of its enclosing spans
//! (tower-http's `request{method=GET uri=/ version=HTTP/1.1}` gives `method=GET uri=/
//! version=HTTP/1.1`); traced then stamps the current trace context as on any record. This
//! does not depend on `tracing`'s `log` feature: with a global subscriber installed, `tracing`
//! writes to it and not to `log`, so no event is printed twice. Events are filtered by
//! `RUST_LOG` like the `log` records.
//!
//! # tracing-subscriber first
//!
//! Keep `tracing_subscriber::fmt()` as the output and give it traced's event format, [`text`] or
//! [`json`], which adds `trace_id`, `span_id`, `parent_span_id` and the user fields to every line:
//!
//! ```no_run
//! tracing_subscriber::fmt()
//!     .event_format(traced_runtime::subscriber::text())
//!     .init();
//! ```
//!
//! ```no_run
//! tracing_subscriber::fmt()
//!     .json()
//!     .event_format(traced_runtime::subscriber::json())
//!     .init();
//! ```
//!
//! tracing-subscriber's `init()` also installs tracing-log's `LogTracer` (its `tracing-log`
//! feature, on by default), so `log` records become events and get the ids as well.
//!
//! ## traced's own lines
//!
//! `LogTracer` keeps a record's message and drops its key-values. traced's own lines do not go
//! through it: once a tracing-subscriber output has been given [`text`], [`json`] (or
//! [`TracedFormat::text_with`] / [`json_with`](TracedFormat::json_with)) or
//! [`SpanContextLayer`], and traced's logger is not installed, the access line of
//! `layer::ServerLayer` and the entry, exit and error lines of `#[traced]` are
//! `tracing` events whose fields are their key-values: `method`, `route` or `path`, `status`,
//! `latency_ms`, `grpc_status`; the arguments, `return`, `error`, `elapsed_us`. Numbers and
//! booleans stay typed (`"status":200`, `"latency_ms":0.95` in JSON), and the message text holds
//! no copy of the values ([`logger::set_values_in_message`](crate::logger::set_values_in_message)
//! can put them back). The event keeps the line's level, target, file and line, so
//! `RUST_LOG`-style filters (`EnvFilter`) select them as before.
//!
//! ```
//! use tracing_subscriber::util::SubscriberInitExt as _;
//!
//! tracing_subscriber::fmt()
//!     .json()
//!     .event_format(traced_runtime::subscriber::json())
//!     .finish()
//!     .init();
//!
//! #[traced_runtime::traced(args)]
//! fn charge(account: &str, cents: u64) {}
//!
//! charge("acct-42", 1250);
//! // {"timestamp":"…","level":"INFO","fields":{"message":"enter charge","account":"\"acct-42\"",
//! //  "cents":"1250"},"target":"rust_out","trace_id":"…"}
//! ```
//!
//! Each new shape of line (level, target, file, line and key names) makes one `tracing`
//! callsite, which lives as long as the program: a few per `#[traced]` function and per
//! access-log target.
//!
//! # Both installed
//!
//! The first one installed wins; nothing is printed twice and traced does not panic:
//!
//! - tracing-subscriber's `init()` first, then [`logger::init`](crate::logger::init): the `log`
//!   logger is already `LogTracer`, so traced's is not installed; `logger::init` says so once on
//!   stderr, and every line keeps going to tracing-subscriber ([`try_init`](crate::logger::try_init)
//!   returns the error instead).
//! - `logger::init` first, then a `tracing` subscriber: tracing-subscriber's `init()` panics
//!   (that is its contract when a `log` logger or a global subscriber exists); its `try_init()`
//!   returns the error and every line keeps going to traced's output.
//! - A `tracing` subscriber set with `tracing::subscriber::set_global_default` (no `LogTracer`)
//!   first, then `logger::init`: `log` records go to traced's output, `tracing` events to that
//!   subscriber, and traced's logger writes one WARN line saying so.

mod bridge;
mod callsites;
mod fields;
mod format;
mod from_log;
#[cfg(feature = "env_logger")]
mod install;
mod span_context;

pub use bridge::LogLayer;
pub use format::{TracedFormat, json, text};
pub use span_context::SpanContextLayer;

pub(crate) use from_log::dispatch as dispatch_record;

#[cfg(feature = "env_logger")]
pub(crate) use install::install;
