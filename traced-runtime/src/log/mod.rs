//! Integration with the [`log`](https://docs.rs/log) facade.
//!
//! [`TracedLogger`] wraps any [`log::Log`] and stamps every record logged while a
//! context is current with the key-values `trace_id` (32 lowercase hex characters), `span_id`
//! (16), `parent_span_id` (16, each of the two only when present) and the context's user fields,
//! followed by the record's own key-values. A kv-aware back end (env_logger with its `kv`
//! feature, log4rs with `log_kv`, structured loggers) can show them; one that ignores key-values
//! (fern, log4rs's default pattern) shows none of them: for those, [`ids`] is a value that
//! displays the ids (see [Back ends](#back-ends)).
//!
//! A record logged outside any context is passed through untouched (unless it carries a key-value
//! with a reserved name, see below): the whole overhead is one thread-local read.
//!
//! # Ready-made outputs
//!
//! With the `env_logger` feature (on by default), [`init`] installs a logger built on
//! [env_logger](https://docs.rs/env_logger) whose level filter comes from `RUST_LOG` (default
//! `info`), whose format comes from `TRACED_LOG_FORMAT` and whose timestamps from
//! `TRACED_LOG_TIMESTAMP`:
//!
//! - `text` (default): `TIMESTAMP [trace_id] [span_id] LEVEL target: message key=value ...`,
//!   with `-` for a missing id; `TIMESTAMP` is RFC 3339 in UTC with microseconds, as JSON's:
//!   ```text
//!   2026-11-23T19:26:44.123456Z [4bf92f3577b34da6a3ce929d0e0e4736] [00f067aa0ba902b7] INFO my_app::api: charged account_id=account-456
//!   ```
//! - `json`: one JSON object per line with `timestamp` (RFC 3339,
//!   UTC, microseconds), `severity`, `target`, `message`, `trace_id`, `span_id`, `parent_span_id`,
//!   the user fields and the record's own key-values. With a Google Cloud project set
//!   ([`Builder::google_cloud_project`] or `TRACED_GCP_PROJECT`), also Cloud Logging's
//!   `logging.googleapis.com/trace`, `.../spanId` and `.../trace_sampled`.
//!
//! `TRACED_LOG_TIMESTAMP=off` (or [`Builder::timestamp`]`(false)`) leaves the timestamp out of
//! both formats, for platforms that stamp lines themselves (journald, most container runtimes)
//! and for output compared in tests; `on` is the default.
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
//!
//! # Reserved keys
//!
//! Logs are evidence: whoever filters by `trace_id` must get the context's id, never a value
//! that came from outside. So traced writes each of these keys at most once per line, itself,
//! from the current context or the record's metadata:
//!
//! - everywhere: `trace_id`, `span_id`, `parent_span_id` and `trace_flags` (the last is
//!   reserved for the context but not written today);
//! - in JSON lines, also `timestamp`, `severity`, `target`, `message` and every key starting with
//!   `logging.googleapis.com/`; with a Google Cloud project set, also Cloud Logging's other
//!   [special keys](https://cloud.google.com/logging/docs/structured-logging#special-payload-fields)
//!   `time`, `timestampSeconds`, `timestampNanos` and `httpRequest`.
//!
//! A user's key of one of these names, whether a context field
//! ([`TraceContext::with_field`](crate::TraceContext::with_field), `#[traced(fields(..))]`, a
//! job payload's `fields`), a record key-value (`log::info!(trace_id = ..; ..)`), a `tracing`
//! field or one derived from baggage, is kept, under the name [`USER_KEY_PREFIX`]` + key`: a
//! field `trace_id` is written as `user.trace_id`, a key-value `severity` as `user.severity`. It
//! can neither replace nor duplicate the real key. [`TracedLogger`] applies the rule to the
//! context keys for every back end, inside a context and outside one (where a record's own
//! `trace_id` is data like any other, never an id); the ready-made formats apply it to their own
//! keys as well, and so does the tracing-subscriber stamp (`crate::tracing::TracedFormat`, whose
//! JSON lines reserve tracing-subscriber's keys `timestamp`, `level`, `fields`, `target`, ...).
//! traced itself writes no key that starts with `user.`.
//!
//! No line holds a key twice, and no user value is dropped: when the name a user key gets is
//! already on the line (a context field and a record key-value of one name, a field `trace_id`
//! next to a key-value `user.trace_id`, a key-value repeated), the later one is written as
//! `NAME#2`, the next as `NAME#3`, and so on: the lowest count not on the line yet. Context
//! fields come first, then the record's key-values, so the field keeps the plain name:
//!
//! ```text
//! field trace_id=a, key-value trace_id=b, key-value account=c, key-value account=d
//! -> "user.trace_id":"a","user.trace_id#2":"b","account":"c","account#2":"d"
//! ```
//!
//! One rule (`output/keys.rs`) serves every format, text included.
//!
//! # Escaping
//!
//! A line is exactly one line, whatever the values, and reads back to exactly its record. In
//! text, every column is escaped: a target, key or value is written bare when it is not empty and
//! holds no whitespace, `"`, `\`, `=` or character that may not appear raw (control characters
//! such as CR, LF, ESC and DEL, U+2028/U+2029, bidirectional-text controls); a message is written
//! bare when it holds none of these but the space. Anything else is written as a double-quoted
//! Rust string literal (`"a\nb"`, `"\u{1b}[31m"`), so it can neither start a new line nor forge
//! a column nor pass for a key-value (`log::info!("{input}")` with `input = "ok user=admin"`
//! prints `"ok user=admin"`). The id columns are hex from the context. In JSON, serde_json
//! escapes every string, and traced also writes the characters above as `\uXXXX` escapes, so
//! that a JSON line holds no raw control character either.

#[cfg(feature = "env_logger")]
mod builder;
mod ids;
#[cfg(feature = "env_logger")]
mod json;
#[cfg(feature = "env_logger")]
mod line;
mod message;
mod stamp;
#[cfg(feature = "env_logger")]
mod text;

use ::log::kv::{self, Key, Source, Value, VisitSource};
use ::log::{Log, Metadata, Record};

use crate::context::{TraceContext, with_current};
use crate::id::{SpanId, TraceId};
use crate::output::keys as reserved;

#[cfg(feature = "env_logger")]
pub use builder::{Builder, Format, ParseFormatError, init, try_init};
pub use ids::{Ids, ids};
pub use message::{set_values_in_message, values_in_message};

pub use crate::output::keys::{
    PARENT_SPAN_ID_KEY, SPAN_ID_KEY, TRACE_FLAGS_KEY, TRACE_ID_KEY, USER_KEY_PREFIX,
};

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
        if stamp::stamped().is_some() {
            // An outer `TracedLogger` stamped this record already.
            self.inner.log(record);
            return;
        }
        with_current(|ctx| match ctx {
            None => {
                let own = record.key_values();
                if own.count() == 0 {
                    self.inner.log(record);
                } else {
                    let own = Own(own);
                    self.inner
                        .log(&record.to_builder().key_values(&own).build());
                }
            }
            Some(ctx) => {
                let stamped = Stamped::new(ctx, record.key_values());
                let _stamping = stamp::stamping(stamp::Stamp::of(ctx));
                self.inner
                    .log(&record.to_builder().key_values(&stamped).build());
            }
        });
    }

    fn flush(&self) {
        self.inner.flush();
    }
}

/// The context's key-values, then its user fields, then the record's own key-values; user keys
/// with a reserved name renamed (see [Reserved keys](crate::log#reserved-keys)).
struct Stamped<'a> {
    trace_id: TraceId,
    span_id: Option<SpanId>,
    parent_span_id: Option<SpanId>,
    ctx: &'a TraceContext,
    own: Own<'a>,
}

impl<'a> Stamped<'a> {
    fn new(ctx: &'a TraceContext, own: &'a dyn Source) -> Self {
        Self {
            trace_id: ctx.trace_id(),
            span_id: ctx.span_id(),
            parent_span_id: ctx.parent_span_id(),
            ctx,
            own: Own(own),
        }
    }
}

/// A user key as written: renamed when it is a reserved context key.
#[inline]
fn user_key(key: &str) -> Key<'_> {
    Key::from_str(reserved::renamed_context_key(key).unwrap_or(key))
}

impl Source for Stamped<'_> {
    fn visit<'kvs>(&'kvs self, visitor: &mut dyn VisitSource<'kvs>) -> Result<(), kv::Error> {
        // Formatted lazily: the ready-made formats take the ids from the stamp instead.
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
            visitor.visit_pair(user_key(key), Value::from(value))?;
        }
        self.own.visit(visitor)
    }

    /// Same answer as visiting in order, without the visit.
    fn get(&self, key: Key<'_>) -> Option<Value<'_>> {
        let key = key.as_str();
        match key {
            TRACE_ID_KEY => return Some(Value::from_display(&self.trace_id)),
            SPAN_ID_KEY => return self.span_id.as_ref().map(Value::from_display),
            PARENT_SPAN_ID_KEY => return self.parent_span_id.as_ref().map(Value::from_display),
            TRACE_FLAGS_KEY => return None,
            _ => {}
        }
        // `user.trace_id` is a field or key-value named `trace_id` (or one named so).
        let fields = self.ctx.fields();
        let field = reserved::original_context_key(key).and_then(|original| fields.get(original));
        match field.or_else(|| fields.get(key)) {
            Some(value) => Some(Value::from(value)),
            None => self.own.get(Key::from_str(key)),
        }
    }

    fn count(&self) -> usize {
        1 + usize::from(self.span_id.is_some())
            + usize::from(self.parent_span_id.is_some())
            + self.ctx.fields().len()
            + self.own.count()
    }
}

/// A record's own key-values, reserved context keys renamed.
struct Own<'a>(&'a dyn Source);

impl Source for Own<'_> {
    fn visit<'kvs>(&'kvs self, visitor: &mut dyn VisitSource<'kvs>) -> Result<(), kv::Error> {
        struct Renaming<'v, 'kvs>(&'v mut dyn VisitSource<'kvs>);
        impl<'kvs> VisitSource<'kvs> for Renaming<'_, 'kvs> {
            fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), kv::Error> {
                match reserved::renamed_context_key(key.as_str()) {
                    Some(renamed) => self.0.visit_pair(Key::from_str(renamed), value),
                    None => self.0.visit_pair(key, value),
                }
            }
        }
        self.0.visit(&mut Renaming(visitor))
    }

    fn get(&self, key: Key<'_>) -> Option<Value<'_>> {
        let key = key.as_str();
        if reserved::is_context_key(key) {
            return None;
        }
        match reserved::original_context_key(key) {
            Some(original) => self
                .0
                .get(Key::from_str(original))
                .or_else(|| self.0.get(Key::from_str(key))),
            None => self.0.get(Key::from_str(key)),
        }
    }

    fn count(&self) -> usize {
        self.0.count()
    }
}
