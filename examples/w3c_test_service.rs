//! A participant for the W3C Trace Context test suite
//! (<https://github.com/w3c/trace-context/tree/main/test>).
//!
//! Listens on `127.0.0.1` at the port given by `--port N` or the `PORT` environment variable
//! (default 5000) and implements the suite's protocol: `POST /test` with a JSON array of
//! `{"url": ..., "arguments": ...}`; for each element, before replying, the service POSTs
//! `arguments` as JSON to `url`, propagating `traceparent` / `tracestate` as a conforming
//! participant:
//!
//! - a valid incoming `traceparent` is continued: same trace-id, a new parent-id per outgoing
//!   call (each call is a child span of the server span), the sampled flag kept;
//! - the incoming `tracestate` is carried on when valid (byte-exact when it is at most 512
//!   characters and has no duplicated key; later duplicates discarded, and whole entries removed
//!   past 512 characters, see `TraceState`), dropped when invalid;
//! - a missing, duplicated or invalid `traceparent` restarts the trace (fresh trace-id, no
//!   tracestate).
//!
//! Running the official suite (its `test/` needs `pip install aiohttp`; `SPEC_LEVEL=1` skips
//! the one Level 2 case):
//!
//! ```text
//! PORT=5000 cargo run --example w3c_test_service &
//! # in a checkout of w3c/trace-context:
//! cd test && STRICT_LEVEL=2 SPEC_LEVEL=2 python test.py http://127.0.0.1:5000/test
//! ```
//!
//! CI runs `tests/w3c_protocol_check.py` instead, a partial offline echo of the suite.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use http::Request;
use http::header::CONTENT_TYPE;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use traced_runtime::layer::ServerLayer;
use traced_runtime::propagation::inject;
use traced_runtime::{TraceContext, TracedFutureExt};

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// The port from `--port N`, `--port=N` or `PORT`, else 5000.
fn port() -> Result<u16, String> {
    let mut args = std::env::args().skip(1);
    let mut from_args = None;
    while let Some(arg) = args.next() {
        if arg == "--port" {
            from_args = args.next();
        } else if let Some(value) = arg.strip_prefix("--port=") {
            from_args = Some(value.to_owned());
        }
    }
    match from_args.or_else(|| std::env::var("PORT").ok()) {
        Some(value) => value.parse().map_err(|_| format!("invalid port {value:?}")),
        None => Ok(5000),
    }
}

/// `POST /test`: one outgoing call per array element, each in its own child span.
async fn test(State(client): State<HttpClient>, body: Bytes) -> (StatusCode, String) {
    let actions = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(actions)) => actions,
        Ok(Value::Null) => Vec::new(),
        Ok(other) => vec![other],
        Err(e) => {
            log::warn!("bad request body: {e}");
            return (StatusCode::BAD_REQUEST, format!("invalid JSON: {e}"));
        }
    };
    // The server span opened by ServerLayer (child of the remote parent, or a fresh root).
    let server = TraceContext::current().unwrap_or_else(|| TraceContext::new_root().child());
    for action in actions {
        let Some(url) = action.get("url").and_then(Value::as_str) else {
            log::warn!("action without url: {action}");
            continue;
        };
        let arguments = action.get("arguments").cloned().unwrap_or(Value::Null);
        let call = server.child();
        if let Err(e) = post_json(&client, url, &arguments, &call)
            .in_context(call.clone())
            .await
        {
            log::warn!("POST {url} failed: {e}");
        }
    }
    (StatusCode::OK, "ok".to_owned())
}

/// POSTs `arguments` to `url` with the W3C headers of `ctx`.
async fn post_json(
    client: &HttpClient,
    url: &str,
    arguments: &Value,
    ctx: &TraceContext,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut req = Request::post(url)
        .header(CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(serde_json::to_vec(arguments)?)))?;
    inject(ctx, req.headers_mut());
    log::info!(
        "POST {url} traceparent={:?} tracestate={:?}",
        req.headers().get("traceparent"),
        req.headers().get("tracestate")
    );
    let resp = client.request(req).await?;
    // Drain the body so the connection can be reused.
    let _ = resp.into_body().collect().await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    traced_runtime::logger::init();
    let port = port()?;
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let app = Router::new()
        .route("/test", post(test))
        .with_state(client)
        .layer(ServerLayer::new());
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    log::info!("W3C trace-context test service on http://{addr}/test");
    axum::serve(listener, app).await?;
    Ok(())
}
