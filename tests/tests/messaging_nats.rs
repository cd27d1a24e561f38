//! NATS through a real nats-server (`NATS_URL`; skipped without it): a message published inside
//! a trace is handled in a CONSUMER span under its PRODUCER span; 10,000 messages of 8
//! concurrent traces never mix their ids; garbled headers give a fresh trace and one WARN.

mod messaging_support;

use futures::StreamExt as _;
use messaging_support::{broker_url, collect_spans, span_of, spans_of, unique};
use tests::capture;
use traced_runtime::export::Kind;
use traced_runtime::messaging::nats::{consumer_span, publish};
use traced_runtime::{TraceContext, TracedFutureExt as _};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subscriber_continues_the_publishers_trace_under_its_producer_span() {
    let Some(url) = broker_url("NATS_URL") else {
        return;
    };
    collect_spans();
    let logs = capture();
    let client = async_nats::connect(url).await.expect("connect to NATS_URL");
    let subject = unique("traced.events");
    let mut subscriber = client.subscribe(subject.clone()).await.unwrap();
    client.flush().await.unwrap();
    let request = TraceContext::new_root().child();
    publish(
        &client,
        subject.clone(),
        async_nats::HeaderMap::new(),
        "hi".into(),
    )
    .in_context(request.clone())
    .await
    .unwrap();
    let message = subscriber.next().await.unwrap();
    let span = consumer_span(&message);
    let consumer_ctx = span.context().clone();
    span.in_scope(|| log::info!(target: "worker", "got event"));

    let line = logs
        .records()
        .into_iter()
        .find(|r| r.message == "got event")
        .unwrap();
    assert_eq!(
        line.trace_id(),
        Some(request.trace_id().to_string().as_str())
    );
    assert_eq!(
        line.span_id(),
        Some(consumer_ctx.span_id().unwrap().to_string().as_str())
    );
    let producer = spans_of(&request)
        .into_iter()
        .find(|s| s.kind == Kind::Producer)
        .unwrap();
    assert_eq!(producer.name, format!("publish {subject}"));
    let consumer = span_of(&consumer_ctx).unwrap();
    assert_eq!(consumer.kind, Kind::Consumer);
    assert_eq!(consumer.name, format!("process {subject}"));
    assert_eq!(
        consumer.context.parent_span_id(),
        producer.context.span_id()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_messages_of_eight_concurrent_traces_keep_their_own_ids() {
    const TRACES: usize = 8;
    const PER_TRACE: usize = 1250;
    let Some(url) = broker_url("NATS_URL") else {
        return;
    };
    collect_spans();
    let logs = capture();
    let client = async_nats::connect(url).await.unwrap();
    let subject = unique("traced.many");
    let mut subscriber = client.subscribe(subject.clone()).await.unwrap();
    client.flush().await.unwrap();

    let publishers = (0..TRACES).map(|_| {
        let client = client.clone();
        let subject = subject.clone();
        tokio::spawn(
            async move {
                let id = TraceContext::current().unwrap().trace_id().to_string();
                for _ in 0..PER_TRACE {
                    publish(
                        &client,
                        subject.clone(),
                        async_nats::HeaderMap::new(),
                        id.clone().into(),
                    )
                    .await
                    .unwrap();
                    tokio::task::yield_now().await;
                }
            }
            .in_context(TraceContext::new_root().child()),
        )
    });
    let receive = async {
        let mut handlers = Vec::with_capacity(TRACES * PER_TRACE);
        for _ in 0..TRACES * PER_TRACE {
            let message = subscriber.next().await.unwrap();
            let span = consumer_span(&message);
            handlers.push(tokio::spawn(span.run(async move {
                let sent_in = String::from_utf8_lossy(&message.payload).into_owned();
                log::info!(target: "worker", "{sent_in}");
                tokio::task::yield_now().await;
                log::info!(target: "worker", "{sent_in}");
            })));
        }
        for handler in handlers {
            handler.await.unwrap();
        }
    };
    let (published, ()) = tokio::join!(futures::future::join_all(publishers), receive);
    assert!(published.iter().all(Result::is_ok));

    let lines: Vec<_> = logs
        .records()
        .into_iter()
        .filter(|r| r.target == "worker")
        .collect();
    assert_eq!(lines.len(), 2 * TRACES * PER_TRACE);
    let foreign = lines
        .iter()
        .filter(|r| r.trace_id() != Some(r.message.as_str()))
        .count();
    assert_eq!(foreign, 0, "lines with another message's trace-id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbled_headers_give_a_fresh_trace_and_one_warn() {
    let Some(url) = broker_url("NATS_URL") else {
        return;
    };
    collect_spans();
    let logs = capture();
    let client = async_nats::connect(url).await.unwrap();
    let subject = unique("traced.garbled");
    let mut subscriber = client.subscribe(subject.clone()).await.unwrap();
    client.flush().await.unwrap();
    let mut headers = async_nats::HeaderMap::new();
    headers.insert(
        "traceparent",
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
    );
    client
        .publish_with_headers(subject.clone(), headers, "x".into())
        .await
        .unwrap();
    let message = subscriber.next().await.unwrap();
    let span = consumer_span(&message);
    let ctx = span.context().clone();
    span.in_scope(|| log::info!(target: "worker", "handled"));
    assert_ne!(
        ctx.trace_id().to_string(),
        "0af7651916cd43dd8448eb211c80319c"
    );
    let warnings: Vec<_> = logs
        .records()
        .into_iter()
        .filter(|r| r.level == log::Level::Warn)
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.contains("traceparent: "));
    assert!(warnings[0].message.contains(&subject));
}
