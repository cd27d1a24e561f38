//! Span lifecycle: what a finished span records, and where it goes.
//!
//! Logs with trace-ids are the core product and need nothing from this module. Once a system
//! spans many services, its users want whole traces in Jaeger, Tempo or an OpenTelemetry
//! Collector; for that, every span (a `#[traced(span)]` call, a server request of the tower
//! layer, a [`SpanGuard`] opened by hand) records its name, start and end time, ids, status and
//! user fields as a [`SpanData`] and hands it to the installed [`SpanExporter`].
//!
//! With no exporter installed, a span costs one relaxed atomic load and allocates nothing.
//! Only sampled spans (see [`TraceFlags::SAMPLED`](crate::TraceFlags::SAMPLED)) are exported;
//! unsampled traces keep their ids and their log lines.
//!
//! The `opentelemetry` feature provides the exporter that matters in practice:
//! `otel::install` hands spans to an OpenTelemetry SDK tracer provider.

use std::borrow::Cow;
use std::error::Error;
use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use crate::context::{ContextGuard, TraceContext};

static EXPORTER: OnceLock<Box<dyn SpanExporter>> = OnceLock::new();
static ENABLED: AtomicBool = AtomicBool::new(false);

/// Receives every finished, sampled span.
///
/// Called synchronously on the thread that ended the span, so implementations should hand the
/// span to a queue or a batch processor (as the OpenTelemetry SDK's batch processor does) rather
/// than do I/O.
pub trait SpanExporter: Send + Sync + 'static {
    /// Takes one finished span.
    fn export(&self, span: SpanData);
}

impl<F: Fn(SpanData) + Send + Sync + 'static> SpanExporter for F {
    fn export(&self, span: SpanData) {
        self(span);
    }
}

/// Installs the process-wide span exporter. Spans that end from now on are exported.
///
/// # Errors
///
/// [`SetExporterError`] when an exporter is already installed (there is one per process, like
/// `log`'s logger).
pub fn set_exporter(exporter: impl SpanExporter) -> Result<(), SetExporterError> {
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

/// Returned by [`set_exporter`] when an exporter is already installed.
#[derive(Debug)]
pub struct SetExporterError(());

impl fmt::Display for SetExporterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a span exporter is already installed; there is one per process")
    }
}

impl Error for SetExporterError {}

/// The outcome of a span, as OpenTelemetry's span status models it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpanStatus {
    /// Nothing was said about the outcome (a normal return).
    #[default]
    Unset,
    /// The call failed: it returned `Err` (with `#[traced(err)]`) or panicked.
    Error {
        /// What went wrong: the error's `Display`, or `panicked`.
        description: Cow<'static, str>,
    },
}

/// A finished span, as handed to the [`SpanExporter`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SpanData {
    /// The span's context: trace-id, span-id (always `Some`), parent span-id, trace-flags,
    /// user fields (exported as attributes), tracestate.
    pub context: TraceContext,
    /// The span's name: the function (`Controller::api1` style where known), or the request
    /// line for server spans.
    pub name: Cow<'static, str>,
    /// The `log` target of the code that opened it (its module path).
    pub target: &'static str,
    /// When the span started (wall clock).
    pub start_time: SystemTime,
    /// When the span ended (wall clock, never before `start_time`).
    pub end_time: SystemTime,
    /// How it ended.
    pub status: SpanStatus,
}

/// The start of a span that will be exported: present only when an exporter is installed.
#[derive(Clone, Copy, Debug)]
pub struct Started(SystemTime);

/// Notes the start of a span; `None` (after one relaxed load) when no exporter is installed.
#[inline]
#[must_use]
pub fn start() -> Option<Started> {
    if is_enabled() {
        Some(Started(SystemTime::now()))
    } else {
        None
    }
}

/// Ends a span that [`start`] started, and exports it if its trace is sampled.
///
/// `ctx` is the span's own context (its span-id is the span's id).
pub fn finish(
    started: Started,
    ctx: &TraceContext,
    name: Cow<'static, str>,
    target: &'static str,
    status: SpanStatus,
) {
    if ctx.span_id().is_none() || !ctx.is_sampled() {
        return;
    }
    let Some(exporter) = EXPORTER.get() else {
        return;
    };
    let end_time = SystemTime::now().max(started.0);
    exporter.export(SpanData {
        context: ctx.clone(),
        name,
        target,
        start_time: started.0,
        end_time,
        status,
    });
}

/// The status of a span whose guard drops now: an error while a panic unwinds.
#[inline]
pub(crate) fn status_on_drop() -> SpanStatus {
    if std::thread::panicking() {
        SpanStatus::Error {
            description: Cow::Borrowed("panicked"),
        }
    } else {
        SpanStatus::Unset
    }
}

/// A span opened by hand: a child of the current context (or the first span of a new trace),
/// current until the guard drops, and exported when it drops.
///
/// For code that is not a function of its own (a loop iteration, a phase of a handler). Like
/// [`ContextGuard`], do not hold it across an `.await`.
///
/// ```
/// use traced_runtime::export::SpanGuard;
///
/// let outer = traced_runtime::TraceContext::new_root().child();
/// outer.in_scope(|| {
///     let span = SpanGuard::enter("load-config");
///     assert_eq!(span.context().parent_span_id(), outer.span_id());
///     log::info!("loading"); // carries the new span-id
/// });
/// ```
#[must_use = "the span ends as soon as the guard is dropped; bind it with `let _span = ...`"]
#[derive(Debug)]
pub struct SpanGuard {
    ctx: TraceContext,
    name: Cow<'static, str>,
    started: Option<Started>,
    status: SpanStatus,
    _scope: ContextGuard,
}

impl SpanGuard {
    /// Opens a span named `name` under the current context and makes it current.
    pub fn enter(name: impl Into<Cow<'static, str>>) -> Self {
        let parent = TraceContext::current().unwrap_or_else(TraceContext::new_root);
        let ctx = parent.child();
        Self {
            _scope: ctx.enter(),
            ctx,
            name: name.into(),
            started: start(),
            status: SpanStatus::Unset,
        }
    }

    /// The span's context.
    #[must_use]
    pub fn context(&self) -> &TraceContext {
        &self.ctx
    }

    /// Marks the span as failed with `description` (exported as its status).
    pub fn set_error(&mut self, description: impl Into<Cow<'static, str>>) {
        self.status = SpanStatus::Error {
            description: description.into(),
        };
    }
}

impl Drop for SpanGuard {
    fn drop(&mut self) {
        if let Some(started) = self.started {
            let status = match status_on_drop() {
                SpanStatus::Unset => core::mem::take(&mut self.status),
                panicked => panicked,
            };
            finish(
                started,
                &self.ctx,
                core::mem::take(&mut self.name),
                "traced_runtime::export",
                status,
            );
        }
    }
}
