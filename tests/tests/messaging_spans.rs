//! PRODUCER and CONSUMER spans without a broker (headers in a map, job payloads), as an
//! OpenTelemetry SDK receives them: kinds, names, the conventions' attributes, the CONSUMER span
//! under the PRODUCER span, a batch's span links, and garbled headers.

use std::collections::HashMap;
use std::sync::OnceLock;

use opentelemetry::trace::SpanKind;
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use tests::capture;
use traced_runtime::messaging::{ConsumerSpan, ProducerSpan};
use traced_runtime::{TraceContext, otel, payload};

fn exporter() -> &'static InMemorySpanExporter {
    static EXPORTER: OnceLock<(SdkTracerProvider, InMemorySpanExporter)> = OnceLock::new();
    &EXPORTER
        .get_or_init(|| {
            let exporter = InMemorySpanExporter::default();
            let provider = SdkTracerProvider::builder()
                .with_simple_exporter(exporter.clone())
                .build();
            otel::install(&provider).expect("first exporter of this test binary");
            (provider, exporter)
        })
        .1
}

fn span(ctx: &TraceContext) -> SpanData {
    exporter()
        .get_finished_spans()
        .unwrap()
        .into_iter()
        .find(|s| s.span_context.span_id().to_bytes() == ctx.span_id().unwrap().to_bytes())
        .expect("the span was exported")
}

fn attribute(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv: &&KeyValue| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}

#[test]
fn a_publish_is_a_producer_span_and_its_consumer_a_child_of_it() {
    exporter();
    let _logs = capture();
    let request = TraceContext::new_root().child();
    let mut headers = HashMap::new();
    let producer_ctx = request.in_scope(|| {
        let mut producer = ProducerSpan::start("rabbitmq", "orders");
        producer.inject(&mut headers);
        producer.set_body_size(12);
        producer.set_message_id("m-7");
        producer.context().clone()
    });
    let consumer = ConsumerSpan::process("rabbitmq", "orders", &headers);
    let consumer_ctx = consumer.context().clone();
    consumer.in_scope(|| {});

    let producer = span(&producer_ctx);
    assert_eq!(producer.span_kind, SpanKind::Producer);
    assert_eq!(producer.name, "publish orders");
    assert_eq!(
        producer.parent_span_id.to_bytes(),
        request.span_id().unwrap().to_bytes()
    );
    assert_eq!(
        attribute(&producer, "messaging.system"),
        Some("rabbitmq".into())
    );
    assert_eq!(
        attribute(&producer, "messaging.destination.name"),
        Some("orders".into())
    );
    assert_eq!(
        attribute(&producer, "messaging.operation.type"),
        Some("send".into())
    );
    assert_eq!(
        attribute(&producer, "messaging.message.body.size"),
        Some(12.into())
    );
    assert_eq!(
        attribute(&producer, "messaging.message.id"),
        Some("m-7".into())
    );

    let consumer = span(&consumer_ctx);
    assert_eq!(consumer.span_kind, SpanKind::Consumer);
    assert_eq!(consumer.name, "process orders");
    assert_eq!(
        consumer.span_context.trace_id(),
        producer.span_context.trace_id()
    );
    assert_eq!(consumer.parent_span_id, producer.span_context.span_id());
    assert_eq!(
        attribute(&consumer, "messaging.operation.type"),
        Some("process".into())
    );
}

#[test]
fn a_batch_links_to_every_message_instead_of_choosing_a_parent() {
    exporter();
    let _logs = capture();
    let mut messages = Vec::new();
    let mut producers = Vec::new();
    for _ in 0..3 {
        let mut headers = HashMap::new();
        TraceContext::new_root().child().in_scope(|| {
            let producer = ProducerSpan::start("nats", "events");
            producer.inject(&mut headers);
            producers.push(producer.context().clone());
        });
        messages.push(headers);
    }
    // A message with garbled headers gets no link, and does not fail the batch.
    messages.push(HashMap::from([(
        "traceparent".to_owned(),
        "garbage".to_owned(),
    )]));
    let batch = ConsumerSpan::batch("nats", "events", messages.iter());
    let batch_ctx = batch.context().clone();
    drop(batch);

    let exported = span(&batch_ctx);
    assert_eq!(exported.span_kind, SpanKind::Consumer);
    assert_eq!(exported.name, "receive events");
    assert_eq!(
        attribute(&exported, "messaging.batch.message_count"),
        Some(4.into())
    );
    let links: Vec<_> = exported.links.iter().collect();
    assert_eq!(links.len(), 3);
    for (link, producer) in links.iter().zip(&producers) {
        assert_eq!(
            link.span_context.trace_id().to_bytes(),
            producer.trace_id().to_bytes()
        );
        assert_eq!(
            link.span_context.span_id().to_bytes(),
            producer.span_id().unwrap().to_bytes()
        );
    }
    for producer in &producers {
        assert_ne!(producer.trace_id(), batch_ctx.trace_id());
    }
}

#[test]
fn garbled_headers_start_a_fresh_trace_with_one_warn_naming_the_problem() {
    exporter();
    let logs = capture();
    let headers = HashMap::from([(
        "traceparent".to_owned(),
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7".to_owned(),
    )]);
    let consumer = ConsumerSpan::process("rabbitmq", "orders", &headers);
    let ctx = consumer.context().clone();
    consumer.in_scope(|| log::info!("handled anyway"));
    assert_ne!(
        ctx.trace_id().to_string(),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    let warnings: Vec<_> = logs
        .records()
        .into_iter()
        .filter(|r| r.level == log::Level::Warn)
        .collect();
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].target, "traced_runtime::messaging");
    assert!(
        warnings[0].message.contains("traceparent: "),
        "{}",
        warnings[0].message
    );
    assert!(warnings[0].message.contains(&ctx.trace_id().to_string()));
    let handled = logs
        .records()
        .into_iter()
        .find(|r| r.message == "handled anyway")
        .unwrap();
    assert_eq!(
        handled.trace_id(),
        Some(ctx.trace_id().to_string().as_str())
    );
}

#[test]
fn headers_without_trace_context_start_a_fresh_trace_silently() {
    exporter();
    let logs = capture();
    let consumer = ConsumerSpan::process("rabbitmq", "orders", &HashMap::<String, String>::new());
    assert!(consumer.context().parent_span_id().is_none());
    drop(consumer);
    assert!(logs.records().iter().all(|r| r.level != log::Level::Warn));
}

#[test]
fn job_payloads_get_producer_and_consumer_spans_across_retries() {
    exporter();
    let _logs = capture();
    let request = TraceContext::new_root().child();
    let (payload_ctx, producer_ctx) = request.in_scope(|| {
        let producer = payload::enqueue_span("jobs", "emails");
        (producer.context().clone(), producer.context().clone())
    });
    let json = serde_json::to_string(&payload_ctx).unwrap();
    let mut consumers = Vec::new();
    for _retry in 0..2 {
        let ctx: TraceContext = serde_json::from_str(&json).unwrap();
        let consumer = payload::process_span("jobs", "emails", Some(ctx));
        consumers.push(consumer.context().clone());
    }
    let producer = span(&producer_ctx);
    assert_eq!(producer.span_kind, SpanKind::Producer);
    assert_eq!(producer.name, "publish emails");
    for consumer in &consumers {
        let consumer = span(consumer);
        assert_eq!(consumer.span_kind, SpanKind::Consumer);
        assert_eq!(consumer.name, "process emails");
        assert_eq!(consumer.parent_span_id, producer.span_context.span_id());
        assert_eq!(
            attribute(&consumer, "messaging.system"),
            Some("jobs".into())
        );
    }
}
