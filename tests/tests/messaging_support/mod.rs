//! Shared by the broker tests: the broker's URL from the environment (or a clean skip), the
//! exported spans, unique queue names.

use std::sync::{Mutex, OnceLock, PoisonError};

use traced_runtime::TraceContext;
use traced_runtime::export::{FinishedSpan, set_exporter};

/// The URL in `var`, or `None` after printing why the test is skipped (`.ci/run` sets it after
/// starting the brokers; see README's messaging section to start them locally).
pub(crate) fn broker_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("skipped: {var} is not set (no broker to test against)");
            None
        }
    }
}

static SPANS: Mutex<Vec<FinishedSpan>> = Mutex::new(Vec::new());

/// Installs the collecting exporter (once per test binary).
pub(crate) fn collect_spans() {
    static INSTALL: OnceLock<()> = OnceLock::new();
    INSTALL.get_or_init(|| {
        set_exporter(|span: FinishedSpan| {
            SPANS
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(span);
        })
        .expect("first exporter of this test binary");
    });
}

/// The exported spans of `trace`'s trace.
pub(crate) fn spans_of(trace: &TraceContext) -> Vec<FinishedSpan> {
    SPANS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter(|span| span.context.trace_id() == trace.trace_id())
        .cloned()
        .collect()
}

/// The exported span whose span-id is `ctx`'s.
pub(crate) fn span_of(ctx: &TraceContext) -> Option<FinishedSpan> {
    SPANS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .find(|span| span.context.span_id() == ctx.span_id())
        .cloned()
}

/// A name no other test run uses.
pub(crate) fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", TraceContext::new_root().trace_id())
}
