//! The `#[traced]` fast path: a sync traced call opens its span (or starts its trace) in place.

use core::num::NonZeroU64;

use super::slot::{self, FrameId};
use super::value::{SpanIds, TraceContext, new_trace};
use crate::id::SpanId;

/// What a sync `#[traced]` / `#[traced(span)]` call changed, so that dropping its guard undoes
/// exactly that.
///
/// - Inside a trace, `#[traced(span)]` changes only the current frame's span ids (two `Cell`s):
///   the span-id becomes a fresh one and the parent-id the caller's span-id. Closing puts the
///   caller's ids back, on that frame wherever it is by then: a guard the call entered and kept
///   cannot make it restore the wrong frame.
/// - Outside any trace, the call starts one in a frame of its own, which closing removes.
///
/// Two words, so that the guard stays small: the caller's span-id is not kept, since it is the
/// frame's parent-id for as long as the call's span is open (every span opened inside closes
/// before it, and restores what it found), so closing reads it back from there; only the
/// caller's parent-id, which the call overwrote, is kept. Scalars rather than an enum with data:
/// an enum's tag-plus-payload copy compiles to a wide load of narrower stores, which stalls
/// store-to-load forwarding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct SpanScope {
    /// [`NOTHING`] ([`UNCHANGED`](Self::UNCHANGED)), a frame whose span ids changed, or (with
    /// [`STARTED_BIT`]) a frame the call pushed; plus the owner's [`MARK_BIT`]. Never 0, so
    /// that an `Option` of a scope (or of a guard holding one) is two words as well.
    frame: NonZeroU64,
    /// The caller's parent-id, restored on a changed frame.
    caller_parent_span_id: Option<SpanId>,
}

/// Marks [`SpanScope::frame`] as pushed by the call. Frame ids never have this bit set.
const STARTED_BIT: u64 = 4;
/// A mark the scope's owner may set ([`SpanScope::marked`]); frame ids never have this bit set.
const MARK_BIT: u64 = 8;
/// The bits of [`SpanScope::frame`] that are not the frame id.
const FLAGS: u64 = STARTED_BIT | MARK_BIT;
/// [`SpanScope::frame`] of a scope that changed nothing: no frame id is 1 (ids are multiples of
/// 16 plus their flag bits, and never 0).
const NOTHING: NonZeroU64 = NonZeroU64::MIN;

impl SpanScope {
    /// A scope that changed nothing.
    pub(crate) const UNCHANGED: Self = Self {
        frame: NOTHING,
        caller_parent_span_id: None,
    };

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
        Self::open_on(frame, SpanId::random())
    }

    /// Opens a child span in place when a context is current and a span-id can be drawn without
    /// a call; `None`, changing nothing, otherwise (then [`open`](Self::open) does it).
    ///
    /// Makes no call: the `#[traced(span)]` fast path that inlines it stays a leaf function (no
    /// registers saved).
    #[inline(always)]
    pub(crate) fn open_span_in_place() -> Option<Self> {
        let frame = slot::context_frame()?;
        let span_id = SpanId::random_if_seeded()?;
        Some(Self::open_on(frame, span_id))
    }

    /// Makes `span_id` the span of `frame`, the top frame, with the caller's span as its parent.
    #[inline(always)]
    fn open_on(frame: FrameId, span_id: SpanId) -> Self {
        let caller = slot::span_ids();
        slot::set_span_ids(SpanIds {
            span_id: Some(span_id),
            parent_span_id: caller.span_id,
        });
        Self {
            frame: frame.raw_nonzero(),
            caller_parent_span_id: caller.parent_span_id,
        }
    }

    /// This scope with the owner's mark set: the guard of a sync traced call marks the scope of
    /// a span it exports, which keeps the guard two words. Only a scope that changed something
    /// can be marked (`UNCHANGED` stays unmarked).
    #[inline]
    #[must_use]
    pub(crate) fn with_mark(self) -> Self {
        if self.frame == NOTHING {
            return self;
        }
        Self {
            frame: self.frame | MARK_BIT,
            ..self
        }
    }

    /// Whether [`with_mark`](Self::with_mark) marked this scope.
    #[inline(always)]
    pub(crate) fn marked(&self) -> bool {
        self.frame.get() & MARK_BIT != 0
    }

    /// Whether a trace is current, so that a `#[traced]` call without `span` changes nothing
    /// ([`UNCHANGED`](Self::UNCHANGED) is its scope).
    #[inline(always)]
    pub(crate) fn in_trace() -> bool {
        slot::has_context()
    }

    /// The context of the frame this scope opened its span on (or pushed), as it is now: the
    /// call's own context, even when the call entered a context above it and kept it.
    pub(crate) fn context(&self) -> Option<TraceContext> {
        if self.frame == NOTHING {
            return TraceContext::current();
        }
        slot::context_of(FrameId::from_raw(self.frame.get() & !FLAGS))
    }

    /// Undoes what [`open`](Self::open) did. Called once, by the guard's drop.
    #[inline(always)]
    pub(crate) fn close(&self) {
        if !self.close_in_place() {
            self.close_slow();
        }
    }

    /// Undoes what [`open`](Self::open) did when that takes no call (nothing changed, or the
    /// span's frame is still on top) and returns `true`; otherwise changes nothing and returns
    /// `false`, and [`close`](Self::close) must be called.
    #[inline(always)]
    pub(crate) fn close_in_place(&self) -> bool {
        if self.frame == NOTHING {
            return true;
        }
        let frame = self.frame.get() & !MARK_BIT;
        // A started trace's frame never matches: `STARTED_BIT` is never set in a frame id.
        if slot::is_top(FrameId::from_raw(frame)) {
            // The caller's span-id is the span's parent-id (see the type's docs).
            slot::set_span_ids(SpanIds {
                span_id: slot::span_ids().parent_span_id,
                parent_span_id: self.caller_parent_span_id,
            });
            return true;
        }
        false
    }

    /// The rest of [`close`](Self::close) after [`close_in_place`](Self::close_in_place)
    /// returned `false`: removes the started trace's frame, or closes the span on its covered
    /// frame.
    #[cold]
    #[inline(never)]
    pub(crate) fn close_slow(&self) {
        let frame = FrameId::from_raw(self.frame.get() & !FLAGS);
        if self.frame.get() & STARTED_BIT != 0 {
            slot::remove(frame);
        } else {
            // Something the call entered is still entered above its frame.
            slot::close_covered_span(frame, self.caller_parent_span_id);
        }
    }
}
/// Starts a trace (and its first span, if `span`) in a frame of its own: the same value as
/// `new_root().child()`. Returns the [`SpanScope::frame`] value that ends it ([`NOTHING`], changing
/// nothing, at thread teardown).
#[inline(never)]
fn start(span: bool) -> NonZeroU64 {
    let (trace_id, flags) = new_trace();
    let span_id = if span { Some(SpanId::random()) } else { None };
    slot::push_started(trace_id, flags, span_id)
        .map_or(NOTHING, |frame| frame.raw_nonzero() | STARTED_BIT)
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
