//! End to end over real OTLP/HTTP: the log records the receiver gets carry exactly the ids of the
//! printed lines, and each one's span-id is that of an exported span; both signals share the
//! resource; the record's target is the instrumentation scope.

mod otlp_support;

use opentelemetry_proto::tonic::common::v1::any_value::Value;
use otlp_support::to_hex;
use tests::capture;
use traced_runtime::traced;

#[traced(span)]
fn service() {
    log::info!(target: "shop::api", order = 7; "ordering");
    helper();
}

#[traced(span)]
fn helper() {
    log::warn!(target: "shop::stock", "low stock");
}

#[test]
fn exported_log_records_carry_the_logged_ids() {
    let (_runtime, received) = otlp_support::start("otlp-logs-e2e");

    let logs = capture();
    let guard = traced_runtime::otel::otlp::init().expect("the OTLP pipelines start");
    service();
    drop(guard); // flushes both batch processors

    let lines = logs.records();
    let exported = received.logs();
    let spans = received.spans();
    for (message, target, severity) in [
        ("ordering", "shop::api", 9),
        ("low stock", "shop::stock", 13),
    ] {
        let line = lines.iter().find(|r| r.message == message).unwrap();
        let (scope, record) = exported
            .iter()
            .find(|(_, r)| {
                matches!(r.body.as_ref().and_then(|b| b.value.as_ref()), Some(Value::StringValue(s)) if s == message)
            })
            .unwrap_or_else(|| panic!("{message:?} not exported: {exported:?}"));
        assert_eq!(scope, target);
        assert_eq!(record.severity_number, severity);
        assert_eq!(Some(to_hex(&record.trace_id).as_str()), line.trace_id());
        assert_eq!(Some(to_hex(&record.span_id).as_str()), line.span_id());
        assert_eq!(record.flags & 0xff, 1, "sampled");
        assert!(record.time_unix_nano > 0 && record.observed_time_unix_nano > 0);
        assert!(
            spans.iter().any(|s| s.span_id == record.span_id),
            "{message:?}: its span was exported"
        );
    }
    let order = exported
        .iter()
        .flat_map(|(_, r)| &r.attributes)
        .find(|kv| kv.key == "order")
        .and_then(|kv| kv.value.as_ref()?.value.clone());
    assert_eq!(order, Some(Value::IntValue(7)));
    assert_eq!(
        received.logs_service_name().as_deref(),
        Some(received.service_name().as_str()),
        "one resource for spans and logs"
    );
}
