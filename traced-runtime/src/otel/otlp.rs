//! Export over OTLP (feature `otlp`), configured by the standard OpenTelemetry environment
//! variables: spans, and every record traced's logger prints as a log record.
//!
//! [`init`] builds two `opentelemetry-otlp` exporters (HTTP/protobuf; gRPC with the `otlp-grpc`
//! feature and `OTEL_EXPORTER_OTLP_PROTOCOL=grpc`), each behind the SDK's batch processor: spans
//! installed with [`install`](super::install), log records with
//! [`logs::install`](super::logs::install) (see [`logs`](super::logs) for what a record
//! carries). Both share one resource (`service.name` ...). It returns a guard that flushes and
//! shuts both pipelines down when dropped. Keep the guard alive until the end of `main`.
//! [`Builder`] does the same set-up in code.
//!
//! The log pipeline never blocks the logging thread and never grows without bound: a record is
//! only enqueued there; when `OTEL_BLRP_MAX_QUEUE_SIZE` records wait for the exporter (a slow
//! or dead collector), further records are dropped and counted
//! ([`logs::dropped_records`](super::logs::dropped_records)), and the number dropped is written
//! to stderr once per interval (10 s, [`Builder::drop_report_interval`]). The lines printed on
//! stdout/stderr are not affected. To export logs without printing them, give traced's logger a
//! writer that discards: `traced_runtime::logger::Builder::new().writer(Box::new(std::io::sink()))`.
//!
//! | variable | effect | default |
//! |---|---|---|
//! | `OTEL_EXPORTER_OTLP_ENDPOINT` | collector base URL (`/v1/traces`, `/v1/logs` are appended for HTTP) | `http://127.0.0.1:4318` |
//! | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` | full traces URL, wins over the above | |
//! | `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT` | full logs URL, wins over the above | |
//! | `OTEL_EXPORTER_OTLP_PROTOCOL` | `http/protobuf`, or `grpc` (feature `otlp-grpc`) | `http/protobuf` |
//! | `OTEL_EXPORTER_OTLP_{TRACES,LOGS}_PROTOCOL` | the same, for one signal | the above |
//! | `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_{TRACES,LOGS}_HEADERS` | `key=value,...` sent with every export | |
//! | `OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_EXPORTER_OTLP_{TRACES,LOGS}_TIMEOUT` | export timeout, ms | `10000` |
//! | `OTEL_LOGS_EXPORTER` | `otlp`, or `none` for no log export | `otlp` |
//! | `OTEL_BLRP_MAX_QUEUE_SIZE` | log records waiting for export before new ones are dropped | `2048` |
//! | `OTEL_BLRP_SCHEDULE_DELAY` | ms between log exports | `1000` |
//! | `OTEL_BLRP_MAX_EXPORT_BATCH_SIZE` | log records per export | `512` |
//! | `OTEL_BLRP_EXPORT_TIMEOUT` | ms | `30000` |
//! | `OTEL_BSP_*` | the same for spans | |
//! | `OTEL_SERVICE_NAME` | the `service.name` resource attribute | `unknown_service` |
//! | `OTEL_RESOURCE_ATTRIBUTES` | more resource attributes | |
//! | `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG` | the head sampler, see [`sampling`](crate::sampling) | `parentbased_always_on` |
//!
//! ```no_run
//! fn main() -> Result<(), traced_runtime::otel::otlp::OtlpError> {
//!     traced_runtime::logger::init();
//!     let _otlp = traced_runtime::otel::otlp::init()?; // flushed when `main` returns
//!     // ... serve requests ...
//!     Ok(())
//! }
//! ```

use core::fmt;
use std::collections::HashMap;
use std::error::Error;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use opentelemetry_otlp::{
    ExporterBuildError, Protocol, WithExportConfig as _, WithHttpConfig as _,
};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{
    BatchConfigBuilder, BatchLogProcessor, LogBatch, LogExporter, SdkLoggerProvider,
};
use opentelemetry_sdk::trace::SdkTracerProvider;

use super::logs::{Gate, InstallLogsError, dropped_records};
use crate::export::SetExporterError;
use crate::sampling::{ParseSamplerError, Sampler, set_sampler};

/// Where spans and log records go when no endpoint variable is set.
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:4318";

/// How often the number of dropped log records is written to stderr (when some were dropped).
pub const DEFAULT_DROP_REPORT_INTERVAL: Duration = Duration::from_secs(10);

/// `OTEL_BLRP_MAX_QUEUE_SIZE`'s default, the SDK's.
const DEFAULT_LOG_QUEUE_SIZE: usize = 2048;

/// Keeps the OTLP pipelines running; flushes pending spans and log records and shuts both
/// pipelines down when dropped.
#[must_use = "dropping the guard shuts the exporter down; keep it until the end of main"]
#[derive(Debug)]
pub struct OtlpGuard {
    provider: SdkTracerProvider,
    logs: Option<LogsPipeline>,
}

/// The log pipeline and its drop reporter.
#[derive(Debug)]
struct LogsPipeline {
    provider: SdkLoggerProvider,
    /// Closing the sender stops the reporter (after a last report).
    reporter: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
}

impl OtlpGuard {
    /// The tracer provider spans are handed to (for OpenTelemetry-instrumented libraries that
    /// should export through the same pipeline).
    #[must_use]
    pub fn provider(&self) -> &SdkTracerProvider {
        &self.provider
    }

    /// The logger provider log records are emitted to, `None` with `OTEL_LOGS_EXPORTER=none`
    /// (for `opentelemetry-appender-*` bridges of other libraries).
    #[must_use]
    pub fn logger_provider(&self) -> Option<&SdkLoggerProvider> {
        self.logs.as_ref().map(|logs| &logs.provider)
    }

    /// Log records dropped so far because the log queue was full (see
    /// [`logs::dropped_records`](super::logs::dropped_records)).
    #[must_use]
    pub fn dropped_log_records(&self) -> u64 {
        dropped_records()
    }

    /// Exports every finished span and every pending log record now.
    ///
    /// # Errors
    ///
    /// The SDK's error when an exporter fails or times out.
    pub fn force_flush(&self) -> Result<(), OtlpError> {
        let spans = self
            .provider
            .force_flush()
            .map_err(|e| OtlpError::Export(e.to_string()));
        let logs = match &self.logs {
            Some(logs) => logs
                .provider
                .force_flush()
                .map_err(|e| OtlpError::Export(e.to_string())),
            None => Ok(()),
        };
        spans.and(logs)
    }
}

impl Drop for OtlpGuard {
    fn drop(&mut self) {
        if let Err(error) = self.provider.shutdown() {
            ::log::warn!(target: "traced_runtime::otel", "OTLP shutdown failed: {error}");
        }
        if let Some(logs) = &mut self.logs {
            // Written to stderr directly: the log pipeline is going away.
            if let Err(error) = logs.provider.shutdown() {
                eprintln!("traced_runtime::otel: OTLP log pipeline shutdown failed: {error}");
            }
            if let Some((stop, reporter)) = logs.reporter.take() {
                drop(stop);
                let _ = reporter.join();
            }
        }
    }
}

/// Why [`init`] could not start the pipeline.
#[derive(Debug)]
#[non_exhaustive]
pub enum OtlpError {
    /// `OTEL_TRACES_SAMPLER` or `OTEL_TRACES_SAMPLER_ARG` is invalid.
    Sampler(ParseSamplerError),
    /// The exporter could not be built (a malformed endpoint URL, an unsupported protocol).
    Exporter(ExporterBuildError),
    /// `OTEL_EXPORTER_OTLP_PROTOCOL` names a protocol this build does not support.
    Protocol(String),
    /// `OTEL_LOGS_EXPORTER` is neither `otlp` nor `none`.
    LogsExporter(String),
    /// A span exporter is already installed in this process.
    AlreadyInstalled(SetExporterError),
    /// A log record exporter is already installed in this process.
    LogsAlreadyInstalled(InstallLogsError),
    /// Flushing failed.
    Export(String),
}

impl fmt::Display for OtlpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sampler(e) => write!(f, "OTEL_TRACES_SAMPLER: {e}"),
            Self::Exporter(e) => write!(f, "cannot build the OTLP exporter: {e}"),
            Self::Protocol(p) => write!(
                f,
                "OTEL_EXPORTER_OTLP_PROTOCOL={p:?} is not supported: use `http/protobuf`, or \
                 `grpc` with the `otlp-grpc` feature of traced-runtime"
            ),
            Self::LogsExporter(v) => write!(
                f,
                "OTEL_LOGS_EXPORTER={v:?} is not supported: use `otlp` or `none`"
            ),
            Self::AlreadyInstalled(e) => e.fmt(f),
            Self::LogsAlreadyInstalled(e) => e.fmt(f),
            Self::Export(e) => write!(f, "OTLP export failed: {e}"),
        }
    }
}

impl Error for OtlpError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Sampler(e) => Some(e),
            Self::Exporter(e) => Some(e),
            Self::AlreadyInstalled(e) => Some(e),
            Self::LogsAlreadyInstalled(e) => Some(e),
            Self::Protocol(_) | Self::LogsExporter(_) | Self::Export(_) => None,
        }
    }
}

/// Starts exporting sampled spans and log records over OTLP as configured by the environment
/// (see the module docs), and installs the head sampler named by `OTEL_TRACES_SAMPLER`.
/// Same as `Builder::new().init()`.
///
/// # Errors
///
/// [`OtlpError`] when a variable is invalid, an exporter cannot be built, or a span or log
/// exporter is already installed. Nothing is installed then.
pub fn init() -> Result<OtlpGuard, OtlpError> {
    Builder::new().init()
}

/// Configures the OTLP pipelines in code; what it does not set comes from the environment
/// variables of the [module docs](self).
///
/// ```no_run
/// use std::time::Duration;
///
/// let _otlp = traced_runtime::otel::otlp::Builder::new()
///     .endpoint("http://collector:4318")
///     .header("authorization", "Bearer secret")
///     .log_queue_size(8192)
///     .drop_report_interval(Duration::from_secs(60))
///     .init()?;
/// # Ok::<(), traced_runtime::otel::otlp::OtlpError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    logs: Option<bool>,
    endpoint: Option<String>,
    protocol: Option<Protocol>,
    headers: HashMap<String, String>,
    log_queue_size: Option<usize>,
    drop_report_interval: Duration,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// Everything from the environment.
    #[must_use]
    pub fn new() -> Self {
        Self {
            logs: None,
            endpoint: None,
            protocol: None,
            headers: HashMap::new(),
            log_queue_size: None,
            drop_report_interval: DEFAULT_DROP_REPORT_INTERVAL,
        }
    }

    /// Exports log records (`true`) or only spans (`false`); replaces `OTEL_LOGS_EXPORTER`.
    #[must_use]
    pub fn logs(mut self, on: bool) -> Self {
        self.logs = Some(on);
        self
    }

    /// The collector's base URL (`http://collector:4318`; for HTTP, `/v1/traces` and `/v1/logs`
    /// are appended); replaces the endpoint variables.
    #[must_use]
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        let url: String = url.into();
        self.endpoint = Some(url.trim_end_matches('/').to_owned());
        self
    }

    /// `Protocol::HttpBinary` (HTTP/protobuf), or `Protocol::Grpc` with the `otlp-grpc`
    /// feature; replaces `OTEL_EXPORTER_OTLP_PROTOCOL`.
    #[must_use]
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = Some(protocol);
        self
    }

    /// A header sent with every HTTP export (added to `OTEL_EXPORTER_OTLP_HEADERS`'s).
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }

    /// How many log records may wait for the exporter before new ones are dropped; replaces
    /// `OTEL_BLRP_MAX_QUEUE_SIZE` (at least 1).
    #[must_use]
    pub fn log_queue_size(mut self, records: usize) -> Self {
        self.log_queue_size = Some(records.max(1));
        self
    }

    /// How often the number of log records dropped since the last report is written to stderr
    /// (nothing is written while none are dropped); [`DEFAULT_DROP_REPORT_INTERVAL`] unless
    /// set.
    #[must_use]
    pub fn drop_report_interval(mut self, interval: Duration) -> Self {
        self.drop_report_interval = interval;
        self
    }

    /// Starts the pipelines and installs them (and the head sampler named by
    /// `OTEL_TRACES_SAMPLER`).
    ///
    /// # Errors
    ///
    /// [`OtlpError`] when a variable is invalid, an exporter cannot be built, or a span or log
    /// exporter is already installed. Nothing is installed then, except that a log exporter
    /// already installed is reported after the span exporter was.
    pub fn init(self) -> Result<OtlpGuard, OtlpError> {
        let sampler = Sampler::from_env().map_err(OtlpError::Sampler)?;
        let logs_on = match self.logs {
            Some(on) => on,
            None => logs_from_env()?,
        };
        let resource = Resource::builder().build();
        let span_exporter = self.span_exporter()?;
        let log_exporter = if logs_on {
            Some(self.log_exporter()?)
        } else {
            None
        };
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(span_exporter)
            .with_resource(resource.clone())
            .build();
        super::install(&provider).map_err(OtlpError::AlreadyInstalled)?;
        if let Some(sampler) = sampler {
            set_sampler(sampler);
        }
        let mut guard = OtlpGuard {
            provider,
            logs: None,
        };
        if let Some(exporter) = log_exporter {
            let mut config = BatchConfigBuilder::default();
            if let Some(size) = self.log_queue_size {
                config = config.with_max_queue_size(size);
            }
            let capacity = self.log_queue_size.unwrap_or_else(queue_size_from_env);
            let gate = Arc::new(Gate::new(capacity));
            let processor = BatchLogProcessor::builder(Gated {
                inner: exporter,
                gate: Arc::clone(&gate),
            })
            .with_batch_config(config.build())
            .build();
            let provider = SdkLoggerProvider::builder()
                .with_log_processor(processor)
                .with_resource(resource)
                .build();
            super::logs::install_gated(&provider, Some(gate))
                .map_err(OtlpError::LogsAlreadyInstalled)?;
            guard.logs = Some(LogsPipeline {
                provider,
                reporter: Some(start_reporter(self.drop_report_interval)),
            });
        }
        Ok(guard)
    }

    fn protocol_for(&self, signal_var: &str) -> Result<Protocol, OtlpError> {
        if let Some(protocol) = self.protocol {
            return Ok(protocol);
        }
        let protocol = std::env::var(signal_var)
            .or_else(|_| std::env::var("OTEL_EXPORTER_OTLP_PROTOCOL"))
            .unwrap_or_default();
        match protocol.trim() {
            "" | "http/protobuf" => Ok(Protocol::HttpBinary),
            "grpc" => Ok(Protocol::Grpc),
            other => Err(OtlpError::Protocol(other.to_owned())),
        }
    }

    fn span_exporter(&self) -> Result<opentelemetry_otlp::SpanExporter, OtlpError> {
        match self.protocol_for("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")? {
            Protocol::HttpBinary => {
                let mut builder = opentelemetry_otlp::SpanExporter::builder()
                    .with_http()
                    .with_headers(self.headers.clone());
                if let Some(url) = self.http_endpoint(
                    "/v1/traces",
                    &[
                        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                        "OTEL_EXPORTER_OTLP_ENDPOINT",
                    ],
                ) {
                    builder = builder.with_endpoint(url);
                }
                builder.build().map_err(OtlpError::Exporter)
            }
            #[cfg(feature = "otlp-grpc")]
            Protocol::Grpc => {
                let mut builder = opentelemetry_otlp::SpanExporter::builder().with_tonic();
                if let Some(url) = &self.endpoint {
                    builder = builder.with_endpoint(url.clone());
                }
                builder.build().map_err(OtlpError::Exporter)
            }
            other => Err(OtlpError::Protocol(protocol_name(other))),
        }
    }

    fn log_exporter(&self) -> Result<opentelemetry_otlp::LogExporter, OtlpError> {
        match self.protocol_for("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL")? {
            Protocol::HttpBinary => {
                let mut builder = opentelemetry_otlp::LogExporter::builder()
                    .with_http()
                    .with_headers(self.headers.clone());
                if let Some(url) = self.http_endpoint(
                    "/v1/logs",
                    &[
                        "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
                        "OTEL_EXPORTER_OTLP_ENDPOINT",
                    ],
                ) {
                    builder = builder.with_endpoint(url);
                }
                builder.build().map_err(OtlpError::Exporter)
            }
            #[cfg(feature = "otlp-grpc")]
            Protocol::Grpc => {
                let mut builder = opentelemetry_otlp::LogExporter::builder().with_tonic();
                if let Some(url) = &self.endpoint {
                    builder = builder.with_endpoint(url.clone());
                }
                builder.build().map_err(OtlpError::Exporter)
            }
            other => Err(OtlpError::Protocol(protocol_name(other))),
        }
    }

    /// The full HTTP URL to set on the exporter: the builder's base URL plus `path`, ours by
    /// default, or `None` when an environment variable decides (the exporter reads it).
    fn http_endpoint(&self, path: &str, env: &[&str]) -> Option<String> {
        match &self.endpoint {
            Some(base) => Some(format!("{base}{path}")),
            None if env.iter().any(|var| std::env::var_os(var).is_some()) => None,
            None => Some(format!("{DEFAULT_ENDPOINT}{path}")),
        }
    }
}

fn protocol_name(protocol: Protocol) -> String {
    match protocol {
        Protocol::Grpc => "grpc",
        Protocol::HttpBinary => "http/protobuf",
        Protocol::HttpJson => "http/json",
    }
    .to_owned()
}

/// `OTEL_LOGS_EXPORTER`: `otlp` (the default) or `none`.
fn logs_from_env() -> Result<bool, OtlpError> {
    let value = std::env::var("OTEL_LOGS_EXPORTER").unwrap_or_default();
    match value.trim() {
        "" | "otlp" => Ok(true),
        "none" => Ok(false),
        other => Err(OtlpError::LogsExporter(other.to_owned())),
    }
}

/// `OTEL_BLRP_MAX_QUEUE_SIZE` as the SDK reads it.
fn queue_size_from_env() -> usize {
    std::env::var("OTEL_BLRP_MAX_QUEUE_SIZE")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_LOG_QUEUE_SIZE)
}

/// A thread that writes to stderr, once per `interval`, how many log records were dropped since
/// its last report, and once more when the sender is dropped.
fn start_reporter(interval: Duration) -> (mpsc::Sender<()>, JoinHandle<()>) {
    let (stop, stopped) = mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("traced-otlp-drops".to_owned())
        .spawn(move || {
            let mut reported = dropped_records();
            loop {
                let last = stopped.recv_timeout(interval);
                let now = dropped_records();
                if now > reported {
                    eprintln!("{}", drop_report(now - reported, now, interval));
                    reported = now;
                }
                if !matches!(last, Err(mpsc::RecvTimeoutError::Timeout)) {
                    return;
                }
            }
        });
    match thread {
        Ok(handle) => (stop, handle),
        // No thread: the counter stays readable; the report is lost, not the records.
        Err(_) => (stop, std::thread::spawn(|| {})),
    }
}

/// The stderr line about `new` records dropped (`total` since the start).
fn drop_report(new: u64, total: u64, interval: Duration) -> String {
    format!(
        "traced_runtime::otel: {new} log records dropped in the last {}s: the OTLP log queue \
         was full (collector slow or unreachable); {total} dropped in total",
        interval.as_secs_f64()
    )
}

/// An exporter that frees the gate's places of each batch once the inner exporter returned.
#[derive(Debug)]
struct Gated<E> {
    inner: E,
    gate: Arc<Gate>,
}

impl<E: LogExporter> LogExporter for Gated<E> {
    async fn export(&self, batch: LogBatch<'_>) -> OTelSdkResult {
        let n = batch.iter().count();
        let result = self.inner.export(batch).await;
        self.gate.leave(n);
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}
