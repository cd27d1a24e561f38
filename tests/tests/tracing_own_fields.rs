//! tracing-subscriber first, set up as README shows: traced's own lines (`#[traced]`'s entry,
//! exit and error lines, the server layer's access line) reach tracing-subscriber as events whose
//! fields are their key-values, typed, with the line's level and target, and their message text
//! holds no copy of the values. tracing-log's `LogTracer`, which `init()` installs, would keep only
//! the message.

mod tracing_support;

use std::convert::Infallible;
use std::sync::OnceLock;

use http::{Request, Response};
use http_body_util::{BodyExt as _, Empty};
use hyper::body::Bytes;
use serde_json::Value;
use tower::{Layer as _, ServiceExt as _};
use traced_runtime::layer::ServerLayer;
use traced_runtime::traced;
use tracing_support::{Buffer, Exclusive, Output, json_subscriber};

/// The process's global subscriber: JSON, as README's tracing-subscriber-first set-up.
fn json_output() -> Exclusive<'static> {
    static OUTPUT: OnceLock<Output> = OnceLock::new();
    Output::get(&OUTPUT, |buffer| {
        use tracing_subscriber::util::SubscriberInitExt as _;
        json_subscriber(buffer)
            .try_init()
            .expect("the first subscriber of this test binary");
    })
}

fn parse(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

#[traced(span, args, exit, ret)]
fn add(a: u32, label: &str) -> u32 {
    a + u32::try_from(label.len()).unwrap_or(0)
}

#[test]
fn entry_and_exit_lines_carry_arguments_and_return_value_as_fields() {
    let out = json_output();
    assert_eq!(add(2, "abc"), 5);
    let lines = parse(&out.buffer.take_lines());
    assert_eq!(lines.len(), 2, "{lines:?}");
    let (enter, exit) = (&lines[0], &lines[1]);

    assert_eq!(enter["fields"]["message"], "enter add", "{enter}");
    assert_eq!(enter["fields"]["a"], "2", "{enter}");
    assert_eq!(enter["fields"]["label"], "\"abc\"", "{enter}");
    assert_eq!(enter["level"], "INFO");
    assert_eq!(enter["target"], "tracing_own_fields");
    assert_eq!(enter["filename"], Value::Null, "fmt's default omits it");

    assert_eq!(exit["fields"]["message"], "exit add", "{exit}");
    assert_eq!(exit["fields"]["return"], "5", "{exit}");
    assert!(exit["fields"]["elapsed_us"].is_u64(), "{exit}");

    // The ids the format stamps, one span for both lines.
    let trace_id = enter["trace_id"].as_str().expect("a trace_id");
    assert_eq!(trace_id.len(), 32);
    assert_eq!(exit["trace_id"], trace_id);
    assert_eq!(exit["span_id"], enter["span_id"]);
}

#[derive(Debug)]
struct DiskFull;

impl std::fmt::Display for DiskFull {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("disk full")
    }
}

#[traced(err)]
fn store() -> Result<(), DiskFull> {
    Err(DiskFull)
}

#[test]
fn an_error_line_is_an_error_event_with_the_error_field() {
    let out = json_output();
    assert!(store().is_err());
    let lines = parse(&out.buffer.take_lines());
    let error = lines
        .iter()
        .find(|line| line["level"] == "ERROR")
        .unwrap_or_else(|| panic!("no ERROR line in {lines:?}"));
    assert_eq!(error["fields"]["message"], "exit store", "{error}");
    assert_eq!(error["fields"]["error"], "disk full", "{error}");
}

#[traced(args)]
fn say(message: &str, id: u8) -> usize {
    message.len() + usize::from(id)
}

#[test]
fn an_argument_named_like_the_message_is_kept_under_a_name_of_its_own() {
    let out = json_output();
    assert_eq!(say("hi", 1), 3);
    let lines = parse(&out.buffer.take_lines());
    assert_eq!(lines[0]["fields"]["message"], "enter say", "{}", lines[0]);
    assert_eq!(lines[0]["fields"]["message#2"], "\"hi\"", "{}", lines[0]);
    assert_eq!(lines[0]["fields"]["id"], "1", "{}", lines[0]);
}

/// Serves `request` once with `ServerLayer` (access lines under `target`) in front of a service
/// answering `response`, and reads the response body to its end, where the access line is
/// written.
async fn serve_once(
    target: &'static str,
    request: Request<Empty<Bytes>>,
    response: Response<Empty<Bytes>>,
) {
    let service = ServerLayer::new()
        .with_target(target)
        .layer(tower::service_fn(move |_req: Request<Empty<Bytes>>| {
            let response = response.clone();
            async move { Ok::<_, Infallible>(response) }
        }));
    let response = service.oneshot(request).await.unwrap();
    response.into_body().collect().await.unwrap();
}

fn response(status: u16, headers: &[(&'static str, &'static str)]) -> Response<Empty<Bytes>> {
    let mut builder = Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Empty::new()).unwrap()
}

#[tokio::test]
async fn the_access_line_has_typed_fields() {
    let out = json_output();
    let request = Request::get("/orders/42?verbose=1")
        .body(Empty::new())
        .unwrap();
    serve_once("orders_api", request, response(200, &[])).await;
    let lines = parse(&out.buffer.take_lines());
    let line = lines
        .iter()
        .find(|line| line["target"] == "orders_api" && line["fields"].get("status").is_some())
        .unwrap_or_else(|| panic!("no access line in {lines:?}"));
    let fields = &line["fields"];
    assert_eq!(fields["method"], "GET", "{line}");
    assert_eq!(fields["path"], "/orders/42", "{line}");
    assert_eq!(fields["status"], 200, "{line}");
    assert!(fields["latency_ms"].is_f64(), "{line}");
    let message = fields["message"].as_str().unwrap();
    assert!(message.starts_with("GET /orders/42 200 "), "{message}");
    assert_eq!(line["trace_id"].as_str().map(str::len), Some(32), "{line}");
}

#[tokio::test]
async fn a_failed_grpc_call_is_an_error_line_with_its_grpc_status_as_fields() {
    let out = json_output();
    let unavailable = response(
        200,
        &[("content-type", "application/grpc"), ("grpc-status", "14")],
    );
    let request = Request::post("/orders.Orders/GetOrder")
        .header("content-type", "application/grpc")
        .body(Empty::new())
        .unwrap();
    serve_once("orders_grpc", request, unavailable).await;
    let lines = parse(&out.buffer.take_lines());
    let line = lines
        .iter()
        .find(|line| line["target"] == "orders_grpc" && line["level"] == "ERROR")
        .unwrap_or_else(|| panic!("no ERROR access line in {lines:?}"));
    let fields = &line["fields"];
    assert_eq!(fields["grpc_status"], "UNAVAILABLE", "{line}");
    assert_eq!(fields["grpc_status_code"], 14, "{line}");
    assert_eq!(fields["status"], 200, "{line}");
    assert_eq!(fields["path"], "/orders.Orders/GetOrder", "{line}");
}

#[test]
fn in_text_the_values_are_key_value_pairs_after_the_message() {
    let _global = json_output();
    let buffer = Buffer::default();
    let text = tracing_subscriber::fmt()
        .with_writer({
            let buffer = buffer.clone();
            move || buffer.clone()
        })
        .with_ansi(false)
        .event_format(traced_runtime::subscriber::text())
        .finish();
    tracing::subscriber::with_default(text, || assert_eq!(add(1, "x"), 2));
    let lines = buffer.take_lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].contains(" tracing_own_fields: enter add a=1 label=\"x\" trace_id="),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains(": exit add elapsed_us="), "{}", lines[1]);
    assert!(lines[1].contains(" return=2 trace_id="), "{}", lines[1]);
}

#[test]
fn a_user_log_record_still_reaches_the_output_through_log_tracer() {
    let out = json_output();
    log::info!(target: "app", "plain log line");
    let lines = parse(&out.buffer.take_lines());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["fields"]["message"], "plain log line");
    assert_eq!(lines[0]["target"], "app");
}

#[test]
fn an_env_filter_selects_traced_lines_by_level_and_target_like_any_event() {
    let _global = json_output();
    let buffer = Buffer::default();
    let filtered = tracing_subscriber::fmt()
        .with_writer({
            let buffer = buffer.clone();
            move || buffer.clone()
        })
        .with_env_filter("warn")
        .event_format(traced_runtime::subscriber::text())
        .finish();
    tracing::subscriber::with_default(filtered, || {
        assert_eq!(add(1, "x"), 2); // INFO entry and exit: filtered out
        assert!(store().is_err()); // ERROR: kept
    });
    let lines = buffer.take_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("ERROR"), "{}", lines[0]);
    assert!(
        lines[0].contains("exit store error=disk full"),
        "{}",
        lines[0]
    );
}
