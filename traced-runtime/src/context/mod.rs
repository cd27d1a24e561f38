//! The [`TraceContext`] value, and reading the current one.
//!
//! - `slot`: the per-thread stack of entered frames; it alone holds the thread-locals.
//! - `scope`: what enters and leaves frames: [`TraceContextGuard`], [`field_scope`], `in_scope`,
//!   and the scope of one poll of a future (`poll_in`).
//! - `span_scope`: the `#[traced]` fast path, which opens a span (or starts a trace) in place.
//!
//! # Guards dropped out of order, kept, or leaked
//!
//! Each guard removes exactly the frame it entered when it drops, wherever that frame is (the
//! policy of `tracing`'s registry, which removes exactly the span that exits): the contexts
//! entered by other, still living guards stay as they were, and once every guard of a scope is
//! gone, what was current before the scope is current again. `tokio` panics instead ("`EnterGuard`
//! values dropped out of order"), which a logging library must not do to a service over a
//! misplaced guard; `fastrace` checks an epoch on exit, which is what the frame ids do here.
//!
//! A scope that runs code, a poll of a future ([`InContext`](crate::InContext), a traced
//! `async fn`, the tower layers' futures) or [`TraceContext::in_scope`], ends every frame entered
//! inside it that is still entered when it returns or unwinds. A guard kept past its poll (stored
//! elsewhere, returned from an `async fn`, held across an `.await`) has no effect from then on,
//! and dropping it later does nothing, so a context entered in one task never leaks into the next
//! task polled on the same thread. A leaked guard (`mem::forget`) keeps its context current until
//! its enclosing scope ends, or for the rest of the thread outside any.

mod scope;
mod slot;
mod span_scope;

use core::fmt;

pub(crate) use scope::poll_in;
pub use scope::{TraceContextGuard, field_scope};
pub(crate) use span_scope::{SpanScope, derive};

use crate::fields::Fields;
use crate::header::{Baggage, Format, TraceState};
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
    /// The header format the trace was continued from (one byte, in what was padding).
    origin: Option<Format>,
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
            origin: None,
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
            origin: self.origin,
        }
    }

    /// Returns a clone of the current thread's context, or `None` outside any trace.
    ///
    /// Costs one thread-local read and, inside a trace, a reference-count increment when user
    /// fields are set.
    #[inline]
    #[must_use]
    pub fn current() -> Option<Self> {
        let mut ctx = slot::with_top(|top| top.cloned())?;
        slot::span_ids().write_to(&mut ctx);
        Some(ctx)
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

    /// The header format this trace was continued from (`traceparent`, `b3`,
    /// `X-Cloud-Trace-Context`, ...), set by [`Propagators::extract`] and inherited by
    /// [`child`](Self::child); `None` for a trace started here or built by hand.
    ///
    /// The JSON log lines read it: a trace continued from `X-Cloud-Trace-Context` logs under
    /// the load balancer's span (see [`crate::log`]).
    ///
    /// [`Propagators::extract`]: crate::propagation::Propagators::extract
    #[inline]
    #[must_use]
    pub const fn origin(&self) -> Option<Format> {
        self.origin
    }

    /// Returns this context with the origin replaced (see [`origin`](Self::origin)).
    #[inline]
    #[must_use]
    pub fn with_origin(mut self, origin: Option<Format>) -> Self {
        self.origin = origin;
        self
    }

    /// Makes this context current on this thread until the returned guard is dropped.
    ///
    /// Dropping the guard removes exactly this entry, also while a panic unwinds: with the usual
    /// scoping, the context that was current before is current again. Guards may be dropped in
    /// any order; each removes only its own entry (see the [module docs](crate::TraceContextGuard)
    /// for guards kept past a poll or leaked). The guard is not `Send`, so it cannot end up on
    /// another thread.
    ///
    /// Do not hold the guard across an `.await`: the poll it was entered in ends it, so it has no
    /// effect after the first suspension. Wrap the future with
    /// [`TracedFutureExt::in_context`](crate::TracedFutureExt::in_context) instead.
    #[inline]
    pub fn enter(&self) -> TraceContextGuard {
        TraceContextGuard::install(Some(self.clone()))
    }

    /// Runs `f` with this context current and makes the previous context current again
    /// afterwards, also when `f` panics.
    ///
    /// Whatever `f` entered and did not leave (a guard it leaked or returned) is left with it:
    /// after `in_scope` returns, exactly the context that was current before is current.
    #[inline]
    pub fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
        scope::in_scope(Some(self.clone()), f)
    }

    /// Returns a closure that runs `f` with this context current, wherever and whenever it is
    /// called.
    ///
    /// The hand-off primitive for executors this crate has no helper for (rayon, a custom thread
    /// pool, a callback registry): capture the context where work is created, run it elsewhere.
    ///
    /// ```
    /// use traced_runtime::TraceContext;
    ///
    /// let ctx = TraceContext::new_root();
    /// let job = ctx.wrap(|| traced_runtime::current_trace_id());
    /// let seen = std::thread::spawn(job).join().unwrap();
    /// assert_eq!(seen, Some(ctx.trace_id()));
    /// ```
    pub fn wrap<F, R>(&self, f: F) -> impl FnOnce() -> R + use<F, R>
    where
        F: FnOnce() -> R,
    {
        let ctx = self.clone();
        move || ctx.in_scope(f)
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
            .field("origin", &self.origin)
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

/// Returns the current trace-id, or `None` outside any trace.
///
/// One thread-local read; nothing is cloned.
#[inline]
#[must_use]
pub fn current_trace_id() -> Option<TraceId> {
    with_current_trace(|trace| trace.map(|(trace_id, _)| trace_id))
}

/// Returns the current span-id, or `None` outside any span.
///
/// One thread-local read; nothing is cloned.
#[inline]
#[must_use]
pub fn current_span_id() -> Option<SpanId> {
    // `None` when no context is current: the cell then holds no id.
    slot::span_ids().span_id
}

/// Calls `f` with a clone of the current context, or `None` outside any trace.
///
/// `f` may do anything, log, enter contexts, drop guards: the slot is not borrowed while it
/// runs. Outside any trace this is one thread-local read and nothing else.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&TraceContext>) -> R) -> R {
    if !slot::has_context() {
        return f(None);
    }
    f(TraceContext::current().as_ref())
}

/// Calls `f` with the current trace-id and trace-flags, or `None`; unlike [`with_current`], never
/// clones the context.
#[inline]
pub(crate) fn with_current_trace<R>(f: impl FnOnce(Option<(TraceId, TraceFlags)>) -> R) -> R {
    f(slot::with_top(|top| {
        top.map(|ctx| (ctx.trace_id, ctx.flags))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enter_restores_previous() {
        let a = TraceContext::new_root();
        let b = a.child();
        assert_eq!(TraceContext::current(), None);
        {
            let _a = a.enter();
            {
                let _b = b.enter();
                assert_eq!(TraceContext::current(), Some(b.clone()));
            }
            assert_eq!(TraceContext::current(), Some(a.clone()));
        }
        assert_eq!(TraceContext::current(), None);
    }

    #[test]
    fn span_scope_undoes_exactly_its_change() {
        let a = TraceContext::new_root().child();
        let _a = a.enter();
        let s = SpanScope::open(true);
        let inner = TraceContext::current().unwrap();
        assert_eq!(inner.parent_span_id(), a.span_id());
        assert_ne!(inner.span_id(), a.span_id());
        s.close();
        assert_eq!(TraceContext::current(), Some(a.clone()));
    }

    impl TraceContextGuard {
        fn in_place<R>(self, f: impl FnOnce() -> R) -> R {
            let _guard = self;
            f()
        }
    }

    #[test]
    fn a_span_opened_in_place_is_seen_by_every_reader() {
        let a = TraceContext::new_root().child().with_field("k", "v");
        let _a = a.enter();
        let s = SpanScope::open(true);
        let span = current_span_id();
        assert_ne!(span, a.span_id());
        let seen = TraceContext::current().unwrap();
        assert_eq!(seen.span_id(), span);
        assert_eq!(seen.parent_span_id(), a.span_id());
        assert_eq!(seen.fields().get("k"), Some("v"));
        assert_eq!(current_trace_id(), Some(a.trace_id()));
        s.close();
        // The slot was brought up to date while the span was open; closing it still restores.
        assert_eq!(TraceContext::current(), Some(a.clone()));
    }

    #[test]
    fn a_nested_read_sees_the_open_span() {
        // A logger that reads the context while `with_current` lends it (reentrant borrow).
        let a = TraceContext::new_root().child();
        let owner = Some(a.clone());
        for lent in [true, false] {
            let check = || {
                let s = SpanScope::open(true);
                let span = current_span_id();
                with_current(|outer| {
                    assert_eq!(outer.unwrap().span_id(), span);
                    assert_eq!(TraceContext::current().unwrap().span_id(), span);
                });
                s.close();
            };
            if lent {
                poll_in(owner.as_ref(), check);
            } else {
                a.in_scope(check);
            }
        }
    }

    #[test]
    fn a_lent_context_is_current_during_the_poll_only() {
        let a = TraceContext::new_root().child();
        let b = TraceContext::new_root();
        let owner = Some(a.clone());
        b.in_scope(|| {
            poll_in(owner.as_ref(), || {
                assert_eq!(TraceContext::current(), Some(a.clone()));
                let s = SpanScope::open(true);
                assert_eq!(
                    TraceContext::current().unwrap().parent_span_id(),
                    a.span_id()
                );
                // Entering a context inside the poll shadows the lent one, and gives it back.
                b.in_scope(|| assert_eq!(TraceContext::current(), Some(b.clone())));
                assert_eq!(
                    TraceContext::current().unwrap().parent_span_id(),
                    a.span_id()
                );
                s.close();
                assert_eq!(TraceContext::current(), Some(a.clone()));
            });
            assert_eq!(TraceContext::current(), Some(b.clone()));
        });
        assert_eq!(owner, Some(a));
        assert_eq!(TraceContext::current(), None);
    }

    #[test]
    fn a_poll_without_context_hides_the_callers() {
        let b = TraceContext::new_root();
        let owner: Option<TraceContext> = None;
        b.in_scope(|| {
            poll_in(owner.as_ref(), || {
                assert_eq!(TraceContext::current(), None);
                // A traced call inside starts its own trace, and ends it.
                let s = SpanScope::open(true);
                let started = TraceContext::current().unwrap();
                assert_ne!(started.trace_id(), b.trace_id());
                s.close();
                assert_eq!(TraceContext::current(), None);
            });
            assert_eq!(TraceContext::current(), Some(b.clone()));
        });
        assert_eq!(owner, None);
    }

    #[test]
    fn a_started_trace_survives_scopes_that_hide_it() {
        let started = SpanScope::open(true);
        let a = TraceContext::current().unwrap();
        assert_eq!(a.parent_span_id(), None);
        assert!(a.span_id().is_some());
        let in_trace_of_its_own = || {
            assert_eq!(TraceContext::current(), None);
            // Another trace starts and ends in there.
            let inner = SpanScope::open(true);
            assert_ne!(current_trace_id(), Some(a.trace_id()));
            inner.close();
        };
        // A poll of a future without context ...
        poll_in(None, in_trace_of_its_own);
        assert_eq!(TraceContext::current(), Some(a.clone()));
        // ... and entering "no context" (a thread spawned outside any trace does that).
        TraceContextGuard::install(None).in_place(in_trace_of_its_own);
        assert_eq!(TraceContext::current(), Some(a.clone()));
        let b = TraceContext::new_root().with_field("k", "v");
        b.in_scope(|| assert_eq!(TraceContext::current(), Some(b.clone())));
        assert_eq!(TraceContext::current(), Some(a.clone()));
        let _field = crate::field_scope("k", "v");
        let with_field = TraceContext::current().unwrap();
        assert_eq!(with_field.trace_id(), a.trace_id());
        assert_eq!(with_field.span_id(), a.span_id());
        drop(_field);
        started.close();
        assert_eq!(TraceContext::current(), None);
    }

    #[test]
    fn span_scope_started_ends_the_trace() {
        let s = SpanScope::open(false);
        let started = TraceContext::current().unwrap();
        assert_eq!(started.span_id(), None);
        s.close();
        assert_eq!(TraceContext::current(), None);
    }
}
