//! Entering and leaving frames of the slot: guards, scopes, and the scope of one poll.

use core::fmt;
use core::marker::PhantomData;
use std::borrow::Cow;

use super::slot::{self, FrameId};
use super::value::TraceContext;

/// Removes the context it entered from the current thread's slot when dropped. Returned by
/// [`TraceContext::enter`] and [`field_scope`].
///
/// # Dropping out of order, keeping, leaking
///
/// A guard removes exactly its own entry, wherever it is: dropping guards out of order leaves
/// the entries of the other guards in place, and once all of them are dropped, the context that
/// was current before the first one is current again. No drop order panics, in any build.
///
/// A poll of a future ([`InContext`](crate::InContext), a traced `async fn`) and
/// [`TraceContext::in_scope`] end every entry made inside them that is still there when they
/// return: a guard kept past the poll that created it (stored elsewhere, returned from an
/// `async fn`, held across an `.await`) has no effect afterwards, and dropping it then does
/// nothing. A leaked guard (`mem::forget`) keeps its context current until its enclosing poll or
/// `in_scope` ends, or for the rest of the thread outside any.
///
/// ```
/// use traced_runtime::TraceContext;
///
/// let (a, b) = (TraceContext::new_root(), TraceContext::new_root());
/// let guard_a = a.enter();
/// let guard_b = b.enter();
/// drop(guard_a); // out of order: only `a`'s entry goes
/// assert_eq!(TraceContext::current(), Some(b.clone()));
/// drop(guard_b);
/// assert_eq!(TraceContext::current(), None);
/// ```
///
/// Not `Send`: a guard belongs to the slot of the thread that created it.
#[must_use = "the context is left as soon as the guard is dropped; bind it with `let _guard = ...`"]
pub struct TraceContextGuard {
    /// `None` when nothing was entered (the slot was unavailable: thread teardown).
    frame: Option<FrameId>,
    _not_send: PhantomData<*const ()>,
}

impl TraceContextGuard {
    /// Enters `ctx` (`None`: "no context") until the guard drops.
    #[inline]
    pub(crate) fn install(ctx: Option<TraceContext>) -> Self {
        Self {
            frame: slot::push(ctx),
            _not_send: PhantomData,
        }
    }
}

impl TraceContextGuard {
    /// The context this guard entered, as it is now; `None` once nothing is entered.
    pub(crate) fn context(&self) -> Option<TraceContext> {
        self.frame.and_then(slot::context_of)
    }
}

impl Drop for TraceContextGuard {
    #[inline]
    fn drop(&mut self) {
        if let Some(frame) = self.frame.take() {
            slot::remove(frame);
        }
    }
}

impl fmt::Debug for TraceContextGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceContextGuard")
            .field("frame", &self.frame.map(FrameId::raw))
            .finish()
    }
}

impl TraceContext {
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
        in_scope(Some(self.clone()), f)
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

/// Sets the user field `key` to `value` on the current context until the returned guard drops.
///
/// Every record logged in the scope carries the field, and so does everything the scope hands
/// off (child spans, spawned tasks, threads, job payloads). When the guard drops, the context is
/// exactly what it was before, so a field set inside a call is gone after it returns. Outside any
/// trace this starts one, since fields live in a trace context. The guard behaves like
/// [`TraceContext::enter`]'s (see [`TraceContextGuard`] for out-of-order drops).
///
/// ```
/// use traced_runtime::{TraceContext, field_scope};
///
/// let ctx = TraceContext::new_root();
/// let _trace = ctx.enter();
/// {
///     let _account = field_scope("account_id", "account-456");
///     let current = TraceContext::current().unwrap();
///     assert_eq!(current.fields().get("account_id"), Some("account-456"));
///     assert_eq!(current.trace_id(), ctx.trace_id());
/// }
/// assert_eq!(TraceContext::current(), Some(ctx));
/// ```
pub fn field_scope(
    key: impl Into<Cow<'static, str>>,
    value: impl Into<String>,
) -> TraceContextGuard {
    let ctx = TraceContext::current().unwrap_or_else(TraceContext::new_root);
    TraceContextGuard::install(Some(ctx.with_field(key, value)))
}

/// Runs `f` with `ctx` (`None`: no context) current; afterwards what was current before is
/// current again, whatever `f` entered and kept.
#[inline]
pub(crate) fn in_scope<R>(ctx: Option<TraceContext>, f: impl FnOnce() -> R) -> R {
    slot::scope(ctx, f)
}

/// Runs `poll` (one poll of a future) with the future's context `ctx` current (`None`: no
/// context, hiding the caller's), and makes the caller's context current again afterwards, also
/// while a panic unwinds.
///
/// The context is lent for the poll, neither cloned nor moved (see `slot::lend` for why that is
/// sound); whatever the code inside enters and keeps ends with the poll, so nothing refers to the
/// future once the poll has returned.
#[inline(always)]
pub(crate) fn poll_in<R>(ctx: Option<&TraceContext>, poll: impl FnOnce() -> R) -> R {
    match ctx {
        Some(ctx) => slot::lend(ctx, poll),
        None => slot::scope(None, poll),
    }
}
