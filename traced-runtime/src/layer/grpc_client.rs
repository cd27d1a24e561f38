//! The gRPC client layer: one `CLIENT` span per call of a tonic `Channel` (or any
//! `tonic::client::GrpcService`), injected as its parent-id, ended by the call's `grpc-status`.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use http::{Request, Response, Uri};
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::grpc::{GrpcEnd, Outcome, PendingEnd};
use crate::context::TraceContext;
use crate::export::grpc::GrpcSpan;
use crate::export::http::error_type;
use crate::future::{InContext, TracedFutureExt};
use crate::propagation::inject;

/// `log` target (and `code.namespace`) of the gRPC client spans.
const TARGET: &str = "traced_runtime::layer::grpc_client";

/// Client-side layer for gRPC: one `CLIENT` span per call, injected into the request, ended
/// when the call's status arrives.
///
/// Put it on a tonic `Channel` (any `tower::Service<http::Request<_>>` whose response body is
/// an `http_body::Body`, which is what tonic's generated clients accept) in one line:
///
/// ```ignore
/// let endpoint = tonic::transport::Endpoint::from_static("http://orders:50051");
/// let client = OrdersClient::new(GrpcClientLayer::new(endpoint.uri()).layer(endpoint.connect_lazy()));
/// ```
///
/// When a call is made inside a trace, the layer opens a child of the current context (the
/// caller's span), writes it into the request's headers (`traceparent`, `tracestate`,
/// `baggage`: the server's parent-id is this span's id), and polls the response future and the
/// response body in it. When an exporter is installed the span is exported as
/// [`Kind::Client`](crate::export::Kind::Client) with OpenTelemetry's
/// [gRPC conventions](https://opentelemetry.io/docs/specs/semconv/rpc/grpc/): name
/// `{rpc.service}/{rpc.method}` (`orders.Orders/GetOrder`), `rpc.system=grpc`, `rpc.service`,
/// `rpc.method`, `rpc.grpc.status_code`, `server.address` and `server.port`. tonic's request
/// URIs are relative (`/orders.Orders/GetOrder`; the channel adds its origin further down), so
/// the server's address comes from `origin`, the endpoint's URI.
///
/// The status is the response head's `grpc-status` for a trailers-only response (a call that
/// failed before any message), else the trailers' at the end of the body, so a streaming call's
/// span ends with the stream. Every code but `OK` makes the span an ERROR (the conventions'
/// rule for clients), and so does a transport error; a response dropped before its status
/// (the caller gave up) ends it as `CANCELLED`.
///
/// Calls made outside any trace are left unchanged (no span, no header).
#[derive(Clone, Debug, Default)]
pub struct GrpcClientLayer {
    origin: Option<Uri>,
}

impl GrpcClientLayer {
    /// The layer for a channel to `origin` (`http://host:port`, e.g. tonic's
    /// `Endpoint::uri()`): `server.address` / `server.port` of every span. A request whose URI
    /// is absolute uses its own instead.
    #[must_use]
    pub fn new(origin: &Uri) -> Self {
        Self {
            origin: Some(origin.clone()),
        }
    }

    /// The layer for a service whose requests carry absolute URIs (no origin to add).
    #[must_use]
    pub fn without_origin() -> Self {
        Self::default()
    }
}

impl<S> Layer<S> for GrpcClientLayer {
    type Service = GrpcClientService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GrpcClientService {
            inner,
            origin: self.origin.clone(),
        }
    }
}

/// The service made by [`GrpcClientLayer`].
#[derive(Clone, Debug)]
pub struct GrpcClientService<S> {
    inner: S,
    origin: Option<Uri>,
}

impl<S, B, RB> Service<Request<B>> for GrpcClientService<S>
where
    S: Service<Request<B>, Response = Response<RB>>,
    S::Error: fmt::Display,
{
    type Response = Response<GrpcClientBody<RB>>;
    type Error = S::Error;
    type Future = GrpcClientFuture<S::Future>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let Some(parent) = TraceContext::current() else {
            return GrpcClientFuture {
                inner: self.inner.call(req).in_current_context(),
                end: PendingEnd(None),
            };
        };
        let span = parent.child();
        inject(&span, req.headers_mut());
        let record = GrpcSpan::client(req.uri(), self.origin.as_ref(), TARGET);
        let future = span.in_scope(|| self.inner.call(req));
        GrpcClientFuture {
            inner: future.in_context(span.clone()),
            end: PendingEnd(Some(Box::new(GrpcEnd {
                record,
                ctx: span,
                access_log: None,
                http_status: None,
            }))),
        }
    }
}

pin_project! {
    /// The response future of [`GrpcClientService`]: the inner future polled in the client
    /// span; the span ends here for a trailers-only response or an error, else with the body.
    #[must_use = "futures do nothing unless polled"]
    #[derive(Debug)]
    pub struct GrpcClientFuture<F> {
        #[pin]
        inner: InContext<F>,
        end: PendingEnd,
    }
}

impl<F, RB, E> Future for GrpcClientFuture<F>
where
    F: Future<Output = Result<Response<RB>, E>>,
    E: fmt::Display,
{
    type Output = Result<Response<GrpcClientBody<RB>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = match this.inner.poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(result) => result,
        };
        let end = this.end.0.take();
        Poll::Ready(match result {
            Ok(response) => {
                let end = end.and_then(|end| end.on_head(response.status(), response.headers()));
                Ok(response.map(|inner| GrpcClientBody {
                    inner,
                    end: PendingEnd(end),
                }))
            }
            Err(error) => {
                if let Some(end) = end {
                    end.finish(Outcome::Failed {
                        error_type: error_type::<E>(),
                        description: error.to_string(),
                    });
                }
                Err(error)
            }
        })
    }
}

pin_project! {
    /// The response body of [`GrpcClientService`]: the inner body, polled in the client span
    /// until its trailers end the span. Data, errors, trailers and size hints are the inner
    /// body's.
    #[derive(Debug)]
    pub struct GrpcClientBody<B> {
        #[pin]
        inner: B,
        end: PendingEnd,
    }
}

impl<B> GrpcClientBody<B> {
    /// Unwraps the inner body; a call still waiting for its status ends now, as cancelled.
    pub fn into_inner(self) -> B {
        self.inner
    }
}

impl<B: Body> Body for GrpcClientBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let inner = this.inner;
        let Some(end) = &this.end.0 else {
            return inner.poll_frame(cx);
        };
        let poll = end.ctx.in_scope(|| inner.poll_frame(cx));
        if let Poll::Ready(frame) = &poll {
            GrpcEnd::on_frame(&mut this.end.0, frame);
        }
        poll
    }

    #[inline]
    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    #[inline]
    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
