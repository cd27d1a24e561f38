//! The W3C formats as members of a propagator set: `traceparent` + `tracestate`
//! ([W3C Trace Context](https://www.w3.org/TR/trace-context/)) and `baggage`
//! ([W3C Baggage](https://www.w3.org/TR/baggage/)).

use super::{
    BAGGAGE_HEADER, ExtractError, Extractor, Injector, TRACEPARENT_HEADER, TRACEPARENT_LEN,
    TRACESTATE_HEADER, TraceParent, TraceState,
};
use crate::context::TraceContext;
use crate::header::Format;
use crate::id::SpanId;

/// Writes `traceparent` (version `00`, parent-id `span_id`) and `tracestate` when the context
/// has one.
pub(super) fn inject_trace_context(
    ctx: &TraceContext,
    span_id: SpanId,
    carrier: &mut impl Injector,
) {
    let tp = TraceParent::new(ctx.trace_id(), span_id, ctx.trace_flags());
    let mut buf = [0u8; TRACEPARENT_LEN];
    carrier.set(TRACEPARENT_HEADER, tp.encode(&mut buf).to_owned());
    if let Some(tracestate) = ctx.tracestate() {
        carrier.set(TRACESTATE_HEADER, tracestate.as_str().to_owned());
    }
}

/// Writes `baggage` when the context has any.
pub(super) fn inject_baggage(ctx: &TraceContext, carrier: &mut impl Injector) {
    if let Some(baggage) = ctx.baggage().to_header() {
        carrier.set(BAGGAGE_HEADER, baggage);
    }
}

/// The three W3C headers, whatever the process-wide set: the form job payloads are written
/// in (see [`crate::payload`]), which their reader expects.
#[cfg(feature = "serde")]
pub(crate) fn inject_w3c(ctx: &TraceContext, carrier: &mut impl Injector) {
    inject_trace_context(ctx, ctx.span_id().unwrap_or_else(SpanId::random), carrier);
    inject_baggage(ctx, carrier);
}

/// Reads `traceparent` and `tracestate` (no baggage).
///
/// `Ok(None)`: no `traceparent` field.
pub(super) fn extract_trace_context(
    carrier: &impl Extractor,
) -> Result<Option<TraceContext>, ExtractError> {
    let mut values = carrier.get_all(TRACEPARENT_HEADER);
    let Some(first) = values.next() else {
        return Ok(None);
    };
    let more = values.count();
    if more > 0 {
        return Err(ExtractError::Duplicate { count: more + 1 });
    }
    let tp = TraceParent::parse(first).map_err(ExtractError::Invalid)?;
    let tracestate = TraceState::parse_joined(carrier.get_all(TRACESTATE_HEADER))
        .ok()
        .flatten();
    Ok(Some(
        TraceContext::new(tp.trace_id(), Some(tp.parent_id()), tp.trace_flags())
            .with_tracestate(tracestate)
            .with_origin(Some(Format::TraceContext)),
    ))
}
