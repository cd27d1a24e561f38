//! The Rust hop of the OpenTelemetry interop test (`tests/interop/run.py`): an axum service
//! with traced's server layer, calling the next service with reqwest through traced's
//! `reqwest-middleware` middleware, exporting its spans over OTLP/HTTP.
//!
//! `GET /relay?...` calls `$NEXT_URL` with the same query and answers with the downstream's
//! status and body. Environment: `PORT` (default 0: chosen by the OS), `NEXT_URL`, and the
//! `OTEL_*` variables of [`traced_runtime::otel::otlp`]. It prints `listening on http://ADDR`
//! on stdout once it accepts connections, and exits, flushing its spans, when its stdin closes.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, MatchedPath, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::get;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use traced_runtime::layer::{RouteLayer, ServerLayer};
use traced_runtime::middleware::TracedMiddleware;

#[derive(Clone)]
struct Next {
    client: ClientWithMiddleware,
    url: String,
}

/// Calls the next service with the request's query; answers with its status and body.
async fn relay(State(next): State<Next>, RawQuery(query): RawQuery) -> (StatusCode, String) {
    let url = match query {
        Some(query) => format!("{}?{query}", next.url),
        None => next.url.clone(),
    };
    log::info!(target: "interop", "calling {url}");
    match next.client.get(&url).send().await {
        Ok(response) => {
            let status =
                StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            (status, response.text().await.unwrap_or_default())
        }
        Err(error) => {
            log::error!(target: "interop", "the next service failed: {error}");
            (StatusCode::BAD_GATEWAY, error.to_string())
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    traced_runtime::logger::init();
    let otlp = traced_runtime::otel::otlp::init()?;
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let next = Next {
        client: ClientBuilder::new(reqwest::Client::new())
            .with(TracedMiddleware::new())
            .build(),
        url: std::env::var("NEXT_URL")?,
    };
    let app = Router::new()
        .route("/relay", get(relay))
        .route_layer(RouteLayer::new(|ext| {
            ext.get::<MatchedPath>()
                .map(|path| path.as_str().to_owned())
        }))
        .with_state(next)
        .layer(
            ServerLayer::new()
                .with_target("interop")
                .with_client_address(|ext| ext.get::<ConnectInfo<SocketAddr>>().map(|info| info.0)),
        );

    let runtime = tokio::runtime::Runtime::new()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind(("127.0.0.1", port)))?;
    println!("listening on http://{}", listener.local_addr()?);
    runtime.spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(e) = axum::serve(listener, service).await {
            log::error!(target: "interop", "server stopped: {e}");
        }
    });

    // Serve until stdin closes, then flush the spans (on this plain thread: the OTLP client
    // blocks) and exit.
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new())?;
    drop(runtime);
    otlp.force_flush()?;
    drop(otlp);
    Ok(())
}
