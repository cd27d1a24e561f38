//! The `otlp_export` example end to end: its two HTTP services (the same code, included from
//! `examples/two_services`) export their spans over real OTLP/HTTP to a receiver on loopback.
//! Each of the two requests makes one trace spanning both services, SERVER -> CLIENT -> SERVER,
//! and the exported ids are the ids in the services' log lines.

mod otlp_support;

#[path = "../../examples/two_services/mod.rs"]
mod two_services;

use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use otlp_support::to_hex;
use tests::{Record, capture};

/// The exported span whose span-id a log record carries.
fn span_of<'a>(spans: &'a [Span], record: &Record) -> &'a Span {
    let span_id = record.span_id().expect("the record carries a span-id");
    spans
        .iter()
        .find(|span| to_hex(&span.span_id) == span_id)
        .unwrap_or_else(|| panic!("no exported span {span_id} for {record:?}"))
}

/// The one record of `target` starting with `message` in the trace `trace_id`.
fn line<'a>(records: &'a [Record], target: &str, message: &str, trace_id: &str) -> &'a Record {
    let found: Vec<_> = records
        .iter()
        .filter(|r| r.target == target && r.message.starts_with(message))
        .filter(|r| r.trace_id() == Some(trace_id))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{target} {message:?} in {trace_id}: {records:#?}"
    );
    found[0]
}

#[test]
fn each_request_is_one_exported_trace_across_both_services() {
    let (runtime, received) = otlp_support::start("two-services");

    let logs = capture();
    let guard = traced_runtime::otel::otlp::init().expect("the OTLP pipeline starts");
    runtime
        .block_on(async {
            let (client, a_url) = two_services::start().await?;
            two_services::send_both(&client, &a_url).await
        })
        .expect("both requests succeed");
    drop(guard); // flushes the batch processor: the HTTP export happens here

    let records = logs.records();
    let spans = received.spans();
    assert!(received.service_name().contains("two-services"));

    let given = &two_services::GIVEN_TRACEPARENT[3..35];
    let fresh = records
        .iter()
        .filter(|r| r.target == "service_a" && r.message.starts_with("calling B"))
        .filter_map(Record::trace_id)
        .find(|trace_id| *trace_id != given)
        .expect("request 2 started a trace of its own");

    for (trace_id, remote_parent) in [
        (given, Some(&two_services::GIVEN_TRACEPARENT[36..52])),
        (fresh, None),
    ] {
        let a = span_of(&spans, line(&records, "service_a", "calling B", trace_id));
        let b = span_of(&spans, line(&records, "service_b", "greeting", trace_id));
        assert_eq!(to_hex(&a.trace_id), trace_id);
        assert_eq!(to_hex(&b.trace_id), trace_id);
        assert_eq!(a.name, "GET /hello");
        assert_eq!(b.name, "GET /greet");
        assert_eq!(a.kind, SpanKind::Server as i32);
        assert_eq!(b.kind, SpanKind::Server as i32);
        // A continues the caller's span (or is the root) ...
        match remote_parent {
            Some(parent) => assert_eq!(to_hex(&a.parent_span_id), parent),
            None => assert!(a.parent_span_id.is_empty(), "A's span is the root"),
        }
        // ... then SERVER (A) -> CLIENT (A's call) -> SERVER (B), across HTTP.
        let client = spans
            .iter()
            .find(|span| span.span_id == b.parent_span_id)
            .expect("B's parent is an exported span");
        assert_eq!(client.kind, SpanKind::Client as i32);
        assert_eq!(client.name, "GET");
        assert_eq!(client.parent_span_id, a.span_id);
        assert_eq!(client.trace_id, a.trace_id);
        assert!(client.start_time_unix_nano >= a.start_time_unix_nano);
        assert!(client.end_time_unix_nano <= a.end_time_unix_nano);
    }
    assert_eq!(
        spans.len(),
        6,
        "per request: a server span per service and A's client span"
    );
}
