//! traced's output first, JSON: with the `tracing` feature, `logger::try_init` also writes every
//! `tracing` event, its fields as typed JSON keys, its spans' fields, and the current trace
//! context, once.

mod tracing_support;

use std::sync::OnceLock;

use serde_json::Value;
use traced_runtime::logger::{Builder, Format};
use traced_runtime::{TraceContext, field_scope, traced};
use tracing_support::{Buffer, Exclusive, Output};

fn output() -> Exclusive<'static> {
    static OUTPUT: OnceLock<Output> = OnceLock::new();
    Output::get(&OUTPUT, |buffer| {
        Builder::new()
            .format(Format::Json)
            .filter_level(log::LevelFilter::Debug)
            .writer(Box::new(buffer))
            .try_init()
            .expect("the first logger of this test binary");
    })
}

fn json_lines(buffer: &Buffer) -> Vec<Value> {
    buffer
        .take_lines()
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

#[test]
fn a_tracing_event_is_one_json_line_with_typed_fields_and_the_ids() {
    let out = output();
    let ctx = TraceContext::new_root().child();
    ctx.in_scope(|| {
        tracing::debug!(latency = %"3 ms", status = 200u16, cached = false, "finished processing request");
    });
    let lines = json_lines(out.buffer);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert_eq!(line["message"], "finished processing request");
    assert_eq!(line["severity"], "DEBUG");
    assert_eq!(line["target"], module_path!());
    assert_eq!(line["status"], 200);
    assert_eq!(line["latency"], "3 ms");
    assert_eq!(line["cached"], false);
    assert_eq!(line["trace_id"], ctx.trace_id().to_string());
    assert_eq!(line["span_id"], ctx.span_id().unwrap().to_string());
}

#[test]
fn the_fields_of_enclosing_spans_are_keys_too_innermost_first() {
    let out = output();
    let ctx = TraceContext::new_root();
    ctx.in_scope(|| {
        let request = tracing::debug_span!("request", method = "GET", uri = "/orders", id = 1);
        let _request = request.enter();
        let db = tracing::debug_span!("db", id = 2, table = tracing::field::Empty);
        db.record("table", "orders");
        let _db = db.enter();
        tracing::info!(rows = 3, "query done");
    });
    let lines = json_lines(out.buffer);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert_eq!(line["rows"], 3);
    assert_eq!(
        line["table"], "orders",
        "recorded after the span was created"
    );
    assert_eq!(
        line["id"], 2,
        "the innermost span's value of a repeated name"
    );
    assert_eq!(line["method"], "GET");
    assert_eq!(line["uri"], "/orders");
    assert_eq!(line["trace_id"], ctx.trace_id().to_string());
}

#[test]
fn user_fields_and_log_records_share_the_output() {
    let out = output();
    let ctx = TraceContext::new_root();
    ctx.in_scope(|| {
        let _account = field_scope("account_id", "account-456");
        tracing::info!("from tracing");
        log::info!("from log");
    });
    let lines = json_lines(out.buffer);
    assert_eq!(lines.len(), 2, "{lines:?}");
    for line in &lines {
        assert_eq!(line["account_id"], "account-456", "{line}");
        assert_eq!(line["trace_id"], ctx.trace_id().to_string(), "{line}");
    }
    assert_eq!(lines[0]["message"], "from tracing");
    assert_eq!(lines[1]["message"], "from log");
}

#[traced(span)]
fn handler() {
    tracing::warn!(order = "o-1", "inside a traced call");
}

#[test]
fn a_tracing_event_inside_a_traced_call_carries_its_span() {
    let out = output();
    handler();
    let lines = json_lines(out.buffer);
    let event = lines
        .iter()
        .find(|l| l["message"] == "inside a traced call")
        .expect("the event");
    let entry = lines
        .iter()
        .find(|l| l["message"] == "enter handler")
        .expect("the entry line");
    assert_eq!(event["severity"], "WARNING");
    assert_eq!(event["order"], "o-1");
    assert_eq!(event["span_id"], entry["span_id"]);
    assert_eq!(event["trace_id"], entry["trace_id"]);
}

#[test]
fn outside_any_context_an_event_has_no_ids() {
    let out = output();
    tracing::info!(n = 1, "no context");
    let lines = json_lines(out.buffer);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["n"], 1);
    assert!(lines[0].get("trace_id").is_none(), "{}", lines[0]);
}

#[test]
fn events_below_the_log_filter_are_not_written() {
    let out = output();
    tracing::trace!("filtered out by the Debug filter");
    tracing::trace_span!("hidden").in_scope(|| tracing::debug!("kept"));
    let lines = json_lines(out.buffer);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["message"], "kept");
}
