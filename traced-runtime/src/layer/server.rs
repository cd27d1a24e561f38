//! The server layer: one `SERVER` span per request, its access-log line and its
//! `server-timing` header.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::net::SocketAddr;
use std::sync::Arc;

use http::{Extensions, HeaderValue, Request, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::body::TracedBody;
use super::grpc::{GrpcEnd, PendingEnd};
use super::route::Route;
use crate::context::TraceContext;
use crate::export::ending::EndSpan as _;
use crate::export::grpc::{GrpcSpan, is_grpc};
use crate::export::http::{HttpSpan, Peer, error_type};
use crate::export::status_on_drop;
use crate::future::{InContext, TracedFutureExt};
use crate::own_lines;
use crate::propagation::{TRACEPARENT_LEN, TraceParent, extract_or_root, extract_with_request_id};

/// Default `log` target of the lines written by [`ServerLayer`] (request line and access log).
pub const DEFAULT_TARGET: &str = "traced_runtime::layer";

/// Name of the response header of [`ServerLayer::with_server_timing`].
const SERVER_TIMING: &str = "server-timing";

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
/// 5. calls the inner service and polls its future, then the response body ([`TracedBody`]),
///    with the span current;
/// 6. when the response is ready, logs the access-log line (see
///    [`with_access_log`](Self::with_access_log)) and, if enabled, adds the `server-timing`
///    header ([`with_server_timing`](Self::with_server_timing));
/// 7. when an exporter is installed ([`export`](crate::export)), records the span as
///    [`Kind::Server`](crate::export::Kind::Server), from the call until the response
///    is ready, with OpenTelemetry's
///    [HTTP server span conventions](https://opentelemetry.io/docs/specs/semconv/http/http-spans/#http-server):
///    name `{method} {route}` (the method alone when no [`Route`] is known), attributes
///    `http.request.method`, `url.path`, `url.query` (when present), `url.scheme`,
///    `http.route`, `http.response.status_code`, `server.address` / `server.port` (from
///    `Host`), `client.address` (first `X-Forwarded-For`, else
///    [`with_client_address`](Self::with_client_address)), `network.protocol.version`,
///    `user_agent.original`; status ERROR for a 5xx response or an `Err` of the service.
///
/// The span ends when the response head is ready, as tower-http's `on_response` does; the
/// body is still polled in its context.
///
/// A gRPC request (`content-type: application/grpc`, `application/grpc+proto`, ...) is
/// recorded with OpenTelemetry's [gRPC conventions](https://opentelemetry.io/docs/specs/semconv/rpc/grpc/)
/// instead: name `{rpc.service}/{rpc.method}`, `rpc.system=grpc`, `rpc.service`, `rpc.method`,
/// `rpc.grpc.status_code`, `server.address` / `server.port`, `client.address`; the gRPC status
/// is the response head's `grpc-status` for a trailers-only response, else the trailers' at
/// the end of the body, so the span and the access line
/// (`POST /orders.Orders/GetOrder 200 grpc=UNAVAILABLE(14) 0.950 ms`, with the key-values
/// `grpc_status` and `grpc_status_code` besides `method`, `path`, `status`, `latency_ms`) end
/// when the call ends, a streaming call's with its stream (a stream dropped before its end:
/// `CANCELLED`). The span is an ERROR, and the line is logged at ERROR, for the codes that
/// say the server failed (`UNKNOWN`, `DEADLINE_EXCEEDED`, `UNIMPLEMENTED`, `INTERNAL`,
/// `UNAVAILABLE`, `DATA_LOSS`), as the conventions say for servers; other codes are the
/// caller's doing.
#[derive(Clone, Debug)]
pub struct ServerLayer {
    request_id_headers: Option<Arc<[Box<str>]>>,
    target: Option<&'static str>,
    access_log: Option<log::Level>,
    server_timing: bool,
    client_address: Option<fn(&Extensions) -> Option<SocketAddr>>,
}

impl Default for ServerLayer {
    fn default() -> Self {
        Self {
            request_id_headers: None,
            target: None,
            access_log: Some(log::Level::Info),
            server_timing: false,
            client_address: None,
        }
    }
}

impl ServerLayer {
    /// A layer that reads only the W3C headers, writes the access log at INFO and adds no
    /// response header.
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

    /// Sets the `log` target of the request line and the access log (to tell services apart,
    /// or to filter them with `RUST_LOG`); also the exported span's `code.namespace`.
    #[must_use]
    pub fn with_target(mut self, target: &'static str) -> Self {
        self.target = Some(target);
        self
    }

    /// The level of the access-log line, or `None` for no line. Default: INFO.
    ///
    /// One line per request, logged when the response is ready, inside the server span (so it
    /// carries the span's trace-id and span-id):
    /// `GET /orders/{id} 200 1.234 ms`, with the key-values `method`, `route` (or `path` when
    /// no [`Route`] is known), `status` (the HTTP status code, or `error` when the service
    /// failed) and `latency_ms` (a float, milliseconds from the call to the response, to the
    /// microsecond). A request whose response future is dropped first (the client went away)
    /// gets no line; its span still ends.
    #[must_use]
    pub fn with_access_log(mut self, level: Option<log::Level>) -> Self {
        self.access_log = level;
        self
    }

    /// Adds `server-timing: trace;desc=00-{trace-id}-{span-id}-{flags}` to every response:
    /// the server span's traceparent, in the format of W3C Trace Context's editor's draft
    /// ["Trace Context Server Timing Metric Format"](https://w3c.github.io/trace-context/#trace-context-server-timing-metric-format),
    /// so that a browser (`PerformanceServerTiming`), a `curl -v` or a support ticket can quote
    /// the request's trace.
    ///
    /// Off by default (opt-in), because it hands every client, including untrusted ones on
    /// the public internet, the ids of the service's internal trace and whether it was sampled:
    /// the draft's privacy and security considerations leave that to the service, and a
    /// library should not decide to expose internals. Internal services and staff-facing
    /// front-ends turn it on.
    #[must_use]
    pub fn with_server_timing(mut self) -> Self {
        self.server_timing = true;
        self
    }

    /// Where the connection's peer address is found, for `client.address` when no
    /// `X-Forwarded-For` is present. The address is in the request's extensions when the
    /// server puts it there; with axum, serve with
    /// `into_make_service_with_connect_info::<SocketAddr>()` and pass
    /// `|ext| ext.get::<axum::extract::ConnectInfo<SocketAddr>>().map(|info| info.0)`.
    #[must_use]
    pub fn with_client_address(mut self, address: fn(&Extensions) -> Option<SocketAddr>) -> Self {
        self.client_address = Some(address);
        self
    }
}

impl<S> Layer<S> for ServerLayer {
    type Service = ServerService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ServerService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service made by [`ServerLayer`].
#[derive(Clone, Debug)]
pub struct ServerService<S> {
    inner: S,
    layer: ServerLayer,
}

impl<S, B, RB> Service<Request<B>> for ServerService<S>
where
    S: Service<Request<B>, Response = Response<RB>>,
{
    type Response = Response<TracedBody<RB>>;
    type Error = S::Error;
    type Future = ServerFuture<S::Future>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        #[cfg(feature = "tracing")]
        super::order::check();
        let remote = match &self.layer.request_id_headers {
            Some(headers) => extract_with_request_id(&req, &headers[..]),
            None => extract_or_root(&req),
        };
        let span = remote.child();
        req.extensions_mut().insert(span.clone());
        let target = self.layer.target.unwrap_or(DEFAULT_TARGET);
        let peer = Peer {
            client: self.layer.client_address.and_then(|f| f(req.extensions())),
        };
        if is_grpc(req.headers()) {
            return self.call_grpc(req, span, peer, target);
        }
        let mut record = HttpSpan::server(
            req.method(),
            req.uri(),
            req.version(),
            req.headers(),
            peer,
            target,
        );
        if let Some(Route(route)) = req.extensions().get::<Route>() {
            record.set_route(route.clone());
        }
        let future = span.in_scope(|| {
            log::info!(target: target, "{} {}", req.method(), req.uri().path());
            self.inner.call(req)
        });
        ServerFuture {
            inner: future.in_context(span.clone()),
            state: Some(State {
                record,
                ctx: span,
                access_log: self.layer.access_log,
                server_timing: self.layer.server_timing,
            }),
            grpc: PendingEnd(None),
            grpc_server_timing: false,
        }
    }
}

impl<S> ServerService<S> {
    /// A gRPC request: the span follows the gRPC conventions and ends with the call (see
    /// [`GrpcEnd`]), not with the response head.
    fn call_grpc<B, RB>(
        &mut self,
        req: Request<B>,
        span: TraceContext,
        peer: Peer,
        target: &'static str,
    ) -> ServerFuture<S::Future>
    where
        S: Service<Request<B>, Response = Response<RB>>,
    {
        let record = GrpcSpan::server(req.uri(), req.version(), req.headers(), peer, target);
        let future = span.in_scope(|| {
            log::info!(target: target, "{} {}", req.method(), req.uri().path());
            self.inner.call(req)
        });
        ServerFuture {
            inner: future.in_context(span.clone()),
            state: None,
            grpc: PendingEnd(Some(Box::new(GrpcEnd {
                record,
                ctx: span,
                access_log: self.layer.access_log,
                http_status: None,
            }))),
            grpc_server_timing: self.layer.server_timing,
        }
    }
}

/// What ending the request needs.
#[derive(Debug)]
struct State {
    record: HttpSpan,
    ctx: TraceContext,
    access_log: Option<log::Level>,
    server_timing: bool,
}

impl State {
    /// Logs the access-log line: `status` is the response's status code, `None` when the
    /// service failed (then `status=error`).
    fn access_log(&self, status: Option<u16>) {
        let Some(level) = self.access_log else {
            return;
        };
        let target = self.record.target();
        let method = self.record.method();
        let latency_ms = self.record.elapsed_ms();
        let route_or_path = self.record.route_or_path();
        let status = match status {
            Some(code) => log::kv::Value::from(code),
            None => log::kv::Value::from("error"),
        };
        if !own_lines::enabled(level) {
            return;
        }
        let route_key = if self.record.has_route() {
            "route"
        } else {
            "path"
        };
        let kvs = [
            ("method", log::kv::Value::from(method)),
            (route_key, log::kv::Value::from(route_or_path)),
            ("status", status.clone()),
            ("latency_ms", log::kv::Value::from(latency_ms)),
        ];
        self.ctx.in_scope(|| {
            own_lines::emit(
                level,
                target,
                module_path!(),
                format_args!("{method} {route_or_path} {status} {latency_ms:.3} ms"),
                &kvs,
            );
        });
    }
}

pin_project! {
    /// The response future of [`ServerService`]: the inner future with the server span current;
    /// when it is ready, the access log, the `server-timing` header, the end of the span, and
    /// the body wrapped in [`TracedBody`].
    #[must_use = "futures do nothing unless polled"]
    #[derive(Debug)]
    pub struct ServerFuture<F> {
        #[pin]
        inner: InContext<F>,
        state: Option<State>,
        // A gRPC call (then `state` is `None`): ended when the response's trailers arrive, by
        // the body; ended as cancelled if dropped before.
        grpc: PendingEnd,
        grpc_server_timing: bool,
    }

    impl<F> PinnedDrop for ServerFuture<F> {
        fn drop(this: Pin<&mut Self>) {
            // The client went away before the response was ready: the span still ends.
            if let Some(state) = this.project().state.take() {
                state.record.end_with(&state.ctx, status_on_drop());
            }
        }
    }
}

impl<F, RB, E> Future for ServerFuture<F>
where
    F: Future<Output = Result<Response<RB>, E>>,
{
    type Output = Result<Response<TracedBody<RB>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut inner = this.inner;
        let result = match inner.as_mut().poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(result) => result,
        };
        if let Some(end) = this.grpc.0.take() {
            let ctx = end.ctx.clone();
            return Poll::Ready(match result {
                Ok(mut response) => {
                    if *this.grpc_server_timing {
                        add_server_timing(&mut response, &ctx);
                    }
                    let end = end.on_head(response.status(), response.headers());
                    Ok(response.map(|body| TracedBody::with_grpc_end(body, ctx, end)))
                }
                Err(error) => {
                    end.finish(super::grpc::Outcome::Failed {
                        error_type: error_type::<E>(),
                        description: "the service returned an error".to_owned(),
                    });
                    Err(error)
                }
            });
        }
        let Some(mut state) = this.state.take() else {
            // Polled again after completion: the inner future decided to answer again.
            let ctx = inner.as_ref().get_ref().context().cloned();
            let ctx = ctx.unwrap_or_else(TraceContext::new_root);
            return Poll::Ready(result.map(|r| r.map(|body| TracedBody::new(body, ctx))));
        };
        Poll::Ready(match result {
            Ok(mut response) => {
                if let Some(Route(route)) = response.extensions().get::<Route>() {
                    state.record.set_route(route.clone());
                }
                if state.server_timing {
                    add_server_timing(&mut response, &state.ctx);
                }
                let status = response.status();
                state.access_log(Some(status.as_u16()));
                let State { record, ctx, .. } = state;
                record.end_with_status(&ctx, status);
                Ok(response.map(|body| TracedBody::new(body, ctx)))
            }
            Err(error) => {
                state.access_log(None);
                let State { record, ctx, .. } = state;
                record.end_with_error(
                    &ctx,
                    error_type::<E>(),
                    "the service returned an error".to_owned(),
                );
                Err(error)
            }
        })
    }
}

/// Appends `server-timing: trace;desc=<traceparent of the server span>`; a `server-timing`
/// field the service already wrote stays (the header is a list).
fn add_server_timing<B>(response: &mut Response<B>, ctx: &TraceContext) {
    let Some(span_id) = ctx.span_id() else {
        return;
    };
    let tp = TraceParent::new(ctx.trace_id(), span_id, ctx.trace_flags());
    let mut buf = [0u8; TRACEPARENT_LEN];
    let value = format!("trace;desc={}", tp.encode(&mut buf));
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().append(SERVER_TIMING, value);
    }
}
