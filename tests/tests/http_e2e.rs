//! End to end over loopback: client -> service A -> service B, two in-process axum services with
//! `TraceLayer` on the server side and `InjectLayer` on A's hyper-util client.
//!
//! B's parent-id must be A's span-id, and every log line of both services must carry the same
//! trace-id.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::routing::post;
use http::Request;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tests::{Record, capture};
use tower::{Layer, ServiceExt};
use traced_runtime::TraceContext;
use traced_runtime::tower::{InjectLayer, InjectService, TraceLayer};

type HttpClient = InjectService<Client<HttpConnector, Full<Bytes>>>;

fn client() -> HttpClient {
    InjectLayer.layer(Client::builder(TokioExecutor::new()).build_http())
}

/// Serves `router` on a loopback port chosen by the OS; returns its address.
async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// `POST url` with `headers`; returns the response body.
async fn post_to(client: &HttpClient, url: &str, headers: &[(&str, &str)]) -> String {
    let mut req = Request::post(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = client
        .clone()
        .oneshot(req.body(Full::new(Bytes::new())).unwrap())
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{url}: {}", resp.status());
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(body.to_vec()).unwrap()
}

/// Starts B, then A (which calls B); returns A's address.
async fn start_services() -> SocketAddr {
    async fn b(Extension(ctx): Extension<TraceContext>) -> String {
        log::info!(target: "service_b", "handling");
        describe(&ctx)
    }
    let b_addr = serve(
        Router::new()
            .route("/b", post(b))
            .layer(TraceLayer::new().with_target("service_b")),
    )
    .await;

    async fn a(State(b_url): State<String>, Extension(ctx): Extension<TraceContext>) -> String {
        log::info!(target: "service_a", "calling B");
        let from_b = post_to(&client(), &b_url, &[]).await;
        format!("{}|{from_b}", describe(&ctx))
    }
    serve(
        Router::new()
            .route("/a", post(a))
            .with_state(format!("http://{b_addr}/b"))
            .layer(TraceLayer::new().with_target("service_a")),
    )
    .await
}

/// `trace_id span_id parent_span_id tracestate baggage`, `-` for absent parts.
fn describe(ctx: &TraceContext) -> String {
    let or_dash = |s: Option<String>| s.unwrap_or_else(|| "-".into());
    format!(
        "{} {} {} {} {}",
        ctx.trace_id(),
        or_dash(ctx.span_id().map(|s| s.to_string())),
        or_dash(ctx.parent_span_id().map(|s| s.to_string())),
        or_dash(ctx.tracestate().map(ToString::to_string)),
        or_dash(ctx.baggage().to_header()),
    )
}

struct Seen {
    trace_id: String,
    span_id: String,
    parent_span_id: String,
    tracestate: String,
    baggage: String,
}

fn parse(desc: &str) -> Seen {
    let parts: Vec<&str> = desc.split(' ').collect();
    assert_eq!(parts.len(), 5, "{desc:?}");
    Seen {
        trace_id: parts[0].into(),
        span_id: parts[1].into(),
        parent_span_id: parts[2].into(),
        tracestate: parts[3].into(),
        baggage: parts[4].into(),
    }
}

fn records_of<'a>(records: &'a [Record], target: &str) -> Vec<&'a Record> {
    records.iter().filter(|r| r.target == target).collect()
}

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b_continues_a_trace_with_a_span_as_parent() {
    let logs = capture();
    let a_addr = start_services().await;
    let body = post_to(
        &client(),
        &format!("http://{a_addr}/a"),
        &[
            ("traceparent", &format!("00-{TRACE}-{PARENT}-01")),
            ("tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"),
            ("baggage", "userId=alice, serverNode=DF%2028"),
        ],
    )
    .await;
    let (a, b) = body.split_once('|').unwrap();
    let (a, b) = (parse(a), parse(b));

    assert_eq!(a.trace_id, TRACE);
    assert_eq!(
        a.parent_span_id, PARENT,
        "A's server span is a child of the caller"
    );
    assert_ne!(a.span_id, PARENT);
    assert_eq!(b.trace_id, TRACE, "B shares the trace");
    assert_eq!(b.parent_span_id, a.span_id, "B's parent-id is A's span-id");
    assert_ne!(b.span_id, a.span_id);
    assert_eq!(a.tracestate, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    assert_eq!(b.tracestate, a.tracestate, "tracestate carried byte-exact");
    assert_eq!(a.baggage, "userId=alice,serverNode=DF%2028");
    assert_eq!(b.baggage, a.baggage);

    let records = logs.records();
    let a_logs = records_of(&records, "service_a");
    let b_logs = records_of(&records, "service_b");
    let a_messages: Vec<&str> = a_logs.iter().map(|r| r.message.as_str()).collect();
    let b_messages: Vec<&str> = b_logs.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(a_messages, ["POST /a", "calling B"]);
    assert_eq!(b_messages, ["POST /b", "handling"]);
    for r in a_logs {
        assert_eq!(r.trace_id(), Some(TRACE));
        assert_eq!(r.span_id(), Some(a.span_id.as_str()));
        assert_eq!(r.parent_span_id(), Some(PARENT));
    }
    for r in b_logs {
        assert_eq!(r.trace_id(), Some(TRACE));
        assert_eq!(r.span_id(), Some(b.span_id.as_str()));
        assert_eq!(r.parent_span_id(), Some(a.span_id.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_without_traceparent_starts_one_shared_trace() {
    let logs = capture();
    let a_addr = start_services().await;
    let url = format!("http://{a_addr}/a");
    let first = post_to(&client(), &url, &[]).await;
    let second = post_to(&client(), &url, &[]).await;
    for body in [&first, &second] {
        let (a, b) = body.split_once('|').unwrap();
        let (a, b) = (parse(a), parse(b));
        assert_eq!(a.parent_span_id, "-", "A's server span is a root span");
        assert_eq!(b.trace_id, a.trace_id);
        assert_eq!(b.parent_span_id, a.span_id);
        assert_eq!((a.tracestate.as_str(), a.baggage.as_str()), ("-", "-"));
    }
    assert_ne!(
        parse(first.split_once('|').unwrap().0).trace_id,
        parse(second.split_once('|').unwrap().0).trace_id,
        "each request without traceparent starts its own trace"
    );
    let records = logs.records();
    assert_eq!(records_of(&records, "service_b").len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_traceparent_restarts_and_drops_tracestate() {
    let _logs = capture();
    let a_addr = start_services().await;
    let body = post_to(
        &client(),
        &format!("http://{a_addr}/a"),
        &[
            ("traceparent", &format!("00-{TRACE}-0000000000000000-01")),
            ("tracestate", "rojo=1"),
            ("baggage", "k=v"),
        ],
    )
    .await;
    let (a, b) = body.split_once('|').unwrap();
    let (a, b) = (parse(a), parse(b));
    assert_ne!(a.trace_id, TRACE);
    assert_eq!(a.parent_span_id, "-");
    assert_eq!(
        a.tracestate, "-",
        "tracestate is dropped with an invalid traceparent"
    );
    assert_eq!(a.baggage, "k=v", "baggage is independent of traceparent");
    assert_eq!(b.trace_id, a.trace_id);
    assert_eq!(b.parent_span_id, a.span_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_id_fallback() {
    let _logs = capture();
    async fn echo(Extension(ctx): Extension<TraceContext>) -> String {
        format!(
            "{} {}",
            ctx.trace_id(),
            ctx.fields().get("request_id").unwrap_or("-")
        )
    }
    let addr = serve(
        Router::new().route("/", post(echo)).layer(
            TraceLayer::new()
                .with_request_id_headers(traced_runtime::propagation::DEFAULT_REQUEST_ID_HEADERS),
        ),
    )
    .await;
    let url = format!("http://{addr}/");
    let hex = post_to(&client(), &url, &[("X-Request-Id", TRACE)]).await;
    assert_eq!(hex, format!("{TRACE} -"));
    let other = post_to(&client(), &url, &[("x-trace-id", "req-42")]).await;
    assert!(other.ends_with(" req-42"), "{other}");
    assert!(!other.starts_with(TRACE));
    // traceparent wins over a request-id.
    let both = post_to(
        &client(),
        &url,
        &[
            ("x-request-id", "req-42"),
            ("traceparent", &format!("00-{TRACE}-{PARENT}-01")),
        ],
    )
    .await;
    assert_eq!(both, format!("{TRACE} -"));
}
