//! AMQP through a real RabbitMQ (`AMQP_URL`; skipped without it): a message published inside a
//! trace is consumed in a CONSUMER span that continues it, whose parent is the PRODUCER span;
//! 10,000 messages of 8 concurrent traces never mix their ids; garbled headers give a fresh
//! trace and one WARN, and the message is still acked; a redelivery continues the same trace; a
//! batch links to every message.

mod messaging_support;

use futures::StreamExt as _;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicGetOptions, BasicNackOptions, BasicPublishOptions,
    BasicQosOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use messaging_support::{broker_url, collect_spans, span_of, spans_of, unique};
use tests::capture;
use traced_runtime::export::Kind;
use traced_runtime::messaging::lapin::{consumer_span, publish};
use traced_runtime::messaging::{ConsumerSpan, lapin::SYSTEM};
use traced_runtime::{TraceContext, TracedFutureExt as _};

/// A channel on a fresh connection and an exclusive queue (deleted with the connection).
async fn channel_and_queue(url: &str, prefix: &str) -> (Connection, Channel, String) {
    let connection = Connection::connect(url, ConnectionProperties::default())
        .await
        .expect("connect to AMQP_URL");
    let channel = connection.create_channel().await.unwrap();
    let queue = unique(prefix);
    channel
        .queue_declare(
            &queue,
            QueueDeclareOptions {
                exclusive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    (connection, channel, queue)
}

async fn publish_raw(channel: &Channel, queue: &str, headers: FieldTable) {
    channel
        .basic_publish(
            "",
            queue,
            BasicPublishOptions::default(),
            b"raw",
            BasicProperties::default().with_headers(headers),
        )
        .await
        .unwrap()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consumer_continues_the_publishers_trace_under_its_producer_span() {
    let Some(url) = broker_url("AMQP_URL") else {
        return;
    };
    collect_spans();
    let logs = capture();
    let (_connection, channel, queue) = channel_and_queue(&url, "traced-amqp-one").await;
    let request = TraceContext::new_root().child();
    publish(
        &channel,
        "",
        &queue,
        BasicPublishOptions::default(),
        b"order 1",
        BasicProperties::default().with_message_id("m-1".into()),
    )
    .in_context(request.clone())
    .await
    .unwrap()
    .await
    .unwrap();

    let mut consumer = channel
        .basic_consume(
            &queue,
            "traced-test",
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let delivery = consumer.next().await.unwrap().unwrap();
    let span = consumer_span(&delivery);
    let consumer_ctx = span.context().clone();
    span.run(async {
        log::info!(target: "worker", "handling order");
        delivery.ack(BasicAckOptions::default()).await
    })
    .await
    .unwrap();

    let line = logs
        .records()
        .into_iter()
        .find(|r| r.message == "handling order")
        .unwrap();
    assert_eq!(
        line.trace_id(),
        Some(request.trace_id().to_string().as_str())
    );
    assert_eq!(
        line.span_id(),
        Some(consumer_ctx.span_id().unwrap().to_string().as_str())
    );

    let spans = spans_of(&request);
    let producer = spans.iter().find(|s| s.kind == Kind::Producer).unwrap();
    let consumer = span_of(&consumer_ctx).unwrap();
    assert_eq!(producer.name, format!("publish {queue}"));
    assert_eq!(producer.context.parent_span_id(), request.span_id());
    assert_eq!(consumer.kind, Kind::Consumer);
    assert_eq!(consumer.name, format!("process {queue}"));
    assert_eq!(
        consumer.context.parent_span_id(),
        producer.context.span_id()
    );
    let attribute = |span: &traced_runtime::export::FinishedSpan, key: &str| {
        span.attributes
            .iter()
            .find(|a| a.key == key)
            .map(|a| format!("{:?}", a.value))
    };
    for span in [producer, &consumer] {
        assert_eq!(
            attribute(span, "messaging.system").as_deref(),
            Some(r#"String("rabbitmq")"#)
        );
        assert_eq!(
            attribute(span, "messaging.destination.name"),
            Some(format!("String({queue:?})"))
        );
        assert_eq!(
            attribute(span, "messaging.message.id").as_deref(),
            Some(r#"String("m-1")"#)
        );
        assert_eq!(
            attribute(span, "messaging.message.body.size").as_deref(),
            Some("I64(7)")
        );
    }
    assert_eq!(
        attribute(producer, "messaging.operation.type").as_deref(),
        Some(r#"String("send")"#)
    );
    assert_eq!(
        attribute(&consumer, "messaging.operation.type").as_deref(),
        Some(r#"String("process")"#)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_messages_of_eight_concurrent_traces_keep_their_own_ids() {
    const TRACES: usize = 8;
    const PER_TRACE: usize = 1250;
    let Some(url) = broker_url("AMQP_URL") else {
        return;
    };
    collect_spans();
    let logs = capture();
    let (_connection, channel, queue) = channel_and_queue(&url, "traced-amqp-many").await;
    channel
        .basic_qos(200, BasicQosOptions::default())
        .await
        .unwrap();

    let publishers = (0..TRACES).map(|_| {
        let channel = channel.clone();
        let queue = queue.clone();
        let trace = TraceContext::new_root().child();
        tokio::spawn(
            async move {
                let id = TraceContext::current().unwrap().trace_id().to_string();
                for _ in 0..PER_TRACE {
                    publish(
                        &channel,
                        "",
                        &queue,
                        BasicPublishOptions::default(),
                        id.as_bytes(),
                        BasicProperties::default(),
                    )
                    .await
                    .unwrap();
                    tokio::task::yield_now().await;
                }
            }
            .in_context(trace),
        )
    });
    futures::future::join_all(publishers).await;

    let mut consumer = channel
        .basic_consume(
            &queue,
            "traced-many",
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let mut handlers = Vec::with_capacity(TRACES * PER_TRACE);
    for _ in 0..TRACES * PER_TRACE {
        let delivery = consumer.next().await.unwrap().unwrap();
        let span = consumer_span(&delivery);
        handlers.push(tokio::spawn(span.run(async move {
            let sent_in = String::from_utf8_lossy(&delivery.data).into_owned();
            log::info!(target: "worker", "{sent_in}");
            tokio::task::yield_now().await;
            log::info!(target: "worker", "{sent_in}");
            delivery.ack(BasicAckOptions::default()).await.unwrap();
        })));
    }
    for handler in handlers {
        handler.await.unwrap();
    }

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
    let mut traces: Vec<_> = lines.iter().map(|r| r.message.clone()).collect();
    traces.sort();
    traces.dedup();
    assert_eq!(traces.len(), TRACES);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbled_headers_give_a_fresh_trace_and_one_warn_and_the_message_is_acked() {
    let Some(url) = broker_url("AMQP_URL") else {
        return;
    };
    collect_spans();
    let logs = capture();
    let (_connection, channel, queue) = channel_and_queue(&url, "traced-amqp-garbled").await;
    let garbled = [
        (
            "traceparent",
            AMQPValue::LongString(LongString::from("00-not-a-trace-id-01")),
        ),
        ("traceparent", AMQPValue::LongLongInt(42)),
        (
            "traceparent",
            AMQPValue::LongString(LongString::from("0".repeat(100_000))),
        ),
    ];
    for (key, value) in garbled.iter().cloned() {
        let mut headers = FieldTable::default();
        headers.insert(key.into(), value);
        publish_raw(&channel, &queue, headers).await;
    }
    // An oversized tracestate next to a valid traceparent: the trace continues, the tracestate
    // is dropped, and the WARN says so.
    let request = TraceContext::new_root().child();
    let mut headers = FieldTable::default();
    traced_runtime::propagation::inject(&request, &mut headers);
    headers.insert(
        "tracestate".into(),
        AMQPValue::LongString(LongString::from(format!("a={}", "x".repeat(10_000)))),
    );
    publish_raw(&channel, &queue, headers).await;

    let mut consumer = channel
        .basic_consume(
            &queue,
            "traced-garbled",
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let mut handled = Vec::new();
    for _ in 0..4 {
        let delivery = consumer.next().await.unwrap().unwrap();
        let span = consumer_span(&delivery);
        handled.push(span.context().clone());
        let acked = span
            .run(async {
                log::info!(target: "worker", "handled");
                delivery.ack(BasicAckOptions::default()).await
            })
            .await
            .unwrap();
        assert!(acked);
    }
    let warnings: Vec<_> = logs
        .records()
        .into_iter()
        .filter(|r| r.level == log::Level::Warn && r.target == "traced_runtime::messaging")
        .collect();
    assert_eq!(warnings.len(), 4, "{warnings:?}");
    for warning in &warnings[..3] {
        assert!(
            warning.message.contains("traceparent: "),
            "{}",
            warning.message
        );
    }
    assert!(warnings[3].message.contains("tracestate dropped"));
    for ctx in &handled[..3] {
        assert_ne!(ctx.trace_id(), request.trace_id());
        assert!(ctx.parent_span_id().is_none(), "a fresh trace's first span");
    }
    assert_eq!(handled[3].trace_id(), request.trace_id());
    assert!(handled[3].tracestate().is_none());
    // Nothing left in the queue: all four were acked.
    let left = channel
        .basic_get(&queue, BasicGetOptions::default())
        .await
        .unwrap();
    assert!(left.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_message_continues_the_same_trace() {
    let Some(url) = broker_url("AMQP_URL") else {
        return;
    };
    collect_spans();
    let logs = capture();
    let (_connection, channel, queue) = channel_and_queue(&url, "traced-amqp-redelivery").await;
    let request = TraceContext::new_root().child();
    publish(
        &channel,
        "",
        &queue,
        BasicPublishOptions::default(),
        b"job",
        BasicProperties::default(),
    )
    .in_context(request.clone())
    .await
    .unwrap();
    let mut consumer = channel
        .basic_consume(
            &queue,
            "traced-redelivery",
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();

    let first = consumer.next().await.unwrap().unwrap();
    assert!(!first.redelivered);
    let first_span = consumer_span(&first);
    let first_ctx = first_span.context().clone();
    first_span
        .run(async {
            log::warn!(target: "worker", "attempt failed, requeueing");
            first
                .nack(BasicNackOptions {
                    requeue: true,
                    ..BasicNackOptions::default()
                })
                .await
        })
        .await
        .unwrap();

    let second = consumer.next().await.unwrap().unwrap();
    assert!(second.redelivered);
    let second_span = consumer_span(&second);
    let second_ctx = second_span.context().clone();
    second_span
        .run(async {
            log::info!(target: "worker", "attempt succeeded");
            second.ack(BasicAckOptions::default()).await
        })
        .await
        .unwrap();

    let lines: Vec<_> = logs
        .records()
        .into_iter()
        .filter(|r| r.target == "worker")
        .collect();
    assert_eq!(lines.len(), 2);
    for line in &lines {
        assert_eq!(
            line.trace_id(),
            Some(request.trace_id().to_string().as_str())
        );
    }
    assert_ne!(lines[0].span_id(), lines[1].span_id());
    let producer = spans_of(&request)
        .into_iter()
        .find(|s| s.kind == Kind::Producer)
        .unwrap();
    for ctx in [&first_ctx, &second_ctx] {
        assert_eq!(ctx.parent_span_id(), producer.context.span_id());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_links_to_every_messages_producer_span() {
    let Some(url) = broker_url("AMQP_URL") else {
        return;
    };
    collect_spans();
    let _logs = capture();
    let (_connection, channel, queue) = channel_and_queue(&url, "traced-amqp-batch").await;
    let requests: Vec<_> = (0..3).map(|_| TraceContext::new_root().child()).collect();
    for request in &requests {
        publish(
            &channel,
            "",
            &queue,
            BasicPublishOptions::default(),
            b"item",
            BasicProperties::default(),
        )
        .in_context(request.clone())
        .await
        .unwrap()
        .await
        .unwrap();
    }
    let mut batch = Vec::new();
    while batch.len() < 3 {
        if let Some(message) = channel
            .basic_get(&queue, BasicGetOptions::default())
            .await
            .unwrap()
        {
            batch.push(message.delivery);
        }
    }
    let worker = TraceContext::new_root().child();
    let span = worker.in_scope(|| ConsumerSpan::batch(SYSTEM, queue.clone(), batch.iter()));
    let batch_ctx = span.context().clone();
    assert_eq!(batch_ctx.trace_id(), worker.trace_id());
    span.in_scope(|| log::info!("batch of three"));
    for delivery in &batch {
        delivery.ack(BasicAckOptions::default()).await.unwrap();
    }

    let exported = span_of(&batch_ctx).unwrap();
    assert_eq!(exported.kind, Kind::Consumer);
    assert_eq!(exported.name, format!("receive {queue}"));
    assert_eq!(exported.context.parent_span_id(), worker.span_id());
    let producers: Vec<_> = requests
        .iter()
        .map(|request| {
            spans_of(request)
                .into_iter()
                .find(|s| s.kind == Kind::Producer)
                .unwrap()
        })
        .collect();
    assert_eq!(exported.links.len(), 3);
    for (link, producer) in exported.links.iter().zip(&producers) {
        assert_eq!(link.context.trace_id(), producer.context.trace_id());
        assert_eq!(link.context.span_id(), producer.context.span_id());
    }
}
