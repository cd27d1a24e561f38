//! End to end over loopback: client -> service A -> service B, two in-process axum services with
//! `ServerLayer` on the server side and `ClientLayer` on A's hyper-util client.
//!
//! B's parent-id must be the span-id of A's CLIENT span (a child of A's server span), and every
//! log line of both services must carry the same trace-id; each request ends with one access-log
//! line; a streamed body is polled in the request's context; `server-timing` is opt-in.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::routing::post;
use futures::StreamExt as _;
use http::Request;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tests::{Record, capture};
use tower::{Layer, ServiceExt};
use traced_runtime::TraceContext;
use traced_runtime::layer::{ClientLayer, ClientService, ServerLayer};

type HttpClient = ClientService<Client<HttpConnector, Full<Bytes>>>;

fn client() -> HttpClient {
    ClientLayer::new().layer(Client::builder(TokioExecutor::new()).build_http())
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
            .layer(ServerLayer::new().with_target("service_b")),
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
            .layer(ServerLayer::new().with_target("service_a")),
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

/// `record` is the access-log line of a `method` request to `route_or_path` (under the key
/// `key`, `route` or `path`) that ended with `status`, with a latency in milliseconds.
fn assert_access_log(record: &Record, method: &str, key: &str, route_or_path: &str, status: &str) {
    assert_eq!(record.level, log::Level::Info, "{record:?}");
    assert_eq!(record.kv("method"), Some(method), "{record:?}");
    assert_eq!(record.kv(key), Some(route_or_path), "{record:?}");
    assert_eq!(record.kv("status"), Some(status), "{record:?}");
    let latency: f64 = record
        .kv("latency_ms")
        .expect("latency_ms")
        .parse()
        .unwrap();
    assert!(latency >= 0.0);
    assert_eq!(
        record.message,
        format!("{method} {route_or_path} {status} {latency:.3} ms")
    );
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
    // B's parent is A's CLIENT span: a fresh span-id, neither A's server span nor the caller.
    assert_eq!(b.parent_span_id.len(), 16);
    assert_ne!(
        b.parent_span_id, a.span_id,
        "B's parent-id is A's client span"
    );
    assert_ne!(b.parent_span_id, PARENT);
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
    assert_eq!(a_messages[..2], ["POST /a", "calling B"]);
    assert_eq!(b_messages[..2], ["POST /b", "handling"]);
    for (logs, path) in [(&a_logs, "/a"), (&b_logs, "/b")] {
        assert_eq!(
            logs.len(),
            3,
            "request line, handler line, access log: {logs:#?}"
        );
        assert_access_log(logs[2], "POST", "path", path, "200");
    }
    for r in a_logs {
        assert_eq!(r.trace_id(), Some(TRACE));
        assert_eq!(r.span_id(), Some(a.span_id.as_str()));
        assert_eq!(r.parent_span_id(), Some(PARENT));
    }
    for r in b_logs {
        assert_eq!(r.trace_id(), Some(TRACE));
        assert_eq!(r.span_id(), Some(b.span_id.as_str()));
        assert_eq!(r.parent_span_id(), Some(b.parent_span_id.as_str()));
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
        assert_ne!(b.parent_span_id, a.span_id, "B's parent is A's client span");
        assert_eq!((a.tracestate.as_str(), a.baggage.as_str()), ("-", "-"));
    }
    assert_ne!(
        parse(first.split_once('|').unwrap().0).trace_id,
        parse(second.split_once('|').unwrap().0).trace_id,
        "each request without traceparent starts its own trace"
    );
    let records = logs.records();
    assert_eq!(records_of(&records, "service_b").len(), 6);
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
    assert_ne!(b.parent_span_id, a.span_id);
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
            ServerLayer::new()
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

/// `GET url` with no context; returns the response (status, headers) and its body.
async fn get(url: &str, headers: &[(&str, &str)]) -> (http::response::Parts, String) {
    let mut req = Request::get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = client()
        .oneshot(req.body(Full::new(Bytes::new())).unwrap())
        .await
        .unwrap();
    let (parts, body) = resp.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    (parts, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_body_is_polled_in_the_request_context() {
    use axum::body::Body;
    use axum::routing::get as get_route;

    let logs = capture();
    async fn stream() -> Body {
        let chunks = futures::stream::iter(0..3).then(|i| async move {
            tokio::task::yield_now().await;
            log::info!(target: "streaming", "chunk {i}");
            Ok::<_, std::convert::Infallible>(Bytes::from(format!("{i};")))
        });
        Body::from_stream(chunks)
    }
    let addr = serve(
        Router::new()
            .route("/stream", get_route(stream))
            .layer(ServerLayer::new().with_target("stream_service")),
    )
    .await;
    let (_, body) = get(
        &format!("http://{addr}/stream"),
        &[("traceparent", &format!("00-{TRACE}-{PARENT}-01"))],
    )
    .await;
    assert_eq!(body, "0;1;2;");
    let records = logs.records();
    let server_span = records_of(&records, "stream_service")[0]
        .span_id()
        .unwrap()
        .to_owned();
    let chunks = records_of(&records, "streaming");
    assert_eq!(chunks.len(), 3);
    for chunk in chunks {
        assert_eq!(chunk.trace_id(), Some(TRACE), "{chunk:?}");
        assert_eq!(chunk.span_id(), Some(server_span.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_timing_is_opt_in_and_names_the_server_span() {
    use axum::routing::get as get_route;

    let _logs = capture();
    async fn ids(Extension(ctx): Extension<TraceContext>) -> String {
        format!("{} {}", ctx.trace_id(), ctx.span_id().unwrap())
    }
    let plain = serve(
        Router::new()
            .route("/", get_route(ids))
            .layer(ServerLayer::new()),
    )
    .await;
    let timed = serve(
        Router::new()
            .route("/", get_route(ids))
            .layer(ServerLayer::new().with_server_timing()),
    )
    .await;
    let traceparent = format!("00-{TRACE}-{PARENT}-01");
    let (parts, _) = get(
        &format!("http://{plain}/"),
        &[("traceparent", &traceparent)],
    )
    .await;
    assert!(
        parts.headers.get("server-timing").is_none(),
        "off by default"
    );

    let (parts, body) = get(
        &format!("http://{timed}/"),
        &[("traceparent", &traceparent)],
    )
    .await;
    let (trace_id, span_id) = body.split_once(' ').unwrap();
    assert_eq!(trace_id, TRACE);
    assert_eq!(
        parts.headers["server-timing"],
        format!("trace;desc=00-{TRACE}-{span_id}-01").as_str()
    );
    // An unsampled request says so in the flags.
    let (parts, body) = get(
        &format!("http://{timed}/"),
        &[("traceparent", &format!("00-{TRACE}-{PARENT}-00"))],
    )
    .await;
    let span_id = body.split_once(' ').unwrap().1;
    assert_eq!(
        parts.headers["server-timing"],
        format!("trace;desc=00-{TRACE}-{span_id}-00").as_str()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_access_log_names_the_route_and_its_level_is_configurable() {
    use axum::extract::MatchedPath;
    use axum::routing::get as get_route;
    use traced_runtime::layer::RouteLayer;

    let logs = capture();
    async fn order() -> &'static str {
        "order"
    }
    let addr = serve(
        Router::new()
            .route("/orders/{id}", get_route(order))
            .route_layer(RouteLayer::new(|ext| {
                ext.get::<MatchedPath>()
                    .map(|path| path.as_str().to_owned())
            }))
            .layer(
                ServerLayer::new()
                    .with_target("routed")
                    .with_access_log(Some(log::Level::Warn)),
            ),
    )
    .await;
    let quiet = serve(
        Router::new().route("/", get_route(order)).layer(
            ServerLayer::new()
                .with_target("quiet")
                .with_access_log(None),
        ),
    )
    .await;
    let (parts, _) = get(&format!("http://{addr}/orders/42"), &[]).await;
    assert_eq!(parts.status, 200);
    let (parts, _) = get(&format!("http://{addr}/missing"), &[]).await;
    assert_eq!(parts.status, 404);
    get(&format!("http://{quiet}/"), &[]).await;

    let records = logs.records();
    let routed = records_of(&records, "routed");
    let access: Vec<_> = routed.iter().filter(|r| r.kv("status").is_some()).collect();
    assert_eq!(access.len(), 2, "{routed:#?}");
    assert_eq!(access[0].level, log::Level::Warn);
    assert_eq!(access[0].kv("route"), Some("/orders/{id}"));
    assert!(
        access[0].message.starts_with("GET /orders/{id} 200 "),
        "{:?}",
        access[0]
    );
    // No route matched: the path stands in.
    assert_eq!(access[1].kv("path"), Some("/missing"));
    assert_eq!(access[1].kv("status"), Some("404"));
    // The access-log line is inside the server span: same ids as the request line.
    assert_eq!(access[0].span_id(), routed[0].span_id());
    let quiet_lines = records_of(&records, "quiet");
    assert_eq!(
        quiet_lines.len(),
        1,
        "only the request line: {quiet_lines:#?}"
    );
}

/// What tower-http's `TraceLayer` callbacks saw: `(callback, trace-id current when called)`.
type Callbacks = std::sync::Arc<std::sync::Mutex<Vec<(&'static str, Option<String>)>>>;

fn seen_now(seen: &Callbacks, callback: &'static str) {
    let trace_id = traced_runtime::current_trace_id().map(|id| id.to_string());
    seen.lock().unwrap().push((callback, trace_id));
}

/// A router that streams a body, wrapped in traced's and tower-http's `TraceLayer`, traced's
/// outside when `traced_outside`; returns the callbacks tower-http made for one request.
async fn tower_http_callbacks(traced_outside: bool) -> Vec<(&'static str, Option<String>)> {
    use axum::body::Body;
    use axum::routing::get as get_route;
    use tower_http::trace::TraceLayer as TowerHttpTraceLayer;

    async fn stream() -> Body {
        Body::from_stream(futures::stream::iter(
            ["a", "b"].map(|chunk| Ok::<_, std::convert::Infallible>(Bytes::from(chunk))),
        ))
    }
    fn on_request<S>(seen: &Callbacks) -> impl Fn(&Request<axum::body::Body>, &S) + Clone + use<S> {
        let seen = seen.clone();
        move |_, _| seen_now(&seen, "on_request")
    }
    fn on_response<B, S>(
        seen: &Callbacks,
    ) -> impl Fn(&http::Response<B>, std::time::Duration, &S) + Clone + use<B, S> {
        let seen = seen.clone();
        move |_, _, _| seen_now(&seen, "on_response")
    }
    fn on_eos<S>(
        seen: &Callbacks,
    ) -> impl Fn(Option<&http::HeaderMap>, std::time::Duration, &S) + Clone + use<S> {
        let seen = seen.clone();
        move |_, _, _| seen_now(&seen, "on_eos")
    }

    let seen = Callbacks::default();
    let tower_http = TowerHttpTraceLayer::new_for_http()
        .on_request(on_request(&seen))
        .on_response(on_response(&seen))
        .on_eos(on_eos(&seen));
    let router = Router::new().route("/", get_route(stream));
    // In axum the later `.layer` call is the outer layer.
    let router = if traced_outside {
        router.layer(tower_http).layer(ServerLayer::new())
    } else {
        router.layer(ServerLayer::new()).layer(tower_http)
    };
    let addr = serve(router).await;
    let (_, body) = get(
        &format!("http://{addr}/"),
        &[("traceparent", &format!("00-{TRACE}-{PARENT}-01"))],
    )
    .await;
    assert_eq!(body, "ab");
    seen.lock().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tower_http_trace_layer_inside_traced_sees_the_request_context() {
    let _logs = capture();
    let trace = Some(TRACE.to_owned());
    assert_eq!(
        tower_http_callbacks(true).await,
        [
            ("on_request", trace.clone()),
            ("on_response", trace.clone()),
            ("on_eos", trace)
        ],
        "traced's layer outside: every tower-http line can carry the ids"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tower_http_trace_layer_outside_traced_runs_before_the_context_exists() {
    // The documented wrong order: tower-http's request and response lines precede the
    // extraction (its body lines still run inside traced's body wrapper).
    let _logs = capture();
    let seen = tower_http_callbacks(false).await;
    assert_eq!(seen[0], ("on_request", None));
    assert_eq!(seen[1], ("on_response", None));
}

#[tokio::test(flavor = "current_thread")]
async fn a_failing_service_gets_an_access_line_with_status_error() {
    let logs = capture();
    let service = ServerLayer::new()
        .with_target("failing")
        .layer(tower::service_fn(|_: Request<()>| async {
            Err::<http::Response<()>, _>(std::io::Error::other("database down"))
        }));
    let request = Request::get("/orders").body(()).unwrap();
    assert!(service.oneshot(request).await.is_err());
    let records = logs.records();
    let lines = records_of(&records, "failing");
    assert_eq!(lines.len(), 2, "request line and access line: {lines:#?}");
    assert_eq!(lines[1].kv("status"), Some("error"));
    assert_eq!(lines[1].kv("path"), Some("/orders"));
    assert!(
        lines[1].message.starts_with("GET /orders error "),
        "{:?}",
        lines[1]
    );
    assert_eq!(lines[1].span_id(), lines[0].span_id());
}
