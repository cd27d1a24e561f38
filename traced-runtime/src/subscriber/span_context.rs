//! The trace context of a `tracing` span: the one current when the span was created, kept in
//! the span's extensions (as tracing-opentelemetry keeps its data), and read back for an event
//! inside the span when no context is current where the event happens.
//!
//! Libraries hand work to tasks of their own that run outside any request: tower's `Buffer`
//! (under every tonic `Channel`) processes each call on a worker task spawned when the channel
//! was built; hyper's and h2's connection tasks write a request's frames. They carry the
//! caller's `tracing` span across (tower's worker enters it for each message, h2's connection
//! span is a child of the span that opened the connection), but not traced's context, which
//! lives in a per-thread slot. With the span remembering the context, their events inside it
//! carry the request's ids.
//!
//! A context current at the event wins: the span's is the fallback when there is none.

use ::tracing::span::{Attributes, Id};
use ::tracing::{Dispatch, Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::{LookupSpan, SpanRef};

use crate::context::TraceContext;
use crate::output::installed;

/// The trace context current when a span was created, in the span's extensions.
struct Remembered(TraceContext);

/// Stores the current trace context, if any, in `span`'s extensions. Outside any trace: one
/// thread-local read; inside: one clone of the context and one insertion (a heap allocation in
/// the registry's extension map).
pub(crate) fn remember<S>(span: &SpanRef<'_, S>)
where
    S: for<'a> LookupSpan<'a>,
{
    if let Some(ctx) = TraceContext::current() {
        span.extensions_mut().insert(Remembered(ctx));
    }
}

/// The context remembered by the innermost span of `scope` (innermost first) that has one.
pub(crate) fn of_scope<'a, S>(scope: impl Iterator<Item = SpanRef<'a, S>>) -> Option<TraceContext>
where
    S: LookupSpan<'a> + 'a,
{
    for span in scope {
        if let Some(Remembered(ctx)) = span.extensions().get::<Remembered>() {
            return Some(ctx.clone());
        }
    }
    None
}

/// The context of `event` for a line: `None` when a context is current (the line stamps that
/// one, as ever) or when no span around the event remembers one.
pub(crate) fn of_event<S>(event: &Event<'_>, ctx: &Context<'_, S>) -> Option<TraceContext>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    if crate::context::with_current_trace(|current| current.is_some()) {
        return None;
    }
    of_scope(ctx.event_scope(event)?)
}

/// A [`Layer`] that makes every `tracing` span remember the trace context current when it was
/// created, so that traced's event formats ([`text`](super::text), [`json`](super::json)) and
/// [`LogLayer`](super::LogLayer) stamp an event inside the span with that context's ids when no
/// context is current where the event happens: on tower's buffer worker, on hyper's and h2's
/// connection tasks, on a library's own spawned futures.
///
/// [`LogLayer`](super::LogLayer) (and so [`logger::init`](crate::logger::init)) remembers the contexts itself. With
/// tracing-subscriber as the output, add this layer next to the format:
///
/// ```no_run
/// use tracing_subscriber::layer::SubscriberExt as _;
/// use tracing_subscriber::util::SubscriberInitExt as _;
///
/// tracing_subscriber::fmt()
///     .event_format(traced_runtime::subscriber::text())
///     .finish()
///     .with(traced_runtime::subscriber::SpanContextLayer::new())
///     .init();
/// ```
///
/// Once the subscriber holding it is installed, traced's own lines reach `tracing` as events
/// with their key-values as fields (see [`subscriber`](super#traceds-own-lines)).
///
/// Cost: creating a span inside a trace clones the context into the span's extensions; an
/// event with no context current walks its spans (innermost first) until one remembers a
/// context. Both are measured in `benches/benches/span_context.rs` (numbers in
/// BENCHMARKS.md).
#[derive(Clone, Copy, Debug, Default)]
pub struct SpanContextLayer {
    _private: (),
}

impl SpanContextLayer {
    /// The layer.
    #[must_use]
    pub const fn new() -> Self {
        Self { _private: () }
    }
}

impl<S> Layer<S> for SpanContextLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_register_dispatch(&self, _subscriber: &Dispatch) {
        installed::set_subscriber();
    }

    fn on_new_span(&self, _attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            remember(&span);
        }
    }
}
