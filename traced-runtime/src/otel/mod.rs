//! The OpenTelemetry bridge (feature `opentelemetry`): our spans to an OpenTelemetry SDK tracer
//! provider with the same ids, and conversions between [`TraceContext`] and OpenTelemetry's
//! [`SpanContext`] / [`Context`].
//!
//! We do not build a trace store: [`install`] hands every sampled span to an
//! [`SdkTracerProvider`], whose processors batch, retry and export it (OTLP with the `otlp`
//! feature, see [`otlp`]). The exported span carries exactly the trace-id,
//! span-id, parent span-id, trace-flags and tracestate of our context, so the ids in the log
//! lines are the ids in the trace UI; the span's kind becomes its OpenTelemetry
//! [`SpanKind`] (`SERVER` for the server layer, `CLIENT` for outgoing requests, `PRODUCER` /
//! `CONSUMER` for messages sent / received, `INTERNAL` otherwise), its links (a batch's CONSUMER
//! span links to each message's PRODUCER span) the SDK's span links, its HTTP attributes keep their semantic-convention names and types, the user
//! fields become string attributes, and the `log` target becomes `code.namespace`. The
//! instrumentation scope is `traced` with this crate's version.
//!
//! ```
//! use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
//! use traced_runtime::traced;
//!
//! let exporter = InMemorySpanExporter::default();
//! let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
//! traced_runtime::otel::install(&provider)?;
//!
//! #[traced(span)]
//! fn handler() -> traced_runtime::TraceContext {
//!     traced_runtime::TraceContext::current().unwrap()
//! }
//! let ctx = handler();
//!
//! let spans = exporter.get_finished_spans()?;
//! let span = spans.iter().find(|s| s.name == "handler").unwrap();
//! assert_eq!(span.span_context.trace_id().to_bytes(), ctx.trace_id().to_bytes());
//! assert_eq!(span.span_context.span_id().to_bytes(), ctx.span_id().unwrap().to_bytes());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Joining traces of OpenTelemetry-instrumented code
//!
//! - Theirs under ours: pass [`to_otel_context`] of the current context as the parent
//!   (`tracer.start_with_context(name, &cx)`), or attach it for a scope with
//!   `to_otel_context(&ctx).attach()`.
//! - Ours under theirs: [`from_otel_context`] (or [`from_span_context`]) gives the
//!   [`TraceContext`] to enter; `#[traced]` code run inside it nests under their span.

use opentelemetry::trace::{
    SamplingDecision, SamplingResult, SpanBuilder, SpanContext, SpanKind, Status,
    TraceContextExt as _, TraceState as OtelTraceState, Tracer as _,
};
use opentelemetry::{Context, InstrumentationScope, KeyValue};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};

use crate::context::TraceContext;
use crate::export::semconv::CODE_NAMESPACE;
use crate::export::{
    Attribute, AttributeValue, Exporter, FinishedSpan, Kind, Link, SetExporterError, SpanStatus,
    set_exporter,
};
use crate::id::{SpanId, TraceFlags, TraceId};
use crate::propagation::TraceState;

#[cfg(feature = "otlp")]
pub mod otlp;

pub mod logs;

/// Instrumentation scope name of the spans we hand to the SDK (its version is this crate's).
pub const SCOPE_NAME: &str = "traced";

/// Instrumentation scope version of the spans we hand to the SDK: this crate's version.
pub const SCOPE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The instrumentation scope of our spans: [`SCOPE_NAME`] and [`SCOPE_VERSION`].
fn scope() -> InstrumentationScope {
    InstrumentationScope::builder(SCOPE_NAME)
        .with_version(SCOPE_VERSION)
        .build()
}

/// Hands every finished, sampled span to `provider` from now on.
///
/// # Errors
///
/// [`SetExporterError`] when a span exporter is already installed in this process.
pub fn install(provider: &SdkTracerProvider) -> Result<(), SetExporterError> {
    use opentelemetry::trace::TracerProvider as _;
    set_exporter(OtelExporter {
        tracer: provider.tracer_with_scope(scope()),
    })
}

/// An [`Exporter`] that replays our spans into an OpenTelemetry SDK tracer.
struct OtelExporter {
    tracer: SdkTracer,
}

impl Exporter for OtelExporter {
    fn export(&self, span: FinishedSpan) {
        let ctx = &span.context;
        let Some(span_id) = ctx.span_id() else {
            return;
        };
        let trace_state = otel_trace_state(ctx.tracestate());
        // The parent (local or remote, to the SDK it is only ids) decides the trace-id.
        let parent = match ctx.parent_span_id() {
            Some(parent_id) => Context::new().with_remote_span_context(SpanContext::new(
                otel_trace_id(ctx.trace_id()),
                otel_span_id(parent_id),
                otel_flags(ctx.trace_flags()),
                true,
                trace_state.clone(),
            )),
            None => Context::new(),
        };
        let mut attributes: Vec<KeyValue> = ctx
            .fields()
            .iter()
            .map(|(key, value)| KeyValue::new(key.to_owned(), value.to_owned()))
            .collect();
        attributes.extend(span.attributes.into_iter().map(key_value));
        attributes.push(KeyValue::new(CODE_NAMESPACE, span.target));
        let status = match span.status {
            SpanStatus::Unset => Status::Unset,
            SpanStatus::Error { description } => Status::error(description),
        };
        let builder = SpanBuilder {
            trace_id: Some(otel_trace_id(ctx.trace_id())),
            span_id: Some(otel_span_id(span_id)),
            span_kind: Some(otel_kind(span.kind)),
            name: span.name,
            start_time: Some(span.start_time),
            end_time: Some(span.end_time),
            attributes: Some(attributes),
            status,
            links: otel_links(span.links),
            // Our head sampler already decided (the span is sampled, or it would not be here);
            // the SDK's sampler must not drop a span whose ids are already in the logs.
            sampling_result: Some(SamplingResult {
                decision: SamplingDecision::RecordAndSample,
                attributes: Vec::new(),
                trace_state,
            }),
            ..SpanBuilder::default()
        };
        let mut otel_span = self.tracer.build_with_context(builder, &parent);
        opentelemetry::trace::Span::end_with_timestamp(&mut otel_span, span.end_time);
    }
}

fn otel_kind(kind: Kind) -> SpanKind {
    match kind {
        Kind::Server => SpanKind::Server,
        Kind::Client => SpanKind::Client,
        Kind::Producer => SpanKind::Producer,
        Kind::Consumer => SpanKind::Consumer,
        _ => SpanKind::Internal,
    }
}

/// Our links as the SDK's: the linked span's context (remote: it is another span's, possibly
/// another service's) and the link's attributes.
fn otel_links(links: Vec<Link>) -> Option<Vec<opentelemetry::trace::Link>> {
    if links.is_empty() {
        return None;
    }
    Some(
        links
            .into_iter()
            .filter_map(|link| {
                let span_id = link.context.span_id()?;
                let span_context = SpanContext::new(
                    otel_trace_id(link.context.trace_id()),
                    otel_span_id(span_id),
                    otel_flags(link.context.trace_flags()),
                    true,
                    otel_trace_state(link.context.tracestate()),
                );
                let attributes = link.attributes.into_iter().map(key_value).collect();
                Some(opentelemetry::trace::Link::new(span_context, attributes, 0))
            })
            .collect(),
    )
}

fn key_value(attribute: Attribute) -> KeyValue {
    let key = attribute.key;
    match attribute.value {
        AttributeValue::String(value) => KeyValue::new(key, value),
        AttributeValue::I64(value) => KeyValue::new(key, value),
    }
}

fn otel_trace_id(id: TraceId) -> opentelemetry::trace::TraceId {
    opentelemetry::trace::TraceId::from_bytes(id.to_bytes())
}

fn otel_span_id(id: SpanId) -> opentelemetry::trace::SpanId {
    opentelemetry::trace::SpanId::from_bytes(id.to_bytes())
}

fn otel_flags(flags: TraceFlags) -> opentelemetry::trace::TraceFlags {
    opentelemetry::trace::TraceFlags::new(flags.to_emitted().bits())
}

fn otel_trace_state(state: Option<&TraceState>) -> OtelTraceState {
    state
        .and_then(|state| state.as_str().parse().ok())
        .unwrap_or_default()
}

/// The OpenTelemetry [`SpanContext`] of `ctx`'s current span (a fresh span-id when it has none,
/// as for an outgoing request), marked as remote so that spans started under it nest as
/// children.
#[must_use]
pub fn to_span_context(ctx: &TraceContext) -> SpanContext {
    SpanContext::new(
        otel_trace_id(ctx.trace_id()),
        otel_span_id(ctx.span_id().unwrap_or_else(SpanId::random)),
        otel_flags(ctx.trace_flags()),
        true,
        otel_trace_state(ctx.tracestate()),
    )
}

/// An OpenTelemetry [`Context`] whose active span is `ctx`'s current span: the parent to pass
/// to OpenTelemetry-instrumented code so that its spans nest under ours.
#[must_use]
pub fn to_otel_context(ctx: &TraceContext) -> Context {
    Context::new().with_remote_span_context(to_span_context(ctx))
}

/// Our context for an OpenTelemetry span context: same trace-id, the span as ours, same flags
/// and tracestate. `None` for an invalid span context (all-zero ids).
#[must_use]
pub fn from_span_context(span_context: &SpanContext) -> Option<TraceContext> {
    if !span_context.is_valid() {
        return None;
    }
    let trace_id = TraceId::from_bytes(span_context.trace_id().to_bytes())?;
    let span_id = SpanId::from_bytes(span_context.span_id().to_bytes())?;
    let flags = TraceFlags::from_bits(span_context.trace_flags().to_u8());
    let header = span_context.trace_state().header();
    // The SDK validated its tracestate; ours is stricter (W3C's current grammar), so a value it
    // rejects is dropped whole, as W3C asks for invalid tracestate.
    let tracestate = TraceState::parse_joined([header.as_bytes()]).ok().flatten();
    Some(TraceContext::new(trace_id, Some(span_id), flags).with_tracestate(tracestate))
}

/// Our context for the active span of an OpenTelemetry [`Context`] (for example
/// `opentelemetry::Context::current()` inside code instrumented with `tracing-opentelemetry`),
/// or `None` when it has no valid span.
#[must_use]
pub fn from_otel_context(cx: &Context) -> Option<TraceContext> {
    from_span_context(cx.span().span_context())
}
