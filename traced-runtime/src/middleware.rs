//! reqwest integration (feature `reqwest`): a [`reqwest-middleware`](https://docs.rs/reqwest-middleware)
//! middleware that opens a `CLIENT` span for each outgoing request and injects it as the W3C
//! headers.
//!
//! ```no_run
//! # async fn run() -> Result<(), reqwest_middleware::Error> {
//! use traced_runtime::middleware::TracedMiddleware;
//!
//! let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!     .with(TracedMiddleware::new())
//!     .build();
//! // Inside a trace (a `#[traced]` handler, a request of the server layer): the request carries
//! // `traceparent` (parent-id = the new CLIENT span), `tracestate` and `baggage`.
//! let body = client.get("http://127.0.0.1:3000/orders/42").send().await?.text().await?;
//! # let _ = body;
//! # Ok(()) }
//! ```

use ::reqwest::{Request, Response};
use http::Extensions;
use reqwest_middleware::{Middleware, Next, Result};

use crate::context::TraceContext;
use crate::export::ending::EndSpan as _;
use crate::export::http::HttpSpan;
use crate::export::status_on_drop;
use crate::future::TracedFutureExt as _;
use crate::propagation::inject;

/// `log` target (and `code.namespace`) of the client spans.
const TARGET: &str = "traced_runtime::middleware";

/// A `reqwest-middleware` middleware: one `CLIENT` span per request sent inside a trace.
///
/// The span is a child of the context current when the request is sent; its span-id is the
/// `traceparent` parent-id the downstream receives, with the current `tracestate` and `baggage`.
/// When an exporter is installed it is exported as
/// [`Kind::Client`](crate::export::Kind::Client) with OpenTelemetry's
/// [HTTP client span conventions](https://opentelemetry.io/docs/specs/semconv/http/http-spans/#http-client):
/// name `{method}`, `http.request.method`, `url.full` (credentials redacted), `server.address`,
/// `server.port`, `http.response.status_code`, and `error.type` with status ERROR for a 4xx or
/// 5xx response or a transport error (`error.type` is then `reqwest::Error` or
/// `reqwest_middleware::Error`). The rest of the chain (middlewares added after this one, and
/// reqwest itself) runs with the span current.
///
/// Requests sent outside any trace are left unchanged. Add it once per client; a retry
/// middleware added *before* it gets one span per attempt.
#[derive(Clone, Copy, Debug, Default)]
pub struct TracedMiddleware;

impl TracedMiddleware {
    /// The middleware.
    #[must_use]
    pub const fn new() -> Self {
        Self
    }
}

/// Ends the span when dropped before the response arrived (a cancelled request).
struct Pending(Option<(HttpSpan, TraceContext)>);

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some((record, ctx)) = self.0.take() {
            record.end_with(&ctx, status_on_drop());
        }
    }
}

#[async_trait::async_trait]
impl Middleware for TracedMiddleware {
    async fn handle(
        &self,
        mut req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> Result<Response> {
        let Some(parent) = TraceContext::current() else {
            return next.run(req, extensions).await;
        };
        let span = parent.child();
        inject(&span, req.headers_mut());
        let mut pending = Pending(Some((
            HttpSpan::client(req.method(), || req.url().to_string(), TARGET),
            span.clone(),
        )));
        let result = next.run(req, extensions).in_context(span).await;
        if let Some((record, ctx)) = pending.0.take() {
            match &result {
                Ok(response) => record.end_with_status(&ctx, response.status()),
                Err(error) => {
                    let error_type = match error {
                        reqwest_middleware::Error::Reqwest(_) => "reqwest::Error",
                        reqwest_middleware::Error::Middleware(_) => "reqwest_middleware::Error",
                    };
                    record.end_with_error(&ctx, error_type.into(), error.to_string());
                }
            }
        }
        result
    }
}
