//! Which ids [`TracedLogger`](super::TracedLogger) stamped on the record being logged on this
//! thread: the ready-made formats read their id columns from here, and know that every key-value
//! with a context key's name is that stamp (a user's was renamed), without comparing values.
//!
//! A record that reaches a format without passing through `TracedLogger` (a logger's `inner()`
//! called directly) finds nothing here: the format then reads the ids from the context, and every
//! key-value named like a context key is a user's.

use core::cell::Cell;

use crate::context::TraceContext;
#[cfg(feature = "env_logger")]
use crate::context::{current_span_id, with_current, with_current_trace};
use crate::id::{SpanId, TraceFlags, TraceId};

/// A context's ids, as a format writes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Stamp {
    pub(super) trace_id: TraceId,
    pub(super) span_id: Option<SpanId>,
    pub(super) parent_span_id: Option<SpanId>,
    pub(super) trace_flags: TraceFlags,
}

impl Stamp {
    pub(super) fn of(ctx: &TraceContext) -> Self {
        Self {
            trace_id: ctx.trace_id(),
            span_id: ctx.span_id(),
            parent_span_id: ctx.parent_span_id(),
            trace_flags: ctx.trace_flags(),
        }
    }
}

thread_local! {
    /// The ids of the record `TracedLogger` is handing to its inner logger on this thread.
    static STAMPED: Cell<Option<Stamp>> = const { Cell::new(None) };
}

/// The ids of the record being stamped on this thread, if any.
#[inline]
pub(super) fn stamped() -> Option<Stamp> {
    STAMPED.try_with(Cell::get).ok().flatten()
}

/// Marks the record stamped with `ids` as being logged until the guard drops (also during a
/// panic unwind), then restores what was there.
#[inline]
pub(super) fn stamping(ids: Stamp) -> StampGuard {
    StampGuard(
        STAMPED
            .try_with(|cell| cell.replace(Some(ids)))
            .ok()
            .flatten(),
    )
}

/// Restores the previous stamp on drop.
pub(super) struct StampGuard(Option<Stamp>);

impl Drop for StampGuard {
    #[inline]
    fn drop(&mut self) {
        let previous = self.0;
        let _ = STAMPED.try_with(|cell| cell.set(previous));
    }
}

/// What a format needs for one record: the ids for its columns, and whether the record's
/// key-values named like context keys are `TracedLogger`'s stamp (to skip) rather than a
/// user's (to write under the prefix).
#[cfg(feature = "env_logger")]
#[derive(Clone, Copy)]
pub(super) struct Columns {
    pub(super) ids: Option<Stamp>,
    pub(super) stamped: bool,
}

#[cfg(feature = "env_logger")]
impl Columns {
    /// For the record being logged. `with_parent`: whether the format shows the parent-id (read
    /// from the context only then, when the record was not stamped).
    #[inline]
    pub(super) fn current(with_parent: bool) -> Self {
        if let Some(ids) = stamped() {
            return Self {
                ids: Some(ids),
                stamped: true,
            };
        }
        let ids = if with_parent {
            with_current(|ctx| ctx.map(Stamp::of))
        } else {
            with_current_trace(|trace| {
                trace.map(|(trace_id, trace_flags)| Stamp {
                    trace_id,
                    span_id: current_span_id(),
                    parent_span_id: None,
                    trace_flags,
                })
            })
        };
        Self {
            ids,
            stamped: false,
        }
    }
}
