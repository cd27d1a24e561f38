//! tracing-subscriber first: `tracing_subscriber::fmt()` with traced's event format prints the
//! ids and user fields on every line, `tracing` events and `log` records (through tracing-log)
//! alike, in text and JSON; traced's `logger::init` afterwards neither panics nor duplicates lines.

mod tracing_support;

use std::sync::OnceLock;

use serde_json::Value;
use traced_runtime::{TraceContext, field_scope, traced};
use tracing_support::{Buffer, Exclusive, Output, json_subscriber};

/// Text output: the process's global subscriber, installed as README shows (`init()` also
/// installs tracing-log's `LogTracer`).
fn text_output() -> Exclusive<'static> {
    static OUTPUT: OnceLock<Output> = OnceLock::new();
    Output::get(&OUTPUT, |buffer| {
        use tracing_subscriber::util::SubscriberInitExt as _;
        tracing_subscriber::fmt()
            .with_writer(move || buffer.clone())
            .with_max_level(tracing::Level::DEBUG)
            .event_format(traced_runtime::subscriber::text())
            .finish()
            .try_init()
            .expect("the first subscriber of this test binary");
    })
}

#[test]
fn a_text_line_ends_with_the_ids_and_user_fields() {
    let out = text_output();
    let ctx = TraceContext::new_root().child().child();
    ctx.in_scope(|| {
        let _account = field_scope("account_id", "account 456");
        tracing::info!(status = 200, "finished processing request");
    });
    let lines = out.buffer.take_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let expected = format!(
        "finished processing request status=200 trace_id={} span_id={} parent_span_id={} account_id=\"account 456\"",
        ctx.trace_id(),
        ctx.span_id().unwrap(),
        ctx.parent_span_id().unwrap(),
    );
    assert!(lines[0].ends_with(&expected), "{} !~ {expected}", lines[0]);
    assert!(lines[0].contains(" INFO "), "{}", lines[0]);
}

#[test]
fn outside_any_context_the_text_ids_are_dashes() {
    let out = text_output();
    tracing::info!("starting");
    let lines = out.buffer.take_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].ends_with("starting trace_id=- span_id=-"),
        "{}",
        lines[0]
    );
}

#[traced(span)]
fn handler() {
    log::info!("from log");
}

#[test]
fn log_records_bridged_by_tracing_log_carry_the_ids() {
    let out = text_output();
    let ctx = TraceContext::new_root();
    ctx.in_scope(handler);
    let lines = out.buffer.take_lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].contains("enter handler"), "{}", lines[0]);
    assert!(lines[1].contains("from log"), "{}", lines[1]);
    for line in &lines {
        assert!(
            line.contains(&format!("trace_id={}", ctx.trace_id())),
            "{line}"
        );
        assert!(
            !line.contains("span_id=-"),
            "inside the traced span: {line}"
        );
    }
}

#[traced(args, err)]
fn charge(account: &str) -> Result<(), String> {
    Err(format!("{account} is closed"))
}

#[test]
fn the_values_of_traced_lines_follow_the_message_as_fields() {
    let out = text_output();
    let _ = charge("acct-9");
    let lines = out.buffer.take_lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].contains("enter charge account=\"acct-9\" trace_id="),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("exit charge error=acct-9 is closed trace_id="),
        "{}",
        lines[1]
    );
}

#[test]
fn a_json_line_has_the_ids_and_user_fields_as_top_level_keys() {
    let _serial = text_output();
    let buffer = Buffer::default();
    let ctx = TraceContext::new_root().child().child();
    // JSON output for this thread only (the `LogTracer` of `text_output` routes `log` records
    // to it too).
    tracing::subscriber::with_default(json_subscriber(buffer.clone()), || {
        ctx.in_scope(|| {
            let _account = field_scope("account_id", "account-456");
            let _level = field_scope("level", "gold"); // tracing's own key: kept as user.level
            let span = tracing::info_span!("request", method = "GET");
            span.in_scope(|| tracing::info!(status = 200, "finished processing request"));
            log::warn!("from log");
        });
        tracing::info!("outside");
    });
    let lines: Vec<Value> = buffer
        .take_lines()
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    for line in &lines[..2] {
        assert_eq!(line["trace_id"], ctx.trace_id().to_string(), "{line}");
        assert_eq!(
            line["span_id"],
            ctx.span_id().unwrap().to_string(),
            "{line}"
        );
        assert_eq!(
            line["parent_span_id"],
            ctx.parent_span_id().unwrap().to_string(),
            "{line}"
        );
        assert_eq!(line["account_id"], "account-456", "{line}");
        assert_eq!(line["user.level"], "gold", "{line}");
    }
    assert_eq!(lines[0]["fields"]["status"], 200);
    assert_eq!(lines[0]["span"]["method"], "GET");
    assert_eq!(lines[0]["level"], "INFO");
    assert_eq!(lines[1]["fields"]["message"], "from log");
    assert!(lines[2].get("trace_id").is_none(), "{}", lines[2]);
}

#[test]
fn traced_log_init_after_tracing_subscriber_neither_panics_nor_duplicates() {
    let out = text_output();
    // tracing-log's `LogTracer` is the `log` logger: traced's is not installed.
    assert!(traced_runtime::logger::try_init().is_err());
    traced_runtime::logger::init(); // says so once on stderr
    traced_runtime::logger::init();
    TraceContext::new_root().in_scope(|| {
        tracing::info!("one");
        log::info!("two");
    });
    let lines = out.buffer.take_lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
}

/// The text lines a subscriber with `format` writes for one event in a trace.
fn text_lines(
    format: traced_runtime::subscriber::TracedFormat<
        tracing_subscriber::fmt::format::Format<
            tracing_subscriber::fmt::format::Full,
            tracing_subscriber::fmt::time::SystemTime,
        >,
    >,
    ansi: bool,
) -> (TraceContext, Vec<String>) {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer({
            let buffer = buffer.clone();
            move || buffer.clone()
        })
        .with_ansi(ansi)
        .event_format(format)
        .finish();
    let ctx = TraceContext::new_root().child();
    tracing::subscriber::with_default(subscriber, || {
        ctx.in_scope(|| tracing::warn!(status = 503, "upstream down"));
    });
    (ctx, buffer.take_lines())
}

#[test]
fn a_text_line_carries_no_escape_codes_unless_the_format_is_asked_for_colours() {
    // fmt's own `with_ansi(true)` (its default) does not reach traced's buffered format.
    let (_, lines) = text_lines(traced_runtime::subscriber::text(), true);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(!lines[0].contains('\u{1b}'), "{:?}", lines[0]);
    assert!(lines[0].contains(" WARN "), "{:?}", lines[0]);
}

#[test]
fn with_ansi_colours_the_line_and_keeps_the_ids_plain() {
    let (ctx, lines) = text_lines(traced_runtime::subscriber::text().with_ansi(true), true);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert!(line.contains("\u{1b}["), "no escape code in {line:?}");
    let ids = format!(
        " trace_id={} span_id={}",
        ctx.trace_id(),
        ctx.span_id().unwrap()
    );
    assert!(line.ends_with(&ids), "{line:?} does not end with {ids:?}");
    let (_, plain) = text_lines(traced_runtime::subscriber::text().with_ansi(false), true);
    assert!(!plain[0].contains('\u{1b}'), "{:?}", plain[0]);
}
