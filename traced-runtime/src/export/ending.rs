//! The two ways an HTTP or a gRPC span ends without its protocol's status: an error of the
//! service or the transport, or a bare span status (a call dropped or unwinding).

use std::borrow::Cow;

use super::semconv::ERROR_TYPE;
use super::span::Started;
use super::{Attribute, SpanStatus};
use crate::context::TraceContext;

/// A span being recorded by the HTTP or gRPC layers; each protocol ends it with its own status
/// (`end_with_status`) and shares these endings.
pub(crate) trait EndSpan: Sized {
    /// The started record, taken: `None` when no exporter was installed at the start (nothing
    /// to export) or the span has ended already.
    fn take_started(&mut self) -> Option<Started>;

    /// Adds an attribute to the span to be exported.
    fn push_attribute(&mut self, attribute: Attribute);

    /// Exports the span with `status`.
    fn end(self, started: Started, ctx: &TraceContext, status: SpanStatus);

    /// Ends the span without a response or status: the service or the transport failed with
    /// an error of type `error_type` (its `Display` is `description`).
    fn end_with_error(
        mut self,
        ctx: &TraceContext,
        error_type: Cow<'static, str>,
        description: String,
    ) {
        let Some(started) = self.take_started() else {
            return;
        };
        self.push_attribute(Attribute::new(ERROR_TYPE, error_type));
        self.end(
            started,
            ctx,
            SpanStatus::Error {
                description: Cow::Owned(description),
            },
        );
    }

    /// Ends the span with `status` and nothing more (a cancelled call: the future was dropped,
    /// or is unwinding).
    fn end_with(mut self, ctx: &TraceContext, status: SpanStatus) {
        if let Some(started) = self.take_started() {
            self.end(started, ctx, status);
        }
    }
}
