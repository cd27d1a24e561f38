//! The exported spans of this thread's open sync traced calls: their start and callsite, kept
//! here rather than in the call's guard, which stays two words (returned in registers, so the
//! entry's fast path is a leaf function).
//!
//! Sync traced calls nest with the call stack (their guards are locals of the traced fns, and
//! dropped in reverse order, also while unwinding), so the entries form a stack. Each entry is
//! keyed by its guard's scope; [`take`] searches from the top, so a guard that somehow never
//! dropped costs its own entry only.

use core::cell::RefCell;

use super::Callsite;
use crate::context::SpanScope;
use crate::export::Started;

thread_local! {
    static OPEN: RefCell<Vec<(SpanScope, Started, &'static Callsite)>> =
        const { RefCell::new(Vec::new()) };
}

/// Notes the start of the exported span of the call whose scope is `scope`; `false` when it
/// could not be kept (thread teardown), and then the span is not exported.
pub(super) fn push(scope: SpanScope, started: Started, callsite: &'static Callsite) -> bool {
    OPEN.try_with(|open| {
        open.try_borrow_mut()
            .map(|mut open| open.push((scope, started, callsite)))
            .is_ok()
    })
    .unwrap_or(false)
}

/// Removes and returns the start of the span of the call whose scope is `scope`.
pub(super) fn take(scope: &SpanScope) -> Option<(Started, &'static Callsite)> {
    OPEN.try_with(|open| {
        let mut open = open.try_borrow_mut().ok()?;
        let at = open.iter().rposition(|(s, _, _)| s == scope)?;
        let (_, started, callsite) = open.remove(at);
        Some((started, callsite))
    })
    .ok()
    .flatten()
}
