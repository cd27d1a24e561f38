//! An OTLP/HTTP trace and log receiver on loopback for the export tests: axum endpoints
//! (`/v1/traces`, `/v1/logs`) that decode each request with the `opentelemetry-proto` types and
//! keep it.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;
use tokio::runtime::Runtime;

/// What the receiver got, in arrival order.
#[derive(Clone, Default)]
pub(crate) struct Received(
    Arc<Mutex<Vec<ExportTraceServiceRequest>>>,
    Arc<Mutex<Vec<ExportLogsServiceRequest>>>,
);

impl Received {
    /// Every log record of every request, with its instrumentation scope's name.
    #[allow(dead_code, reason = "not every test binary reads the logs")]
    pub(crate) fn logs(&self) -> Vec<(String, LogRecord)> {
        self.1
            .lock()
            .unwrap()
            .iter()
            .flat_map(|r| &r.resource_logs)
            .flat_map(|rl| &rl.scope_logs)
            .flat_map(|sl| {
                let scope = sl
                    .scope
                    .as_ref()
                    .map(|s| s.name.clone())
                    .unwrap_or_default();
                sl.log_records
                    .iter()
                    .map(move |l| (scope.clone(), l.clone()))
            })
            .collect()
    }

    /// The `service.name` resource attribute of the log requests, as `Debug` of its value.
    #[allow(dead_code, reason = "not every test binary reads the logs")]
    pub(crate) fn logs_service_name(&self) -> Option<String> {
        self.1
            .lock()
            .unwrap()
            .iter()
            .flat_map(|r| &r.resource_logs)
            .filter_map(|rl| rl.resource.as_ref())
            .flat_map(|resource| &resource.attributes)
            .find(|kv| kv.key == "service.name")
            .and_then(|kv| kv.value.as_ref())
            .map(|v| format!("{v:?}"))
    }

    /// Every span of every request.
    pub(crate) fn spans(&self) -> Vec<Span> {
        self.requests()
            .iter()
            .flat_map(|r| &r.resource_spans)
            .flat_map(|rs| &rs.scope_spans)
            .flat_map(|ss| ss.spans.clone())
            .collect()
    }

    /// The `service.name` resource attribute of the first request, as `Debug` of its value.
    pub(crate) fn service_name(&self) -> String {
        let requests = self.requests();
        requests
            .iter()
            .flat_map(|r| &r.resource_spans)
            .filter_map(|rs| rs.resource.as_ref())
            .flat_map(|resource| &resource.attributes)
            .find(|kv| kv.key == "service.name")
            .and_then(|kv| kv.value.as_ref())
            .map(|v| format!("{v:?}"))
            .expect("a service.name resource attribute")
    }

    fn requests(&self) -> std::sync::MutexGuard<'_, Vec<ExportTraceServiceRequest>> {
        self.0.lock().unwrap()
    }
}

/// Serves the receiver on a new two-worker runtime (returned, for the test's own servers too)
/// and points the OTLP exporter at it: sets `OTEL_EXPORTER_OTLP_ENDPOINT` and
/// `OTEL_SERVICE_NAME`, and removes `OTEL_TRACES_SAMPLER` so that every trace is sampled.
///
/// Call it first in a test binary with a single test: it changes the process environment.
pub(crate) fn start(service_name: &str) -> (Runtime, Received) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    // SAFETY: the caller's test binary has one test, which calls this before starting any thread
    // that reads the environment.
    unsafe {
        std::env::set_var("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint);
        std::env::set_var("OTEL_SERVICE_NAME", service_name);
        std::env::remove_var("OTEL_TRACES_SAMPLER");
    }
    let received = Received::default();
    let sink = received.clone();
    let logs_sink = received.clone();
    let app = Router::new()
        .route(
            "/v1/traces",
            post(move |body: Bytes| async move {
                let request = ExportTraceServiceRequest::decode(body).expect("valid OTLP protobuf");
                sink.requests().push(request);
                ""
            }),
        )
        .route(
            "/v1/logs",
            post(move |body: Bytes| async move {
                let request = ExportLogsServiceRequest::decode(body).expect("valid OTLP protobuf");
                logs_sink.1.lock().unwrap().push(request);
                ""
            }),
        );
    listener.set_nonblocking(true).unwrap();
    runtime.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        axum::serve(listener, app).await.unwrap();
    });
    (runtime, received)
}

/// Lowercase hex of an id's bytes, as the log records print it.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
