//! Log records handed to an OpenTelemetry SDK logger provider (`otel::logs::install`): every
//! record traced's logger prints is emitted with the ids the printed line shows, the
//! OpenTelemetry severity of its level, its message as body, its key-values, the context's
//! user fields and `code.*` as attributes, and its target as instrumentation scope; `tracing`
//! events and `#[traced]`'s own lines too.

use std::sync::OnceLock;

use opentelemetry::Key;
use opentelemetry::logs::{AnyValue, Severity};
use opentelemetry_sdk::logs::in_memory_exporter::LogDataWithResource;
use opentelemetry_sdk::logs::{InMemoryLogExporter, SdkLoggerProvider};
use tests::{Capture, capture};
use traced_runtime::{TraceContext, otel, traced};

fn exporter() -> &'static InMemoryLogExporter {
    static EXPORTER: OnceLock<InMemoryLogExporter> = OnceLock::new();
    EXPORTER.get_or_init(|| {
        let exporter = InMemoryLogExporter::default();
        let provider = SdkLoggerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        otel::logs::install(&provider).expect("first log exporter of this test binary");
        // Kept alive for the whole binary.
        std::mem::forget(provider);
        exporter
    })
}

/// The capturing logger and an empty exporter, for one test at a time.
fn start() -> (Capture, &'static InMemoryLogExporter) {
    let logs = capture();
    let exporter = exporter();
    exporter.reset();
    (logs, exporter)
}

fn exported(exporter: &InMemoryLogExporter) -> Vec<LogDataWithResource> {
    exporter.get_emitted_logs().unwrap()
}

fn body(log: &LogDataWithResource) -> String {
    match log.record.body() {
        Some(AnyValue::String(s)) => s.as_str().to_owned(),
        other => panic!("body {other:?}"),
    }
}

fn find<'a>(logs: &'a [LogDataWithResource], message: &str) -> &'a LogDataWithResource {
    logs.iter()
        .find(|log| body(log) == message)
        .unwrap_or_else(|| {
            panic!(
                "no record {message:?} in {:?}",
                logs.iter().map(body).collect::<Vec<_>>()
            )
        })
}

fn attribute(log: &LogDataWithResource, key: &str) -> Option<AnyValue> {
    log.record
        .attributes_iter()
        .find(|(k, _)| *k == Key::from(key.to_owned()))
        .map(|(_, v)| v.clone())
}

#[traced(span, fields(tenant = "acme"))]
fn charge() -> TraceContext {
    log::warn!(target: "shop::billing", amount = 42, retried = true, card = "visa"; "charged");
    TraceContext::current().unwrap()
}

#[test]
fn a_record_carries_the_ids_its_line_shows() {
    let (logs, exporter) = start();
    let ctx = charge();
    let line = logs
        .records()
        .into_iter()
        .find(|r| r.message == "charged")
        .unwrap();
    let exported = exported(exporter);
    let log = find(&exported, "charged");

    let trace = log.record.trace_context().expect("a trace context");
    assert_eq!(Some(trace.trace_id.to_string().as_str()), line.trace_id());
    assert_eq!(Some(trace.span_id.to_string().as_str()), line.span_id());
    assert_eq!(trace.trace_id.to_bytes(), ctx.trace_id().to_bytes());
    assert_eq!(trace.span_id.to_bytes(), ctx.span_id().unwrap().to_bytes());
    assert_eq!(trace.trace_flags.map(|f| f.to_u8()), Some(1), "sampled");
}

#[test]
fn severity_body_attributes_and_scope_are_mapped() {
    let (_logs, exporter) = start();
    charge();
    let exported = exported(exporter);
    let log = find(&exported, "charged");

    assert_eq!(log.record.severity_number(), Some(Severity::Warn));
    assert_eq!(log.record.severity_text(), Some("WARN"));
    assert_eq!(
        log.record.target().map(|t| t.as_ref()),
        Some("shop::billing")
    );
    assert!(log.record.timestamp().is_some());
    assert!(log.record.observed_timestamp().is_some());
    assert_eq!(attribute(log, "tenant"), Some(AnyValue::from("acme")));
    assert_eq!(attribute(log, "amount"), Some(AnyValue::Int(42)));
    assert_eq!(attribute(log, "retried"), Some(AnyValue::Boolean(true)));
    assert_eq!(attribute(log, "card"), Some(AnyValue::from("visa")));
    assert_eq!(
        attribute(log, "code.namespace"),
        Some(AnyValue::from(module_path!()))
    );
    assert_eq!(
        attribute(log, "code.file.path"),
        Some(AnyValue::from(file!()))
    );
    assert!(matches!(attribute(log, "code.line.number"), Some(AnyValue::Int(n)) if n > 0));
    // The ids are the record's trace context, not attributes.
    assert_eq!(attribute(log, "trace_id"), None);
    assert_eq!(attribute(log, "span_id"), None);
}

#[test]
fn every_level_maps_to_its_severity() {
    let (_logs, exporter) = start();
    log::error!("e");
    log::warn!("w");
    log::info!("i");
    log::debug!("d");
    log::trace!("t");
    let exported = exported(exporter);
    let severities: Vec<_> = ["e", "w", "i", "d", "t"]
        .iter()
        .map(|m| {
            let log = find(&exported, m);
            (
                log.record.severity_number().map(|s| s as i32),
                log.record.severity_text(),
            )
        })
        .collect();
    assert_eq!(
        severities,
        [
            (Some(17), Some("ERROR")),
            (Some(13), Some("WARN")),
            (Some(9), Some("INFO")),
            (Some(5), Some("DEBUG")),
            (Some(1), Some("TRACE")),
        ]
    );
}

#[test]
fn a_record_outside_any_context_has_no_trace_context() {
    let (_logs, exporter) = start();
    log::info!(user = "ada"; "alone");
    let exported = exported(exporter);
    let log = find(&exported, "alone");
    assert!(log.record.trace_context().is_none());
    assert_eq!(attribute(log, "user"), Some(AnyValue::from("ada")));
}

#[traced(span)]
fn handler() -> u32 {
    7
}

#[test]
fn traced_entry_lines_are_exported_with_their_span() {
    let (logs, exporter) = start();
    handler();
    let lines = logs.records();
    let entry = lines
        .iter()
        .find(|r| r.message.contains("handler"))
        .expect("an entry line");
    let exported = exported(exporter);
    let log = find(&exported, &entry.message);
    let trace = log.record.trace_context().unwrap();
    assert_eq!(Some(trace.span_id.to_string().as_str()), entry.span_id());
    assert_eq!(Some(trace.trace_id.to_string().as_str()), entry.trace_id());
}

#[test]
fn tracing_events_are_exported_with_their_fields() {
    use tracing_subscriber::layer::SubscriberExt as _;
    let (logs, exporter) = start();
    let subscriber = tracing_subscriber::registry()
        .with(traced_runtime::subscriber::LogLayer::new().forward_to_any_logger());
    let ctx = tracing::subscriber::with_default(subscriber, || {
        #[traced(span)]
        fn work() -> TraceContext {
            tracing::info!(target: "worker", status = 200, "finished");
            TraceContext::current().unwrap()
        }
        work()
    });
    let line = logs
        .records()
        .into_iter()
        .find(|r| r.message == "finished")
        .unwrap();
    let exported = exported(exporter);
    let log = find(&exported, "finished");
    assert_eq!(log.record.severity_number(), Some(Severity::Info));
    assert_eq!(log.record.target().map(|t| t.as_ref()), Some("worker"));
    assert_eq!(attribute(log, "status"), Some(AnyValue::Int(200)));
    let trace = log.record.trace_context().unwrap();
    assert_eq!(Some(trace.span_id.to_string().as_str()), line.span_id());
    assert_eq!(trace.span_id.to_bytes(), ctx.span_id().unwrap().to_bytes());
}
