//! Log records to an OpenTelemetry SDK logger provider: every record traced's logger prints
//! (the application's `log` records, `tracing` events with the `tracing` feature, `#[traced]`'s
//! entry and exit lines, the server layer's access lines) is also emitted as an OpenTelemetry
//! [LogRecord](https://opentelemetry.io/docs/specs/otel/logs/data-model/#log-and-event-record-definition),
//! whose processors batch and export it (OTLP with the `otlp` feature, see
//! [`otlp`](super::otlp)).
//!
//! Each exported record carries:
//!
//! - `TraceId`, `SpanId`, `TraceFlags`: those of the context that was current, the ids the
//!   printed line shows (a context without a span has the invalid, all-zero span-id, as the
//!   line shows `-`); none outside a context;
//! - `Timestamp` and `ObservedTimestamp`: when the record was logged;
//! - `SeverityNumber` / `SeverityText`: as `opentelemetry-appender-log` and
//!   `opentelemetry-appender-tracing` map the five levels (see [`severity`]): `ERROR` 17,
//!   `WARN` 13, `INFO` 9, `DEBUG` 5, `TRACE` 1;
//! - `Body`: the message, as a string;
//! - `Attributes`: the context's user fields (strings), then the record's key-values (integers,
//!   floats and booleans typed, everything else as its `Display` string), then `code.namespace`
//!   (module path), `code.file.path` and `code.line.number` where the record has them;
//! - `InstrumentationScope`: the record's target (`my_app::api`, `traced_runtime::layer`);
//! - `Resource`: the provider's (with [`otlp::init`](super::otlp::init), the same as the
//!   spans').
//!
//! Emitting runs on the logging thread and never blocks there: a batch processor only enqueues.
//! The records are those the inner logger's filter (`RUST_LOG`) lets through, except those of
//! the crates an OTLP exporter runs on (`hyper`, `hyper_util`, `h2`, `reqwest`, `tonic`,
//! `tower`, `opentelemetry*`): they are printed, not exported, since exporting them would log
//! more of them.
//!
//! ```
//! use opentelemetry_sdk::logs::{InMemoryLogExporter, SdkLoggerProvider};
//!
//! let exporter = InMemoryLogExporter::default();
//! let provider = SdkLoggerProvider::builder().with_simple_exporter(exporter.clone()).build();
//! traced_runtime::otel::logs::install(&provider)?;
//! # Ok::<(), traced_runtime::otel::logs::InstallLogsError>(())
//! ```

use core::fmt;
use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::SystemTime;

use ::log::kv::{self, Key, Value, VisitSource};
use ::log::{Level, Record};
use opentelemetry::Context;
use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry_sdk::logs::{SdkLogRecord, SdkLogger, SdkLoggerProvider};

use super::{otel_flags, otel_span_id, otel_trace_id, scope};
use crate::context::TraceContext;
use crate::export::semconv::CODE_NAMESPACE;
use crate::logger::tee::{self, Tee};

/// Attribute of the source file path (OpenTelemetry semantic conventions, stable).
pub const CODE_FILE_PATH: &str = "code.file.path";
/// Attribute of the source line number (OpenTelemetry semantic conventions, stable).
pub const CODE_LINE_NUMBER: &str = "code.line.number";

/// Log records not exported because the export queue was full, since the process started.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// How many log records were dropped because the OTLP log queue was full (a slow or dead
/// collector), since the process started: a monotonic counter, as a metric exporter would
/// read it. Only the queue [`otlp::init`](super::otlp::init) sets up counts here; a provider
/// of your own ([`install`]) drops as its processor does.
#[must_use]
pub fn dropped_records() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

/// Emits every record traced's logger prints to `provider` from now on (see the module docs).
///
/// Install traced's logger as well ([`logger::init`](crate::logger::init) or a
/// [`TracedLogger`](crate::logger::TracedLogger)): the records are the ones it prints.
///
/// # Errors
///
/// [`InstallLogsError`] when a logger provider is already installed in this process.
pub fn install(provider: &SdkLoggerProvider) -> Result<(), InstallLogsError> {
    install_gated(provider, None)
}

/// [`install`], admitting a record only while `gate` has room.
pub(super) fn install_gated(
    provider: &SdkLoggerProvider,
    gate: Option<Arc<Gate>>,
) -> Result<(), InstallLogsError> {
    let tee = OtelTee {
        logger: provider.logger_with_scope(scope()),
        gate,
    };
    tee::set(Box::new(tee)).map_err(|_| InstallLogsError(()))
}

/// Returned by [`install`] (and [`otlp::init`](super::otlp::init)) when a logger provider is
/// already installed: there is one per process.
#[derive(Debug)]
pub struct InstallLogsError(());

impl fmt::Display for InstallLogsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a log record exporter is already installed; there is one per process")
    }
}

impl Error for InstallLogsError {}

/// The OpenTelemetry severity of a `log` level (a `tracing` level maps as the `log` level of
/// the same name), as `opentelemetry-appender-log` maps it. The severity text is
/// [`Level::as_str`] (`"INFO"`).
///
/// See the [log data model's severity
/// fields](https://opentelemetry.io/docs/specs/otel/logs/data-model/#field-severitynumber).
#[must_use]
pub const fn severity(level: Level) -> Severity {
    match level {
        Level::Error => Severity::Error,
        Level::Warn => Severity::Warn,
        Level::Info => Severity::Info,
        Level::Debug => Severity::Debug,
        Level::Trace => Severity::Trace,
    }
}

/// The tee that turns records into SDK log records.
struct OtelTee {
    logger: SdkLogger,
    gate: Option<Arc<Gate>>,
}

impl Tee for OtelTee {
    fn record(&self, record: &Record<'_>, ctx: Option<&TraceContext>) {
        // The SDK's own threads (the batch exporter's) run suppressed: what the HTTP client
        // logs while exporting must not be exported in turn.
        if Context::is_current_telemetry_suppressed() || is_exporter_crate(record.target()) {
            return;
        }
        if let Some(gate) = &self.gate {
            if !gate.try_enter() {
                DROPPED.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
        self.logger.emit(to_log_record(&self.logger, record, ctx));
    }
}

/// The crates the OTLP exporters run on: what they log while exporting is printed but not
/// exported, or every export would log records to export (OpenTelemetry's examples filter the
/// same crates out of their log bridges).
const EXPORTER_CRATES: &[&str] = &[
    "h2",
    "hyper",
    "hyper_util",
    "reqwest",
    "tonic",
    "tower",
    "opentelemetry",
    "opentelemetry_http",
    "opentelemetry_otlp",
    "opentelemetry_sdk",
];

/// Whether `target` belongs to one of [`EXPORTER_CRATES`].
fn is_exporter_crate(target: &str) -> bool {
    let krate = target.split("::").next().unwrap_or(target);
    EXPORTER_CRATES.contains(&krate)
}

/// The SDK log record of `record` logged in `ctx`.
fn to_log_record(
    logger: &SdkLogger,
    record: &Record<'_>,
    ctx: Option<&TraceContext>,
) -> SdkLogRecord {
    let mut out = logger.create_log_record();
    let now = SystemTime::now();
    out.set_timestamp(now);
    out.set_observed_timestamp(now);
    out.set_severity_number(severity(record.level()));
    out.set_severity_text(record.level().as_str());
    out.set_body(match record.args().as_str() {
        Some(text) => AnyValue::from(text),
        None => AnyValue::from(record.args().to_string()),
    });
    // The OTLP exporter reports a record's target as its instrumentation scope.
    out.set_target(record.target().to_owned());
    if let Some(ctx) = ctx {
        out.set_trace_context(
            otel_trace_id(ctx.trace_id()),
            ctx.span_id()
                .map_or(opentelemetry::trace::SpanId::INVALID, otel_span_id),
            Some(otel_flags(ctx.trace_flags())),
        );
        for (key, value) in ctx.fields().iter() {
            out.add_attribute(key.to_owned(), value.to_owned());
        }
    }
    // A key-value that fails to convert is skipped; the visit of our own sources never fails.
    let _ = record.key_values().visit(&mut Attributes(&mut out));
    if let Some(module) = record.module_path() {
        out.add_attribute(CODE_NAMESPACE, module.to_owned());
    }
    if let Some(file) = record.file() {
        out.add_attribute(CODE_FILE_PATH, file.to_owned());
    }
    if let Some(line) = record.line() {
        out.add_attribute(CODE_LINE_NUMBER, i64::from(line));
    }
    out
}

/// Adds each key-value as an attribute.
struct Attributes<'a>(&'a mut SdkLogRecord);

impl<'kvs> VisitSource<'kvs> for Attributes<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), kv::Error> {
        self.0
            .add_attribute(key.as_str().to_owned(), any_value(&value));
        Ok(())
    }
}

/// A key-value's value: integers, floats and booleans typed, strings as they are, anything else
/// as its `Display` string.
fn any_value(value: &Value<'_>) -> AnyValue {
    if let Some(text) = value.to_borrowed_str() {
        return AnyValue::from(text.to_owned());
    }
    if let Some(int) = value.to_i64() {
        return AnyValue::Int(int);
    }
    if let Some(boolean) = value.to_bool() {
        return AnyValue::Boolean(boolean);
    }
    // A u64 above i64::MAX or a u128 has no exact OTLP integer: its decimal string is exact.
    if value.to_u64().is_none() && value.to_i128().is_none() {
        if let Some(float) = value.to_f64() {
            return AnyValue::Double(float);
        }
    }
    AnyValue::from(value.to_string())
}

/// Bounds the records between the logging threads and the exporter: a record enters when it is
/// emitted and leaves when its batch's export returns (exported or failed), so the SDK's queue
/// (of the same capacity) never fills and every record refused is counted in
/// [`dropped_records`].
#[derive(Debug)]
pub(super) struct Gate {
    in_flight: AtomicUsize,
    capacity: usize,
}

impl Gate {
    #[cfg(feature = "otlp")]
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            in_flight: AtomicUsize::new(0),
            capacity,
        }
    }

    /// Takes a place, or says there is none.
    fn try_enter(&self) -> bool {
        let before = self.in_flight.fetch_add(1, Ordering::AcqRel);
        if before < self.capacity {
            return true;
        }
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
        false
    }

    /// Frees `n` places.
    #[cfg(feature = "otlp")]
    pub(super) fn leave(&self, n: usize) {
        self.in_flight.fetch_sub(n, Ordering::AcqRel);
    }
}
