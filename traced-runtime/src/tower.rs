//! `tower` middleware that carries the trace over HTTP (feature `tower`).
//!
//! - [`TraceLayer`] (server side): extracts the caller's context from the request headers
//!   ([`extract`](crate::propagation::extract), or a fresh root when they are missing or
//!   invalid), opens a server span as its child, logs the request line and runs the inner
//!   service's future inside that span ([`FutureExt::with_context`]). Works with axum, hyper and
//!   tonic, since it is plain tower.
//! - [`InjectLayer`] (client side): writes the current context into every outgoing
//!   `http::Request` ([`inject`]), for tower-based clients such as
//!   hyper-util's.
//!
//! ```
//! use traced_runtime::tower::{InjectLayer, TraceLayer};
//!
//! // Server: `axum::Router::new().route(..).layer(TraceLayer::new())`.
//! let server = TraceLayer::new().with_request_id_headers(["x-request-id"]);
//! // Client: `InjectLayer.layer(hyper_util::client::legacy::Client::builder(..).build_http())`.
//! let client = InjectLayer;
//! # let _ = (server, client);
//! ```
//!
//! With reqwest (no tower layer needed), inject the current context into each request:
//!
//! ```ignore
//! let mut req = client.get(url).build()?;
//! traced_runtime::propagation::inject_current(req.headers_mut());
//! let resp = client.execute(req).await?;
//! ```

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::sync::Arc;

use http::Request;
use tower_layer::Layer;
use tower_service::Service;

use crate::context::TraceContext;
use crate::export::{self, SpanStatus, Started};
use crate::future::{FutureExt, WithContext};
use crate::propagation::{extract_or_root, extract_with_request_id, inject};

/// Default `log` target of the request line written by [`TraceLayer`].
pub const DEFAULT_TARGET: &str = "traced_runtime::tower";

/// Server-side layer: continues the caller's trace for each request.
///
/// For every request the service:
/// 1. reads `traceparent` / `tracestate` / `baggage` (or, when configured with
///    [`with_request_id_headers`](Self::with_request_id_headers), a request-id header when
///    `traceparent` is absent); a missing or invalid traceparent starts a fresh root;
/// 2. opens the server span: [`TraceContext::child`] of the remote context, so its
///    `parent_span_id` is the caller's span-id;
/// 3. stores that context in the request's extensions (`req.extensions().get::<TraceContext>()`);
/// 4. logs `METHOD /path` at INFO inside the span (target [`DEFAULT_TARGET`] unless changed
///    with [`with_target`](Self::with_target));
/// 5. calls the inner service and polls its future with the span current;
/// 6. when an exporter is installed ([`export`]), records the server span, named
///    `METHOD /path`, from the call until the response future completes (error status when the
///    service returns `Err`).
#[derive(Clone, Debug, Default)]
pub struct TraceLayer {
    request_id_headers: Option<Arc<[Box<str>]>>,
    target: Option<&'static str>,
}

impl TraceLayer {
    /// A layer that reads only the W3C headers.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Also accepts a plain request-id from the first of `headers` that is present when
    /// `traceparent` is absent (see
    /// [`extract_with_request_id`];
    /// [`DEFAULT_REQUEST_ID_HEADERS`](crate::propagation::DEFAULT_REQUEST_ID_HEADERS) is
    /// `x-request-id`, `x-trace-id`).
    #[must_use]
    pub fn with_request_id_headers<I, S>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.request_id_headers = Some(
            headers
                .into_iter()
                .map(|h| h.as_ref().to_ascii_lowercase().into_boxed_str())
                .collect(),
        );
        self
    }

    /// Sets the `log` target of the request line (to tell services apart, or to filter it
    /// with `RUST_LOG`).
    #[must_use]
    pub fn with_target(mut self, target: &'static str) -> Self {
        self.target = Some(target);
        self
    }
}

impl<S> Layer<S> for TraceLayer {
    type Service = TraceService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TraceService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service made by [`TraceLayer`].
#[derive(Clone, Debug)]
pub struct TraceService<S> {
    inner: S,
    layer: TraceLayer,
}

impl<S, B> Service<Request<B>> for TraceService<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = ServerFuture<S::Future>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let remote = match &self.layer.request_id_headers {
            Some(headers) => extract_with_request_id(&req, &headers[..]),
            None => extract_or_root(&req),
        };
        let span = remote.child();
        req.extensions_mut().insert(span.clone());
        let target = self.layer.target.unwrap_or(DEFAULT_TARGET);
        let record = export::start().map(|started| Record {
            started,
            ctx: span.clone(),
            name: format!("{} {}", req.method(), req.uri().path()),
            target,
        });
        let future = span.in_scope(|| {
            log::info!(target: target, "{} {}", req.method(), req.uri().path());
            self.inner.call(req)
        });
        ServerFuture {
            inner: future.with_context(span),
            record,
        }
    }
}

/// The response future of [`TraceService`]: the inner future with the server span current, and
/// the span's record while an exporter is installed.
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct ServerFuture<F> {
    inner: WithContext<F>,
    record: Option<Record>,
}

/// What ending the server span needs.
#[derive(Debug)]
struct Record {
    started: Started,
    ctx: TraceContext,
    name: String,
    target: &'static str,
}

impl Record {
    fn finish(self, status: SpanStatus) {
        export::finish(
            self.started,
            &self.ctx,
            self.name.into(),
            self.target,
            status,
        );
    }
}

impl<F, R, E> Future for ServerFuture<F>
where
    F: Future<Output = Result<R, E>>,
{
    type Output = Result<R, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `inner` is structurally pinned and never moved; `record` is not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let poll = unsafe { Pin::new_unchecked(&mut this.inner) }.poll(cx);
        if let Poll::Ready(result) = &poll {
            if let Some(record) = this.record.take() {
                record.finish(match result {
                    Ok(_) => SpanStatus::Unset,
                    Err(_) => SpanStatus::Error {
                        description: "the service returned an error".into(),
                    },
                });
            }
        }
        poll
    }
}

impl<F> Drop for ServerFuture<F> {
    fn drop(&mut self) {
        // The client went away before the response was ready: the span still ends.
        if let Some(record) = self.record.take() {
            record.finish(export::status_on_drop());
        }
    }
}

/// Client-side layer: injects the current context into every outgoing `http::Request`.
///
/// The context is the one current when the request is *sent* (`call`), i.e. the caller's; its
/// span-id becomes the request's parent-id (a fresh one when it has no span). Requests sent
/// outside any trace are left unchanged. Open a span per call (`#[traced(span)]` on the calling
/// function) when each outgoing request should get its own parent-id.
#[derive(Clone, Copy, Debug, Default)]
pub struct InjectLayer;

impl<S> Layer<S> for InjectLayer {
    type Service = InjectService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        InjectService { inner }
    }
}

/// The service made by [`InjectLayer`].
#[derive(Clone, Debug)]
pub struct InjectService<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for InjectService<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        if let Some(ctx) = TraceContext::current() {
            inject(&ctx, req.headers_mut());
        }
        self.inner.call(req)
    }
}
