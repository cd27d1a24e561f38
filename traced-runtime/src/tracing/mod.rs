//! Interop with [`tracing`](https://docs.rs/tracing) (feature `tracing`): the ids on every
//! `tracing` event, whichever of the two outputs a service uses.
//!
//! Most libraries under a service (tower-http, hyper-util, h2, tonic, sqlx) emit `tracing`
//! events, not `log` records. There are two ways to set a service up; pick one.
//!
//! # traced's output first
//!
//! With this feature, [`log::init`](crate::log::init) (and [`try_init`](crate::log::try_init),
//! [`Builder::try_init`](crate::log::Builder::try_init)) installs traced's logger as the `log`
//! logger and, when no global `tracing` subscriber is installed yet, a subscriber that hands
//! every `tracing` event to it ([`LogLayer`]). No other line is needed:
//!
//! ```
//! traced_runtime::log::init();
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
//!     .event_format(traced_runtime::tracing::text())
//!     .init();
//! ```
//!
//! ```no_run
//! tracing_subscriber::fmt()
//!     .json()
//!     .event_format(traced_runtime::tracing::json())
//!     .init();
//! ```
//!
//! tracing-subscriber's `init()` also installs tracing-log's `LogTracer` (its `tracing-log`
//! feature, on by default), so `log` records, `#[traced]` lines included, become events and get
//! the ids as well. `LogTracer` drops `log` key-values; `#[traced]` therefore also writes the
//! values of `err`, `ret` and `args` into its message text.
//!
//! # Both installed
//!
//! The first one installed wins; nothing is printed twice and traced does not panic:
//!
//! - tracing-subscriber's `init()` first, then [`log::init`](crate::log::init): the `log`
//!   logger is already `LogTracer`, so traced's is not installed; `log::init` says so once on
//!   stderr, and every line keeps going to tracing-subscriber ([`try_init`](crate::log::try_init)
//!   returns the error instead).
//! - `log::init` first, then a `tracing` subscriber: tracing-subscriber's `init()` panics
//!   (that is its contract when a `log` logger or a global subscriber exists); its `try_init()`
//!   returns the error and every line keeps going to traced's output.
//! - A `tracing` subscriber set with `tracing::subscriber::set_global_default` (no `LogTracer`)
//!   first, then `log::init`: `log` records go to traced's output, `tracing` events to that
//!   subscriber, and traced's logger writes one WARN line saying so.

mod bridge;
mod fields;
mod format;
#[cfg(feature = "env_logger")]
mod install;

pub use bridge::LogLayer;
pub use format::{TracedFormat, json, text};

#[cfg(feature = "env_logger")]
pub(crate) use install::install;
