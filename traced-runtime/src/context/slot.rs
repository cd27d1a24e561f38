//! The per-thread slot: a stack of frames, each entered by one scope or guard and removed by it.
//!
//! This file alone holds the slot's thread-locals. It has no `unsafe`: every frame owns its
//! context, and guards and scopes hold only the [`FrameId`] of the frame they pushed, never a
//! pointer or a copy of the slot's state. Whatever safe code does with a guard (keeps it past a
//! poll, drops it out of order, leaks it, drops it while a panic unwinds), dropping it can only
//! remove its own frame, if that frame is still there, so nothing can make a reader see freed
//! memory or a context that nobody entered.
//!
//! Layout, chosen for the traced-call fast path:
//!
//! - `FRAMES` owns the frames' contexts, bottom first. Below every frame is the base: no
//!   context, which is what a thread starts with.
//! - `TOP` is the id of the top frame (`0`: the base), whose low bit says whether it has a
//!   context, so "is a context current?" is one load of a destructor-free `Cell`.
//! - `SPAN_ID` / `PARENT_SPAN_ID` are the top frame's span ids. A `#[traced(span)]` call opens
//!   and closes its span in place by writing these two cells only, so the top frame's context
//!   in `FRAMES` may lag behind them; a frame's ids are written back when another frame covers
//!   it and read back when it is uncovered.
//!
//! The span ids are two 8-byte cells rather than one 16-byte one: a 16-byte load of what two
//! 8-byte stores wrote stalls store-to-load forwarding (about 5 ns per call).

use core::cell::{Cell, RefCell};

use super::TraceContext;
use crate::id::SpanId;

thread_local! {
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
    static TOP: Cell<u64> = const { Cell::new(BASE) };
    static SPAN_ID: Cell<Option<SpanId>> = const { Cell::new(None) };
    static PARENT_SPAN_ID: Cell<Option<SpanId>> = const { Cell::new(None) };
    /// The next frame number (see [`FrameId`]).
    static NEXT: Cell<u64> = const { Cell::new(1) };
}

/// [`TOP`] when no frame is entered: no context.
const BASE: u64 = 0;
/// The bit of a frame id that says the frame has a context.
const HAS_CONTEXT: u64 = 1;
/// Frame ids advance in steps of this, leaving the low bits to [`HAS_CONTEXT`] and to the
/// users of [`FrameId::raw`].
const STEP: u64 = 4;

/// Names one frame of this thread's slot. Ids are never reused (a `u64` counter), so an id whose
/// frame was removed names nothing, whatever was pushed since.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FrameId(u64);

impl FrameId {
    /// The id as a number: a multiple of 4 plus [`HAS_CONTEXT`] (bit 1 is always clear).
    #[inline]
    pub(crate) const fn raw(self) -> u64 {
        self.0
    }

    /// The id whose [`raw`](Self::raw) value is `raw`.
    #[inline]
    pub(crate) const fn from_raw(raw: u64) -> Self {
        Self(raw)
    }
}

struct Frame {
    id: FrameId,
    /// `None`: the frame hides whatever is below it ("no context").
    ctx: Option<TraceContext>,
}

/// The span-id and parent-id of the current context, as the two cells hold them.
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

    #[inline]
    pub(crate) fn of(ctx: &TraceContext) -> Self {
        Self {
            span_id: ctx.span_id,
            parent_span_id: ctx.parent_span_id,
        }
    }

    #[inline]
    fn of_frame(ctx: Option<&TraceContext>) -> Self {
        ctx.map_or(Self::NONE, Self::of)
    }

    #[inline]
    pub(crate) fn write_to(self, ctx: &mut TraceContext) {
        ctx.span_id = self.span_id;
        ctx.parent_span_id = self.parent_span_id;
    }
}

/// Whether the top frame has a context: one `Cell` load.
#[inline(always)]
pub(crate) fn has_context() -> bool {
    TOP.get() & HAS_CONTEXT != 0
}

/// The id of the top frame when it has a context: one `Cell` load.
#[inline(always)]
pub(crate) fn context_frame() -> Option<FrameId> {
    let top = TOP.get();
    (top & HAS_CONTEXT != 0).then_some(FrameId(top))
}

/// Whether `frame` is the top frame.
#[inline(always)]
pub(crate) fn is_top(frame: FrameId) -> bool {
    TOP.get() == frame.0
}

/// The current span ids (the top frame's).
#[inline(always)]
pub(crate) fn span_ids() -> SpanIds {
    SpanIds {
        span_id: SPAN_ID.get(),
        parent_span_id: PARENT_SPAN_ID.get(),
    }
}

/// Sets the top frame's span ids. Only meaningful while the top frame has a context.
#[inline(always)]
pub(crate) fn set_span_ids(ids: SpanIds) {
    SPAN_ID.set(ids.span_id);
    PARENT_SPAN_ID.set(ids.parent_span_id);
}

/// Sets the span ids of frame `id`, wherever it is: in the cells when it is the top frame, in
/// its context when it is covered; nothing when it is gone.
pub(crate) fn set_span_ids_of(id: FrameId, ids: SpanIds) {
    if TOP.get() == id.0 {
        set_span_ids(ids);
        return;
    }
    let _gone = FRAMES.try_with(|frames| {
        let Ok(mut frames) = frames.try_borrow_mut() else {
            return;
        };
        if let Some(Frame { ctx: Some(ctx), .. }) = frames.iter_mut().find(|f| f.id == id) {
            ids.write_to(ctx);
        }
    });
}

/// Calls `f` with the top frame's context as it is stored (its span ids may lag behind
/// [`span_ids`]), or `None` when no context is current or the slot is unavailable (thread
/// teardown, or a reader inside an allocation made while the slot is being changed).
///
/// `f` runs while the slot is borrowed: it must not run user code (log, enter, drop guards).
#[inline]
pub(crate) fn with_top<R>(f: impl FnOnce(Option<&TraceContext>) -> R) -> R {
    if !has_context() {
        return f(None);
    }
    let mut f = Some(f);
    let result = FRAMES.try_with(|frames| {
        let frames = frames.try_borrow().ok()?;
        let ctx = frames.last().and_then(|top| top.ctx.as_ref());
        f.take().map(|f| f(ctx))
    });
    match (result, f) {
        (Ok(Some(r)), _) => r,
        (_, Some(f)) => f(None),
        // `f` ran and returned, so the first arm matched.
        (_, None) => unreachable!("with_top: closure consumed without a result"),
    }
}

/// The context of frame `id` as it is now (with its current span ids), wherever it is; `None`
/// when it has none or is gone.
pub(crate) fn context_of(id: FrameId) -> Option<TraceContext> {
    let top = is_top(id);
    let mut ctx = FRAMES
        .try_with(|frames| {
            let frames = frames.try_borrow().ok()?;
            frames.iter().rfind(|f| f.id == id)?.ctx.clone()
        })
        .ok()
        .flatten()?;
    if top {
        span_ids().write_to(&mut ctx);
    }
    Some(ctx)
}

/// Pushes a frame with `ctx` (`None`: "no context") and makes it current.
///
/// # Errors
///
/// `ctx` back, and nothing changed, when the slot is unavailable: during thread teardown, or
/// from inside an allocation made while the slot is being changed.
#[inline]
pub(crate) fn push(ctx: Option<TraceContext>) -> Result<FrameId, Option<TraceContext>> {
    let number = NEXT.get();
    NEXT.set(number.wrapping_add(1));
    let id = FrameId(number.wrapping_mul(STEP) | if ctx.is_some() { HAS_CONTEXT } else { 0 });
    let ids = SpanIds::of_frame(ctx.as_ref());
    let mut ctx = Some(ctx);
    let _gone = FRAMES.try_with(|frames| {
        let Ok(mut frames) = frames.try_borrow_mut() else {
            return;
        };
        // The frame being covered keeps its span ids in its context from now on.
        if has_context() {
            if let Some(Frame {
                ctx: Some(below), ..
            }) = frames.last_mut()
            {
                span_ids().write_to(below);
            }
        }
        if let Some(ctx) = ctx.take() {
            frames.push(Frame { id, ctx });
        }
    });
    if let Some(ctx) = ctx {
        return Err(ctx);
    }
    TOP.set(id.0);
    set_span_ids(ids);
    Ok(id)
}

/// Removes exactly frame `id`, wherever it is in the stack, and returns its context. Frames above
/// it stay, now on what was below it. Nothing happens when it is gone.
#[inline]
pub(crate) fn remove(id: FrameId) -> Option<TraceContext> {
    FRAMES
        .try_with(|frames| {
            let mut frames = frames.try_borrow_mut().ok()?;
            let at = frames.iter().rposition(|f| f.id == id)?;
            let mut frame = frames.remove(at);
            if at == frames.len() {
                take_span_ids(&mut frame);
                uncover(frames.last());
            }
            frame.ctx
        })
        .ok()
        .flatten()
}

/// Removes frame `id` and every frame above it, and returns its context: what was current
/// before the frame was pushed is current again, whatever was entered since and is still
/// entered. Nothing happens when it is gone.
#[inline]
pub(crate) fn truncate(id: FrameId) -> Option<TraceContext> {
    FRAMES
        .try_with(|frames| {
            let mut frames = frames.try_borrow_mut().ok()?;
            let at = frames.iter().rposition(|f| f.id == id)?;
            let was_top = at + 1 == frames.len();
            // Dropping the frames above releases `Arc`s of strings only: no user code runs.
            frames.truncate(at + 1);
            let mut frame = frames.pop()?;
            if was_top {
                take_span_ids(&mut frame);
            }
            uncover(frames.last());
            frame.ctx
        })
        .ok()
        .flatten()
}

/// Brings the context of the top frame, which is leaving, up to date with the span-id cells.
#[inline]
fn take_span_ids(top: &mut Frame) {
    if let Some(ctx) = &mut top.ctx {
        span_ids().write_to(ctx);
    }
}

/// Makes `top` (`None`: the base) the current frame after the frame above it went away.
#[inline]
fn uncover(top: Option<&Frame>) {
    TOP.set(top.map_or(BASE, |f| f.id.0));
    set_span_ids(SpanIds::of_frame(top.and_then(|f| f.ctx.as_ref())));
}
