//! Each format between a carrier and a [`TraceContext`]: which fields it reads and writes, and
//! how its values map onto the context (ids, sampled flag, origin, the fields log lines use).
//!
//! Sampling a format leaves to the receiver (B3 without a sampling state, X-Ray `Sampled=?` or
//! none, `X-Cloud-Trace-Context` without `;o=`) is decided by this service's head sampler
//! ([`crate::sampling`]), as for a trace started here.

use super::w3c;
use super::{ExtractError, Extractor, Injector};
use crate::context::TraceContext;
use crate::header::{
    B3, B3_HEADER, B3MultiValues, B3Sampling, CLOUD_TRACE_HEADER, CLOUD_TRACE_SPAN_FIELD,
    CloudTraceContext, Format, JAEGER_HEADER, ParseXRayError, UberTraceId, X_B3_FLAGS,
    X_B3_PARENT_SPAN_ID, X_B3_SAMPLED, X_B3_SPAN_ID, X_B3_TRACE_ID, XRAY_HEADER,
    XRAY_TRACE_ID_FIELD, XRayHeader, XRaySampled, XRayTraceId, add_uberctx, uberctx_headers,
};
use crate::id::{SpanId, TraceFlags, TraceId};

/// What one format found in a carrier.
pub(super) enum Found {
    /// A remote context.
    Context(TraceContext),
    /// A sampling decision without identifiers (B3 `b3: 0`, `X-B3-Sampled: 0` alone).
    Decision(bool),
}

/// Reads `format` from `carrier`: `Ok(None)` when none of its fields is there.
pub(super) fn extract(
    format: Format,
    carrier: &impl Extractor,
) -> Result<Option<Found>, ExtractError> {
    match format {
        Format::TraceContext => Ok(w3c::extract_trace_context(carrier)?.map(Found::Context)),
        // Baggage rides on whatever context is found (see `Propagators::extract`).
        Format::Baggage => Ok(None),
        Format::B3 | Format::B3Multi => extract_b3(carrier),
        Format::Jaeger => first(carrier, JAEGER_HEADER)
            .map(|value| {
                let id = UberTraceId::parse(value).map_err(ExtractError::Jaeger)?;
                Ok(Found::Context(
                    TraceContext::new(id.trace_id(), Some(id.span_id()), flags(id.is_sampled()))
                        .with_origin(Some(Format::Jaeger)),
                ))
            })
            .transpose(),
        Format::XRay => extract_xray(carrier),
        Format::CloudTrace => first(carrier, CLOUD_TRACE_HEADER)
            .map(|value| {
                let gcp = CloudTraceContext::parse(value).map_err(ExtractError::CloudTrace)?;
                let ctx = TraceContext::new(
                    gcp.trace_id(),
                    Some(gcp.span_id()),
                    decided(gcp.trace_id(), gcp.sampled()),
                );
                Ok(Found::Context(
                    ctx.with_origin(Some(Format::CloudTrace))
                        .with_field(CLOUD_TRACE_SPAN_FIELD, gcp.span_id().to_string()),
                ))
            })
            .transpose(),
    }
}

/// Writes `format` for `ctx`, whose span on the wire is `span_id`.
pub(super) fn inject(
    format: Format,
    ctx: &TraceContext,
    span_id: SpanId,
    carrier: &mut impl Injector,
) {
    // The parent of the span on the wire, when it is the context's own span.
    let parent = ctx
        .parent_span_id()
        .filter(|_| ctx.span_id() == Some(span_id));
    let sampled = ctx.is_sampled();
    let b3 = || B3::Context {
        trace_id: ctx.trace_id(),
        span_id,
        sampling: Some(if sampled {
            B3Sampling::Accept
        } else {
            B3Sampling::Deny
        }),
        parent_span_id: parent,
    };
    match format {
        Format::TraceContext => w3c::inject_trace_context(ctx, span_id, carrier),
        Format::Baggage => w3c::inject_baggage(ctx, carrier),
        Format::B3 => carrier.set(B3_HEADER, b3().to_string()),
        Format::B3Multi => {
            for (name, value) in b3().to_multi() {
                carrier.set(name, value);
            }
        }
        Format::Jaeger => {
            let flags = if sampled { UberTraceId::SAMPLED } else { 0 };
            let id = UberTraceId::new(ctx.trace_id(), span_id, parent, flags);
            carrier.set(JAEGER_HEADER, id.to_string());
            for (name, value) in uberctx_headers(ctx.baggage()) {
                carrier.set(&name, value);
            }
        }
        Format::XRay => {
            let sampled = if sampled {
                XRaySampled::Yes
            } else {
                XRaySampled::No
            };
            let header = XRayHeader::new(ctx.trace_id(), Some(span_id), Some(sampled));
            carrier.set(XRAY_HEADER, header.to_string());
        }
        Format::CloudTrace => {
            let header = CloudTraceContext::new(ctx.trace_id(), span_id, Some(sampled));
            carrier.set(CLOUD_TRACE_HEADER, header.to_string());
        }
    }
}

/// The carrier's `uberctx-*` fields added to `ctx`'s baggage.
pub(super) fn with_uberctx(ctx: TraceContext, carrier: &impl Extractor) -> TraceContext {
    let mut baggage = ctx.baggage().clone();
    let mut found = false;
    for name in carrier.keys() {
        if name.len() > crate::header::UBERCTX_PREFIX.len()
            && name[..crate::header::UBERCTX_PREFIX.len()]
                .eq_ignore_ascii_case(crate::header::UBERCTX_PREFIX)
        {
            if let Some(value) = first(carrier, name) {
                baggage = add_uberctx(&baggage, name, value);
                found = true;
            }
        }
    }
    if found {
        ctx.with_baggage(baggage)
    } else {
        ctx
    }
}

fn first<'a>(carrier: &'a impl Extractor, name: &'a str) -> Option<&'a [u8]> {
    carrier.get_all(name).next()
}

const fn flags(sampled: bool) -> TraceFlags {
    TraceFlags::NONE.with_sampled(sampled)
}

/// The caller's decision, or this service's head sampler's when the caller deferred.
fn decided(trace_id: TraceId, sampled: Option<bool>) -> TraceFlags {
    flags(sampled.unwrap_or_else(|| crate::sampling::sample_root(trace_id)))
}

/// B3: the single header takes precedence over the multiple ones ("The single-header variant
/// takes precedence over the multiple header one when extracting fields").
fn extract_b3(carrier: &impl Extractor) -> Result<Option<Found>, ExtractError> {
    let (b3, origin) = match first(carrier, B3_HEADER) {
        Some(value) => (B3::parse(value), Format::B3),
        None => {
            let values = B3MultiValues {
                trace_id: first(carrier, X_B3_TRACE_ID),
                span_id: first(carrier, X_B3_SPAN_ID),
                parent_span_id: first(carrier, X_B3_PARENT_SPAN_ID),
                sampled: first(carrier, X_B3_SAMPLED),
                flags: first(carrier, X_B3_FLAGS),
            };
            if values == B3MultiValues::default() {
                return Ok(None);
            }
            (B3::from_multi(values), Format::B3Multi)
        }
    };
    Ok(Some(match b3.map_err(ExtractError::B3)? {
        B3::SamplingOnly(sampling) => Found::Decision(sampling.is_sampled()),
        B3::Context {
            trace_id,
            span_id,
            sampling,
            ..
        } => Found::Context(
            TraceContext::new(
                trace_id,
                Some(span_id),
                decided(trace_id, sampling.map(B3Sampling::is_sampled)),
            )
            .with_origin(Some(origin)),
        ),
    }))
}

/// X-Ray: one header; a `Root` without `Parent` (a load balancer starting the trace) gives a
/// context with no remote span.
fn extract_xray(carrier: &impl Extractor) -> Result<Option<Found>, ExtractError> {
    let mut values = carrier.get_all(XRAY_HEADER);
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let more = values.count();
    if more > 0 {
        return Err(ExtractError::XRay(ParseXRayError::Duplicate {
            count: more + 1,
        }));
    }
    let header = XRayHeader::parse(value).map_err(ExtractError::XRay)?;
    let trace_id = header.trace_id();
    let ctx = TraceContext::new(
        trace_id,
        header.parent_id(),
        decided(trace_id, header.sampled().and_then(XRaySampled::decision)),
    );
    Ok(Some(Found::Context(
        ctx.with_origin(Some(Format::XRay))
            .with_field(XRAY_TRACE_ID_FIELD, XRayTraceId(trace_id).to_string()),
    )))
}
