//! The [`TraceContext`] value and the per-thread slot that holds the current one.
//!
//! A `thread_local!` holds the current context. [`TraceContext::enter`] puts a context there
//! and returns a [`ContextGuard`] that restores exactly the previous value when dropped, also
//! while a panic unwinds. Every access to the slot goes through `try_with`, so code running
//! during thread teardown sees "no context" instead of panicking.
//!
//! What is current, and its two span ids, live apart in thread-locals without destructors
//! (`HEAD`, `SPAN_ID`, `PARENT_SPAN_ID`). The span ids are the only part a `#[traced(span)]`
//! call changes, so opening and closing a span in place is a few plain loads and stores; a trace
//! that a traced call starts lives in those and `STARTED` alone (it has no fields yet, so nothing
//! goes into the slot); and a future's poll lends its context by pointer instead of moving it
//! into the slot (see `poll_in`). Readers combine them (`with_current`).

use core::cell::{Cell, RefCell};
use core::fmt;
use core::marker::PhantomData;

use crate::fields::Fields;
use crate::header::{Baggage, TraceState};
use crate::id::{SpanId, TraceFlags, TraceId};

thread_local! {
    /// The context installed by [`ContextGuard`]s. Its two span ids may lag behind
    /// [`SPAN_ID`] and [`PARENT_SPAN_ID`], which hold the current ones.
    static CURRENT: RefCell<Option<TraceContext>> = const { RefCell::new(None) };
    /// What is current: null (nothing), [`IN_SLOT`] (the slot's context), [`IN_HEAD`] (a trace
    /// a traced call started, made of [`STARTED`] and the span-id cells), or the context a poll
    /// lent. Pointers rather than an enum, so that a check is one compare. `Cell`s of `Copy`
    /// types have no destructor, so an access is a plain thread-local load or store: no
    /// registration check, no borrow flag.
    static HEAD: Cell<*const TraceContext> = const { Cell::new(core::ptr::null()) };
    /// The current span-id, whatever [`HEAD`] says is current. The span ids are two 8-byte
    /// cells rather than one 16-byte one: a 16-byte load of what two 8-byte stores wrote (a
    /// span opened, then closed) stalls store-to-load forwarding, about 5 ns per call.
    static SPAN_ID: Cell<Option<SpanId>> = const { Cell::new(None) };
    /// The current parent-id (see [`SPAN_ID`]).
    static PARENT_SPAN_ID: Cell<Option<SpanId>> = const { Cell::new(None) };
    /// The trace-id and trace-flags of the trace a traced call started; meaningful while
    /// [`HEAD`] is [`IN_HEAD`] and saved only by the scopes that can hide such a trace
    /// ([`ContextGuard`], and [`poll_in`] for a future without context).
    static STARTED: Cell<Option<(TraceId, TraceFlags)>> = const { Cell::new(None) };
}

/// [`HEAD`] when the current context is the slot's. No context lives at this address (the
/// alignment of `TraceContext`, in the never-mapped first page).
const IN_SLOT: *const TraceContext = core::ptr::dangling();
/// [`HEAD`] when the current context lives in [`STARTED`] and the span-id cells. Likewise never
/// a real context's address (twice the alignment, still in the first page).
const IN_HEAD: *const TraceContext = IN_SLOT.wrapping_add(1);

/// The values of [`SPAN_ID`] and [`PARENT_SPAN_ID`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct SpanIds {
    span_id: Option<SpanId>,
    parent_span_id: Option<SpanId>,
}

impl SpanIds {
    const NONE: Self = Self {
        span_id: None,
        parent_span_id: None,
    };

    #[inline]
    fn current() -> Self {
        Self {
            span_id: SPAN_ID.get(),
            parent_span_id: PARENT_SPAN_ID.get(),
        }
    }

    #[inline]
    fn make_current(self) {
        SPAN_ID.set(self.span_id);
        PARENT_SPAN_ID.set(self.parent_span_id);
    }

    #[inline]
    fn of(ctx: &TraceContext) -> Self {
        Self {
            span_id: ctx.span_id,
            parent_span_id: ctx.parent_span_id,
        }
    }

    #[inline]
    fn write_to(self, ctx: &mut TraceContext) {
        ctx.span_id = self.span_id;
        ctx.parent_span_id = self.parent_span_id;
    }

    /// Calls `f` with `ctx` as seen with these span ids.
    #[inline]
    fn view<R>(self, ctx: &TraceContext, f: impl FnOnce(Option<&TraceContext>) -> R) -> R {
        if self == Self::of(ctx) {
            f(Some(ctx))
        } else {
            // A span was opened in place on a context this code may not write to.
            let mut view = ctx.clone();
            self.write_to(&mut view);
            f(Some(&view))
        }
    }
}

/// [`HEAD`] and the span-id cells, as a scope found them and restores them.
#[derive(Clone, Copy)]
pub(crate) struct Saved {
    head: *const TraceContext,
    span: SpanIds,
}

impl Saved {
    /// No context current.
    const NONE: Self = Self {
        head: core::ptr::null(),
        span: SpanIds::NONE,
    };

    /// `ctx` current, as `head` says where it lives.
    #[inline]
    fn of(head: *const TraceContext, ctx: &TraceContext) -> Self {
        Self {
            head,
            span: SpanIds::of(ctx),
        }
    }

    #[inline]
    fn take() -> Self {
        Self {
            head: HEAD.get(),
            span: SpanIds::current(),
        }
    }

    #[inline]
    fn restore(self) {
        HEAD.set(self.head);
        self.span.make_current();
    }
}

/// [`Saved`] and [`STARTED`], for the scopes that can hide a started trace.
#[derive(Clone, Copy)]
pub(crate) struct SavedAll {
    saved: Saved,
    started: Option<(TraceId, TraceFlags)>,
}

impl SavedAll {
    #[inline]
    fn take() -> Self {
        Self {
            saved: Saved::take(),
            started: STARTED.get(),
        }
    }

    #[inline]
    fn restore(self) {
        self.saved.restore();
        STARTED.set(self.started);
    }
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

    /// Returns a clone of the current thread's context, or `None` outside any trace.
    ///
    /// Costs one thread-local read and, inside a trace, a reference-count increment when user
    /// fields are set.
    #[inline]
    #[must_use]
    pub fn current() -> Option<Self> {
        // Not `with_current(|ctx| ctx.cloned())`, which would clone twice while a span is open
        // in place on a context it may not write to (once for the view, once here).
        let ids = SpanIds::current();
        with_base(ids, |base| {
            base.map(|base| {
                let mut ctx = base.clone();
                ids.write_to(&mut ctx);
                ctx
            })
        })
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

/// A random trace-id and the head sampler's decision for it.
#[inline]
fn new_trace() -> (TraceId, TraceFlags) {
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
    SPAN_ID.get()
}

/// Calls `f` with a reference to the current context.
///
/// `f` sees `None` outside any trace, during thread teardown, and in the (reentrant) case where
/// the slot is being replaced. `f` must not enter or leave contexts itself. Outside any trace this
/// is one thread-local read and nothing else.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&TraceContext>) -> R) -> R {
    let span = SpanIds::current();
    with_base(span, |ctx| match ctx {
        Some(ctx) => span.view(ctx, f),
        None => f(None),
    })
}

/// Calls `f` with the current trace-id and trace-flags, or `None`; unlike [`with_current`], never
/// clones the context.
#[inline]
pub(crate) fn with_current_trace<R>(f: impl FnOnce(Option<(TraceId, TraceFlags)>) -> R) -> R {
    with_base(SpanIds::current(), |ctx| {
        f(ctx.map(|ctx| (ctx.trace_id, ctx.flags)))
    })
}

/// Calls `f` with the current context, whose span ids may lag behind `span` (the current ones).
#[inline]
fn with_base<R>(span: SpanIds, f: impl FnOnce(Option<&TraceContext>) -> R) -> R {
    let head = HEAD.get();
    if head.is_null() {
        return f(None);
    }
    if head == IN_HEAD {
        let Some((trace_id, flags)) = STARTED.get() else {
            return f(None);
        };
        let mut ctx = TraceContext::new(trace_id, None, flags);
        span.write_to(&mut ctx);
        return f(Some(&ctx));
    }
    if head != IN_SLOT {
        // SAFETY: a context is lent only by a `Lent`, which borrows it for as long as it is lent
        // and restores `HEAD` (ending the loan) before that borrow ends. `Lent`s are stack
        // values on this thread, so the loan outlives this call.
        return f(Some(unsafe { &*head }));
    }
    let mut f = Some(f);
    let result = CURRENT.try_with(|slot| {
        // Bring the slot's span ids up to date, so that later reads need no copy.
        if let Ok(mut ctx) = slot.try_borrow_mut() {
            if let Some(ctx) = ctx.as_mut() {
                span.write_to(ctx);
            }
        }
        let ctx = slot.try_borrow().ok()?;
        f.take().map(|f| f(ctx.as_ref()))
    });
    match (result, f) {
        (Ok(Some(r)), _) => r,
        (_, Some(f)) => f(None),
        // `f` ran and returned, so the first arm matched.
        (_, None) => unreachable!("with_current: closure consumed without a result"),
    }
}

/// Swaps `ctx` with the slot's context and makes the slot's current; `false`, and nothing
/// changed, when the slot is gone (thread teardown) or busy (a reentrant call). The caller saves
/// the thread-locals before and restores them after.
#[inline]
fn swap_slot(ctx: &mut Option<TraceContext>) -> bool {
    CURRENT
        .try_with(|slot| {
            let Ok(mut slot) = slot.try_borrow_mut() else {
                return false;
            };
            core::mem::swap(&mut *slot, ctx);
            slot.as_ref()
                .map_or(Saved::NONE, |ctx| Saved::of(IN_SLOT, ctx))
                .restore();
            true
        })
        .unwrap_or(false)
}

/// Restores the previously current context when dropped. Returned by [`TraceContext::enter`].
///
/// Not `Send`: a guard restores the slot of the thread that created it.
#[must_use = "the context is left as soon as the guard is dropped; bind it with `let _guard = ...`"]
pub struct ContextGuard {
    previous: Option<TraceContext>,
    saved: SavedAll,
    installed: bool,
}

impl ContextGuard {
    /// Puts `ctx` in the slot and remembers what was there.
    #[inline]
    pub(crate) fn install(ctx: Option<TraceContext>) -> Self {
        let saved = SavedAll::take();
        let mut previous = ctx;
        // When the slot is unavailable nothing is installed, and drop leaves the slot alone.
        let installed = swap_slot(&mut previous);
        Self {
            previous,
            saved,
            installed,
        }
    }
}

impl Drop for ContextGuard {
    #[inline]
    fn drop(&mut self) {
        if self.installed {
            // The context this guard entered comes back out and is dropped at the end of this
            // block, after the slot's borrow has ended.
            let mut entered = self.previous.take();
            swap_slot(&mut entered);
            self.saved.restore();
        }
    }
}

impl fmt::Debug for ContextGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContextGuard")
            .field("previous", &self.previous)
            .finish_non_exhaustive()
    }
}

/// Runs `poll` (one poll of a future) with the future's context `owner` current, and restores
/// the caller's context afterwards, also while a panic unwinds.
///
/// A context is lent, not moved: [`HEAD`] points at it, so this costs saving and restoring three
/// words. A future with no context (`None`) takes the slot's context out for the poll instead,
/// so that code inside sees none.
#[inline(always)]
pub(crate) fn poll_in<R>(owner: &mut Option<TraceContext>, poll: impl FnOnce() -> R) -> R {
    if let Some(ctx) = owner {
        let _lent = Lent::enter(ctx);
        poll()
    } else {
        let _hidden = Hidden::enter(owner);
        poll()
    }
}

/// Lends a context through [`HEAD`] until dropped.
struct Lent<'a> {
    saved: Saved,
    _ctx: PhantomData<&'a TraceContext>,
}

impl<'a> Lent<'a> {
    #[inline(always)]
    fn enter(ctx: &'a TraceContext) -> Self {
        let saved = Saved::take();
        Saved::of(ctx, ctx).restore();
        Self {
            saved,
            _ctx: PhantomData,
        }
    }
}

impl Drop for Lent<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        self.saved.restore();
    }
}

/// Makes "no context" current until dropped, moving the slot's context into `owner` meanwhile.
struct Hidden<'a> {
    saved: SavedAll,
    /// Set when the slot's context was moved there.
    owner: Option<&'a mut Option<TraceContext>>,
}

impl<'a> Hidden<'a> {
    #[inline]
    fn enter(owner: &'a mut Option<TraceContext>) -> Self {
        let saved = SavedAll::take();
        let owner = swap_slot(owner).then_some(owner);
        Saved::NONE.restore();
        Self { saved, owner }
    }
}

impl Drop for Hidden<'_> {
    #[inline]
    fn drop(&mut self) {
        if let Some(owner) = self.owner.take() {
            swap_slot(owner);
        }
        self.saved.restore();
    }
}

/// What a `#[traced(span)]` call changed, so that drop can undo exactly that.
///
/// A struct of scalars rather than an enum with data: the guard that holds it is built and
/// moved on every traced call, and an enum's tag-plus-payload copy compiles to a wide load of
/// narrower stores, which stalls store-to-load forwarding.
#[derive(Clone, Copy)]
pub(crate) struct SpanScope {
    change: Change,
    /// The caller's span ids, for [`Change::Child`].
    caller: SpanIds,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    /// Nothing changed (`#[traced]` inside an existing trace).
    Unchanged,
    /// A child span was opened in place: only the span-id cells changed.
    Child,
    /// No context was current and this call started a trace in the thread-locals; drop ends it.
    Started,
}

impl SpanScope {
    /// A scope that changed nothing.
    pub(crate) const UNCHANGED: Self = Self {
        change: Change::Unchanged,
        caller: SpanIds::NONE,
    };

    /// Ensures a trace is current (starting one when none is) and, if `span`, opens a child span
    /// in place.
    ///
    /// Touches `Cell` thread-locals only: no `RefCell`, no destructor-state check, no
    /// allocation.
    #[inline(always)]
    pub(crate) fn open(span: bool) -> Self {
        if HEAD.get().is_null() {
            // Built here, not returned by `start`: a returned struct would go through memory.
            start(span);
            return Self {
                change: Change::Started,
                caller: SpanIds::NONE,
            };
        }
        if !span {
            return Self::UNCHANGED;
        }
        let caller = SpanIds::current();
        SpanIds {
            span_id: Some(SpanId::random()),
            parent_span_id: caller.span_id,
        }
        .make_current();
        Self {
            change: Change::Child,
            caller,
        }
    }

    #[inline(always)]
    pub(crate) fn close(&mut self) {
        match self.change {
            Change::Unchanged => {}
            Change::Child => self.caller.make_current(),
            Change::Started => {
                // `STARTED` keeps the ended trace's ids: nothing reads it unless `HEAD` says so.
                Saved::NONE.restore();
            }
        }
    }
}

/// Starts a trace (and its first span, if `span`) in the thread-locals: the same value as
/// `new_root().child()`, with nothing to put in the slot.
#[inline(never)]
fn start(span: bool) {
    STARTED.set(Some(new_trace()));
    HEAD.set(IN_HEAD);
    SpanIds {
        span_id: if span { Some(SpanId::random()) } else { None },
        parent_span_id: None,
    }
    .make_current();
}

/// Derives the context a traced call runs in from the caller's current context.
///
/// The same value as `current().map_or_else(new_root, ..).child()`, with one clone of the
/// current context (not a clone, a child and a drop).
#[inline]
pub(crate) fn derive(span: bool, root: bool) -> TraceContext {
    let derived = if root { None } else { TraceContext::current() };
    let mut ctx = derived.unwrap_or_else(TraceContext::new_root);
    if span {
        ctx.parent_span_id = ctx.span_id;
        ctx.span_id = Some(SpanId::random());
    }
    ctx
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

    impl ContextGuard {
        fn in_place<R>(self, f: impl FnOnce() -> R) -> R {
            let _guard = self;
            f()
        }
    }

    #[test]
    fn a_span_opened_in_place_is_seen_by_every_reader() {
        let a = TraceContext::new_root().child().with_field("k", "v");
        let _a = a.enter();
        let mut s = SpanScope::open(true);
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
        let mut owner = Some(a.clone());
        for lent in [true, false] {
            let check = || {
                let mut s = SpanScope::open(true);
                let span = current_span_id();
                with_current(|outer| {
                    assert_eq!(outer.unwrap().span_id(), span);
                    assert_eq!(TraceContext::current().unwrap().span_id(), span);
                });
                s.close();
            };
            if lent {
                poll_in(&mut owner, check);
            } else {
                a.in_scope(check);
            }
        }
    }

    #[test]
    fn a_lent_context_is_current_during_the_poll_only() {
        let a = TraceContext::new_root().child();
        let b = TraceContext::new_root();
        let mut owner = Some(a.clone());
        b.in_scope(|| {
            poll_in(&mut owner, || {
                assert_eq!(TraceContext::current(), Some(a.clone()));
                let mut s = SpanScope::open(true);
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
        let mut owner = None;
        b.in_scope(|| {
            poll_in(&mut owner, || {
                assert_eq!(TraceContext::current(), None);
                // A traced call inside starts its own trace, and ends it.
                let mut s = SpanScope::open(true);
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
        let mut started = SpanScope::open(true);
        let a = TraceContext::current().unwrap();
        assert_eq!(a.parent_span_id(), None);
        assert!(a.span_id().is_some());
        let in_trace_of_its_own = || {
            assert_eq!(TraceContext::current(), None);
            // Another trace starts and ends in there.
            let mut inner = SpanScope::open(true);
            assert_ne!(current_trace_id(), Some(a.trace_id()));
            inner.close();
        };
        // A poll of a future without context ...
        poll_in(&mut None, in_trace_of_its_own);
        assert_eq!(TraceContext::current(), Some(a.clone()));
        // ... and entering "no context" (a thread spawned outside any trace does that).
        ContextGuard::install(None).in_place(in_trace_of_its_own);
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
        let mut s = SpanScope::open(false);
        let started = TraceContext::current().unwrap();
        assert_eq!(started.span_id(), None);
        s.close();
        assert_eq!(TraceContext::current(), None);
    }
}
