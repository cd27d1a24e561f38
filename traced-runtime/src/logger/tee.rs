//! A second consumer of the records traced's logger prints (the OpenTelemetry log export of
//! `otel::logs`): [`TracedLogger`](super::TracedLogger) offers it every record its inner logger
//! would print, with the context that was current, before stamping and printing it.
//!
//! The consumer is set once per process; while none is set the whole cost is one atomic load.
//! It lives below `otel` (which sets it), so that `log` never imports `otel`.

use std::sync::OnceLock;

use ::log::{Log, Record};

use crate::context::{TraceContext, with_current};

/// What receives a copy of every printed record. Implementations must not block: they run on
/// the logging thread.
pub(crate) trait Tee: Send + Sync + 'static {
    /// `record` as logged (its own key-values, not the stamp), `ctx` the context that was
    /// current: the one whose ids the printed line shows.
    fn record(&self, record: &Record<'_>, ctx: Option<&TraceContext>);
}

static TEE: OnceLock<Box<dyn Tee>> = OnceLock::new();

/// Sets the process's tee.
///
/// # Errors
///
/// Gives `tee` back when one is already set.
#[cfg_attr(not(feature = "opentelemetry"), allow(dead_code))]
pub(crate) fn set(tee: Box<dyn Tee>) -> Result<(), Box<dyn Tee>> {
    TEE.set(tee)
}

/// Hands `record`, with the current context, to the tee when one is set and `inner` would
/// print the record. Without a tee: one atomic load.
#[inline]
pub(super) fn offer<L: Log>(inner: &L, record: &Record<'_>) {
    if let Some(tee) = TEE.get() {
        if inner.enabled(record.metadata()) {
            with_current(|ctx| tee.record(record, ctx));
        }
    }
}
