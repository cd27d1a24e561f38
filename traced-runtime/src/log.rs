//! Integration with the [`log`](https://docs.rs/log) facade.
//!
//! [`TracedLogger`] wraps any [`log::Log`] and stamps every record logged while a context is
//! current with the key-values `trace_id`, `span_id`, `parent_span_id` (each when present) and the
//! context's user fields, followed by the record's own key-values. Any kv-aware back end shows them
//! without code changes. A record logged outside any context is passed through untouched: the
//! overhead is one thread-local read.
//!
//! [`init`] installs a ready-made text logger built on `env_logger` (feature `env_logger`, on by
//! default) that prints
//!
//! ```text
//! [4bf92f3577b34da6a3ce929d0e0e4736] [00f067aa0ba902b7] INFO my_app::api: message key=value
//! ```
//!
//! with `-` in place of a missing id. The level filter comes from `RUST_LOG` (default `info`).

use core::fmt;

use ::log::kv::{self, Key, Source, Value, VisitSource};
use ::log::{Log, Metadata, Record};

use crate::context::{TraceContext, with_current};
use crate::id::{SpanId, TraceId};

/// Key of the trace-id (32 lowercase hex characters) on stamped records.
pub const TRACE_ID_KEY: &str = "trace_id";
/// Key of the span-id (16 lowercase hex characters) on stamped records.
pub const SPAN_ID_KEY: &str = "span_id";
/// Key of the parent span-id (16 lowercase hex characters) on stamped records.
pub const PARENT_SPAN_ID_KEY: &str = "parent_span_id";

/// A [`log::Log`] that adds the current trace context to every record, then forwards it to an
/// inner logger.
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
/// let logger = TracedLogger::new(Stdout);
/// # let _ = &logger;
/// // log::set_boxed_logger(Box::new(logger))?; log::set_max_level(log::LevelFilter::Info);
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
}

/// Writes a key-value's value, or `-` when absent.
struct OrDash<'a>(Option<Value<'a>>);

impl fmt::Display for OrDash<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(value) => fmt::Display::fmt(value, f),
            None => f.write_str("-"),
        }
    }
}

#[cfg(feature = "env_logger")]
mod text {
    use std::io::Write;

    use super::*;

    /// Installs the ready-made text logger and sets the global max level from `RUST_LOG`
    /// (default `info`).
    ///
    /// # Errors
    ///
    /// [`log::SetLoggerError`] when a logger is already installed.
    pub fn try_init() -> Result<(), ::log::SetLoggerError> {
        let logger =
            env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
                .format(format_text)
                .build();
        let max_level = logger.filter();
        ::log::set_boxed_logger(Box::new(TracedLogger::new(logger)))?;
        ::log::set_max_level(max_level);
        Ok(())
    }

    /// Like [`try_init`], but ignores an already installed logger (it stays in place).
    pub fn init() {
        // A second call (or another logger installed first) keeps the existing logger: that is
        // what an application calling `init` twice wants, and it must not panic.
        let _already_installed = try_init();
    }

    /// `[trace_id] [span_id] LEVEL target: message key=value ...`.
    fn format_text(
        buf: &mut env_logger::fmt::Formatter,
        record: &Record<'_>,
    ) -> std::io::Result<()> {
        let kvs = record.key_values();
        write!(
            buf,
            "[{}] [{}] {} {}: {}",
            OrDash(kvs.get(Key::from_str(TRACE_ID_KEY))),
            OrDash(kvs.get(Key::from_str(SPAN_ID_KEY))),
            record.level(),
            record.target(),
            record.args(),
        )?;
        struct Rest<'a, 'b>(
            &'a mut env_logger::fmt::Formatter,
            &'b mut std::io::Result<()>,
        );
        impl<'kvs> VisitSource<'kvs> for Rest<'_, '_> {
            fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), kv::Error> {
                if matches!(
                    key.as_str(),
                    TRACE_ID_KEY | SPAN_ID_KEY | PARENT_SPAN_ID_KEY
                ) {
                    return Ok(());
                }
                if let Err(e) = write!(self.0, " {key}={value}") {
                    *self.1 = Err(e);
                }
                Ok(())
            }
        }
        let mut result = Ok(());
        let _ = kvs.visit(&mut Rest(buf, &mut result));
        result?;
        writeln!(buf)
    }
}

#[cfg(feature = "env_logger")]
pub use text::{init, try_init};
