//! `tracing` events into traced's `log` output: each event becomes a `log::Record` whose
//! key-values are the event's fields, then the fields of its enclosing spans.

use core::cell::Cell;

use ::log::kv::{self, Key, Source, Value, VisitSource};
use ::tracing::span::{Attributes, Id, Record};
use ::tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::fields::{FieldList, Owned};
use crate::output::installed;

thread_local! {
    /// Whether this thread is inside [`LogLayer::on_event`] handing a record to `log`: an event
    /// raised from there (a logger that writes back into `tracing`) is not forwarded again.
    static FORWARDING: Cell<bool> = const { Cell::new(false) };
}

/// A [`Layer`] that writes every `tracing` event to the global `log` logger, as a record with the
/// event's level, target, module path, file and line, its message, and its fields as
/// key-values, followed by the fields of its enclosing spans (innermost first; a name already
/// present is not repeated). traced's logger then stamps the current trace context and prints
/// them: `key=value` in text, JSON keys in JSON.
///
/// [`log::init`](crate::log::init) installs this layer as the process's `tracing` subscriber
/// when none is installed. Add it yourself to a subscriber of your own:
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
///
/// traced_runtime::log::init();
/// let subscriber = tracing_subscriber::registry().with(traced_runtime::tracing::LogLayer::new());
/// tracing::subscriber::with_default(subscriber, || {
///     tracing::info!(user = "ada", "signed in"); // [-] [-] INFO <module>: signed in user=ada
/// });
/// ```
///
/// It forwards only while traced's logger is the global `log` logger (see
/// [`forward_to_any_logger`](Self::forward_to_any_logger)): with another one, such as
/// tracing-log's `LogTracer`, forwarding would print each event twice.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogLayer {
    any_logger: bool,
}

impl LogLayer {
    /// A layer that forwards while traced's logger ([`log::init`](crate::log::init)) is the
    /// global `log` logger.
    #[must_use]
    pub const fn new() -> Self {
        Self { any_logger: false }
    }

    /// Forwards to whatever the global `log` logger is, for example your own back end wrapped
    /// in [`TracedLogger`](crate::log::TracedLogger). Do not use it with tracing-log's
    /// `LogTracer` as the `log` logger: every event would be printed twice.
    #[must_use]
    pub const fn forward_to_any_logger(mut self) -> Self {
        self.any_logger = true;
        self
    }
}

impl<S> Layer<S> for LogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = FieldList::default();
        attrs.record(&mut fields);
        span.extensions_mut().insert(SpanFields(fields));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        match extensions.get_mut::<SpanFields>() {
            Some(SpanFields(fields)) => values.record(fields),
            None => {
                let mut fields = FieldList::default();
                values.record(&mut fields);
                extensions.insert(SpanFields(fields));
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if !(self.any_logger || installed::get()) || FORWARDING.with(Cell::get) {
            return;
        }
        let meta = event.metadata();
        let level = log_level(*meta.level());
        let log_meta = ::log::Metadata::builder()
            .level(level)
            .target(meta.target())
            .build();
        let logger = ::log::logger();
        if level > ::log::max_level() || !logger.enabled(&log_meta) {
            return;
        }

        let mut fields = FieldList::default();
        event.record(&mut fields);
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope {
                let extensions = span.extensions();
                let Some(SpanFields(outer)) = extensions.get::<SpanFields>() else {
                    continue;
                };
                for (key, value) in &outer.pairs {
                    if !fields.contains(key) {
                        fields.pairs.push((key, value.clone()));
                    }
                }
            }
        }

        let message = fields.message.as_deref().unwrap_or_default();
        let kvs = Pairs(&fields.pairs);
        let _forwarding = Forwarding::enter();
        logger.log(
            &::log::Record::builder()
                .metadata(log_meta)
                .args(format_args!("{message}"))
                .module_path_static(meta.module_path())
                .file_static(meta.file())
                .line(meta.line())
                .key_values(&kvs)
                .build(),
        );
    }
}

/// Marks this thread as forwarding until dropped (also on unwind).
struct Forwarding;

impl Forwarding {
    fn enter() -> Self {
        FORWARDING.with(|f| f.set(true));
        Self
    }
}

impl Drop for Forwarding {
    fn drop(&mut self) {
        FORWARDING.with(|f| f.set(false));
    }
}

/// A span's fields, kept in its extensions.
struct SpanFields(FieldList);

/// The copied fields as `log` key-values.
struct Pairs<'a>(&'a [(&'static str, Owned)]);

impl Source for Pairs<'_> {
    fn visit<'kvs>(&'kvs self, visitor: &mut dyn VisitSource<'kvs>) -> Result<(), kv::Error> {
        for (key, value) in self.0 {
            visitor.visit_pair(Key::from_str(key), value.to_value())?;
        }
        Ok(())
    }

    fn get(&self, key: Key<'_>) -> Option<Value<'_>> {
        self.0
            .iter()
            .find(|(k, _)| *k == key.as_str())
            .map(|(_, v)| v.to_value())
    }

    fn count(&self) -> usize {
        self.0.len()
    }
}

/// The `log` level of a `tracing` level (the two have the same five).
pub(super) fn log_level(level: Level) -> ::log::Level {
    match level {
        Level::ERROR => ::log::Level::Error,
        Level::WARN => ::log::Level::Warn,
        Level::INFO => ::log::Level::Info,
        Level::DEBUG => ::log::Level::Debug,
        Level::TRACE => ::log::Level::Trace,
    }
}
