//! End to end over real OTLP/HTTP: a receiver on loopback (an axum endpoint decoding the
//! protobuf request with the `opentelemetry-proto` types) gets spans whose ids are exactly the
//! ids printed in the log records.

mod otlp_support;

use otlp_support::to_hex;
use tests::capture;
use traced_runtime::traced;

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

#[test]
fn exported_span_ids_equal_the_logged_ids() {
    let (_runtime, received) = otlp_support::start("otlp-e2e");

    let logs = capture();
    let guard = traced_runtime::otel::otlp::init().expect("the OTLP pipeline starts");
    request();
    drop(guard); // flushes the batch processor: the HTTP export happens here

    let records = logs.records();
    let working = records.iter().find(|r| r.message == "working").unwrap();
    let helping = records.iter().find(|r| r.message == "helping").unwrap();

    assert!(
        received.service_name().contains("otlp-e2e"),
        "{}",
        received.service_name()
    );

    let spans = received.spans();
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
