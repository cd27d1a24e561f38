//! End to end over real OTLP/HTTP: a receiver on loopback (an axum endpoint decoding the
//! protobuf request with the `opentelemetry-proto` types) gets spans whose ids are exactly the
//! ids printed in the log records.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message as _;
use tests::capture;
use traced_runtime::traced;

type Received = Arc<Mutex<Vec<ExportTraceServiceRequest>>>;

#[traced]
fn request() {
    service();
}

#[traced(span)]
fn service() {
    log::info!("working");
    helper();
}

#[traced(span)]
fn helper() {
    log::info!("helping");
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn exported_span_ids_equal_the_logged_ids() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    // SAFETY: this test binary has one test and no other thread yet; nothing reads the
    // environment concurrently.
    unsafe {
        std::env::set_var("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint);
        std::env::set_var("OTEL_SERVICE_NAME", "otlp-e2e");
    }

    let received = Received::default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sink = received.clone();
    let app = Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| async move {
            let request = ExportTraceServiceRequest::decode(body).expect("valid OTLP protobuf");
            sink.lock().unwrap().push(request);
            ""
        }),
    );
    listener.set_nonblocking(true).unwrap();
    runtime.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        axum::serve(listener, app).await.unwrap();
    });

    let logs = capture();
    let guard = traced_runtime::otel::otlp::init().expect("the OTLP pipeline starts");
    request();
    drop(guard); // flushes the batch processor: the HTTP export happens here

    let records = logs.records();
    let working = records.iter().find(|r| r.message == "working").unwrap();
    let helping = records.iter().find(|r| r.message == "helping").unwrap();

    let requests = received.lock().unwrap();
    let resource_spans: Vec<_> = requests.iter().flat_map(|r| &r.resource_spans).collect();
    let service_name = resource_spans[0]
        .resource
        .as_ref()
        .unwrap()
        .attributes
        .iter()
        .find(|kv| kv.key == "service.name")
        .and_then(|kv| kv.value.as_ref())
        .map(|v| format!("{v:?}"))
        .unwrap();
    assert!(service_name.contains("otlp-e2e"), "{service_name}");

    let spans: Vec<_> = resource_spans
        .iter()
        .flat_map(|rs| &rs.scope_spans)
        .flat_map(|ss| &ss.spans)
        .collect();
    let names: Vec<_> = spans.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let service_span = spans.iter().find(|s| s.name == "service").unwrap();
    let helper_span = spans.iter().find(|s| s.name == "helper").unwrap();

    assert_eq!(
        Some(to_hex(&service_span.trace_id).as_str()),
        working.trace_id()
    );
    assert_eq!(
        Some(to_hex(&service_span.span_id).as_str()),
        working.span_id()
    );
    assert_eq!(
        Some(to_hex(&helper_span.span_id).as_str()),
        helping.span_id()
    );
    assert_eq!(
        Some(to_hex(&helper_span.parent_span_id).as_str()),
        helping.parent_span_id()
    );
    assert_eq!(
        to_hex(&helper_span.parent_span_id),
        to_hex(&service_span.span_id)
    );
    assert!(
        service_span.parent_span_id.is_empty(),
        "the first span of the trace is a root"
    );
    assert!(service_span.start_time_unix_nano <= helper_span.start_time_unix_nano);
    assert!(helper_span.end_time_unix_nano <= service_span.end_time_unix_nano);
}
