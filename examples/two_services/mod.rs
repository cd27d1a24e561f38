//! The two services of `http_services` and `otlp_export`: service A receives a request, logs,
//! and calls service B over a real HTTP connection with the trace context injected; B logs.
//!
//! - Server side: `traced_runtime::layer::ServerLayer` on each axum router extracts the incoming
//!   `traceparent` (or starts a fresh trace), opens the server span and logs the request line.
//!   A also accepts a plain `X-Request-Id` / `X-Trace-Id` when `traceparent` is absent.
//!   `RouteLayer` hands axum's matched route to it (span name `GET /hello`, `http.route`), and
//!   it writes one access-log line per request when the response is ready.
//! - Client side: `traced_runtime::layer::ClientLayer` around a hyper-util client opens a
//!   CLIENT span for A's outgoing request and writes it into the headers: B's parent is that
//!   span, whose parent is A's server span (SERVER -> CLIENT -> SERVER in the exported trace).

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, MatchedPath, State};
use axum::routing::get;
use http::Request;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tower::{Layer, ServiceExt};
use traced_runtime::TraceContext;
use traced_runtime::layer::{ClientLayer, ClientService, RouteLayer, ServerLayer};
use traced_runtime::propagation::DEFAULT_REQUEST_ID_HEADERS;

/// A hyper-util client that injects the current trace context into every request.
pub(crate) type HttpClient = ClientService<Client<HttpConnector, Full<Bytes>>>;

/// The traceparent of the first request: trace `4bf9...4736`, caller span `00f0...02b7`, sampled.
pub(crate) const GIVEN_TRACEPARENT: &str =
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// Service B: logs, and answers with the ids it sees.
async fn greet(Extension(ctx): Extension<TraceContext>) -> String {
    let parent = ctx.parent_span_id().map(|id| id.to_string());
    log::info!(
        target: "service_b",
        "greeting; my remote parent (A's client span) is {}",
        parent.as_deref().unwrap_or("-")
    );
    format!("hello from B (trace {})", ctx.trace_id())
}

/// Service A: logs, calls B with the trace context injected, logs B's answer.
async fn hello(
    State((client, b_url)): State<(HttpClient, String)>,
    Extension(ctx): Extension<TraceContext>,
) -> String {
    let parent = ctx.parent_span_id().map(|id| id.to_string());
    log::info!(
        target: "service_a",
        "calling B; my remote parent is {}",
        parent.as_deref().unwrap_or("- (new trace)")
    );
    let answer = match get_text(&client, &b_url).await {
        Ok(text) => text,
        Err(e) => {
            log::error!(target: "service_a", "B failed: {e}");
            return "B failed".to_owned();
        }
    };
    log::info!(target: "service_a", "B answered: {answer}");
    format!("A got: {answer}\n")
}

/// `GET url`, optionally with a `traceparent`; returns the body as text.
async fn get_text(client: &HttpClient, url: &str) -> Result<String, Box<dyn std::error::Error>> {
    get_with(client, url, None).await
}

async fn get_with(
    client: &HttpClient,
    url: &str,
    traceparent: Option<&str>,
) -> Result<String, Box<dyn std::error::Error>> {
    let mut req = Request::get(url);
    if let Some(tp) = traceparent {
        req = req.header("traceparent", tp);
    }
    let resp = client
        .clone()
        .oneshot(req.body(Full::new(Bytes::new()))?)
        .await?;
    let body = resp.into_body().collect().await?.to_bytes();
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// axum's matched route template, for the server span's name and `http.route`.
fn matched_path(extensions: &http::Extensions) -> Option<String> {
    extensions
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
}

/// Serves `router` on a loopback port chosen by the OS.
async fn serve(router: Router) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            log::error!("server on {addr} stopped: {e}");
        }
    });
    Ok(addr)
}

/// Starts B, then A (which calls B), on loopback ports chosen by the OS. Returns a client that
/// injects the current context, and A's URL.
pub(crate) async fn start() -> std::io::Result<(HttpClient, String)> {
    let client: HttpClient =
        ClientLayer::new().layer(Client::builder(TokioExecutor::new()).build_http());
    let b = serve(
        Router::new()
            .route("/greet", get(greet))
            .route_layer(RouteLayer::new(matched_path))
            .layer(ServerLayer::new().with_target("service_b")),
    )
    .await?;
    let a = serve(
        Router::new()
            .route("/hello", get(hello))
            .route_layer(RouteLayer::new(matched_path))
            .with_state((client.clone(), format!("http://{b}/greet")))
            .layer(
                ServerLayer::new()
                    .with_target("service_a")
                    .with_request_id_headers(DEFAULT_REQUEST_ID_HEADERS),
            ),
    )
    .await?;
    eprintln!("service A on http://{a}, service B on http://{b}");
    Ok((client, format!("http://{a}/hello")))
}

/// Sends the two demonstration requests to A: one with [`GIVEN_TRACEPARENT`], one without
/// (A starts a fresh trace), and prints A's answers.
pub(crate) async fn send_both(
    client: &HttpClient,
    a_url: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    eprintln!("\n# request 1: traceparent: {GIVEN_TRACEPARENT}");
    let answer = get_with(client, a_url, Some(GIVEN_TRACEPARENT)).await?;
    eprint!("{answer}");

    eprintln!("\n# request 2: no traceparent (A starts a fresh trace)");
    let answer = get_with(client, a_url, None).await?;
    eprint!("{answer}");
    Ok(())
}
