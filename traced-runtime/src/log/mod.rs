//! Integration with the [`log`](https://docs.rs/log) facade.
//!
//! [`TracedLogger`] wraps any [`log::Log`] and stamps every record logged while a
//! context is current with the key-values `trace_id` (32 lowercase hex characters), `span_id`
//! (16), `parent_span_id` (16, each of the two only when present) and the context's user fields,
//! followed by the record's own key-values. A back end shows them when its format prints
//! key-values; for one that cannot, [`ids`] is a value that displays the ids (see
//! [Back ends](#back-ends)).
//!
//! A record logged outside any context is passed through untouched: the whole overhead is one
//! thread-local read.
//!
//! # Ready-made outputs
//!
//! With the `env_logger` feature (on by default), [`init`] installs a logger built on
//! [env_logger](https://docs.rs/env_logger) whose level filter comes from `RUST_LOG` (default
//! `info`) and whose format comes from `TRACED_LOG_FORMAT`:
//!
//! - `text` (default): `[trace_id] [span_id] LEVEL target: message key=value ...`, with `-` for a
//!   missing id:
//!   ```text
//!   [4bf92f3577b34da6a3ce929d0e0e4736] [00f067aa0ba902b7] INFO my_app::api: charged account_id=account-456
//!   ```
//! - `json`: one JSON object per line with `timestamp` (RFC 3339,
//!   UTC, microseconds), `severity`, `target`, `message`, `trace_id`, `span_id`, `parent_span_id`,
//!   the user fields and the record's own key-values. With a Google Cloud project set
//!   ([`Builder::google_cloud_project`] or `TRACED_GCP_PROJECT`), also Cloud Logging's
//!   `logging.googleapis.com/trace`, `.../spanId` and `.../trace_sampled`.
//!
//! Values cannot forge log lines: in text, control characters are escaped and values with spaces,
//! quotes or `=` are quoted; in JSON, serde_json escapes every string.
//!
//! [`Builder`] selects the same options in code.
//!
//! # Back ends
//!
//! What each common back end needs to show the ids (each set-up is tried in
//! `tests/tests/log_backends.rs`). A `log` logger is global: wrap the back end's logger before
//! installing it with `log::set_boxed_logger` and `log::set_max_level`.
//!
//! - env_logger, with its `kv` feature: its default format appends the key-values, so wrap it:
//!   `TracedLogger::new(env_logger::Builder::from_default_env().build())` gives
//!   `[… INFO shop] charged trace_id=… span_id=…`. Or use [`init`], built on env_logger.
//! - fern (no key-values): put [`ids`] in the format:
//!   `.format(|out, message, record| out.finish(format_args!("{} {} {}: {}",
//!   traced_runtime::log::ids(), record.level(), record.target(), message)))`.
//! - log4rs, with its `log_kv` feature: wrap `log4rs::Logger::new(config)` in [`TracedLogger`]
//!   and name the keys in the pattern: `[{K(trace_id)(-)}] [{K(span_id)(-)}] {l} {t}: {m}{n}`.
//!   Without `log_kv` (a default pattern), an `Encode` that writes
//!   `write!(w, "{} ", traced_runtime::log::ids())?` before delegating to a `PatternEncoder`.
//! - flexi_logger: a format function that writes [`ids`]:
//!   `write!(w, "{} {} {}: {}", traced_runtime::log::ids(), record.level(), record.target(),
//!   record.args())`.
//! - `tracing-subscriber` (through tracing-log's `LogTracer`): the event format
//!   `traced_runtime::tracing::text()` or `json()` (feature `tracing`, see `crate::tracing`).
//!
//! A back end that shows no key-values still shows the values of `#[traced(err)]`, `ret`,
//! `args` and `exit`: they are in the message text too (`exit with_err error=disk full`), except
//! under traced's own logger, which prints them as key-values ([`set_values_in_message`]).

#[cfg(feature = "env_logger")]
mod builder;
mod ids;
#[cfg(feature = "env_logger")]
mod json;
mod message;
#[cfg(feature = "env_logger")]
mod text;

use ::log::kv::{self, Key, Source, Value, VisitSource};
use ::log::{Log, Metadata, Record};

use crate::context::{TraceContext, with_current};
use crate::id::{SpanId, TraceId};

#[cfg(feature = "env_logger")]
pub use builder::{Builder, Format, ParseFormatError, init, try_init};
pub use ids::{Ids, ids};
pub use message::{set_values_in_message, values_in_message};

/// Key of the trace-id (32 lowercase hex characters) on stamped records.
pub const TRACE_ID_KEY: &str = "trace_id";
/// Key of the span-id (16 lowercase hex characters) on stamped records.
pub const SPAN_ID_KEY: &str = "span_id";
/// Key of the parent span-id (16 lowercase hex characters) on stamped records.
pub const PARENT_SPAN_ID_KEY: &str = "parent_span_id";

/// A [`log::Log`] that adds the current trace context to every record, then forwards
/// it to an inner logger.
///
/// ```
/// use traced_runtime::log::TracedLogger;
///
/// struct Stdout;
/// impl log::Log for Stdout {
///     fn enabled(&self, _: &log::Metadata<'_>) -> bool { true }
///     fn log(&self, record: &log::Record<'_>) {
///         let trace_id = record.key_values().get("trace_id".into());
///         println!("{:?} {}", trace_id.map(|v| v.to_string()), record.args());
///     }
///     fn flush(&self) {}
/// }
///
/// log::set_boxed_logger(Box::new(TracedLogger::new(Stdout)))?;
/// log::set_max_level(log::LevelFilter::Info);
/// # Ok::<(), log::SetLoggerError>(())
/// ```
#[derive(Debug, Default)]
pub struct TracedLogger<L> {
    inner: L,
}

impl<L: Log> TracedLogger<L> {
    /// Wraps `inner`.
    pub const fn new(inner: L) -> Self {
        Self { inner }
    }

    /// The wrapped logger.
    pub fn inner(&self) -> &L {
        &self.inner
    }
}

impl<L: Log> Log for TracedLogger<L> {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.inner.enabled(metadata)
    }

    fn log(&self, record: &Record<'_>) {
        with_current(|ctx| match ctx {
            None => self.inner.log(record),
            Some(ctx) => {
                let stamped = Stamped::new(ctx, record.key_values());
                self.inner
                    .log(&record.to_builder().key_values(&stamped).build());
            }
        });
    }

    fn flush(&self) {
        self.inner.flush();
    }
}

/// The context's key-values followed by the record's own.
struct Stamped<'a> {
    trace_id: TraceId,
    span_id: Option<SpanId>,
    parent_span_id: Option<SpanId>,
    ctx: &'a TraceContext,
    own: &'a dyn Source,
}

impl<'a> Stamped<'a> {
    fn new(ctx: &'a TraceContext, own: &'a dyn Source) -> Self {
        Self {
            trace_id: ctx.trace_id(),
            span_id: ctx.span_id(),
            parent_span_id: ctx.parent_span_id(),
            ctx,
            own,
        }
    }
}

impl Source for Stamped<'_> {
    fn visit<'kvs>(&'kvs self, visitor: &mut dyn VisitSource<'kvs>) -> Result<(), kv::Error> {
        visitor.visit_pair(
            Key::from_str(TRACE_ID_KEY),
            Value::from_display(&self.trace_id),
        )?;
        if let Some(span_id) = &self.span_id {
            visitor.visit_pair(Key::from_str(SPAN_ID_KEY), Value::from_display(span_id))?;
        }
        if let Some(parent) = &self.parent_span_id {
            visitor.visit_pair(
                Key::from_str(PARENT_SPAN_ID_KEY),
                Value::from_display(parent),
            )?;
        }
        for (key, value) in self.ctx.fields().iter() {
            visitor.visit_pair(Key::from_str(key), Value::from(value))?;
        }
        self.own.visit(visitor)
    }

    /// Same answer as visiting in order, without the visit for the id keys (the text format
    /// looks up `trace_id` and `span_id` on every line).
    fn get(&self, key: Key<'_>) -> Option<Value<'_>> {
        let id = match key.as_str() {
            TRACE_ID_KEY => Some(Value::from_display(&self.trace_id)),
            SPAN_ID_KEY => self.span_id.as_ref().map(Value::from_display),
            PARENT_SPAN_ID_KEY => self.parent_span_id.as_ref().map(Value::from_display),
            _ => None,
        };
        id.or_else(|| match self.ctx.fields().get(key.as_str()) {
            Some(value) => Some(Value::from(value)),
            None => self.own.get(key),
        })
    }
}
