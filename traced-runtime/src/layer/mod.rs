//! `tower` middleware that carries the trace over HTTP (feature `tower`).
//!
//! - [`ServerLayer`] (server side): extracts the caller's context from the request headers
//!   ([`extract`](crate::propagation::extract), or a fresh root when they are missing or
//!   invalid), opens the `SERVER` span as its child, runs the inner service's future and polls
//!   the response body inside that span, writes one access-log line when the response is ready,
//!   and can answer with a `server-timing` header naming the trace. Works with axum, hyper and
//!   tonic, since it is plain tower.
//! - [`ClientLayer`] (client side): opens a `CLIENT` span for every outgoing `http::Request` and
//!   writes it into the request's headers ([`inject`](crate::propagation::inject)), so the
//!   downstream's parent-id is that span; for tower-based clients such as hyper-util's.
//! - [`RouteLayer`] / [`Route`]: tell the server layer the matched route template
//!   (`/orders/{id}`), for the span name and `http.route`.
//!
//! ```
//! use traced_runtime::layer::{ClientLayer, ServerLayer};
//!
//! // Server: `axum::Router::new().route(..).layer(ServerLayer::new())`.
//! let server = ServerLayer::new().with_request_id_headers(["x-request-id"]);
//! // Client: `ClientLayer::new().layer(hyper_util::client::legacy::Client::builder(..).build_http())`.
//! let client = ClientLayer::new();
//! # let _ = (server, client);
//! ```
//!
//! With reqwest, use the `reqwest` feature's middleware (`traced_runtime::middleware::TracedMiddleware`),
//! which opens the same `CLIENT` span.
//!
//! # Order with tower-http's `TraceLayer`
//!
//! tower-http's `TraceLayer` logs `started processing request` when it is called and
//! `finished processing request` when the response is ready; those lines carry the ids only if
//! traced's [`ServerLayer`] has already extracted the context, i.e. when traced's layer is the
//! **outer** one:
//!
//! ```text
//! Router::new()
//!     .route(..)
//!     .layer(tower_http::trace::TraceLayer::new_for_http())  // inner: runs inside the span
//!     .layer(traced_runtime::layer::ServerLayer::new())       // outer: extracts first
//! // or, with ServiceBuilder (the first layer is the outer one):
//! ServiceBuilder::new()
//!     .layer(traced_runtime::layer::ServerLayer::new())
//!     .layer(tower_http::trace::TraceLayer::new_for_http())
//! ```
//!
//! In the other order tower-http's request span and its two lines precede the extraction and
//! cannot carry this request's ids; with the `tracing` feature the server layer says so once,
//! at the first request, as a WARN line. (The body lines, `on_eos` and `on_body_chunk`, carry them in
//! this order because traced's layer polls the response body inside the span.)

// The check of the layers' order (`order`) needs the `tracing` feature, which sees tower-http's
// spans.

mod body;
mod client;
#[cfg(feature = "tracing")]
mod order;
mod route;
mod server;

pub use body::TracedBody;
pub use client::{ClientFuture, ClientLayer, ClientService};
pub use route::{Route, RouteLayer, RouteService};
pub use server::{DEFAULT_TARGET, ServerFuture, ServerLayer, ServerService};
