//! Messages through real brokers: an HTTP request publishes an order to RabbitMQ and an event to
//! NATS; two workers consume them, log, and publish onwards. Every line of every hop carries the
//! request's trace-id, and the exported trace is SERVER -> PRODUCER -> CONSUMER -> PRODUCER.
//!
//! ```text
//! bash tests/messaging/brokers.sh start     # RabbitMQ on 5672, NATS on 4222 (Debian packages)
//! cargo run --example messaging
//! ```
//!
//! Reads `AMQP_URL` (default `amqp://127.0.0.1:5672/%2f`) and `NATS_URL` (default
//! `nats://127.0.0.1:4222`). With `OTEL_EXPORTER_OTLP_ENDPOINT` set, the spans go to that
//! collector; without it, to an OTLP receiver of its own on loopback, and the span tree it
//! received is printed per trace (`PRODUCER publish orders`, then `CONSUMER process orders`
//! beneath it), as `otlp_export` does.

#[path = "../tests/tests/otlp_support/mod.rs"]
#[allow(dead_code)]
mod otlp_support;

use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, State};
use axum::routing::post;
use futures::StreamExt as _;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use otlp_support::to_hex;
use traced_runtime::layer::{RouteLayer, ServerLayer};
use traced_runtime::messaging::{lapin as traced_lapin, nats as traced_nats};

/// The queue of orders (RabbitMQ), and where the order worker sends shipments (NATS).
const ORDERS: &str = "orders";
const SHIPMENTS: &str = "shipments";
/// The subject of events (NATS), and where the event worker sends notifications (RabbitMQ).
const EVENTS: &str = "events";
const NOTIFICATIONS: &str = "notifications";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    traced_runtime::logger::init();
    let given = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").ok();
    let (runtime, received) = match &given {
        Some(_) => (tokio::runtime::Runtime::new()?, None),
        None => {
            let (runtime, received) = otlp_support::start("messaging");
            (runtime, Some(received))
        }
    };
    let endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")?;
    let otlp = traced_runtime::otel::otlp::init()?;
    let amqp_url =
        std::env::var("AMQP_URL").unwrap_or_else(|_| "amqp://127.0.0.1:5672/%2f".to_owned());
    let nats_url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned());
    runtime.block_on(run(&amqp_url, &nats_url))?;

    // The blocking OTLP client must not run on a tokio worker: flush on this plain thread.
    match otlp.force_flush() {
        Ok(()) => eprintln!("\nspans exported to {endpoint}"),
        Err(e) => eprintln!("\nspans could not be exported to {endpoint}: {e}"),
    }
    drop(otlp);
    if let Some(received) = received {
        print_tree(&received.spans());
    }
    Ok(())
}

/// What the HTTP handler needs: a RabbitMQ channel and a NATS client.
#[derive(Clone)]
struct Brokers {
    channel: Channel,
    nats: async_nats::Client,
}

async fn run(amqp_url: &str, nats_url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let amqp = Connection::connect(amqp_url, ConnectionProperties::default())
        .await
        .map_err(|e| {
            format!("RabbitMQ at {amqp_url}: {e} (bash tests/messaging/brokers.sh start)")
        })?;
    let nats = async_nats::connect(nats_url)
        .await
        .map_err(|e| format!("NATS at {nats_url}: {e} (bash tests/messaging/brokers.sh start)"))?;
    let channel = amqp.create_channel().await?;
    for queue in [ORDERS, NOTIFICATIONS] {
        channel
            .queue_declare(queue, QueueDeclareOptions::default(), FieldTable::default())
            .await?;
    }
    let brokers = Brokers {
        channel: channel.clone(),
        nats: nats.clone(),
    };

    // Worker 1: orders from RabbitMQ; ships each over NATS.
    let mut orders = channel
        .basic_consume(
            ORDERS,
            "order-worker",
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let order_worker = {
        let nats = nats.clone();
        tokio::spawn(async move {
            let delivery = orders.next().await.expect("an order")?;
            let nats = nats.clone();
            traced_lapin::consumer_span(&delivery)
                .run(async move {
                    let order = String::from_utf8_lossy(&delivery.data).into_owned();
                    log::info!(target: "order_worker", "order {order} received (redelivered: {})", delivery.redelivered);
                    traced_nats::publish(&nats, SHIPMENTS, async_nats::HeaderMap::new(), order.into_bytes().into())
                        .await
                        .map_err(|e| lapin::Error::from(std::io::Error::other(e)))?;
                    log::info!(target: "order_worker", "shipment published");
                    delivery.ack(BasicAckOptions::default()).await
                })
                .await
        })
    };

    // Worker 2: events from NATS; notifies over RabbitMQ.
    let mut events = nats.subscribe(EVENTS).await?;
    nats.flush().await?;
    let event_worker = {
        let channel = channel.clone();
        tokio::spawn(async move {
            let message = events.next().await.expect("an event");
            traced_nats::consumer_span(&message)
                .run(async move {
                    log::info!(target: "event_worker", "event \"{}\" received", String::from_utf8_lossy(&message.payload));
                    traced_lapin::publish(&channel, "", NOTIFICATIONS, BasicPublishOptions::default(), &message.payload, BasicProperties::default())
                        .await?
                        .await?;
                    log::info!(target: "event_worker", "notification published");
                    Ok::<_, lapin::Error>(())
                })
                .await
        })
    };

    // The HTTP service: POST /orders publishes the order and an event.
    let app = Router::new()
        .route("/orders", post(place_order))
        .route_layer(RouteLayer::new(|extensions: &http::Extensions| {
            extensions
                .get::<MatchedPath>()
                .map(|path| path.as_str().to_owned())
        }))
        .with_state(brokers)
        .layer(ServerLayer::new().with_target("shop"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    eprintln!("shop on http://{addr}; RabbitMQ at {amqp_url}, NATS at {nats_url}");

    let client = reqwest::Client::new();
    let answer = client
        .post(format!("http://{addr}/orders"))
        .body("order-42")
        .send()
        .await?
        .text()
        .await?;
    eprintln!("shop answered: {answer}");

    tokio::time::timeout(Duration::from_secs(30), async {
        order_worker.await??;
        event_worker.await??;
        Ok::<_, Box<dyn std::error::Error>>(())
    })
    .await
    .map_err(|_| "the workers did not get their messages within 30 s")??;
    let _ = channel.queue_purge(NOTIFICATIONS, Default::default()).await;
    Ok(())
}

async fn place_order(State(brokers): State<Brokers>, order: String) -> String {
    log::info!(target: "shop", "placing order {order}");
    let published = traced_lapin::publish(
        &brokers.channel,
        "",
        ORDERS,
        BasicPublishOptions::default(),
        order.as_bytes(),
        BasicProperties::default().with_message_id(order.clone().into()),
    )
    .await;
    if let Err(e) = published {
        log::error!(target: "shop", "order not published: {e}");
        return "failed\n".to_owned();
    }
    let event = format!("order {order} placed");
    if let Err(e) = traced_nats::publish(
        &brokers.nats,
        EVENTS,
        async_nats::HeaderMap::new(),
        event.into(),
    )
    .await
    {
        log::error!(target: "shop", "event not published: {e}");
    }
    "accepted\n".to_owned()
}

/// Prints each trace's spans as a tree: `KIND name (span-id)`, children indented.
fn print_tree(spans: &[Span]) {
    let roots = spans.iter().filter(|span| {
        !spans
            .iter()
            .any(|parent| parent.span_id == span.parent_span_id)
    });
    for root in roots {
        eprintln!("\ntrace {}", to_hex(&root.trace_id));
        print_span(spans, root, 1);
    }
}

fn print_span(spans: &[Span], span: &Span, depth: usize) {
    let kind = SpanKind::try_from(span.kind).map_or("?", |kind| match kind {
        SpanKind::Server => "SERVER",
        SpanKind::Client => "CLIENT",
        SpanKind::Producer => "PRODUCER",
        SpanKind::Consumer => "CONSUMER",
        SpanKind::Internal => "INTERNAL",
        _ => "OTHER",
    });
    let parent = if span.parent_span_id.is_empty() {
        "root".to_owned()
    } else {
        format!("parent {}", to_hex(&span.parent_span_id))
    };
    eprintln!(
        "{:indent$}{kind} {} (span {}, {parent})",
        "",
        span.name,
        to_hex(&span.span_id),
        indent = depth * 2
    );
    for child in spans
        .iter()
        .filter(|child| child.parent_span_id == span.span_id)
    {
        print_span(spans, child, depth + 1);
    }
}
