//! Job payloads carry the context: the worker continues the enqueuing trace, also across
//! retries; a garbled or missing context starts a fresh root with one WARN and never loses the
//! job.

use serde::{Deserialize, Serialize};
use tests::capture;
use traced_runtime::{TraceContext, payload};

#[derive(Serialize, Deserialize)]
struct Job {
    lead_id: u64,
    trace: Option<TraceContext>,
}

fn warnings(logs: &tests::Capture) -> Vec<String> {
    logs.records()
        .into_iter()
        .filter(|r| r.level == log::Level::Warn)
        .map(|r| r.message)
        .collect()
}

#[test]
fn worker_continues_the_enqueuing_trace_on_every_retry() {
    let logs = capture();
    let request = TraceContext::new_root()
        .child()
        .with_field("account_id", "account-456");
    let json = serde_json::to_string(&Job {
        lead_id: 7,
        trace: Some(request.clone()),
    })
    .unwrap();
    for _attempt in 0..3 {
        let job: Job = serde_json::from_str(&json).unwrap();
        let remote = payload::resume(job.trace);
        let worker = remote.child();
        assert_eq!(worker.trace_id(), request.trace_id());
        assert_eq!(worker.parent_span_id(), request.span_id());
        assert_eq!(worker.fields().get("account_id"), Some("account-456"));
        assert_eq!(worker.trace_flags(), request.trace_flags());
    }
    assert!(warnings(&logs).is_empty());
}

#[test]
fn serialized_form_is_the_w3c_carrier() {
    let ctx = TraceContext::new_root().child();
    let json = serde_json::to_value(&ctx).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "traceparent": format!("00-{}-{}-01", ctx.trace_id(), ctx.span_id().unwrap())
        })
    );
}

#[test]
fn bare_traceparent_string_is_accepted() {
    let _logs = capture();
    let ctx: TraceContext =
        serde_json::from_str("\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"")
            .unwrap();
    assert_eq!(
        ctx.trace_id().to_string(),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(ctx.span_id().unwrap().to_string(), "00f067aa0ba902b7");
}

#[test]
fn garbled_contexts_start_a_fresh_root_once_and_keep_the_job() {
    let cases = [
        r#"{"lead_id": 1, "trace": {"traceparent": "00-zzzz-00f067aa0ba902b7-01"}}"#,
        r#"{"lead_id": 1, "trace": {"traceparent": 42}}"#,
        r#"{"lead_id": 1, "trace": 42}"#,
        r#"{"lead_id": 1, "trace": [1, 2]}"#,
        r#"{"lead_id": 1, "trace": "not a traceparent"}"#,
        r#"{"lead_id": 1, "trace": {}}"#,
        r#"{"lead_id": 1, "trace": {"fields": {"account_id": "a-1"}}}"#,
    ];
    for case in cases {
        let logs = capture();
        let job: Job = serde_json::from_str(case).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(job.lead_id, 1);
        let ctx = job.trace.expect("a garbled context still yields a context");
        assert_eq!(ctx.span_id(), None, "{case}: a fresh root");
        let warnings = warnings(&logs);
        assert_eq!(warnings.len(), 1, "{case}: {warnings:?}");
        assert!(
            warnings[0].starts_with("garbled trace context in job payload"),
            "{warnings:?}"
        );
        assert!(warnings[0].contains(&ctx.trace_id().to_string()));
    }
}

#[test]
fn fields_survive_a_garbled_traceparent() {
    let _logs = capture();
    let job: Job = serde_json::from_str(
        r#"{"lead_id": 1, "trace": {"traceparent": "garbage", "fields": {"account_id": "a-1"}}}"#,
    )
    .unwrap();
    assert_eq!(job.trace.unwrap().fields().get("account_id"), Some("a-1"));
}

#[test]
fn unknown_keys_are_ignored() {
    let _logs = capture();
    let ctx: TraceContext = serde_json::from_str(
        r#"{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", "future": [1]}"#,
    )
    .unwrap();
    assert!(!ctx.is_sampled());
}

#[test]
fn missing_context_starts_a_fresh_root_with_one_warning() {
    let logs = capture();
    let job: Job = serde_json::from_str(r#"{"lead_id": 3, "trace": null}"#).unwrap();
    let ctx = payload::resume(job.trace);
    assert_eq!(ctx.span_id(), None);
    let warnings = warnings(&logs);
    assert_eq!(
        warnings,
        [format!(
            "job payload carries no trace context; continuing in fresh trace {}",
            ctx.trace_id()
        )]
    );
}
