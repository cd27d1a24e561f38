//! Export over OTLP (feature `otlp`), configured by the standard OpenTelemetry environment
//! variables.
//!
//! [`init`] builds an `opentelemetry-otlp` span exporter (HTTP/protobuf; gRPC with the
//! `otlp-grpc` feature and `OTEL_EXPORTER_OTLP_PROTOCOL=grpc`) behind a batch processor, installs
//! it with [`install`](super::install), and returns a guard that flushes and shuts the pipeline
//! down when dropped. Keep the guard alive until the end of `main`.
//!
//! | variable | effect | default |
//! |---|---|---|
//! | `OTEL_EXPORTER_OTLP_ENDPOINT` | collector base URL (`/v1/traces` is appended for HTTP) | `http://127.0.0.1:4318` |
//! | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` | full traces URL, wins over the above | |
//! | `OTEL_EXPORTER_OTLP_PROTOCOL` | `http/protobuf`, or `grpc` (feature `otlp-grpc`) | `http/protobuf` |
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
use std::error::Error;

use opentelemetry_otlp::{ExporterBuildError, WithExportConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;

use crate::export::SetExporterError;
use crate::sampling::{ParseSamplerError, Sampler, set_sampler};

/// Where spans go when no endpoint variable is set.
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:4318";

/// Keeps the OTLP pipeline running; flushes pending spans and shuts it down when dropped.
#[must_use = "dropping the guard shuts the exporter down; keep it until the end of main"]
#[derive(Debug)]
pub struct OtlpGuard {
    provider: SdkTracerProvider,
}

impl OtlpGuard {
    /// The tracer provider spans are handed to (for OpenTelemetry-instrumented libraries that
    /// should export through the same pipeline).
    #[must_use]
    pub fn provider(&self) -> &SdkTracerProvider {
        &self.provider
    }

    /// Exports every finished span now.
    ///
    /// # Errors
    ///
    /// The SDK's error when the exporter fails or times out.
    pub fn force_flush(&self) -> Result<(), OtlpError> {
        self.provider
            .force_flush()
            .map_err(|e| OtlpError::Export(e.to_string()))
    }
}

impl Drop for OtlpGuard {
    fn drop(&mut self) {
        if let Err(error) = self.provider.shutdown() {
            ::log::warn!(target: "traced_runtime::otel", "OTLP shutdown failed: {error}");
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
    /// A span exporter is already installed in this process.
    AlreadyInstalled(SetExporterError),
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
            Self::AlreadyInstalled(e) => e.fmt(f),
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
            Self::Protocol(_) | Self::Export(_) => None,
        }
    }
}

/// Starts exporting sampled spans over OTLP as configured by the environment (see the module
/// docs), and installs the head sampler named by `OTEL_TRACES_SAMPLER`.
///
/// # Errors
///
/// [`OtlpError`] when a variable is invalid, the exporter cannot be built, or a span exporter is
/// already installed. Nothing is installed then.
pub fn init() -> Result<OtlpGuard, OtlpError> {
    let sampler = Sampler::from_env().map_err(OtlpError::Sampler)?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(build_exporter()?)
        .with_resource(Resource::builder().build())
        .build();
    super::install(&provider).map_err(OtlpError::AlreadyInstalled)?;
    if let Some(sampler) = sampler {
        set_sampler(sampler);
    }
    Ok(OtlpGuard { provider })
}

fn build_exporter() -> Result<opentelemetry_otlp::SpanExporter, OtlpError> {
    let protocol = std::env::var("OTEL_EXPORTER_OTLP_PROTOCOL").unwrap_or_default();
    match protocol.trim() {
        "" | "http/protobuf" => {
            let mut builder = opentelemetry_otlp::SpanExporter::builder().with_http();
            let from_env = [
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "OTEL_EXPORTER_OTLP_ENDPOINT",
            ]
            .iter()
            .any(|var| std::env::var_os(var).is_some());
            if !from_env {
                builder = builder.with_endpoint(format!("{DEFAULT_ENDPOINT}/v1/traces"));
            }
            builder.build().map_err(OtlpError::Exporter)
        }
        #[cfg(feature = "otlp-grpc")]
        "grpc" => opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .build()
            .map_err(OtlpError::Exporter),
        other => Err(OtlpError::Protocol(other.to_owned())),
    }
}
