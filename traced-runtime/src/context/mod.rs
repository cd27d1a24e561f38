//! The current context: the [`TraceContext`] value, the per-thread slot that makes one current,
//! and the readers of the current one (this file).
//!
//! The third layer of the crate, above `id/` and `header/` (which it imports) and below
//! everything that uses a context (`future`, `task`, `thread`, `propagation`, `export`, `log`,
//! `tracing`, the edges). Inside, each file imports only those listed before it:
//!
//! - `value`: the [`TraceContext`] value and its [`SpanIds`](value::SpanIds); knows nothing of
//!   the slot.
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
mod value;

pub(crate) use scope::poll_in;
pub use scope::{TraceContextGuard, field_scope};
pub(crate) use span_scope::{SpanScope, derive};
pub use value::TraceContext;

use crate::id::{SpanId, TraceFlags, TraceId};

impl TraceContext {
    /// Returns a clone of the current thread's context, or `None` outside any trace.
    ///
    /// Costs one thread-local read and, inside a trace, a reference-count increment when user
    /// fields are set.
    #[inline]
    #[must_use]
    pub fn current() -> Option<Self> {
        let mut ctx = slot::with_top(|top| top.cloned())?;
        ctx.set_span_ids(slot::span_ids());
        Some(ctx)
    }
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
        top.map(|ctx| (ctx.trace_id(), ctx.trace_flags()))
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
