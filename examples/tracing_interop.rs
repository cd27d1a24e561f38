//! traced with `tracing`: an axum service behind tower-http's `TraceLayer` (its lines at DEBUG
//! under `RUST_LOG=debug`) and traced's `ServerLayer`; the handler logs with `tracing::info!` and
//! `log::info!`, calls a downstream service over HTTP (hyper-util, which logs with `tracing`)
//! and answers with a streamed body. The program sends a few requests to itself, prints every
//! line and exits.
//!
//! - `RUST_LOG=debug cargo run --example tracing_interop`: traced's output
//!   ([`traced_runtime::logger::init`] with the `tracing` feature), text lines;
//!   `TRACED_LOG_FORMAT=json` for JSON lines, tower-http's `status` and `latency` as keys.
//! - `RUST_LOG=debug cargo run --example tracing_interop -- --tracing-subscriber`:
//!   `tracing_subscriber::fmt()` is the output, with traced's event format for the ids.
//!
//! Each request is framed by `== request N trace_id=…` and `== end N` on stderr, where the lines
//! go too: every line between the two carries that request's trace-id (`.ci/run` checks it).

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::routing::get;
use futures::StreamExt as _;
use http::Request;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use tower::{Layer as _, ServiceExt as _};
use traced_runtime::layer::{ClientLayer, ClientService, ServerLayer};
use traced_runtime::{TraceContext, TracedFutureExt as _};
use tracing_subscriber::EnvFilter;

/// A hyper-util client that injects the current trace context into every request.
type HttpClient = ClientService<Client<HttpConnector, Full<Bytes>>>;

/// hyper-util's client runs connection upkeep (returning a connection to the pool, ...) in tasks
/// of its own: spawned with traced's hand-off, their lines carry the request's context too.
#[derive(Clone, Copy, Debug)]
struct TracedExecutor;

impl<F> hyper::rt::Executor<F> for TracedExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        traced_runtime::task::spawn(future);
    }
}

/// Number of requests the program sends itself.
const REQUESTS: usize = 3;
/// Chunks of each streamed body.
const CHUNKS: usize = 3;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().any(|arg| arg == "--tracing-subscriber") {
        // tracing-subscriber first: its output, traced's event format for the ids.
        tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .event_format(traced_runtime::subscriber::text())
            .init();
    } else {
        // traced's output first: `log` records and every `tracing` event.
        traced_runtime::logger::init();
    }

    let client: HttpClient = ClientLayer.layer(Client::builder(TracedExecutor).build_http());
    let addr = serve(client.clone()).await?;
    for n in 1..=REQUESTS {
        let ctx = TraceContext::new_root().child();
        eprintln!("== request {n} trace_id={}", ctx.trace_id());
        let body = fetch(&client, format!("http://{addr}/orders/{n}"))
            .in_context(ctx)
            .await?;
        eprintln!("== end {n}");
        println!("{body}");
    }
    Ok(())
}

/// Serves the two routes on a loopback port chosen by the OS.
async fn serve(client: HttpClient) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = Router::new()
        .route("/orders/{id}", get(order))
        .route("/stock/{id}", get(stock))
        .with_state((client, addr))
        // tower-http's TraceLayer inside traced's, so its lines run with the request's context.
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(ServerLayer::new());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            log::error!("server on {addr} stopped: {e}");
        }
    });
    Ok(addr)
}

/// `GET /orders/{id}`: logs with both facades, asks `/stock/{id}` (the downstream hop), then
/// streams the order back in chunks, logging each.
async fn order(
    State((client, addr)): State<(HttpClient, SocketAddr)>,
    Path(id): Path<u32>,
) -> Body {
    tracing::info!(order_id = id, "loading order");
    log::info!("asking the stock service about order {id}");
    let stock = match fetch(&client, format!("http://{addr}/stock/{id}")).await {
        Ok(stock) => stock,
        Err(e) => {
            tracing::error!(error = %e, "stock service failed");
            "unknown".to_owned()
        }
    };
    log::info!("stock for order {id}: {stock}");
    let chunks = futures::stream::iter(0..CHUNKS).then(move |chunk| async move {
        tokio::time::sleep(Duration::from_millis(1)).await;
        tracing::info!(chunk, "streaming chunk");
        Ok::<_, std::convert::Infallible>(Bytes::from(format!("order {id} part {chunk}; ")))
    });
    Body::from_stream(chunks)
}

/// `GET /stock/{id}`: the downstream service.
async fn stock(Path(id): Path<u32>) -> String {
    tracing::info!(order_id = id, "checking stock");
    format!("{} in stock", id * 2)
}

/// `GET url` with the current context injected; the body as text.
async fn fetch(client: &HttpClient, url: String) -> Result<String, Box<dyn std::error::Error>> {
    let response = client
        .clone()
        .oneshot(Request::get(url).body(Full::new(Bytes::new()))?)
        .await?;
    let body = response.into_body().collect().await?.to_bytes();
    Ok(String::from_utf8_lossy(&body).into_owned())
}
