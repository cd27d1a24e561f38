//! gRPC with traced: an axum gateway calls a tonic backend; every line of every request carries
//! the request's trace-id, on both services and in the libraries under them (tower-http, tower's
//! buffer worker under tonic's `Channel`, h2, tonic), and a failing call is an error in the
//! access lines and in the spans.
//!
//! - The gateway: axum, tower-http's `TraceLayer` inside traced's `ServerLayer`; its handler
//!   calls the backend through a tonic client whose `Channel` wears traced's
//!   `GrpcClientLayer` (one line: a CLIENT span per call, injected as the parent-id).
//! - The backend: a tonic server with traced's `ServerLayer` (gRPC spans and access lines);
//!   its handler spawns a task (`traced_runtime::task::spawn`) and hands a job to a
//!   long-lived worker over a tokio mpsc channel in an `Envelope`. `ListOrders` streams.
//! - Output: tracing-subscriber's JSON lines with traced's event format and
//!   `SpanContextLayer` (the tracing-subscriber-first set-up); `--traced` for traced's own
//!   output (`logger::init`, `TRACED_LOG_FORMAT=json`). Exported spans are printed as JSON lines
//!   with an `exported_span` key.
//!
//! `RUST_LOG=debug cargo run --example grpc_services` sends three requests to the gateway: one
//! with a `traceparent`, one without, and one the backend fails with `UNAVAILABLE`. Each is
//! framed on stderr by `== request N` and `== end N trace_id=… status=…` (the trace-id from the
//! gateway's `server-timing` header); `.ci/run` checks the lines in between
//! (`tests/grpc_services_check.py`).

use std::net::SocketAddr;
use std::pin::Pin;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use futures::{Stream, StreamExt as _};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tonic::transport::{Channel, Endpoint, Server};
use tonic::{Request, Response, Status};
use tower::Layer as _;
use traced_runtime::channel::Envelope;
use traced_runtime::export::{AttributeValue, FinishedSpan, SpanStatus};
use traced_runtime::layer::{GrpcClientLayer, GrpcClientService, ServerLayer};
use tracing_subscriber::EnvFilter;

mod proto {
    #![allow(missing_docs, unreachable_pub, clippy::all)]
    tonic::include_proto!("orders");
}

use proto::orders_client::OrdersClient;
use proto::orders_server::{Orders, OrdersServer};
use proto::{GetOrderRequest, ListOrdersRequest, Order};

/// The gateway's client: a tonic channel with traced's gRPC client layer.
type Backend = OrdersClient<GrpcClientService<Channel>>;

/// The traceparent of the first request.
const GIVEN_TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().any(|arg| arg == "--traced") {
        traced_runtime::logger::init();
    } else {
        use tracing_subscriber::layer::SubscriberExt as _;
        use tracing_subscriber::util::SubscriberInitExt as _;
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .event_format(traced_runtime::subscriber::json())
            .finish()
            .with(traced_runtime::subscriber::SpanContextLayer::new())
            .init();
    }
    traced_runtime::export::set_exporter(print_span)?;

    let backend = start_backend().await?;
    let gateway = start_gateway(backend)?;
    let gateway = gateway.await?;
    let requests: [(&str, Option<&str>); 3] = [
        ("/orders/42", Some(GIVEN_TRACEPARENT)),
        ("/orders/7", None),
        ("/orders/fail", None),
    ];
    for (n, (path, traceparent)) in requests.into_iter().enumerate() {
        let n = n + 1;
        eprintln!("== request {n}");
        let (status, trace_id, body) = send_get(gateway, path, traceparent).await?;
        eprintln!("== end {n} trace_id={trace_id} status={status}");
        println!("{path}: {status} {body}");
    }
    Ok(())
}

// --- the backend --------------------------------------------------------------------------

/// The tonic service.
struct OrdersService {
    jobs: tokio::sync::mpsc::Sender<Envelope<String>>,
}

#[tonic::async_trait]
impl Orders for OrdersService {
    async fn get_order(
        &self,
        request: Request<GetOrderRequest>,
    ) -> Result<Response<Order>, Status> {
        let id = request.into_inner().id;
        tracing::info!(order_id = %id, "backend: loading order");
        if id == "fail" {
            log::warn!("backend: the order store is down");
            return Err(Status::unavailable("order store unavailable"));
        }
        // Work on another task: the hand-off keeps the request's context.
        let audited = traced_runtime::task::spawn(async move {
            tracing::debug!("backend: audit record written");
        });
        let _ = audited.await;
        // Work for a long-lived worker: the envelope carries the context through the channel.
        if self.jobs.send(Envelope::new(id.clone())).await.is_err() {
            return Err(Status::internal("the indexing worker stopped"));
        }
        Ok(Response::new(Order {
            id,
            status: "shipped".to_owned(),
        }))
    }

    type ListOrdersStream = Pin<Box<dyn Stream<Item = Result<Order, Status>> + Send>>;

    // tonic's `Status` is large, and it is the error type tonic's streams use.
    #[allow(clippy::result_large_err)]
    async fn list_orders(
        &self,
        request: Request<ListOrdersRequest>,
    ) -> Result<Response<Self::ListOrdersStream>, Status> {
        let count = request.into_inner().count;
        let orders = futures::stream::iter(0..count).map(|i| {
            // Polled with the response body, in the request's context.
            tracing::info!(item = i, "backend: streaming order");
            Ok(Order {
                id: format!("related-{i}"),
                status: "open".to_owned(),
            })
        });
        Ok(Response::new(Box::pin(orders)))
    }
}

/// The tonic server on a loopback port chosen by the OS, with traced's server layer, and its
/// indexing worker.
async fn start_backend() -> Result<SocketAddr, Box<dyn std::error::Error>> {
    let (jobs, mut queue) = tokio::sync::mpsc::channel::<Envelope<String>>(16);
    // A long-lived worker, started outside any request.
    tokio::spawn(async move {
        while let Some(job) = queue.recv().await {
            job.open_async(|id| async move {
                tracing::info!(order_id = %id, "worker: indexing order");
            })
            .await;
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = Server::builder()
        .layer(ServerLayer::new().with_target("backend"))
        .add_service(OrdersServer::new(OrdersService { jobs }));
    tokio::spawn(async move {
        let incoming = tonic::transport::server::TcpIncoming::from(listener);
        if let Err(e) = server.serve_with_incoming(incoming).await {
            log::error!("backend stopped: {e}");
        }
    });
    Ok(addr)
}

// --- the gateway --------------------------------------------------------------------------

/// The axum gateway on a loopback port chosen by the OS; its client to the backend.
fn start_gateway(
    backend: SocketAddr,
) -> Result<impl Future<Output = std::io::Result<SocketAddr>>, Box<dyn std::error::Error>> {
    let endpoint = Endpoint::from_shared(format!("http://{backend}"))?;
    // The one line that puts traced on a tonic client.
    let client: Backend =
        OrdersClient::new(GrpcClientLayer::new(endpoint.uri()).layer(endpoint.connect_lazy()));
    let router = Router::new()
        .route("/orders/{id}", get(order))
        .with_state(client)
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(
            ServerLayer::new()
                .with_target("gateway")
                .with_server_timing(),
        );
    Ok(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                log::error!("gateway stopped: {e}");
            }
        });
        Ok(addr)
    })
}

/// `GET /orders/{id}`: the order from the backend, and its related orders (a streaming call).
async fn order(
    State(mut backend): State<Backend>,
    Path(id): Path<String>,
) -> Result<String, (StatusCode, String)> {
    tracing::info!(order_id = %id, "gateway: looking up order");
    let order = match backend.get_order(GetOrderRequest { id }).await {
        Ok(order) => order.into_inner(),
        Err(status) => {
            tracing::warn!(code = ?status.code(), message = status.message(), "gateway: backend failed");
            return Err((StatusCode::BAD_GATEWAY, status.message().to_owned()));
        }
    };
    let mut related = Vec::new();
    match backend.list_orders(ListOrdersRequest { count: 2 }).await {
        Ok(stream) => {
            let mut stream = stream.into_inner();
            while let Some(Ok(item)) = stream.next().await {
                related.push(item.id);
            }
        }
        Err(status) => tracing::warn!(code = ?status.code(), "gateway: no related orders"),
    }
    log::info!("gateway: order {} is {}", order.id, order.status);
    Ok(format!(
        "{} {} related={}",
        order.id,
        order.status,
        related.join(",")
    ))
}

// --- the driver ---------------------------------------------------------------------------

/// `GET path` over a plain TCP connection (no logging client, so that the driver adds no lines
/// of its own): the status code, the trace-id of the gateway's `server-timing` header, the body.
async fn send_get(
    gateway: SocketAddr,
    path: &str,
    traceparent: Option<&str>,
) -> std::io::Result<(u16, String, String)> {
    let mut stream = tokio::net::TcpStream::connect(gateway).await?;
    let mut request = format!("GET {path} HTTP/1.1\r\nhost: {gateway}\r\nconnection: close\r\n");
    if let Some(traceparent) = traceparent {
        request.push_str(&format!("traceparent: {traceparent}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    // `server-timing: trace;desc=00-{trace-id}-{span-id}-{flags}`
    let trace_id = head
        .lines()
        .find_map(|line| {
            line.to_ascii_lowercase()
                .strip_prefix("server-timing: trace;desc=00-")
                .map(str::to_owned)
        })
        .and_then(|rest| rest.get(..32).map(str::to_owned))
        .unwrap_or_else(|| "-".to_owned());
    Ok((status, trace_id, body.to_owned()))
}

/// The exporter: every finished span as one JSON line on stderr.
fn print_span(span: FinishedSpan) {
    let attributes: serde_json::Map<String, serde_json::Value> = span
        .attributes
        .iter()
        .map(|a| {
            let value = match &a.value {
                AttributeValue::String(s) => serde_json::Value::from(s.as_ref()),
                AttributeValue::I64(n) => serde_json::Value::from(*n),
                _ => serde_json::Value::Null,
            };
            (a.key.to_owned(), value)
        })
        .collect();
    let status = match &span.status {
        SpanStatus::Error { description } => format!("ERROR: {description}"),
        _ => "UNSET".to_owned(),
    };
    let line = serde_json::json!({
        "exported_span": span.name,
        "kind": format!("{:?}", span.kind),
        "trace_id": span.context.trace_id().to_string(),
        "span_id": span.context.span_id().map(|id| id.to_string()),
        "parent_span_id": span.context.parent_span_id().map(|id| id.to_string()),
        "status": status,
        "attributes": attributes,
    });
    eprintln!("{line}");
}
