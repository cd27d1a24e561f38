//! The client layer: one `CLIENT` span per outgoing request, injected as its parent-id.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use http::{Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::context::TraceContext;
use crate::export::ending::EndSpan as _;
use crate::export::http::{HttpSpan, error_type};
use crate::export::status_on_drop;
use crate::future::{InContext, TracedFutureExt};
use crate::propagation::inject;

/// `log` target (and `code.namespace`) of the client spans.
const TARGET: &str = "traced_runtime::layer::client";

/// Client-side layer: one `CLIENT` span per outgoing `http::Request`, injected into it.
///
/// When the request is sent (`call`) inside a trace, the layer opens a child of the current
/// context (the caller's span), writes it into the request's headers, so that the downstream's
/// parent-id is this span's id, and polls the response future in it. When an exporter is
/// installed, the span is exported as
/// [`Kind::Client`](crate::export::Kind::Client) with OpenTelemetry's
/// [HTTP client span conventions](https://opentelemetry.io/docs/specs/semconv/http/http-spans/#http-client):
/// name `{method}`, `http.request.method`, `url.full` (credentials redacted), `server.address`,
/// `server.port`, `http.response.status_code`, and `error.type` with status ERROR for a 4xx or
/// 5xx response or a transport error.
///
/// Requests sent outside any trace are left unchanged (no span, no header). The request's URI
/// must be absolute (`http://host/path`), as hyper-util's client requires anyway.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientLayer;

impl ClientLayer {
    /// The layer.
    #[must_use]
    pub const fn new() -> Self {
        Self
    }
}

impl<S> Layer<S> for ClientLayer {
    type Service = ClientService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ClientService { inner }
    }
}

/// The service made by [`ClientLayer`].
#[derive(Clone, Debug)]
pub struct ClientService<S> {
    inner: S,
}

impl<S, B, RB> Service<Request<B>> for ClientService<S>
where
    S: Service<Request<B>, Response = Response<RB>>,
    S::Error: fmt::Display,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = ClientFuture<S::Future>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let Some(parent) = TraceContext::current() else {
            return ClientFuture {
                inner: self.inner.call(req).in_current_context(),
                state: None,
            };
        };
        let span = parent.child();
        inject(&span, req.headers_mut());
        let record = HttpSpan::client(req.method(), || req.uri().to_string(), TARGET);
        let future = span.in_scope(|| self.inner.call(req));
        ClientFuture {
            inner: future.in_context(span.clone()),
            state: Some((record, span)),
        }
    }
}

pin_project! {
    /// The response future of [`ClientService`]: the inner future polled in the client span,
    /// which ends when the response head (or an error) arrives, or when the future is dropped.
    #[must_use = "futures do nothing unless polled"]
    #[derive(Debug)]
    pub struct ClientFuture<F> {
        #[pin]
        inner: InContext<F>,
        state: Option<(HttpSpan, TraceContext)>,
    }

    impl<F> PinnedDrop for ClientFuture<F> {
        fn drop(this: Pin<&mut Self>) {
            if let Some((record, ctx)) = this.project().state.take() {
                record.end_with(&ctx, status_on_drop());
            }
        }
    }
}

impl<F, RB, E> Future for ClientFuture<F>
where
    F: Future<Output = Result<Response<RB>, E>>,
    E: fmt::Display,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = match this.inner.poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(result) => result,
        };
        if let Some((record, ctx)) = this.state.take() {
            match &result {
                Ok(response) => record.end_with_status(&ctx, response.status()),
                Err(error) => record.end_with_error(&ctx, error_type::<E>(), error.to_string()),
            }
        }
        Poll::Ready(result)
    }
}
