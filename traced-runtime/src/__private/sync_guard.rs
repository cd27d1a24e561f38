//! The entry of a sync traced fn and the guard that ends it: the span opened in place (or the
//! trace started), or a whole derived context installed for `root` and `fields(...)`.

use super::Callsite;
use super::setup::{Setup, derive_for};
use super::span_end::{finish_scope_span, finish_span};
use crate::context::{SpanScope, TraceContext, TraceContextGuard};
use crate::export::{self, Started};

/// Scope of a sync traced call: ends its span (exported when an exporter is installed) and
/// undoes its change to the current context when dropped.
///
/// Small on purpose (48 bytes): it lives in the caller's frame on every traced call. Its fields
/// have no drop glue, so what the traced fn runs on drop is one call to [`Drop::drop`], which
/// is out of line (see [`enter_sync`]).
#[must_use]
pub struct SyncGuard {
    scope: SpanScope,
    span: Option<(Started, &'static Callsite)>,
}

impl Drop for SyncGuard {
    // Out of line, like `enter_sync`: one call in every traced fn.
    #[inline(never)]
    fn drop(&mut self) {
        if let Some((started, callsite)) = self.span.take() {
            finish_scope_span(started, &self.scope, callsite);
        }
        self.scope.close();
    }
}

/// Scope of a sync traced call with `root` or `fields(...)`: a whole derived context is
/// entered, and left when dropped after the span has ended.
#[must_use]
pub struct InstalledGuard {
    span: Option<(Started, &'static Callsite)>,
    context: TraceContextGuard,
}

impl Drop for InstalledGuard {
    // Out of line: one call in every traced fn with `root` or `fields(...)`.
    #[inline(never)]
    fn drop(&mut self) {
        if let Some((started, callsite)) = self.span.take() {
            if let Some(ctx) = self.context.context() {
                finish_span(started, &ctx, callsite);
            }
        }
    }
}

/// Entry of a sync traced fn: ensure a trace (and a span), then log entry.
///
/// What is inlined into the traced fn is small on purpose: one out-of-line call that opens the
/// scope, the level test, and the drop (out of line too). Inlining the scope's code cost about
/// 8 ms of optimisation per traced fn in a release build (4x fastrace's, see
/// `benches/compile_time.py`); the call costs a few instructions per traced call.
#[inline]
pub fn enter_sync(callsite: &'static Callsite, self_type: Option<&'static str>) -> SyncGuard {
    // The guard is built by the out-of-line call straight into the caller's slot: a guard
    // returned here and then moved would be copied 16 bytes at a time right after the callee's
    // 8-byte stores, which stalls store-to-load forwarding.
    if callsite.span {
        enter_span(callsite, self_type)
    } else {
        enter_trace(callsite, self_type)
    }
}

#[inline(never)]
fn enter_span(callsite: &'static Callsite, self_type: Option<&'static str>) -> SyncGuard {
    let guard = open_span(callsite);
    callsite.log_entry(self_type);
    guard
}

#[inline(never)]
fn enter_trace(callsite: &'static Callsite, self_type: Option<&'static str>) -> SyncGuard {
    let guard = open_trace(callsite);
    callsite.log_entry(self_type);
    guard
}

/// Like [`enter_sync`] without the entry line (the expansion logs it with the arguments).
#[inline]
pub fn open_sync(callsite: &'static Callsite) -> SyncGuard {
    // `callsite.span` is a constant here: each traced fn calls the one it needs.
    if callsite.span {
        open_span_out_of_line(callsite)
    } else {
        open_trace_out_of_line(callsite)
    }
}

#[inline(never)]
fn open_span_out_of_line(callsite: &'static Callsite) -> SyncGuard {
    open_span(callsite)
}

#[inline(never)]
fn open_trace_out_of_line(callsite: &'static Callsite) -> SyncGuard {
    open_trace(callsite)
}

/// Opens a child span of the current trace (starting one when none is current).
#[inline]
fn open_span(callsite: &'static Callsite) -> SyncGuard {
    SyncGuard {
        scope: SpanScope::open(true),
        span: export::start().map(|started| (started, callsite)),
    }
}

/// Ensures a trace is current, starting one when none is.
#[inline]
fn open_trace(_callsite: &'static Callsite) -> SyncGuard {
    SyncGuard {
        scope: SpanScope::open(false),
        span: None,
    }
}

/// Entry of a sync traced fn with `root` or `fields(...)`: derives the call's context (a new
/// trace for `root`), applies `setup`, and installs it until the guard drops. Does not log.
///
/// Generic only in the fields' array (one instance per field count), around out-of-line code.
#[inline]
pub fn enter_sync_full<S: Setup>(callsite: &'static Callsite, setup: S) -> InstalledGuard {
    install(callsite, setup.apply(derive_for(callsite)))
}

#[inline(never)]
fn install(callsite: &'static Callsite, ctx: TraceContext) -> InstalledGuard {
    let context = TraceContextGuard::install(Some(ctx));
    InstalledGuard {
        span: if callsite.span {
            export::start().map(|started| (started, callsite))
        } else {
            None
        },
        context,
    }
}

#[cfg(test)]
mod tests {
    use super::SyncGuard;

    #[test]
    fn the_sync_guard_stays_small() {
        // It lives in every traced call's frame and is moved there; it was 128 bytes when it
        // embedded a whole `TraceContextGuard`.
        assert!(size_of::<SyncGuard>() <= 48, "{}", size_of::<SyncGuard>());
    }
}
