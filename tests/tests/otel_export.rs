//! Spans handed to an OpenTelemetry SDK tracer provider: the exported span tree has our ids,
//! names, parentage, timing order, status and user fields, for sync, async, spawned, manual and
//! cross-service spans; unsampled traces are not exported.

use std::sync::OnceLock;

use opentelemetry::Value;
use opentelemetry::trace::{
    Span as _, SpanKind, Status, TraceContextExt as _, Tracer as _, TracerProvider as _,
};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use traced_runtime::{TraceContext, TraceFlags, otel, traced};

fn provider() -> &'static (SdkTracerProvider, InMemorySpanExporter) {
    static PROVIDER: OnceLock<(SdkTracerProvider, InMemorySpanExporter)> = OnceLock::new();
    PROVIDER.get_or_init(|| {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        otel::install(&provider).expect("first exporter of this test binary");
        (provider, exporter)
    })
}

/// The exported spans of one trace, in end order.
fn spans_of(ctx: &TraceContext) -> Vec<SpanData> {
    let (_, exporter) = provider();
    exporter
        .get_finished_spans()
        .unwrap()
        .into_iter()
        .filter(|s| s.span_context.trace_id().to_bytes() == ctx.trace_id().to_bytes())
        .collect()
}

fn hex(id: opentelemetry::trace::SpanId) -> String {
    id.to_string()
}

fn find<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans.iter().find(|s| s.name == name).unwrap_or_else(|| {
        panic!(
            "no span {name} in {:?}",
            spans.iter().map(|s| &s.name).collect::<Vec<_>>()
        )
    })
}

/// The value of the attribute `key` of `span`.
fn attribute(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}

#[traced(span)]
fn outer() -> (TraceContext, TraceContext) {
    (TraceContext::current().unwrap(), inner())
}

#[traced(span)]
fn inner() -> TraceContext {
    TraceContext::current().unwrap()
}

#[test]
fn sync_spans_form_the_same_tree_as_the_logs() {
    provider();
    let root = TraceContext::new_root()
        .child()
        .with_field("account_id", "account-456");
    let (outer_ctx, inner_ctx) = root.in_scope(outer);
    let spans = spans_of(&root);
    assert_eq!(
        spans.len(),
        2,
        "only the two #[traced(span)] calls are spans"
    );
    let (outer_span, inner_span) = (find(&spans, "outer"), find(&spans, "inner"));
    for span in [outer_span, inner_span] {
        assert_eq!(span.span_kind, SpanKind::Internal);
        assert_eq!(
            attribute(span, "code.namespace"),
            Some(Value::from("otel_export")),
            "the target is the module of the traced function"
        );
    }

    assert_eq!(
        hex(outer_span.span_context.span_id()),
        outer_ctx.span_id().unwrap().to_string()
    );
    assert_eq!(
        hex(outer_span.parent_span_id),
        root.span_id().unwrap().to_string()
    );
    assert_eq!(
        hex(inner_span.span_context.span_id()),
        inner_ctx.span_id().unwrap().to_string()
    );
    assert_eq!(
        hex(inner_span.parent_span_id),
        outer_ctx.span_id().unwrap().to_string()
    );

    assert!(outer_span.start_time <= inner_span.start_time);
    assert!(inner_span.end_time <= outer_span.end_time);
    assert!(inner_span.start_time <= inner_span.end_time);
    assert_eq!(inner_span.status, Status::Unset);
    assert!(inner_span.span_context.is_sampled());
    assert!(
        inner_span
            .attributes
            .iter()
            .any(|kv| kv.key.as_str() == "account_id" && kv.value.as_str() == "account-456")
    );
}

#[traced(span)]
fn explodes() {
    panic!("boom");
}

#[test]
fn a_panicking_span_has_error_status() {
    provider();
    let root = TraceContext::new_root().child();
    let result = std::panic::catch_unwind(|| root.in_scope(explodes));
    assert!(result.is_err());
    let spans = spans_of(&root);
    assert_eq!(find(&spans, "explodes").status, Status::error("panicked"));
}

#[traced(span)]
async fn async_parent() -> TraceContext {
    tokio::task::yield_now().await;
    let me = TraceContext::current().unwrap();
    traced_runtime::task::spawn(async_child()).await.unwrap();
    me
}

#[traced(span)]
async fn async_child() {
    tokio::task::yield_now().await;
}

#[test]
fn async_and_spawned_spans_nest() {
    provider();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let root = TraceContext::new_root().child();
    let parent_ctx = runtime.block_on(traced_runtime::TracedFutureExt::in_context(
        async_parent(),
        root.clone(),
    ));
    let spans = spans_of(&root);
    let (parent, child) = (find(&spans, "async_parent"), find(&spans, "async_child"));
    assert_eq!(
        hex(parent.parent_span_id),
        root.span_id().unwrap().to_string()
    );
    assert_eq!(
        hex(child.parent_span_id),
        parent_ctx.span_id().unwrap().to_string()
    );
    assert!(child.end_time <= parent.end_time);
}

#[test]
fn manual_spans_are_exported_with_their_status() {
    provider();
    let root = TraceContext::new_root().child();
    root.in_scope(|| {
        let mut span = traced_runtime::enter_span!("load-config");
        span.set_error("file missing");
    });
    let spans = spans_of(&root);
    let span = find(&spans, "load-config");
    assert_eq!(span.status, Status::error("file missing"));
    assert_eq!(span.span_kind, SpanKind::Internal);
    assert_eq!(
        attribute(span, "code.namespace"),
        Some(Value::from("otel_export")),
        "the target is the module that opened the span"
    );
    assert_eq!(
        hex(span.parent_span_id),
        root.span_id().unwrap().to_string()
    );
}

#[test]
fn unsampled_traces_keep_their_ids_but_are_not_exported() {
    provider();
    let root = TraceContext::new_root()
        .with_trace_flags(TraceFlags::NONE)
        .child();
    let (outer_ctx, _) = root.in_scope(outer);
    assert_eq!(outer_ctx.trace_id(), root.trace_id());
    assert!(outer_ctx.span_id().is_some());
    assert!(spans_of(&root).is_empty());
}

#[test]
fn their_spans_nest_under_ours_and_ours_under_theirs() {
    let (provider, _) = provider();
    let tracer = provider.tracer("their-library");

    // Theirs under ours.
    let ours = TraceContext::new_root().child();
    let theirs = tracer.start_with_context("their-span", &otel::to_otel_context(&ours));
    let their_context = theirs.span_context().clone();
    assert_eq!(
        their_context.trace_id().to_bytes(),
        ours.trace_id().to_bytes()
    );
    drop(theirs);
    let spans = spans_of(&ours);
    assert_eq!(
        hex(find(&spans, "their-span").parent_span_id),
        ours.span_id().unwrap().to_string()
    );

    // Ours under theirs.
    let cx = opentelemetry::Context::new().with_remote_span_context(their_context.clone());
    let adopted = otel::from_otel_context(&cx).expect("a valid span context");
    let (outer_ctx, _) = adopted.in_scope(outer);
    assert_eq!(outer_ctx.trace_id(), ours.trace_id());
    assert_eq!(
        outer_ctx.parent_span_id().unwrap().to_bytes(),
        their_context.span_id().to_bytes()
    );
}

#[test]
fn span_context_conversions_round_trip() {
    let ctx = TraceContext::new_root().child();
    let back = otel::from_span_context(&otel::to_span_context(&ctx)).unwrap();
    assert_eq!(back.trace_id(), ctx.trace_id());
    assert_eq!(back.span_id(), ctx.span_id());
    assert_eq!(back.trace_flags(), ctx.trace_flags());
    assert_eq!(
        otel::from_span_context(&opentelemetry::trace::SpanContext::empty_context()),
        None
    );
}

#[traced(span)]
fn service_b() -> TraceContext {
    TraceContext::current().unwrap()
}

#[test]
fn cross_service_spans_share_the_trace() {
    provider();
    // Service A: its span injects the W3C headers of an outgoing request.
    let (a_span, headers) = TraceContext::new_root().in_scope(|| {
        let span = traced_runtime::enter_span!("A: call B");
        let mut headers = std::collections::HashMap::new();
        traced_runtime::propagation::inject(span.context(), &mut headers);
        (span.context().clone(), headers)
    });
    // Service B: continues the remote trace.
    let remote = traced_runtime::propagation::extract(&headers).unwrap();
    let b_ctx = remote.in_scope(service_b);
    let spans = spans_of(&a_span);
    let b = find(&spans, "service_b");
    assert_eq!(hex(b.parent_span_id), a_span.span_id().unwrap().to_string());
    assert_eq!(
        hex(b.span_context.span_id()),
        b_ctx.span_id().unwrap().to_string()
    );
    assert!(spans.iter().any(|s| s.name == "A: call B"));
}

#[traced(span, err)]
fn parse_sync(input: &str) -> Result<u32, std::num::ParseIntError> {
    input.parse()
}

#[traced(span, err)]
async fn parse_async(input: &'static str) -> Result<u32, std::num::ParseIntError> {
    tokio::task::yield_now().await;
    input.parse()
}

#[traced(span, name = "parse_ok")]
fn parse_ok() -> u32 {
    parse_sync("7").unwrap()
}

#[test]
fn err_results_give_error_status_in_sync_and_async_fns() {
    provider();
    let root = TraceContext::new_root().child();
    root.in_scope(|| {
        assert!(parse_sync("x").is_err());
        assert_eq!(parse_ok(), 7);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert!(runtime.block_on(parse_async("y")).is_err());
    });
    let spans = spans_of(&root);
    let errors: Vec<_> = spans
        .iter()
        .filter(|s| s.name == "parse_sync" || s.name == "parse_async")
        .map(|s| (s.name.as_ref(), s.status.clone()))
        .collect();
    assert_eq!(
        errors,
        [
            ("parse_sync", Status::error("invalid digit found in string")),
            ("parse_sync", Status::Unset),
            (
                "parse_async",
                Status::error("invalid digit found in string")
            ),
        ]
    );
    assert_eq!(
        find(&spans, "parse_ok").status,
        Status::Unset,
        "the error stays with its span"
    );
}

#[traced(span)]
async fn cancelled() {
    std::future::pending::<()>().await;
}

#[test]
fn a_cancelled_async_span_still_ends() {
    provider();
    let root = TraceContext::new_root().child();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let timed_out = runtime.block_on(traced_runtime::TracedFutureExt::in_context(
        async { tokio::time::timeout(std::time::Duration::from_millis(1), cancelled()).await },
        root.clone(),
    ));
    assert!(timed_out.is_err());
    let spans = spans_of(&root);
    assert_eq!(find(&spans, "cancelled").status, Status::Unset);
}

/// Runs `service` on one request on a fresh current-thread runtime, inside `ctx` when given.
fn call<S, B>(
    service: S,
    request: http::Request<()>,
    ctx: Option<&TraceContext>,
) -> Result<http::Response<B>, S::Error>
where
    S: tower::Service<http::Request<()>, Response = http::Response<B>>,
{
    use tower::ServiceExt as _;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let future = service.oneshot(request);
    match ctx {
        Some(ctx) => runtime.block_on(traced_runtime::TracedFutureExt::in_context(
            future,
            ctx.clone(),
        )),
        None => runtime.block_on(future),
    }
}

#[test]
fn the_tower_server_layer_records_a_server_span_under_the_remote_parent() {
    use tower::Layer as _;

    provider();
    let caller = TraceContext::new_root().child();
    let mut headers = std::collections::HashMap::new();
    traced_runtime::propagation::inject(&caller, &mut headers);
    let request = http::Request::builder()
        .method("GET")
        .uri("/orders/7?verbose=1")
        .header("traceparent", &headers["traceparent"])
        .header("host", "shop.example:8080")
        .header("user-agent", "curl/8.5")
        .header("x-forwarded-for", "203.0.113.9, 10.0.0.1")
        .body(())
        .unwrap();
    let service = traced_runtime::layer::ServerLayer::new().layer(tower::service_fn(
        |_: http::Request<()>| async {
            let ctx = service_b();
            let mut response = http::Response::new(ctx);
            // What `RouteLayer` does inside a router.
            response
                .extensions_mut()
                .insert(traced_runtime::layer::Route("/orders/{id}".into()));
            Ok::<_, std::convert::Infallible>(response)
        },
    ));
    let response = call(service, request, None).unwrap();
    let handler_ctx = response.into_body().into_inner();

    let spans = spans_of(&caller);
    let server = find(&spans, "GET /orders/{id}");
    assert_eq!(server.span_kind, SpanKind::Server);
    assert_eq!(
        hex(server.parent_span_id),
        caller.span_id().unwrap().to_string()
    );
    assert_eq!(server.status, Status::Unset);
    for (key, value) in [
        ("http.request.method", Value::from("GET")),
        ("url.path", Value::from("/orders/7")),
        ("url.query", Value::from("verbose=1")),
        ("url.scheme", Value::from("http")),
        ("http.route", Value::from("/orders/{id}")),
        ("http.response.status_code", Value::I64(200)),
        ("server.address", Value::from("shop.example")),
        ("server.port", Value::I64(8080)),
        ("client.address", Value::from("203.0.113.9")),
        ("network.protocol.version", Value::from("1.1")),
        ("user_agent.original", Value::from("curl/8.5")),
    ] {
        assert_eq!(attribute(server, key), Some(value), "{key}");
    }
    assert_eq!(attribute(server, "error.type"), None);
    let handler = find(&spans, "service_b");
    assert_eq!(handler.span_kind, SpanKind::Internal);
    assert_eq!(
        hex(handler.parent_span_id),
        hex(server.span_context.span_id())
    );
    assert_eq!(
        hex(handler.span_context.span_id()),
        handler_ctx.span_id().unwrap().to_string()
    );
    assert!(handler.end_time <= server.end_time);
    assert_eq!(server.instrumentation_scope.name(), "traced");
    assert_eq!(
        server.instrumentation_scope.version(),
        Some(otel::SCOPE_VERSION),
        "the scope carries the crate's version"
    );
}

#[test]
fn a_server_span_without_a_route_is_named_by_the_method_and_fails_on_5xx() {
    use tower::Layer as _;

    provider();
    let caller = TraceContext::new_root().child();
    let mut headers = std::collections::HashMap::new();
    traced_runtime::propagation::inject(&caller, &mut headers);
    let request = http::Request::post("/jobs/9")
        .header("traceparent", &headers["traceparent"])
        .body(())
        .unwrap();
    let service = traced_runtime::layer::ServerLayer::new().layer(tower::service_fn(
        |_: http::Request<()>| async {
            let mut response = http::Response::new(());
            *response.status_mut() = http::StatusCode::SERVICE_UNAVAILABLE;
            Ok::<_, std::convert::Infallible>(response)
        },
    ));
    call(service, request, None).unwrap();
    let spans = spans_of(&caller);
    let server = find(&spans, "POST");
    assert_eq!(server.status, Status::error("503 Service Unavailable"));
    assert_eq!(attribute(server, "error.type"), Some(Value::from("503")));
    assert_eq!(attribute(server, "http.route"), None);
    assert_eq!(attribute(server, "url.path"), Some(Value::from("/jobs/9")));
}

#[test]
fn the_client_layer_opens_a_client_span_whose_id_is_the_parent_id_sent_downstream() {
    use tower::Layer as _;

    provider();
    let caller = TraceContext::new_root().child();
    // The "downstream": answers 404 and returns the traceparent it received.
    let downstream = tower::service_fn(|request: http::Request<()>| async move {
        let traceparent = request.headers()["traceparent"]
            .to_str()
            .unwrap()
            .to_owned();
        let mut response = http::Response::new(traceparent);
        *response.status_mut() = http::StatusCode::NOT_FOUND;
        Ok::<_, std::convert::Infallible>(response)
    });
    let client = traced_runtime::layer::ClientLayer::new().layer(downstream);
    let request = http::Request::get("http://user:secret@api.example:9000/items?q=1")
        .body(())
        .unwrap();
    let sent = call(client, request, Some(&caller)).unwrap().into_body();

    let spans = spans_of(&caller);
    let client_span = find(&spans, "GET");
    assert_eq!(client_span.span_kind, SpanKind::Client);
    assert_eq!(
        hex(client_span.parent_span_id),
        caller.span_id().unwrap().to_string(),
        "the client span is a child of the caller's span"
    );
    let parent_id_sent = &sent[36..52];
    assert_eq!(parent_id_sent, hex(client_span.span_context.span_id()));
    assert_eq!(client_span.status, Status::error("404 Not Found"));
    for (key, value) in [
        ("http.request.method", Value::from("GET")),
        (
            "url.full",
            Value::from("http://REDACTED:REDACTED@api.example:9000/items?q=1"),
        ),
        ("server.address", Value::from("api.example")),
        ("server.port", Value::I64(9000)),
        ("http.response.status_code", Value::I64(404)),
        ("error.type", Value::from("404")),
    ] {
        assert_eq!(attribute(client_span, key), Some(value), "{key}");
    }
}

#[test]
fn a_transport_error_fails_the_client_span() {
    use tower::Layer as _;

    provider();
    let caller = TraceContext::new_root().child();
    let failing = tower::service_fn(|_: http::Request<()>| async {
        Err::<http::Response<()>, _>(std::io::Error::other("connection refused"))
    });
    let client = traced_runtime::layer::ClientLayer::new().layer(failing);
    let request = http::Request::put("http://127.0.0.1:1/").body(()).unwrap();
    assert!(call(client, request, Some(&caller)).is_err());
    let spans = spans_of(&caller);
    let client_span = find(&spans, "PUT");
    assert_eq!(client_span.status, Status::error("connection refused"));
    assert_eq!(
        attribute(client_span, "error.type"),
        Some(Value::from("std::io::error::Error"))
    );
    assert_eq!(attribute(client_span, "server.port"), Some(Value::I64(1)));
}

#[test]
fn an_unsampled_client_call_propagates_flag_00_and_exports_nothing() {
    use tower::Layer as _;

    provider();
    let caller = TraceContext::new_root()
        .with_trace_flags(TraceFlags::NONE)
        .child();
    let downstream = tower::service_fn(|request: http::Request<()>| async move {
        let tp = request.headers()["traceparent"]
            .to_str()
            .unwrap()
            .to_owned();
        Ok::<_, std::convert::Infallible>(http::Response::new(tp))
    });
    let client = traced_runtime::layer::ClientLayer::new().layer(downstream);
    let request = http::Request::get("http://api.example/").body(()).unwrap();
    let sent = call(client, request, Some(&caller)).unwrap().into_body();
    assert!(sent.ends_with("-00"), "{sent}");
    assert_ne!(&sent[36..52], caller.span_id().unwrap().to_string());
    assert!(spans_of(&caller).is_empty());
}

#[test]
fn the_reqwest_middleware_opens_a_client_span_and_injects_it() {
    use reqwest_middleware::ClientBuilder;
    use traced_runtime::middleware::TracedMiddleware;

    provider();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    // The downstream answers 500 with the traceparent it received.
    let addr = runtime.block_on(async {
        let app = axum::Router::new().route(
            "/echo",
            axum::routing::get(|headers: http::HeaderMap| async move {
                let tp = headers["traceparent"].to_str().unwrap().to_owned();
                (http::StatusCode::INTERNAL_SERVER_ERROR, tp)
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    });
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(TracedMiddleware::new())
        .build();
    let caller = TraceContext::new_root().child();
    let url = format!("http://{addr}/echo");
    let sent = runtime.block_on(traced_runtime::TracedFutureExt::in_context(
        async { client.get(&url).send().await.unwrap().text().await.unwrap() },
        caller.clone(),
    ));
    // A closed port: a transport error.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    drop(std::net::TcpListener::bind(closed));
    let failed = runtime.block_on(traced_runtime::TracedFutureExt::in_context(
        async { client.delete(format!("http://{closed}/")).send().await },
        caller.clone(),
    ));
    assert!(failed.is_err());

    let spans = spans_of(&caller);
    let get = find(&spans, "GET");
    assert_eq!(get.span_kind, SpanKind::Client);
    assert_eq!(
        hex(get.parent_span_id),
        caller.span_id().unwrap().to_string()
    );
    assert_eq!(&sent[36..52], hex(get.span_context.span_id()), "{sent}");
    assert_eq!(get.status, Status::error("500 Internal Server Error"));
    for (key, value) in [
        ("http.request.method", Value::from("GET")),
        ("url.full", Value::from(url.clone())),
        ("server.address", Value::from("127.0.0.1")),
        ("server.port", Value::I64(i64::from(addr.port()))),
        ("http.response.status_code", Value::I64(500)),
        ("error.type", Value::from("500")),
    ] {
        assert_eq!(attribute(get, key), Some(value), "{key}");
    }
    let delete = find(&spans, "DELETE");
    assert!(
        matches!(delete.status, Status::Error { .. }),
        "{:?}",
        delete.status
    );
    assert_eq!(
        attribute(delete, "error.type"),
        Some(Value::from("reqwest::Error"))
    );
    assert_eq!(attribute(delete, "http.response.status_code"), None);
}
