//! gRPC over the tower layers: the server layer recognises a gRPC request and the
//! `GrpcClientLayer` wraps a channel; both name the span `{service}/{method}`, carry the `rpc.*`
//! attributes, read the gRPC status from the head of a trailers-only response or from the
//! trailers, end the span when the call ends (with the stream, for streaming calls), and set
//! the span status as the gRPC conventions say for each side. The server's access line names
//! the gRPC status and is an ERROR when the call failed on the server's side.

use std::convert::Infallible;
use std::sync::{Mutex, OnceLock, PoisonError};

use bytes_body::{Body, grpc_response};
use http::{HeaderMap, Request, Response, Uri};
use http_body_util::BodyExt as _;
use tests::{Record, capture};
use tower::{Layer as _, Service as _, ServiceExt as _};
use traced_runtime::TraceContext;
use traced_runtime::export::{AttributeValue, FinishedSpan, Kind, SpanStatus, set_exporter};
use traced_runtime::layer::{GrpcClientLayer, ServerLayer};

/// Response bodies with data frames and trailers, as a gRPC server writes them.
mod bytes_body {
    use std::convert::Infallible;

    use http::{HeaderMap, HeaderValue, Response};
    use http_body_util::StreamBody;
    use hyper::body::{Bytes, Frame};

    pub(crate) type Body =
        StreamBody<futures::stream::Iter<std::vec::IntoIter<Result<Frame<Bytes>, Infallible>>>>;

    /// A `200 application/grpc` response: `messages` data frames, then trailers with `status`
    /// (`None`: no trailers); `head_status` goes into the head (a trailers-only response).
    pub(crate) fn grpc_response(
        messages: usize,
        status: Option<&'static str>,
        head_status: Option<&'static str>,
    ) -> Response<Body> {
        let mut frames: Vec<Result<Frame<Bytes>, Infallible>> = (0..messages)
            .map(|_| Ok(Frame::data(Bytes::from_static(b"\0\0\0\0\0"))))
            .collect();
        if let Some(status) = status {
            let mut trailers = HeaderMap::new();
            trailers.insert("grpc-status", HeaderValue::from_static(status));
            frames.push(Ok(Frame::trailers(trailers)));
        }
        let mut response = Response::new(StreamBody::new(futures::stream::iter(frames)));
        let headers = response.headers_mut();
        headers.insert("content-type", HeaderValue::from_static("application/grpc"));
        if let Some(status) = head_status {
            headers.insert("grpc-status", HeaderValue::from_static(status));
            headers.insert(
                "grpc-message",
                HeaderValue::from_static("backend%20unavailable"),
            );
        }
        response
    }
}

static SPANS: Mutex<Vec<FinishedSpan>> = Mutex::new(Vec::new());

fn install_exporter() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        set_exporter(|span: FinishedSpan| {
            SPANS
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(span);
        })
        .expect("first exporter of this test binary");
    });
}

/// The exported spans of the trace of `trace_id`.
fn spans_of(trace_id: &str) -> Vec<FinishedSpan> {
    SPANS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter(|s| s.context.trace_id().to_string() == trace_id)
        .cloned()
        .collect()
}

fn attribute(span: &FinishedSpan, key: &str) -> Option<AttributeValue> {
    span.attributes
        .iter()
        .find(|a| a.key == key)
        .map(|a| a.value.clone())
}

fn string(value: &str) -> Option<AttributeValue> {
    Some(AttributeValue::String(value.to_owned().into()))
}

const TRACEPARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";

fn grpc_request(path: &str, traceparent: &str) -> Request<String> {
    Request::post(path)
        .header("content-type", "application/grpc")
        .header("host", "orders.internal:50051")
        .header("traceparent", traceparent)
        .body(String::new())
        .unwrap()
}

/// A traceparent of a fresh sampled trace (each test its own, so their spans stay apart).
fn fresh_traceparent() -> (String, String) {
    let root = TraceContext::new_root().child();
    let trace_id = root.trace_id().to_string();
    let span_id = root.span_id().unwrap().to_string();
    (format!("00-{trace_id}-{span_id}-01"), trace_id)
}

fn access_lines(records: &[Record]) -> Vec<&Record> {
    records
        .iter()
        .filter(|r| {
            r.target == traced_runtime::layer::DEFAULT_TARGET && r.kv("latency_ms").is_some()
        })
        .collect()
}

#[tokio::test]
async fn a_trailers_only_error_fails_the_server_span_and_its_access_line() {
    install_exporter();
    let log = capture();
    let mut service = ServerLayer::new().layer(tower::service_fn(|_req: Request<String>| async {
        Ok::<_, Infallible>(grpc_response(0, None, Some("14")))
    }));
    let response = service
        .ready()
        .await
        .unwrap()
        .call(grpc_request("/orders.Orders/GetOrder", TRACEPARENT))
        .await
        .unwrap();
    // The call ended with the head: the span is out before the (empty) body is read.
    let spans = spans_of(TRACE_ID);
    assert_eq!(spans.len(), 1, "{spans:?}");
    let span = &spans[0];
    assert_eq!(span.kind, Kind::Server);
    assert_eq!(span.name, "orders.Orders/GetOrder");
    assert_eq!(
        span.context.parent_span_id().unwrap().to_string(),
        "b7ad6b7169203331"
    );
    assert_eq!(
        span.status,
        SpanStatus::Error {
            description: "UNAVAILABLE: backend unavailable".into()
        }
    );
    assert_eq!(attribute(span, "rpc.system"), string("grpc"));
    assert_eq!(attribute(span, "rpc.service"), string("orders.Orders"));
    assert_eq!(attribute(span, "rpc.method"), string("GetOrder"));
    assert_eq!(
        attribute(span, "rpc.grpc.status_code"),
        Some(AttributeValue::I64(14))
    );
    assert_eq!(attribute(span, "server.address"), string("orders.internal"));
    assert_eq!(
        attribute(span, "server.port"),
        Some(AttributeValue::I64(50051))
    );
    assert_eq!(attribute(span, "http.response.status_code"), None);

    let records = log.records();
    let lines = access_lines(&records);
    assert_eq!(lines.len(), 1, "{records:?}");
    let line = lines[0];
    assert_eq!(line.level, log::Level::Error);
    assert!(
        line.message
            .starts_with("POST /orders.Orders/GetOrder 200 grpc=UNAVAILABLE(14) "),
        "{}",
        line.message
    );
    assert!(line.message.ends_with(" ms"), "{}", line.message);
    assert_eq!(line.kv("grpc_status"), Some("UNAVAILABLE"));
    assert_eq!(line.kv("grpc_status_code"), Some("14"));
    assert_eq!(line.kv("status"), Some("200"));
    assert_eq!(line.trace_id(), Some(TRACE_ID));
    assert_eq!(
        line.span_id(),
        Some(span.context.span_id().unwrap().to_string().as_str())
    );
    drop(response);
    assert_eq!(access_lines(&log.records()).len(), 1, "one line per call");
}

#[tokio::test]
async fn a_stream_ends_its_span_and_access_line_with_the_trailers() {
    install_exporter();
    let log = capture();
    let (traceparent, trace_id) = fresh_traceparent();
    let mut service = ServerLayer::new().layer(tower::service_fn(|_req: Request<String>| async {
        Ok::<_, Infallible>(grpc_response(3, Some("0"), None))
    }));
    let response = service
        .ready()
        .await
        .unwrap()
        .call(grpc_request("/orders.Orders/ListOrders", &traceparent))
        .await
        .unwrap();
    assert!(spans_of(&trace_id).is_empty(), "the stream is still open");
    assert!(access_lines(&log.records()).is_empty());

    let collected = response.into_body().collect().await.unwrap();
    assert_eq!(collected.trailers().unwrap()["grpc-status"], "0");
    let spans = spans_of(&trace_id);
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].name, "orders.Orders/ListOrders");
    assert_eq!(spans[0].status, SpanStatus::Unset);
    assert_eq!(
        attribute(&spans[0], "rpc.grpc.status_code"),
        Some(AttributeValue::I64(0))
    );
    let records = log.records();
    let lines = access_lines(&records);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].level, log::Level::Info);
    assert!(
        lines[0]
            .message
            .starts_with("POST /orders.Orders/ListOrders 200 grpc=OK(0) ")
    );
}

#[tokio::test]
async fn a_callers_fault_is_not_a_server_error() {
    install_exporter();
    let log = capture();
    let (traceparent, trace_id) = fresh_traceparent();
    let mut service = ServerLayer::new().layer(tower::service_fn(|_req: Request<String>| async {
        Ok::<_, Infallible>(grpc_response(0, Some("5"), None))
    }));
    let response = service
        .ready()
        .await
        .unwrap()
        .call(grpc_request("/orders.Orders/GetOrder", &traceparent))
        .await
        .unwrap();
    response.into_body().collect().await.unwrap();
    let spans = spans_of(&trace_id);
    assert_eq!(
        spans[0].status,
        SpanStatus::Unset,
        "NOT_FOUND is the caller's"
    );
    assert_eq!(
        attribute(&spans[0], "rpc.grpc.status_code"),
        Some(AttributeValue::I64(5))
    );
    let records = log.records();
    let lines = access_lines(&records);
    assert_eq!(lines[0].level, log::Level::Info);
    assert!(
        lines[0].message.contains(" grpc=NOT_FOUND(5) "),
        "{}",
        lines[0].message
    );
}

#[tokio::test]
async fn a_stream_dropped_before_its_trailers_is_cancelled() {
    install_exporter();
    let log = capture();
    let (traceparent, trace_id) = fresh_traceparent();
    let mut service = ServerLayer::new().layer(tower::service_fn(|_req: Request<String>| async {
        Ok::<_, Infallible>(grpc_response(3, Some("0"), None))
    }));
    let response = service
        .ready()
        .await
        .unwrap()
        .call(grpc_request("/orders.Orders/ListOrders", &traceparent))
        .await
        .unwrap();
    let mut body = response.into_body();
    body.frame().await.unwrap().unwrap();
    drop(body);
    let spans = spans_of(&trace_id);
    assert_eq!(spans.len(), 1);
    assert_eq!(
        attribute(&spans[0], "rpc.grpc.status_code"),
        Some(AttributeValue::I64(1))
    );
    let records = log.records();
    assert!(
        access_lines(&records)[0]
            .message
            .contains(" grpc=CANCELLED(1) ")
    );
}

#[tokio::test]
async fn a_request_that_is_not_grpc_keeps_its_http_span() {
    install_exporter();
    let _log = capture();
    let (traceparent, trace_id) = fresh_traceparent();
    let mut service = ServerLayer::new().layer(tower::service_fn(|_req: Request<String>| async {
        Ok::<_, Infallible>(Response::new(String::from("hi")))
    }));
    let request = Request::post("/orders.Orders/GetOrder")
        .header("content-type", "application/grpc-web")
        .header("traceparent", &traceparent)
        .body(String::new())
        .unwrap();
    service.ready().await.unwrap().call(request).await.unwrap();
    let spans = spans_of(&trace_id);
    assert_eq!(spans[0].name, "POST");
    assert_eq!(attribute(&spans[0], "rpc.system"), None);
}

/// A stand-in for a tonic channel: answers with `response` and reports the request's
/// `traceparent` header.
fn channel(
    response: fn() -> Response<Body>,
    seen: &'static Mutex<Option<String>>,
) -> impl tower::Service<Request<String>, Response = Response<Body>, Error = Infallible, Future: Send>
+ Clone {
    tower::service_fn(move |req: Request<String>| {
        *seen.lock().unwrap() = req
            .headers()
            .get("traceparent")
            .map(|v| v.to_str().unwrap().to_owned());
        async move { Ok::<_, Infallible>(response()) }
    })
}

/// A request as tonic's generated client makes it: a relative URI.
fn tonic_request(path: &str) -> Request<String> {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/grpc".parse().unwrap());
    let mut request = Request::post(path).body(String::new()).unwrap();
    *request.headers_mut() = headers;
    request
}

#[tokio::test]
async fn the_client_span_is_the_parent_sent_and_fails_on_any_error_status() {
    install_exporter();
    let _log = capture();
    static SEEN: Mutex<Option<String>> = Mutex::new(None);
    let origin: Uri = "http://orders.internal:50051".parse().unwrap();
    let mut client =
        GrpcClientLayer::new(&origin).layer(channel(|| grpc_response(0, None, Some("5")), &SEEN));
    let caller = TraceContext::new_root().child();
    let response = caller
        .in_scope(|| client.call(tonic_request("/orders.Orders/GetOrder")))
        .await
        .unwrap();
    drop(response);
    let spans = spans_of(&caller.trace_id().to_string());
    assert_eq!(spans.len(), 1, "{spans:?}");
    let span = &spans[0];
    assert_eq!(span.kind, Kind::Client);
    assert_eq!(span.name, "orders.Orders/GetOrder");
    assert_eq!(span.context.parent_span_id(), caller.span_id());
    let sent = SEEN.lock().unwrap().clone().unwrap();
    assert_eq!(
        sent,
        format!(
            "00-{}-{}-01",
            caller.trace_id(),
            span.context.span_id().unwrap()
        )
    );
    assert!(
        matches!(span.status, SpanStatus::Error { .. }),
        "NOT_FOUND fails a client"
    );
    assert_eq!(
        attribute(span, "rpc.grpc.status_code"),
        Some(AttributeValue::I64(5))
    );
    assert_eq!(attribute(span, "rpc.system"), string("grpc"));
    assert_eq!(attribute(span, "server.address"), string("orders.internal"));
    assert_eq!(
        attribute(span, "server.port"),
        Some(AttributeValue::I64(50051))
    );
}

#[tokio::test]
async fn a_streaming_client_span_ends_with_the_trailers() {
    install_exporter();
    let _log = capture();
    static SEEN: Mutex<Option<String>> = Mutex::new(None);
    let origin: Uri = "http://orders.internal".parse().unwrap();
    let mut client =
        GrpcClientLayer::new(&origin).layer(channel(|| grpc_response(2, Some("0"), None), &SEEN));
    let caller = TraceContext::new_root().child();
    let response = caller
        .in_scope(|| client.call(tonic_request("/orders.Orders/ListOrders")))
        .await
        .unwrap();
    assert!(spans_of(&caller.trace_id().to_string()).is_empty());
    response.into_body().collect().await.unwrap();
    let spans = spans_of(&caller.trace_id().to_string());
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].status, SpanStatus::Unset);
    assert_eq!(
        attribute(&spans[0], "server.port"),
        Some(AttributeValue::I64(80))
    );
}

#[tokio::test]
async fn a_call_outside_any_trace_is_left_alone() {
    install_exporter();
    let _log = capture();
    static SEEN: Mutex<Option<String>> = Mutex::new(None);
    let mut client = GrpcClientLayer::without_origin()
        .layer(channel(|| grpc_response(0, None, Some("0")), &SEEN));
    let before = SPANS.lock().unwrap_or_else(PoisonError::into_inner).len();
    client
        .call(tonic_request("/orders.Orders/Untraced"))
        .await
        .unwrap();
    assert_eq!(*SEEN.lock().unwrap(), None);
    let clients = SPANS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .skip(before)
        .filter(|s| s.name == "orders.Orders/Untraced")
        .count();
    assert_eq!(clients, 0);
}
