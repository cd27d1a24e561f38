//! The [`TraceContext`] value: ids, flags, user fields, tracestate and baggage. A plain value
//! with no knowledge of the current thread's slot; `slot` reads and writes a context's span ids
//! through [`SpanIds`] only.

use core::fmt;

use crate::fields::Fields;
use crate::header::{Baggage, TraceState};
use crate::id::{SpanId, TraceFlags, TraceId};

/// One position in a trace: the trace-id, the current span-id and its parent, the trace-flags and
/// the user fields that ride along.
///
/// A `TraceContext` is an immutable value: methods such as [`child`](Self::child) return a new
/// one. Cloning is cheap (the ids are copied; fields are shared behind an `Arc`), and it is
/// `Send + Sync`, so it can be moved into tasks, threads and job payloads.
///
/// The fields map onto the W3C [traceparent](https://www.w3.org/TR/trace-context/#traceparent-header)
/// header: `trace_id` is its trace-id, `span_id` the parent-id it would carry when this service
/// calls another one, and `trace_flags` its trace-flags.
///
/// ```
/// use traced_runtime::TraceContext;
///
/// let root = TraceContext::new_root();
/// let child = root.child();
/// assert_eq!(child.trace_id(), root.trace_id());
/// assert_eq!(child.parent_span_id(), root.span_id());
///
/// child.in_scope(|| {
///     assert_eq!(TraceContext::current().as_ref(), Some(&child));
/// });
/// assert_eq!(TraceContext::current(), None);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TraceContext {
    trace_id: TraceId,
    span_id: Option<SpanId>,
    parent_span_id: Option<SpanId>,
    flags: TraceFlags,
    fields: Fields,
    tracestate: Option<TraceState>,
    baggage: Baggage,
}

impl TraceContext {
    /// Builds a context from its ids, with no parent span-id and no fields.
    ///
    /// Use it to continue a trace whose ids came from elsewhere; `span_id` is the span this
    /// context stands in (for a remote caller, the traceparent's parent-id).
    #[inline]
    #[must_use]
    pub const fn new(trace_id: TraceId, span_id: Option<SpanId>, trace_flags: TraceFlags) -> Self {
        Self {
            trace_id,
            span_id,
            parent_span_id: None,
            flags: trace_flags,
            fields: Fields::EMPTY,
            tracestate: None,
            baggage: Baggage::EMPTY,
        }
    }

    /// Starts a new trace: a random trace-id, with no span yet, sampled unless the head sampler
    /// ([`sampling::set_sampler`](crate::sampling::set_sampler)) says otherwise.
    ///
    /// This is what `#[traced]` does when no trace is current. Call [`child`](Self::child) on
    /// the result to open its first span.
    #[inline]
    #[must_use]
    pub fn new_root() -> Self {
        let (trace_id, flags) = new_trace();
        Self::new(trace_id, None, flags)
    }

    /// Opens a child span: same trace-id, flags and fields, a fresh random span-id, and this
    /// context's span-id as the parent-id.
    #[inline]
    #[must_use]
    pub fn child(&self) -> Self {
        Self {
            trace_id: self.trace_id,
            span_id: Some(SpanId::random()),
            parent_span_id: self.span_id,
            flags: self.flags,
            fields: self.fields.clone(),
            tracestate: self.tracestate.clone(),
            baggage: self.baggage.clone(),
        }
    }

    /// The 16-byte trace-id shared by every span of this trace.
    #[inline]
    #[must_use]
    pub const fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// The 8-byte id of the span this context stands in, or `None` at the root of a trace that
    /// was started without a span (plain `#[traced]`).
    #[inline]
    #[must_use]
    pub const fn span_id(&self) -> Option<SpanId> {
        self.span_id
    }

    /// The span-id of this span's parent, or `None` for a root span.
    #[inline]
    #[must_use]
    pub const fn parent_span_id(&self) -> Option<SpanId> {
        self.parent_span_id
    }

    /// The trace-flags byte (see [`TraceFlags`]).
    #[inline]
    #[must_use]
    pub const fn trace_flags(&self) -> TraceFlags {
        self.flags
    }

    /// Whether the sampled flag is set.
    #[inline]
    #[must_use]
    pub const fn is_sampled(&self) -> bool {
        self.flags.is_sampled()
    }

    /// The user fields, in insertion order (see [`with_field`](Self::with_field)).
    #[inline]
    #[must_use]
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// Returns this context with the trace-flags replaced.
    #[inline]
    #[must_use]
    pub fn with_trace_flags(mut self, trace_flags: TraceFlags) -> Self {
        self.flags = trace_flags;
        self
    }

    /// Returns this context with the parent span-id replaced.
    #[inline]
    #[must_use]
    pub fn with_parent_span_id(mut self, parent_span_id: Option<SpanId>) -> Self {
        self.parent_span_id = parent_span_id;
        self
    }

    /// Returns this context with the user field `key` set to `value` (replacing an earlier value
    /// of the same key, keeping its position).
    ///
    /// Fields appear on every log record emitted while the context is current and are inherited
    /// by [`child`](Self::child) spans and by work handed off to tasks and threads.
    ///
    /// ```
    /// use traced_runtime::TraceContext;
    ///
    /// let ctx = TraceContext::new_root().with_field("account_id", "account-456");
    /// assert_eq!(ctx.child().fields().get("account_id"), Some("account-456"));
    /// ```
    #[must_use]
    pub fn with_field(
        mut self,
        key: impl Into<std::borrow::Cow<'static, str>>,
        value: impl Into<String>,
    ) -> Self {
        self.fields = self.fields.with(key.into(), value.into());
        self
    }

    /// Returns this context with every `(key, value)` of `fields` set, in order, as repeated
    /// [`with_field`](Self::with_field) calls would, but copying the field list once rather than
    /// once per field.
    ///
    /// ```
    /// use traced_runtime::TraceContext;
    ///
    /// let ctx = TraceContext::new_root().with_fields([("tenant", "acme"), ("region", "eu")]);
    /// assert_eq!(ctx.fields().get("region"), Some("eu"));
    /// ```
    #[must_use]
    pub fn with_fields<K, V>(mut self, fields: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<std::borrow::Cow<'static, str>>,
        V: Into<String>,
    {
        self.fields = self
            .fields
            .with_all(fields.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// The W3C [tracestate](https://www.w3.org/TR/trace-context/#tracestate-header) received
    /// with this trace, or `None`. Inherited by [`child`](Self::child) and propagated by
    /// [`inject`](crate::propagation::inject).
    #[inline]
    #[must_use]
    pub fn tracestate(&self) -> Option<&TraceState> {
        self.tracestate.as_ref()
    }

    /// Returns this context with the tracestate replaced.
    #[inline]
    #[must_use]
    pub fn with_tracestate(mut self, tracestate: Option<TraceState>) -> Self {
        self.tracestate = tracestate;
        self
    }

    /// The W3C [baggage](https://www.w3.org/TR/baggage/) of this trace (empty by default).
    /// Inherited by [`child`](Self::child), handed off with the context to tasks and threads,
    /// and propagated by [`inject`](crate::propagation::inject).
    #[inline]
    #[must_use]
    pub fn baggage(&self) -> &Baggage {
        &self.baggage
    }

    /// Returns this context with the baggage replaced.
    ///
    /// ```
    /// use traced_runtime::TraceContext;
    /// use traced_runtime::propagation::Baggage;
    ///
    /// let ctx = TraceContext::new_root().with_baggage(Baggage::EMPTY.try_with("tenant", "acme")?);
    /// assert_eq!(ctx.child().baggage().get("tenant"), Some("acme"));
    /// # Ok::<(), traced_runtime::propagation::ParseBaggageError>(())
    /// ```
    #[inline]
    #[must_use]
    pub fn with_baggage(mut self, baggage: Baggage) -> Self {
        self.baggage = baggage;
        self
    }

    /// The span-id and parent-id, as the slot keeps them for the current context.
    #[inline(always)]
    pub(crate) fn span_ids(&self) -> SpanIds {
        SpanIds {
            span_id: self.span_id,
            parent_span_id: self.parent_span_id,
        }
    }

    /// Replaces the span-id and parent-id: what the slot's in-place spans apply to a copy.
    #[inline(always)]
    pub(crate) fn set_span_ids(&mut self, ids: SpanIds) {
        self.span_id = ids.span_id;
        self.parent_span_id = ids.parent_span_id;
    }

    /// This context turned into its own child span in place: a fresh span-id whose parent is
    /// the current one (what [`child`](Self::child) returns, without cloning the fields).
    #[inline]
    pub(crate) fn into_child(mut self) -> Self {
        self.parent_span_id = self.span_id;
        self.span_id = Some(SpanId::random());
        self
    }
}

impl fmt::Debug for TraceContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceContext")
            .field("trace_id", &format_args!("{}", self.trace_id))
            .field("span_id", &self.span_id.map(|id| id.to_string()))
            .field(
                "parent_span_id",
                &self.parent_span_id.map(|id| id.to_string()),
            )
            .field("trace_flags", &self.flags)
            .field("fields", &self.fields)
            .field("tracestate", &self.tracestate)
            .field("baggage", &self.baggage)
            .finish()
    }
}

/// A random trace-id and the head sampler's decision for it.
#[inline]
pub(crate) fn new_trace() -> (TraceId, TraceFlags) {
    let trace_id = TraceId::random();
    let flags = TraceFlags::NONE.with_sampled(crate::sampling::sample_root(trace_id));
    (trace_id, flags)
}

/// The span-id and parent-id of a context: what a `#[traced(span)]` call changes in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SpanIds {
    pub(crate) span_id: Option<SpanId>,
    pub(crate) parent_span_id: Option<SpanId>,
}

impl SpanIds {
    pub(crate) const NONE: Self = Self {
        span_id: None,
        parent_span_id: None,
    };
}
