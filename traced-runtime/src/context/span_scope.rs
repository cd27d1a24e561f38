//! The `#[traced]` fast path: a sync traced call opens its span (or starts its trace) in place.

use super::slot::{self, FrameId};
use super::value::{SpanIds, TraceContext, new_trace};
use crate::id::SpanId;

/// What a sync `#[traced]` / `#[traced(span)]` call changed, so that dropping its guard undoes
/// exactly that.
///
/// - Inside a trace, `#[traced(span)]` changes only the current frame's span ids (two `Cell`s)
///   and closing puts the caller's back, on that frame wherever it is by then: a guard the call
///   entered and kept cannot make it restore the wrong frame.
/// - Outside any trace, the call starts one in a frame of its own, which closing removes.
///
/// Two words of scalars rather than an enum with data: the guard that holds it is built and
/// moved on every traced call, and an enum's tag-plus-payload copy compiles to a wide load of
/// narrower stores, which stalls store-to-load forwarding.
///
/// The caller's two span ids sit on either side of `frame` (`repr(C)`): written by two 8-byte
/// stores when the call opens, they must not be read back by one 16-byte load when it closes
/// (a store-forwarding stall, about 5 ns), which adjacent fields invite.
#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) struct SpanScope {
    /// The caller's span-id, restored on a changed frame.
    caller_span_id: Option<SpanId>,
    /// [`UNCHANGED`](Self::UNCHANGED), a frame whose span ids changed, or (with
    /// [`STARTED_BIT`]) a frame the call pushed.
    frame: u64,
    /// The caller's parent-id.
    caller_parent_span_id: Option<SpanId>,
}

/// Marks [`SpanScope::frame`] as pushed by the call. Frame ids never have this bit set.
const STARTED_BIT: u64 = 4;

impl SpanScope {
    /// A scope that changed nothing.
    pub(crate) const UNCHANGED: Self = Self {
        caller_span_id: None,
        frame: 0,
        caller_parent_span_id: None,
    };

    #[inline(always)]
    fn caller(&self) -> SpanIds {
        SpanIds {
            span_id: self.caller_span_id,
            parent_span_id: self.caller_parent_span_id,
        }
    }

    /// Ensures a trace is current (starting one when none is) and, if `span`, opens a child span
    /// in place.
    ///
    /// Inside a trace this touches `Cell` thread-locals only: no `RefCell`, no
    /// destructor-state check, no allocation.
    #[inline(always)]
    pub(crate) fn open(span: bool) -> Self {
        let Some(frame) = slot::context_frame() else {
            // Built here from a scalar, not returned by `start`: a struct returned through
            // memory is then loaded 16 bytes at a time from two 8-byte stores, which stalls
            // store-to-load forwarding (about 5 ns).
            return Self {
                frame: start(span),
                ..Self::UNCHANGED
            };
        };
        if !span {
            return Self::UNCHANGED;
        }
        let caller = slot::span_ids();
        slot::set_span_ids(SpanIds {
            span_id: Some(SpanId::random()),
            parent_span_id: caller.span_id,
        });
        Self {
            caller_span_id: caller.span_id,
            frame: frame.raw(),
            caller_parent_span_id: caller.parent_span_id,
        }
    }

    /// The context of the frame this scope opened its span on (or pushed), as it is now: the
    /// call's own context, even when the call entered a context above it and kept it.
    pub(crate) fn context(&self) -> Option<TraceContext> {
        match self.frame {
            0 => TraceContext::current(),
            frame => slot::context_of(FrameId::from_raw(frame & !STARTED_BIT)),
        }
    }

    /// Undoes what [`open`](Self::open) did. Called once, by the guard's drop.
    #[inline(always)]
    pub(crate) fn close(&self) {
        if self.frame == 0 {
            return;
        }
        // A started trace's frame never matches: `STARTED_BIT` is never set in a frame id.
        if slot::is_top(FrameId::from_raw(self.frame)) {
            slot::set_span_ids(self.caller());
        } else {
            self.close_slow();
        }
    }

    #[cold]
    #[inline(never)]
    fn close_slow(&self) {
        let frame = FrameId::from_raw(self.frame & !STARTED_BIT);
        if self.frame & STARTED_BIT != 0 {
            slot::remove(frame);
        } else {
            // Something the call entered is still entered above its frame.
            slot::set_covered_span_ids(frame, self.caller());
        }
    }
}

/// Starts a trace (and its first span, if `span`) in a frame of its own: the same value as
/// `new_root().child()`. Returns the [`SpanScope::frame`] value that ends it (0, changing
/// nothing, at thread teardown).
#[inline(never)]
fn start(span: bool) -> u64 {
    let (trace_id, flags) = new_trace();
    let span_id = if span { Some(SpanId::random()) } else { None };
    slot::push_started(trace_id, flags, span_id).map_or(0, |frame| frame.raw() | STARTED_BIT)
}

/// Derives the context a traced call runs in from the caller's current context.
///
/// The same value as `current().map_or_else(new_root, ..).child()`, with one clone of the
/// current context (not a clone, a child and a drop).
#[inline]
pub(crate) fn derive(span: bool, root: bool) -> TraceContext {
    let derived = if root { None } else { TraceContext::current() };
    let ctx = derived.unwrap_or_else(TraceContext::new_root);
    if span { ctx.into_child() } else { ctx }
}
