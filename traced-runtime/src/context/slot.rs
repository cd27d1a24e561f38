//! The per-thread slot: a stack of frames, each entered by one guard or scope and removed by it.
//!
//! This file alone holds the slot's thread-locals and its one `unsafe`: the dereference of a
//! context lent for a poll (see [`lend`] for why it is sound). Guards and scopes hold only the
//! [`FrameId`] of the frame they pushed, never a pointer or a copy of the slot's state, so
//! whatever safe code does with a guard (keeps it past a poll, drops it out of order, leaks it,
//! drops it while a panic unwinds), dropping it can only remove its own frame, and only if that
//! frame is still there.
//!
//! Layout, chosen for the fast paths (a poll, a traced call):
//!
//! - The frames, bottom first: the first [`INLINE`] in arrays of `Cell`s (no destructor, no
//!   borrow flag: pushing and popping a frame is a few plain stores), deeper ones in `SPILLED`.
//!   Below every frame is the base: no context, which is what a thread starts with. Frame ids
//!   grow with every push, so the stack is sorted by id.
//! - `OWNED` holds the contexts that guards and `in_scope` entered (64 bytes each) in the order
//!   of their frames; polls and traced calls never touch it.
//! - All of it but the spilled frames and the owned contexts is one thread-local, `SLOT`.
//! - `top` is the id of the top frame (`0`: the base), whose low bit says whether it has a
//!   context, so "is a context current?" is one load.
//! - `span_id` / `parent_span_id` are the top frame's span ids. A `#[traced(span)]` call opens
//!   and closes its span in place by writing these two cells only; a frame's ids are saved in the
//!   frame when another frame covers it and loaded back when it is uncovered. They are two 8-byte
//!   cells rather than one 16-byte one: a 16-byte load of what two 8-byte stores wrote stalls
//!   store-to-load forwarding (about 5 ns per call).

use core::cell::{Cell, RefCell};
use core::ptr::NonNull;

use super::value::{SpanIds, TraceContext};
use crate::id::{SpanId, TraceFlags, TraceId};

/// Frames kept in the inline arrays; deeper ones (leaked guards, say) go to `SPILLED`.
const INLINE: usize = 32;

thread_local! {
    static SLOT: Slot = const { Slot::new() };
    /// Frames from [`INLINE`] on.
    static SPILLED: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
    static OWNED: RefCell<Vec<(FrameId, TraceContext)>> = const { RefCell::new(Vec::new()) };
}

/// The hot part of the slot: one thread-local of destructor-free `Cell`s, so that every access
/// is an offset from one thread-pointer base.
struct Slot {
    /// The id of the top frame (`BASE`: none).
    top: Cell<u64>,
    /// The top frame's span ids.
    span_id: Cell<Option<SpanId>>,
    parent_span_id: Cell<Option<SpanId>>,
    /// The number of frames.
    len: Cell<usize>,
    /// The id of the next frame, before its flag bits (see [`FrameId`]).
    next: Cell<u64>,
    ids: [Cell<FrameId>; INLINE],
    spans: [Cell<SpanIds>; INLINE],
    held: [Cell<Held>; INLINE],
}

impl Slot {
    const fn new() -> Self {
        Self {
            top: Cell::new(BASE),
            span_id: Cell::new(None),
            parent_span_id: Cell::new(None),
            len: Cell::new(0),
            next: Cell::new(STEP),
            ids: [const { Cell::new(FrameId(BASE)) }; INLINE],
            spans: [const { Cell::new(SpanIds::NONE) }; INLINE],
            held: [const { Cell::new(Held::Nothing) }; INLINE],
        }
    }
}

#[inline(always)]
fn slot<R>(f: impl FnOnce(&Slot) -> R) -> R {
    SLOT.with(f)
}

/// `Slot::top` when no frame is entered: no context.
const BASE: u64 = 0;
/// The bit of a frame id that says the frame has a context.
const HAS_CONTEXT: u64 = 1;
/// The bit of a frame id that says the frame's context is in `OWNED`.
const OWNS: u64 = 2;
/// Frame ids advance in steps of this, which leaves bit 2 clear for [`FrameId::raw`]'s users.
const STEP: u64 = 8;

/// Names one frame of this thread's slot. Ids are never reused (a 64-bit counter), so an id
/// whose frame is gone names nothing, whatever was pushed since.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct FrameId(u64);

impl FrameId {
    /// The id as a number: never 0, bit 2 always clear.
    #[inline(always)]
    pub(crate) const fn raw(self) -> u64 {
        self.0
    }

    /// The id whose [`raw`](Self::raw) value is `raw`.
    #[inline(always)]
    pub(crate) const fn from_raw(raw: u64) -> Self {
        Self(raw)
    }
}

/// What a frame makes current.
#[derive(Clone, Copy)]
enum Held {
    /// No context: the frame hides whatever is below it.
    Nothing,
    /// A context entered by a guard or a scope, kept in `OWNED` under the frame's id.
    Owned,
    /// The trace a traced call started: its first context has nothing but ids, so only those are
    /// kept (the trace-id as bytes, which keeps a frame 8-byte aligned; the span ids are the
    /// frame's).
    Started([u8; 16], TraceFlags),
    /// The context of a future, lent for one poll by [`lend`].
    Lent(NonNull<TraceContext>),
}

#[derive(Clone, Copy)]
struct Frame {
    id: FrameId,
    /// The frame's span ids while it is covered (for the top frame, the cells hold them).
    span: SpanIds,
    held: Held,
}

impl Frame {
    /// Calls `f` with the frame's context as stored (span ids not applied), `None` when it has
    /// none. `f` must not run user code (it may clone the context or read its ids).
    #[inline]
    fn with_context<R>(&self, f: impl FnOnce(Option<&TraceContext>) -> R) -> R {
        match self.held {
            Held::Nothing => f(None),
            Held::Owned => with_owned(self.id, f),
            Held::Started(trace_id, flags) => match TraceId::from_bytes(trace_id) {
                Some(trace_id) => f(Some(&TraceContext::new(trace_id, None, flags))),
                None => f(None),
            },
            // SAFETY: `self` was read from the stack just now, and a `Lent` frame is on the
            // stack only while the `lend` call that pushed it runs, during which `lend` borrows
            // the pointee (see `lend`): it is alive and not mutated. The reference lives for
            // `f`'s call only, which runs no user code, so the frame cannot be removed meanwhile.
            Held::Lent(ctx) => f(Some(unsafe { ctx.as_ref() })),
        }
    }
}

/// Calls `f` with the context `OWNED` keeps for frame `id`.
fn with_owned<R>(id: FrameId, f: impl FnOnce(Option<&TraceContext>) -> R) -> R {
    let mut f = Some(f);
    let seen = OWNED.try_with(|owned| {
        let owned = owned.try_borrow().ok()?;
        let at = owned.binary_search_by_key(&id, |(id, _)| *id).ok()?;
        f.take().map(|f| f(Some(&owned[at].1)))
    });
    match (seen, f) {
        (Ok(Some(r)), _) => r,
        (_, Some(f)) => f(None),
        (_, None) => unreachable!("with_owned: closure consumed without a result"),
    }
}

// The stack, by position. Positions from `INLINE` on are in `SPILLED` (the cold paths).

#[inline(always)]
fn id_at(at: usize) -> Option<FrameId> {
    if at < INLINE {
        Some(slot(|s| s.ids[at].get()))
    } else {
        spilled(at).map(|f| f.id)
    }
}

#[inline(always)]
fn span_at(at: usize) -> SpanIds {
    if at < INLINE {
        slot(|s| s.spans[at].get())
    } else {
        spilled(at).map_or(SpanIds::NONE, |f| f.span)
    }
}

#[inline(always)]
fn set_span_at(at: usize, span: SpanIds) {
    if at < INLINE {
        slot(|s| s.spans[at].set(span));
    } else {
        set_spilled(at, |f| f.span = span);
    }
}

#[inline(always)]
fn frame_at(at: usize) -> Option<Frame> {
    if at < INLINE {
        Some(Frame {
            id: slot(|s| s.ids[at].get()),
            span: slot(|s| s.spans[at].get()),
            held: slot(|s| s.held[at].get()),
        })
    } else {
        spilled(at)
    }
}

/// Writes `frame` at `at`, which is at most the number of frames; `false` when the spilled
/// frames are unavailable (thread teardown).
#[inline(always)]
fn set_frame_at(at: usize, frame: Frame) -> bool {
    if at < INLINE {
        slot(|s| s.ids[at].set(frame.id));
        slot(|s| s.spans[at].set(frame.span));
        slot(|s| s.held[at].set(frame.held));
        true
    } else {
        push_or_set_spilled(at, frame)
    }
}

#[cold]
fn spilled(at: usize) -> Option<Frame> {
    SPILLED
        .try_with(|spilled| spilled.try_borrow().ok()?.get(at - INLINE).copied())
        .ok()
        .flatten()
}

#[cold]
fn set_spilled(at: usize, f: impl FnOnce(&mut Frame)) {
    let _gone = SPILLED.try_with(|spilled| {
        if let Ok(mut spilled) = spilled.try_borrow_mut() {
            if let Some(frame) = spilled.get_mut(at - INLINE) {
                f(frame);
            }
        }
    });
}

#[cold]
fn push_or_set_spilled(at: usize, frame: Frame) -> bool {
    SPILLED
        .try_with(|spilled| {
            let Ok(mut spilled) = spilled.try_borrow_mut() else {
                return false;
            };
            match at - INLINE {
                i if i < spilled.len() => spilled[i] = frame,
                i if i == spilled.len() => spilled.push(frame),
                _ => return false,
            }
            true
        })
        .unwrap_or(false)
}

/// Shortens the stack to `len` frames (the spilled part included) and makes the new top
/// current.
#[inline(always)]
fn set_len(len: usize) {
    let old = slot(|s| s.len.get());
    slot(|s| s.len.set(len));
    if old > INLINE {
        truncate_spilled(len);
    }
    match len
        .checked_sub(1)
        .and_then(|top| Some((id_at(top)?, span_at(top))))
    {
        Some((id, span)) => {
            slot(|s| s.top.set(id.0));
            set_span_ids(span);
        }
        None => {
            slot(|s| s.top.set(BASE));
            set_span_ids(SpanIds::NONE);
        }
    }
}

/// Pops the top frame, at `top` in the inline arrays, and makes the one below current.
#[inline(always)]
fn pop_inline(top: usize) {
    slot(|s| s.len.set(top));
    match top.checked_sub(1) {
        Some(below) if below < INLINE => {
            slot(|s| s.top.set(s.ids[below].get().0));
            set_span_ids(slot(|s| s.spans[below].get()));
        }
        _ => {
            slot(|s| s.top.set(BASE));
            set_span_ids(SpanIds::NONE);
        }
    }
}

#[cold]
fn truncate_spilled(len: usize) {
    let _gone = SPILLED.try_with(|spilled| {
        if let Ok(mut spilled) = spilled.try_borrow_mut() {
            spilled.truncate(len.saturating_sub(INLINE));
        }
    });
}

/// The position of frame `id`, searching from the top (where scopes and guards usually find
/// theirs).
fn position(id: FrameId) -> Option<usize> {
    (0..slot(|s| s.len.get()))
        .rev()
        .find(|&at| id_at(at) == Some(id))
}

/// Whether the top frame has a context: one `Cell` load.
#[inline(always)]
pub(crate) fn has_context() -> bool {
    slot(|s| s.top.get()) & HAS_CONTEXT != 0
}

/// The id of the top frame when it has a context: one `Cell` load.
#[inline(always)]
pub(crate) fn context_frame() -> Option<FrameId> {
    let top = slot(|s| s.top.get());
    (top & HAS_CONTEXT != 0).then_some(FrameId(top))
}

/// Whether `frame` is the top frame.
#[inline(always)]
pub(crate) fn is_top(frame: FrameId) -> bool {
    slot(|s| s.top.get()) == frame.0
}

/// The current span ids (the top frame's).
#[inline(always)]
pub(crate) fn span_ids() -> SpanIds {
    SpanIds {
        span_id: slot(|s| s.span_id.get()),
        parent_span_id: slot(|s| s.parent_span_id.get()),
    }
}

/// Sets the top frame's span ids. Only meaningful while the top frame has a context.
#[inline(always)]
pub(crate) fn set_span_ids(ids: SpanIds) {
    slot(|s| s.span_id.set(ids.span_id));
    slot(|s| s.parent_span_id.set(ids.parent_span_id));
}

/// Sets the span ids of frame `id`, which is not the top frame; nothing when it is gone.
#[cold]
pub(crate) fn set_covered_span_ids(id: FrameId, ids: SpanIds) {
    if let Some(at) = position(id) {
        set_span_at(at, ids);
    }
}

/// Calls `f` with the current context as stored (its span ids may lag behind [`span_ids`]), or
/// `None` when no context is current. `f` must not run user code (it may clone the context or
/// read its ids).
#[inline]
pub(crate) fn with_top<R>(f: impl FnOnce(Option<&TraceContext>) -> R) -> R {
    if !has_context() {
        return f(None);
    }
    match slot(|s| s.len.get()).checked_sub(1).and_then(frame_at) {
        Some(top) => top.with_context(f),
        None => f(None),
    }
}

/// A clone of the context of frame `id` as it is now (with its current span ids), wherever it is;
/// `None` when it has none or is gone.
pub(crate) fn context_of(id: FrameId) -> Option<TraceContext> {
    let frame = frame_at(position(id)?)?;
    let mut ctx = frame.with_context(|ctx| ctx.cloned())?;
    let span = if is_top(id) { span_ids() } else { frame.span };
    ctx.set_span_ids(span);
    Some(ctx)
}

/// Pushes a frame with `ctx` (`None`: no context) and makes it current; `None`, and nothing
/// changed, when the slot is unavailable (thread teardown, or a push from inside an allocation
/// made while the slot is being changed).
#[inline]
pub(crate) fn push(ctx: Option<TraceContext>) -> Option<FrameId> {
    let Some(ctx) = ctx else {
        return push_frame(Held::Nothing, 0, SpanIds::NONE);
    };
    let span = ctx.span_ids();
    let id = next_id(HAS_CONTEXT | OWNS);
    let owned = OWNED.try_with(|owned| {
        let mut owned = owned.try_borrow_mut().ok()?;
        owned.push((id, ctx));
        Some(())
    });
    if owned != Ok(Some(())) {
        return None;
    }
    let pushed = push_frame_as(id, Held::Owned, span);
    if pushed.is_none() {
        // Undo the context's entry: the spilled frames were unavailable.
        let _ = OWNED.try_with(|owned| owned.try_borrow_mut().map(|mut o| o.pop()));
    }
    pushed
}

/// Pushes the frame of a trace that a traced call starts: `trace_id` and `flags`, with `span_id`
/// as its first span (`None`: no span yet).
#[inline]
pub(crate) fn push_started(
    trace_id: TraceId,
    flags: TraceFlags,
    span_id: Option<SpanId>,
) -> Option<FrameId> {
    let span = SpanIds {
        span_id,
        parent_span_id: None,
    };
    push_frame(Held::Started(trace_id.to_bytes(), flags), HAS_CONTEXT, span)
}

/// The id of the next frame, with `flags` ([`HAS_CONTEXT`], [`OWNS`]).
#[inline(always)]
fn next_id(flags: u64) -> FrameId {
    FrameId(slot(|s| s.next.get()) | flags)
}

#[inline(always)]
fn push_frame(held: Held, has_context: u64, span: SpanIds) -> Option<FrameId> {
    push_frame_as(next_id(has_context), held, span)
}

#[inline(always)]
fn push_frame_as(id: FrameId, held: Held, span: SpanIds) -> Option<FrameId> {
    let len = slot(|s| s.len.get());
    if len < INLINE {
        // The new top frame's span ids live in the cells until it is covered.
        slot(|s| s.ids[len].set(id));
        slot(|s| s.held[len].set(held));
    } else if !push_or_set_spilled(len, Frame { id, span, held }) {
        return None;
    }
    if let Some(below) = len.checked_sub(1) {
        // The frame being covered keeps its span ids in itself from now on.
        set_span_at(below, span_ids());
    }
    slot(|s| s.len.set(len + 1));
    slot(|s| s.next.set((id.0 & !(STEP - 1)).wrapping_add(STEP)));
    slot(|s| s.top.set(id.0));
    set_span_ids(span);
    Some(id)
}

/// Removes exactly frame `id`, wherever it is in the stack. Frames above it stay, now on what was
/// below it. Nothing happens when it is gone.
#[inline]
pub(crate) fn remove(id: FrameId) {
    let len = slot(|s| s.len.get());
    let Some(top) = len.checked_sub(1) else {
        return;
    };
    // The common case: a started trace's frame, ending on top.
    if id.0 & OWNS == 0 && top < INLINE && slot(|s| s.ids[top].get()) == id {
        pop_inline(top);
        return;
    }
    remove_slow(id);
}

#[cold]
#[inline(never)]
fn remove_slow(id: FrameId) {
    let Some(at) = position(id) else {
        return;
    };
    let len = slot(|s| s.len.get());
    let owned = id.0 & OWNS != 0;
    if at + 1 == len {
        set_len(at);
    } else {
        // Shift the frames above down by one; the top frame stays the top frame.
        for from in at + 1..len {
            if let Some(frame) = frame_at(from) {
                set_frame_at(from - 1, frame);
            }
        }
        slot(|s| s.len.set(len - 1));
        if len > INLINE {
            truncate_spilled(len - 1);
        }
    }
    if owned {
        // Dropped after the slot's borrow has ended.
        let _ctx = OWNED.try_with(|owned| {
            let mut owned = owned.try_borrow_mut().ok()?;
            let at = owned.binary_search_by_key(&id, |(id, _)| *id).ok()?;
            Some(owned.remove(at))
        });
    }
}

/// Removes frame `id` and every frame above it: what was current before the frame was pushed is
/// current again, whatever was entered since and is still entered. Nothing happens when it is
/// gone, which only a spilled frame during thread teardown can be (see `lend`).
#[inline(always)]
fn truncate(id: FrameId) {
    let len = slot(|s| s.len.get());
    match len.checked_sub(1) {
        // Nothing was left above the frame, and it owns no context: the common case.
        Some(top) if id.0 & OWNS == 0 && top < INLINE && slot(|s| s.ids[top].get()) == id => {
            pop_inline(top);
        }
        _ => truncate_slow(id),
    }
}

#[cold]
#[inline(never)]
fn truncate_slow(id: FrameId) {
    let Some(at) = position(id) else {
        return;
    };
    let any_owned = (at..slot(|s| s.len.get()))
        .any(|at| frame_at(at).is_some_and(|f| matches!(f.held, Held::Owned)));
    set_len(at);
    if any_owned {
        // Sorted by id like the frames: drop the contexts of `id` and everything above it, after
        // the borrow (dropping them releases `Arc`s of strings only).
        let _dropped = OWNED.try_with(|owned| {
            let mut owned = owned.try_borrow_mut().ok()?;
            let at = owned.partition_point(|(owned_id, _)| *owned_id < id);
            Some(owned.split_off(at))
        });
    }
}

/// Runs `f` in a scope: with `ctx` (`None`: no context) current, and afterwards with exactly
/// what was current before, whatever `f` entered and kept, also when `f` panics.
#[inline(always)]
pub(crate) fn scope<R>(ctx: Option<TraceContext>, f: impl FnOnce() -> R) -> R {
    match push(ctx) {
        Some(frame) => {
            let _end = EndScope(frame);
            f()
        }
        // Thread teardown: `f` runs with whatever is current.
        None => f(),
    }
}

/// Runs `f` (one poll of a future) with `ctx` current, lent by reference: neither cloned nor
/// moved. Afterwards exactly what was current before is current again, also when `f` panics.
///
/// This is what makes [`Held::Lent`] sound. The frame holding the pointer is pushed here and
/// removed, together with every frame above it, by `EndScope` before this function returns or
/// unwinds, while `ctx` is still borrowed; `EndScope` is private to this file and never leaked.
/// Nothing else removes or copies the pointer: guards and scopes know only their own frame ids,
/// a scope's frame is on the stack until the scope ends (scopes nest with the call stack, and
/// only a scope removes its own frame), and readers copy the pointee, never the pointer. The one
/// way `EndScope` can miss its frame is a frame in `SPILLED` after `SPILLED` was destroyed at
/// thread teardown, and then the pointer went with it.
#[inline(always)]
pub(crate) fn lend<R>(ctx: &TraceContext, f: impl FnOnce() -> R) -> R {
    let span = ctx.span_ids();
    match push_frame(Held::Lent(NonNull::from(ctx)), HAS_CONTEXT, span) {
        Some(frame) => {
            let _end = EndScope(frame);
            f()
        }
        // Thread teardown, with the spilled frames gone: `f` runs with whatever is current.
        None => f(),
    }
}

/// Ends a scope's frame, and every frame above it, when dropped.
struct EndScope(FrameId);

impl Drop for EndScope {
    #[inline(always)]
    fn drop(&mut self) {
        truncate(self.0);
    }
}
