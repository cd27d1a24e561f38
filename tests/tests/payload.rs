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

// Regression tests for issue 15: a bad member costs only itself, never a valid traceparent.

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// Deserializes `{"lead_id": 1, "trace": {TRACE_JSON}}` three ways (from a string, from bytes,
/// from a reader), checks they agree and that the job survived; returns the context and the
/// warnings of the first.
fn job_with(trace_json: &str) -> (TraceContext, Vec<String>) {
    let payload = format!(r#"{{"lead_id": 1, "trace": {trace_json}}}"#);
    let logs = capture();
    let job: Job = serde_json::from_str(&payload).unwrap_or_else(|e| panic!("{payload}: {e}"));
    let warnings = warnings(&logs);
    drop(logs);
    assert_eq!(job.lead_id, 1);
    let ctx = job.trace.expect("a context");
    let _logs = capture();
    for other in [
        serde_json::from_slice::<Job>(payload.as_bytes()).unwrap(),
        serde_json::from_reader::<_, Job>(payload.as_bytes()).unwrap(),
    ] {
        let other = other.trace.unwrap();
        if ctx.span_id() == Some("00f067aa0ba902b7".parse().unwrap()) {
            assert_eq!(other, ctx, "{payload}");
        } else {
            assert_eq!(other.fields(), ctx.fields(), "{payload}");
        }
    }
    (ctx, warnings)
}

fn is_the_payload_trace(ctx: &TraceContext) -> bool {
    ctx.trace_id().to_string() == "4bf92f3577b34da6a3ce929d0e0e4736"
        && ctx.span_id().map(|id| id.to_string()).as_deref() == Some("00f067aa0ba902b7")
}

#[test]
fn wrong_typed_tracestate_or_baggage_costs_only_that_member() {
    for member in ["tracestate", "baggage"] {
        for wrong in ["7", "null", r#"{"a": 1}"#, "[1]", "true"] {
            let (ctx, warnings) = job_with(&format!(
                r#"{{"traceparent": "{TRACEPARENT}", "{member}": {wrong}, "fields": {{"account_id": "a-1"}}}}"#
            ));
            assert!(is_the_payload_trace(&ctx), "{member}: {wrong}");
            assert_eq!(ctx.fields().get("account_id"), Some("a-1"));
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            assert!(
                warnings[0].contains(&format!("`{member}` is ")),
                "{warnings:?}"
            );
            assert!(warnings[0].contains(TRACEPARENT.get(3..35).unwrap()));
        }
    }
}

#[test]
fn one_wrong_typed_field_costs_only_that_field() {
    for wrong in [
        "7",
        "null",
        r#"{"nested": "x"}"#,
        "[]",
        "1e400",
        r#""\ud800""#,
    ] {
        let (ctx, warnings) = job_with(&format!(
            r#"{{"traceparent": "{TRACEPARENT}", "fields": {{"account_id": "a-1", "bad": {wrong}, "job_id": "j-2"}}}}"#
        ));
        assert!(is_the_payload_trace(&ctx), "{wrong}");
        assert_eq!(
            ctx.fields().iter().collect::<Vec<_>>(),
            [("account_id", "a-1"), ("job_id", "j-2")],
            "{wrong}"
        );
        assert_eq!(warnings.len(), 1, "{wrong}: {warnings:?}");
        assert!(
            warnings[0].contains(r#"field "bad" is "#),
            "{wrong}: {warnings:?}"
        );
    }
}

#[test]
fn fields_of_the_wrong_type_are_named_as_such() {
    for (wrong, shape) in [
        (r#""a string""#, "a string"),
        ("7", "a number"),
        ("[1]", "an array"),
        ("null", "null"),
    ] {
        let (ctx, warnings) = job_with(&format!(
            r#"{{"traceparent": "{TRACEPARENT}", "fields": {wrong}}}"#
        ));
        assert!(is_the_payload_trace(&ctx));
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains(&format!("`fields` is {shape}, not an object")),
            "{warnings:?}"
        );
    }
}

#[test]
fn invalid_tracestate_string_is_dropped_and_the_trace_kept() {
    let (ctx, warnings) = job_with(&format!(
        r#"{{"traceparent": "{TRACEPARENT}", "tracestate": "not a tracestate=="}}"#
    ));
    assert!(is_the_payload_trace(&ctx));
    assert_eq!(ctx.tracestate(), None);
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("`tracestate` dropped"), "{warnings:?}");
}

#[test]
fn valid_members_round_trip_without_warnings() {
    let (ctx, warnings) = job_with(&format!(
        r#"{{"traceparent": "{TRACEPARENT}", "tracestate": "congo=t61rcWkgMzE", "baggage": "tenant=acme", "fields": {{"account_id": "a-1"}}}}"#
    ));
    assert!(is_the_payload_trace(&ctx));
    assert_eq!(ctx.tracestate().unwrap().as_str(), "congo=t61rcWkgMzE");
    assert_eq!(ctx.baggage().get("tenant"), Some("acme"));
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn number_out_of_range_as_the_context_does_not_fail_the_job() {
    let (ctx, warnings) = job_with("1e400");
    assert_eq!(ctx.span_id(), None, "a fresh root");
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].starts_with("garbled trace context in job payload (a number"),
        "{warnings:?}"
    );
}

#[test]
fn lone_surrogates_do_not_fail_the_job() {
    // As the whole context: unreadable, so a fresh root.
    let (ctx, warnings) = job_with(r#""\ud800""#);
    assert_eq!(ctx.span_id(), None);
    assert!(
        warnings[0].contains("a string that is not valid Unicode"),
        "{warnings:?}"
    );
    // In the traceparent: a fresh root that keeps the fields.
    let (ctx, _) = job_with(r#"{"traceparent": "\ud800", "fields": {"a": "1"}}"#);
    assert_eq!(ctx.span_id(), None);
    assert_eq!(ctx.fields().get("a"), Some("1"));
    // In a field's key, or in the tracestate: only that member.
    let (ctx, warnings) = job_with(&format!(
        r#"{{"traceparent": "{TRACEPARENT}", "tracestate": "a=\udc00", "fields": {{"\ud800x": "1", "b": "2"}}}}"#
    ));
    assert!(is_the_payload_trace(&ctx));
    assert_eq!(ctx.fields().iter().collect::<Vec<_>>(), [("b", "2")]);
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("`tracestate` is a string that is not valid Unicode"));
    assert!(warnings[0].contains("has a key that is not valid Unicode"));
}

#[test]
fn repeated_traceparent_is_not_trusted() {
    let (ctx, warnings) = job_with(&format!(
        r#"{{"traceparent": "{TRACEPARENT}", "traceparent": "{TRACEPARENT}"}}"#
    ));
    assert_eq!(ctx.span_id(), None);
    assert!(warnings[0].contains("`traceparent` appears more than once"));
}

#[test]
fn fields_past_the_limits_are_dropped_and_counted() {
    let many: Vec<String> = (0..100).map(|i| format!(r#""k{i}": "v""#)).collect();
    let (ctx, warnings) = job_with(&format!(
        r#"{{"traceparent": "{TRACEPARENT}", "fields": {{{}}}}}"#,
        many.join(", ")
    ));
    assert!(is_the_payload_trace(&ctx));
    assert_eq!(ctx.fields().len(), payload::MAX_FIELDS);
    assert_eq!(ctx.fields().get("k63"), Some("v"));
    assert_eq!(ctx.fields().get("k64"), None);
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].contains("36 fields past the limits"),
        "{warnings:?}"
    );

    let big = "x".repeat(5000);
    let (ctx, warnings) = job_with(&format!(
        r#"{{"traceparent": "{TRACEPARENT}", "fields": {{"a": "{big}", "b": "{big}", "c": "small"}}}}"#
    ));
    assert_eq!(
        ctx.fields().iter().map(|(k, _)| k).collect::<Vec<_>>(),
        ["a", "c"]
    );
    assert!(
        warnings[0].contains("1 fields past the limits"),
        "{warnings:?}"
    );
}

#[test]
fn a_repeated_field_key_keeps_the_last_value_in_the_first_place() {
    let (ctx, warnings) = job_with(&format!(
        r#"{{"traceparent": "{TRACEPARENT}", "fields": {{"a": "1", "b": "2", "a": "3"}}}}"#
    ));
    assert_eq!(
        ctx.fields().iter().collect::<Vec<_>>(),
        [("a", "3"), ("b", "2")]
    );
    assert!(warnings.is_empty());
}

#[test]
fn many_bad_members_give_one_bounded_warning() {
    let bad: Vec<String> = (0..50).map(|i| format!(r#""k{i}": {i}"#)).collect();
    let (_, warnings) = job_with(&format!(
        r#"{{"traceparent": "{TRACEPARENT}", "fields": {{{}}}}}"#,
        bad.join(", ")
    ));
    assert_eq!(warnings.len(), 1);
    assert_eq!(
        warnings[0].matches(" is a number").count(),
        payload::MAX_PROBLEMS_NAMED
    );
    assert!(warnings[0].contains("and 42 more"), "{warnings:?}");
}

#[test]
fn a_payload_field_named_trace_id_cannot_forge_the_logged_id() {
    let (ctx, _) = job_with(&format!(
        r#"{{"traceparent": "{TRACEPARENT}", "fields": {{"trace_id": "forged"}}}}"#
    ));
    let logs = capture();
    ctx.child().in_scope(|| log::info!("working"));
    let record = &logs.records()[0];
    assert_eq!(record.trace_id(), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
    assert_eq!(record.kv("user.trace_id"), Some("forged"));
    assert_eq!(
        record.kvs.iter().filter(|(k, _)| k == "trace_id").count(),
        1
    );
}

#[test]
fn other_deserializers_read_member_by_member_too() {
    // An untagged enum buffers the value first, so the context is read from serde's buffer
    // (no raw JSON text): the path every other self-describing format takes.
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Buffered {
        Job { trace: TraceContext },
    }
    let logs = capture();
    let payload = format!(
        r#"{{"trace": {{"traceparent": "{TRACEPARENT}", "tracestate": 7, "fields": {{"a": "1", "bad": null}}}}}}"#
    );
    let Buffered::Job { trace: ctx } = serde_json::from_str(&payload).unwrap();
    assert!(is_the_payload_trace(&ctx));
    assert_eq!(ctx.fields().iter().collect::<Vec<_>>(), [("a", "1")]);
    let warnings = warnings(&logs);
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("`tracestate` is a number, not a string"));
    assert!(warnings[0].contains(r#"field "bad" is null, not a string"#));
}
