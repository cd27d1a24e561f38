//! The end of a traced call's span: its status (an `err` result or a panic) and its export.

use super::Callsite;
use super::span_error;
use crate::context::{SpanScope, TraceContext};
use crate::export::{self, SpanStatus, Started};

/// Exports the span of a sync call: the context of the frame the call opened its span on, not
/// whatever is current (the body may have entered another context and kept the guard).
#[cold]
#[inline(never)]
pub(super) fn finish_scope_span(started: Started, scope: &SpanScope, callsite: &'static Callsite) {
    if let Some(ctx) = scope.context() {
        finish_span(started, &ctx, callsite);
    }
}

/// Exports the span of `callsite` that `ctx` stands in: an error status when the call returned
/// `Err` under `err` or is unwinding from a panic.
#[cold]
#[inline(never)]
pub(super) fn finish_span(started: Started, ctx: &TraceContext, callsite: &'static Callsite) {
    let status = match (span_error::take(), export::status_on_drop()) {
        (_, panicked @ SpanStatus::Error { .. }) => panicked,
        (Some(description), SpanStatus::Unset) => SpanStatus::Error {
            description: description.into(),
        },
        (None, unset) => unset,
    };
    export::finish(started, ctx, callsite.name.into(), callsite.target, status);
}
