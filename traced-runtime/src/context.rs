//! The [`TraceContext`] value and the per-thread slot that holds the current one.
//!
//! One `thread_local!` holds the current context. [`TraceContext::enter`] puts a context there
//! and returns a [`ContextGuard`] that restores exactly the previous value when dropped, also
//! while a panic unwinds. Every access goes through `try_with`, so code running during thread
//! teardown sees "no context" instead of panicking.

use core::cell::RefCell;
use core::fmt;
use core::marker::PhantomData;

use crate::fields::Fields;
use crate::id::{SpanId, TraceFlags, TraceId};
use crate::propagation::{Baggage, TraceState};

thread_local! {
    static CURRENT: RefCell<Option<TraceContext>> = const { RefCell::new(None) };
}

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
        let trace_id = TraceId::random();
        let flags = TraceFlags::NONE.with_sampled(crate::sampling::sample_root(trace_id));
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

    /// Returns a clone of the current thread's context, or `None` outside any trace.
    ///
    /// Costs one thread-local read and, inside a trace, a reference-count increment when user
    /// fields are set.
    #[inline]
    #[must_use]
    pub fn current() -> Option<Self> {
        with_current(|ctx| ctx.cloned())
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

    /// Makes this context current on this thread until the returned guard is dropped.
    ///
    /// Dropping the guard restores exactly the context that was current before, also while a
    /// panic unwinds. Guards must be dropped in reverse order of creation (the usual scoping does
    /// this); the guard is not `Send`, so it cannot end up on another thread.
    ///
    /// Do not hold the guard across an `.await`: another task polled on the same thread would see
    /// this context. Wrap the future with
    /// [`FutureExt::with_context`](crate::FutureExt::with_context) instead.
    #[inline]
    pub fn enter(&self) -> ContextGuard {
        ContextGuard::install(Some(self.clone()))
    }

    /// Runs `f` with this context current and restores the previous context afterwards.
    #[inline]
    pub fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let _guard = self.enter();
        f()
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
            .finish()
    }
}

/// Returns the current trace-id, or `None` outside any trace.
///
/// One thread-local read; nothing is cloned.
#[inline]
#[must_use]
pub fn current_trace_id() -> Option<TraceId> {
    with_current(|ctx| ctx.map(TraceContext::trace_id))
}

/// Returns the current span-id, or `None` outside any span.
///
/// One thread-local read; nothing is cloned.
#[inline]
#[must_use]
pub fn current_span_id() -> Option<SpanId> {
    with_current(|ctx| ctx.and_then(TraceContext::span_id))
}

/// Calls `f` with a reference to the current context.
///
/// `f` sees `None` outside any trace, during thread teardown, and in the (reentrant) case where
/// the slot is being replaced. `f` must not enter or leave contexts itself.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&TraceContext>) -> R) -> R {
    let mut f = Some(f);
    let result = CURRENT.try_with(|slot| match slot.try_borrow() {
        Ok(ctx) => f.take().map(|f| f(ctx.as_ref())),
        Err(_) => None,
    });
    match (result, f) {
        (Ok(Some(r)), _) => r,
        (_, Some(f)) => f(None),
        // `f` ran and returned, so the first arm matched.
        (_, None) => unreachable!("with_current: closure consumed without a result"),
    }
}

/// Calls `f` with mutable access to the slot; `None` when the slot is gone or busy.
#[inline]
pub(crate) fn with_slot<R>(f: impl FnOnce(&mut Option<TraceContext>) -> R) -> Option<R> {
    CURRENT
        .try_with(|slot| slot.try_borrow_mut().ok().map(|mut ctx| f(&mut ctx)))
        .ok()
        .flatten()
}

/// Restores the previously current context when dropped. Returned by [`TraceContext::enter`].
///
/// Not `Send`: a guard restores the slot of the thread that created it.
#[must_use = "the context is left as soon as the guard is dropped; bind it with `let _guard = ...`"]
pub struct ContextGuard {
    previous: Option<TraceContext>,
    _not_send: PhantomData<*const ()>,
}

impl ContextGuard {
    /// Puts `ctx` in the slot and remembers what was there.
    #[inline]
    pub(crate) fn install(ctx: Option<TraceContext>) -> Self {
        let mut ctx = ctx;
        // When the slot is unavailable nothing is installed, and `ctx` is what drop "restores"
        // into the unavailable slot, which is also a no-op.
        with_slot(|slot| core::mem::swap(slot, &mut ctx));
        Self {
            previous: ctx,
            _not_send: PhantomData,
        }
    }
}

impl Drop for ContextGuard {
    #[inline]
    fn drop(&mut self) {
        let previous = self.previous.take();
        // The replaced context is dropped after the borrow ends.
        let _entered = with_slot(|slot| core::mem::replace(slot, previous));
    }
}

impl fmt::Debug for ContextGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContextGuard")
            .field("previous", &self.previous)
            .finish()
    }
}

/// Swaps a context into the slot for the duration of one `poll`, and back out afterwards.
///
/// Used by the future wrappers: the owner's context moves into the slot and back without a
/// clone, so a poll costs two swaps.
pub(crate) struct PollScope<'a> {
    owner: &'a mut Option<TraceContext>,
    swapped: bool,
}

impl<'a> PollScope<'a> {
    #[inline]
    pub(crate) fn enter(owner: &'a mut Option<TraceContext>) -> Self {
        let swapped = with_slot(|slot| core::mem::swap(slot, owner)).is_some();
        Self { owner, swapped }
    }
}

impl Drop for PollScope<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.swapped {
            with_slot(|slot| core::mem::swap(slot, self.owner));
        }
    }
}

/// What a `#[traced(span)]` call changed in the slot, so that drop can undo exactly that.
pub(crate) enum SpanScope {
    /// Nothing changed (`#[traced]` inside an existing trace).
    Unchanged,
    /// A child span was opened in place: only the two span ids changed.
    Child {
        span_id: Option<SpanId>,
        parent_span_id: Option<SpanId>,
    },
    /// The slot was empty and a new trace was installed; drop empties it again.
    Started,
}

impl SpanScope {
    /// Ensures a trace is current (starting one when none is) and, if `span`, opens a child span
    /// in place. `root` starts a new trace even when one is current (full save and restore).
    #[inline]
    pub(crate) fn open(span: bool) -> Self {
        with_slot(|slot| match slot {
            Some(ctx) if span => {
                let scope = Self::Child {
                    span_id: ctx.span_id,
                    parent_span_id: ctx.parent_span_id,
                };
                ctx.parent_span_id = ctx.span_id;
                ctx.span_id = Some(SpanId::random());
                scope
            }
            Some(_) => Self::Unchanged,
            None => {
                // Same value as `new_root().child()`, without cloning and dropping the root.
                let mut root = TraceContext::new_root();
                if span {
                    root.span_id = Some(SpanId::random());
                }
                *slot = Some(root);
                Self::Started
            }
        })
        .unwrap_or(Self::Unchanged)
    }

    #[inline]
    pub(crate) fn close(&mut self) {
        match *self {
            Self::Unchanged => {}
            Self::Child {
                span_id,
                parent_span_id,
            } => {
                with_slot(|slot| {
                    if let Some(ctx) = slot {
                        ctx.span_id = span_id;
                        ctx.parent_span_id = parent_span_id;
                    }
                });
            }
            Self::Started => {
                // Dropped in place, without moving it out first: dropping a context only
                // releases `Arc`s of strings, which runs no user code that could reenter.
                with_slot(|slot| *slot = None);
            }
        }
    }
}

/// Derives the context a traced call runs in from the caller's current context.
#[inline]
pub(crate) fn derive(span: bool, root: bool) -> TraceContext {
    let parent = if root { None } else { TraceContext::current() };
    let ctx = parent.unwrap_or_else(TraceContext::new_root);
    if span { ctx.child() } else { ctx }
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
        let mut s = SpanScope::open(true);
        let inner = TraceContext::current().unwrap();
        assert_eq!(inner.parent_span_id(), a.span_id());
        assert_ne!(inner.span_id(), a.span_id());
        s.close();
        assert_eq!(TraceContext::current(), Some(a.clone()));
    }

    #[test]
    fn span_scope_started_empties_slot() {
        let mut s = SpanScope::open(false);
        let started = TraceContext::current().unwrap();
        assert_eq!(started.span_id(), None);
        s.close();
        assert_eq!(TraceContext::current(), None);
    }
}
