//! The ready-made outputs: the exact text line, JSON lines that parse and carry the documented
//! keys, and hostile values that stay on one well-formed line.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

use log::{Level, Log, Record};
use traced_runtime::TraceContext;
use traced_runtime::log::{Builder, Format};

/// A writer the test can read back.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Logs one record through a logger built with `format`, returns the output.
fn render(format: Format, gcp: Option<&str>, ctx: Option<&TraceContext>, message: &str) -> String {
    let out = Buffer::default();
    let mut builder = Builder::new()
        .format(format)
        .filter_level(log::LevelFilter::Trace)
        .writer(Box::new(out.clone()));
    if let Some(project) = gcp {
        builder = builder.google_cloud_project(project);
    }
    let logger = builder.build();
    let kvs: &[(&str, &str)] = &[("order", "o-1")];
    let log_it = || {
        logger.log(
            &Record::builder()
                .args(format_args!("{message}"))
                .level(Level::Warn)
                .target("shop::orders")
                .key_values(&kvs)
                .build(),
        );
    };
    match ctx {
        Some(ctx) => ctx.in_scope(log_it),
        None => log_it(),
    }
    out.text()
}

fn context() -> TraceContext {
    TraceContext::new_root()
        .child()
        .with_field("account_id", "account-456")
}

#[test]
fn text_line_has_ids_level_target_message_and_fields() {
    let ctx = context();
    let line = render(Format::Text, None, Some(&ctx), "charged");
    assert_eq!(
        line,
        format!(
            "[{}] [{}] WARN shop::orders: charged account_id=account-456 order=o-1\n",
            ctx.trace_id(),
            ctx.span_id().unwrap()
        )
    );
}

#[test]
fn text_line_outside_context_prints_dashes() {
    let line = render(Format::Text, None, None, "idle");
    assert_eq!(line, "[-] [-] WARN shop::orders: idle order=o-1\n");
}

#[test]
fn json_line_parses_and_has_the_documented_keys() {
    let ctx = context();
    let line = render(Format::Json, None, Some(&ctx), "charged");
    assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
    let json: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(json["severity"], "WARNING");
    assert_eq!(json["target"], "shop::orders");
    assert_eq!(json["message"], "charged");
    assert_eq!(json["trace_id"], ctx.trace_id().to_string());
    assert_eq!(json["span_id"], ctx.span_id().unwrap().to_string());
    assert_eq!(json["account_id"], "account-456");
    assert_eq!(json["order"], "o-1");
    let timestamp = json["timestamp"].as_str().unwrap();
    // RFC 3339 in UTC: 2026-11-23T19:26:44.123456Z
    assert_eq!(timestamp.len(), 27, "{timestamp}");
    assert!(timestamp.ends_with('Z') && timestamp.as_bytes()[10] == b'T');
    assert!(json.get("logging.googleapis.com/trace").is_none());
}

#[test]
fn json_line_has_google_cloud_keys_when_a_project_is_set() {
    let ctx = context();
    let line = render(Format::Json, Some("my-project"), Some(&ctx), "charged");
    let json: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(
        json["logging.googleapis.com/trace"],
        format!("projects/my-project/traces/{}", ctx.trace_id())
    );
    assert_eq!(
        json["logging.googleapis.com/spanId"],
        ctx.span_id().unwrap().to_string()
    );
    assert_eq!(json["logging.googleapis.com/trace_sampled"], true);
}

#[test]
fn json_line_outside_context_has_no_ids() {
    let line = render(Format::Json, Some("p"), None, "idle");
    let json: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert!(json.get("trace_id").is_none());
    assert!(json.get("logging.googleapis.com/trace").is_none());
}

const HOSTILE: [&str; 5] = [
    "line one\n[00000000000000000000000000000001] [-] ERROR forged: line two",
    "quote\" and \\ backslash",
    "\"}, \"severity\": \"DEBUG",
    "bell\u{7} escape\u{1b}[31m nul\u{0} cr\r",
    "",
];

#[test]
fn hostile_values_stay_one_well_formed_line() {
    let long = "x".repeat(100_000);
    for value in HOSTILE.iter().copied().chain([long.as_str()]) {
        let ctx = TraceContext::new_root().with_field("note", value);
        let text = render(Format::Text, None, Some(&ctx), value);
        assert_eq!(text.matches('\n').count(), 1, "{text:?}");
        assert!(text.ends_with('\n'));
        assert!(!text.contains('\r') && !text.contains('\u{1b}'), "{text:?}");

        let json_line = render(Format::Json, None, Some(&ctx), value);
        assert_eq!(json_line.matches('\n').count(), 1);
        let json: serde_json::Value = serde_json::from_str(&json_line).unwrap();
        assert_eq!(json["note"], value, "the value round-trips exactly");
        assert_eq!(json["message"], value);
        assert_eq!(json["severity"], "WARNING", "a value cannot forge a key");
    }
}

#[test]
fn key_values_named_like_reserved_keys_are_kept_under_a_prefix() {
    let ctx = TraceContext::new_root().with_field("severity", "DEBUG");
    let line = render(Format::Json, None, Some(&ctx), "m");
    let json: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(json["severity"], "WARNING");
    assert_eq!(json["kv.severity"], "DEBUG");
}

#[test]
fn format_names_parse() {
    assert_eq!(" JSON ".parse::<Format>(), Ok(Format::Json));
    assert_eq!("text".parse::<Format>(), Ok(Format::Text));
    let error = "xml".parse::<Format>().unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown log format \"xml\": expected `text` or `json`"
    );
}
