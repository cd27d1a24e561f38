//! Span lifecycle: what a finished span records, and where it goes.
//!
//! Logs with trace-ids are the core product and need nothing from this module. Once a system
//! spans many services, its users want whole traces in Jaeger, Tempo or an OpenTelemetry
//! Collector; for that, every span (a `#[traced(span)]` call, a server request or an outgoing
//! request of the tower layers, a [`SpanGuard`] opened by hand) records its name, kind, start
//! and end time, ids, status, attributes and user fields as a [`FinishedSpan`] and hands it to the
//! installed [`Exporter`].
//!
//! With no exporter installed, a span costs one relaxed atomic load and allocates nothing.
//! Only sampled spans (see [`TraceFlags::SAMPLED`](crate::TraceFlags::SAMPLED)) are exported;
//! unsampled traces keep their ids and their log lines.
//!
//! The public API is what users need: the exporter trait and its registration
//! ([`Exporter`], [`set_exporter`]), the exported value ([`FinishedSpan`], [`Kind`],
//! [`SpanStatus`], [`Attribute`]), the hand-opened span ([`SpanGuard`], [`enter_span!`](crate::enter_span))
//! and the attribute names ([`semconv`]). Starting and finishing spans is crate-internal: the
//! macro's expansion and the HTTP layers do it.
//!
//! The `opentelemetry` feature provides the exporter that matters in practice:
//! `otel::install` hands spans to an OpenTelemetry SDK tracer provider.

#[cfg(any(feature = "tower", feature = "reqwest"))]
pub(crate) mod ending;
#[cfg(feature = "tower")]
pub(crate) mod grpc;
mod guard;
#[cfg(any(feature = "tower", feature = "reqwest"))]
pub(crate) mod http;
pub mod semconv;
mod span;

use std::error::Error;
use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

pub use guard::SpanGuard;
pub use span::{Attribute, AttributeValue, FinishedSpan, Kind, Link, SpanStatus};
pub(crate) use span::{Finish, Started, finish, start, status_on_drop};

static EXPORTER: OnceLock<Box<dyn Exporter>> = OnceLock::new();
static ENABLED: AtomicBool = AtomicBool::new(false);

/// Receives every finished, sampled span.
///
/// Called synchronously on the thread that ended the span, so implementations should hand the
/// span to a queue or a batch processor (as the OpenTelemetry SDK's batch processor does) rather
/// than do I/O.
pub trait Exporter: Send + Sync + 'static {
    /// Takes one finished span.
    fn export(&self, span: FinishedSpan);
}

impl<F: Fn(FinishedSpan) + Send + Sync + 'static> Exporter for F {
    fn export(&self, span: FinishedSpan) {
        self(span);
    }
}

/// Installs the process-wide span exporter. Spans that end from now on are exported.
///
/// # Errors
///
/// [`SetExporterError`] when an exporter is already installed (there is one per process, like
/// `log`'s logger).
pub fn set_exporter(exporter: impl Exporter) -> Result<(), SetExporterError> {
    EXPORTER
        .set(Box::new(exporter))
        .map_err(|_| SetExporterError(()))?;
    ENABLED.store(true, Ordering::Release);
    Ok(())
}

/// Whether an exporter is installed: one relaxed atomic load.
#[inline]
#[must_use]
pub fn is_enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// The installed exporter, if any.
fn exporter() -> Option<&'static dyn Exporter> {
    EXPORTER.get().map(|exporter| &**exporter)
}

/// Returned by [`set_exporter`] when an exporter is already installed.
#[derive(Debug)]
pub struct SetExporterError(());

impl fmt::Display for SetExporterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a span exporter is already installed; there is one per process")
    }
}

impl Error for SetExporterError {}
