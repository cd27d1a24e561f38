//! The entry of a sync traced fn and the guard that ends it: the span opened in place (or the
//! trace started), or a whole derived context installed for `root` and `fields(...)`.

use super::Callsite;
use super::open_spans;
use super::setup::{Setup, derive_for};
use super::span_end::{finish_scope_span, finish_span};
use crate::context::{SpanScope, TraceContext, TraceContextGuard};
use crate::export::{self, Started};

/// Scope of a sync traced call: ends its span (exported when an exporter is installed) and
/// undoes its change to the current context when dropped.
///
/// Two words on purpose (16 bytes): it is returned in registers by the out-of-line entry, which
/// lets the entry's fast path be a leaf function that tail-calls its general path, and it has
/// no drop glue, so what the traced fn runs on drop is one call to [`Drop::drop`], out of line
/// too. The start and callsite of an exported span are kept aside (`open_spans`), and the scope
/// is marked.
#[must_use]
pub struct SyncGuard {
    scope: SpanScope,
}

impl Drop for SyncGuard {
    // Out of line, like the entry: one call in every traced fn. Without a span to export and
    // with the span's frame on top, a leaf function; everything else goes to `end`.
    #[inline(never)]
    fn drop(&mut self) {
        if self.scope.marked() {
            self.end();
        } else if !self.scope.close_in_place() {
            // A started trace's frame, or a span whose frame something covers.
            self.scope.close_slow();
        }
    }
}

impl SyncGuard {
    /// The end of a call whose span is exported: export it, then undo the call's change
    /// wherever its frame is.
    #[inline(never)]
    fn end(&mut self) {
        if let Some((started, callsite)) = open_spans::take(&self.scope) {
            finish_scope_span(started, &self.scope, callsite);
        }
        self.scope.close();
    }

    /// The guard of a call that opened `scope`, with the span's start kept aside when an
    /// exporter is installed.
    #[inline(always)]
    fn exporting(scope: SpanScope, callsite: &'static Callsite) -> Self {
        let marked = scope.with_mark();
        match export::start() {
            // A scope that changed nothing (thread teardown) cannot be marked, nor exported.
            Some(started) if marked.marked() && open_spans::push(marked, started, callsite) => {
                Self { scope: marked }
            }
            _ => Self { scope },
        }
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
/// What is inlined into the traced fn is small on purpose: one out-of-line call for the fast
/// path, a test, the out-of-line general path, and the drop (out of line too). Inlining the
/// scope's code cost about 8 ms of optimisation per traced fn in a release build (4x
/// fastrace's, see `benches/compile_time.py`); the calls cost a few instructions per traced call.
#[inline]
pub fn enter_sync(callsite: &'static Callsite, self_type: Option<&'static str>) -> SyncGuard {
    // The guard and `Option<SyncGuard>` are two words, returned in registers: nothing is
    // returned through memory (a struct written by 8-byte stores and then copied by 16-byte
    // loads stalls store-to-load forwarding), and the fast paths, which take only the callsite,
    // are leaf functions that save no registers.
    let fast = if callsite.span {
        enter_span_fast(callsite)
    } else {
        enter_trace_fast(callsite)
    };
    match fast {
        Some(guard) => guard,
        // `callsite.span` is a constant here: each traced fn calls the one it needs.
        None if callsite.span => enter_span_general(callsite, self_type),
        None => enter_trace_general(callsite, self_type),
    }
}

/// The fast entry of `#[traced(span)]`: inside a trace, with no exporter and the entry line
/// disabled, it opens the span in place and makes no call. `None`, changing nothing, for
/// everything else (starting a trace, exporting, logging, the thread's first span-id).
#[inline(never)]
fn enter_span_fast(callsite: &'static Callsite) -> Option<SyncGuard> {
    // Outside a trace first: starting one is the general path's, and this test is the cheapest.
    if !SpanScope::in_trace() || export::is_enabled() || callsite.enabled() {
        return None;
    }
    SpanScope::open_span_in_place().map(|scope| SyncGuard { scope })
}

/// The fast entry of plain `#[traced]`: inside a trace with the entry line disabled it changes
/// nothing and makes no call; `None` otherwise.
#[inline(never)]
fn enter_trace_fast(callsite: &'static Callsite) -> Option<SyncGuard> {
    (SpanScope::in_trace() && !callsite.enabled()).then_some(SyncGuard {
        scope: SpanScope::UNCHANGED,
    })
}

/// The general entry of `#[traced(span)]`: opens the span (starting a trace when none is
/// current), starts the exported span, logs the entry line.
#[inline(never)]
fn enter_span_general(callsite: &'static Callsite, self_type: Option<&'static str>) -> SyncGuard {
    let guard = SyncGuard::exporting(SpanScope::open(true), callsite);
    callsite.log_entry(self_type);
    guard
}

/// The general entry of plain `#[traced]`: starts a trace when none is current, logs the entry
/// line.
#[inline(never)]
fn enter_trace_general(callsite: &'static Callsite, self_type: Option<&'static str>) -> SyncGuard {
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
    SyncGuard::exporting(SpanScope::open(true), callsite)
}

/// Ensures a trace is current, starting one when none is.
#[inline]
fn open_trace(_callsite: &'static Callsite) -> SyncGuard {
    SyncGuard {
        scope: SpanScope::open(false),
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
        // Returned in two registers by the entry; it was 128 bytes when it embedded a whole
        // `TraceContextGuard`, 48 when it kept the caller's span ids and the span's start.
        assert_eq!(size_of::<SyncGuard>(), 16);
    }
}
