//! The entry of a sync traced fn and the guard that ends it: the span opened in place (or the
//! trace started), or a whole derived context installed for `root` and `fields(...)`.

use super::Callsite;
use super::setup::{Setup, derive_for};
use super::span_end::finish_current_span;
use crate::context::{ContextGuard, SpanScope, TraceContext};
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

impl SyncGuard {
    #[inline(always)]
    fn new(scope: SpanScope, callsite: &'static Callsite) -> Self {
        let span = if callsite.span {
            export::start().map(|started| (started, callsite))
        } else {
            None
        };
        Self { scope, span }
    }
}

impl Drop for SyncGuard {
    // Out of line, like `enter_sync`: one call in every traced fn.
    #[inline(never)]
    fn drop(&mut self) {
        if let Some((started, callsite)) = self.span.take() {
            finish_current_span(started, callsite);
        }
        self.scope.close();
    }
}

/// Scope of a sync traced call with `root` or `fields(...)`: a whole derived context is
/// installed, and restored when dropped after the span has ended.
#[must_use]
pub struct InstalledGuard {
    // Fields drop in declaration order: the span ends while its context is still current.
    _span: SyncGuard,
    _context: ContextGuard,
}

/// Entry of a sync traced fn: ensure a trace (and a span), then log entry.
///
/// Out of line on purpose, as is the guard's drop: the traced fn then holds two calls with the
/// callsite's address, not the slot's code. Inlined into every traced fn, that code cost about
/// 8 ms of optimisation per fn in a release build (4x fastrace's; `benches/compile_time.py`),
/// for about 1 ns per call saved.
#[inline(never)]
pub fn enter_sync(callsite: &'static Callsite, self_type: Option<&'static str>) -> SyncGuard {
    let guard = SyncGuard::new(SpanScope::open(callsite.span), callsite);
    callsite.log_entry(self_type);
    guard
}

/// Like [`enter_sync`] without the entry line (the expansion logs it with the arguments).
#[inline(never)]
pub fn open_sync(callsite: &'static Callsite) -> SyncGuard {
    SyncGuard::new(SpanScope::open(callsite.span), callsite)
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
    let _context = ContextGuard::install(Some(ctx));
    InstalledGuard {
        _span: SyncGuard::new(SpanScope::UNCHANGED, callsite),
        _context,
    }
}

#[cfg(test)]
mod tests {
    use super::SyncGuard;

    #[test]
    fn the_sync_guard_stays_small() {
        // It lives in every traced call's frame and is moved there; it was 128 bytes when it
        // embedded a whole `ContextGuard`.
        assert!(size_of::<SyncGuard>() <= 48, "{}", size_of::<SyncGuard>());
    }
}
