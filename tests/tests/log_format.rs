//! The ready-made outputs: the exact text line, JSON lines that parse and carry the documented
//! keys, and hostile values that stay on one well-formed line.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

use log::{Level, Log, Record};
use traced_runtime::TraceContext;
use traced_runtime::logger::{Builder, Format};

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

/// Logs one record through a logger built with `format` (no timestamp), returns the output.
fn render(format: Format, gcp: Option<&str>, ctx: Option<&TraceContext>, message: &str) -> String {
    render_record(
        Builder::new().format(format).timestamp(false),
        gcp,
        ctx,
        "shop::orders",
        message,
        &[("order", "o-1")],
    )
}

/// Logs one WARN record (target, message, key-values) through `builder`'s logger, inside `ctx`
/// when given; returns the output.
fn render_record(
    builder: Builder,
    gcp: Option<&str>,
    ctx: Option<&TraceContext>,
    target: &str,
    message: &str,
    kvs: &[(&str, &str)],
) -> String {
    let out = Buffer::default();
    let mut builder = builder
        .filter_level(log::LevelFilter::Trace)
        .writer(Box::new(out.clone()));
    if let Some(project) = gcp {
        builder = builder.google_cloud_project(project);
    }
    let logger = builder.build();
    let log_it = || {
        logger.log(
            &Record::builder()
                .args(format_args!("{message}"))
                .level(Level::Warn)
                .target(target)
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

fn text(ctx: Option<&TraceContext>, target: &str, message: &str, kvs: &[(&str, &str)]) -> String {
    let builder = Builder::new().format(Format::Text).timestamp(false);
    render_record(builder, None, ctx, target, message, kvs)
}

fn json(
    gcp: Option<&str>,
    ctx: Option<&TraceContext>,
    message: &str,
    kvs: &[(&str, &str)],
) -> (String, serde_json::Value) {
    let builder = Builder::new().format(Format::Json).timestamp(true);
    let line = render_record(builder, gcp, ctx, "shop::orders", message, kvs);
    assert_one_clean_line(&line);
    let value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
    (line, value)
}

/// Exactly one line, ending in `\n`, with no raw control character, line or paragraph
/// separator, or bidirectional-text control.
#[track_caller]
fn assert_one_clean_line(line: &str) {
    assert!(line.ends_with('\n'), "{line:?}");
    let body = &line[..line.len() - 1];
    let raw = body.chars().find(|&c| {
        c.is_control()
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    });
    assert_eq!(raw, None, "a raw character in {line:?}");
}

/// How often the JSON key `key` occurs in the raw line (parsers keep only the last).
fn key_count(line: &str, key: &str) -> usize {
    line.matches(&format!("\"{key}\":")).count()
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
    let (line, json) = json(None, Some(&ctx), "charged", &[("order", "o-1")]);
    assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
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
    assert_eq!(json["user.severity"], "DEBUG");
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

#[test]
fn text_line_starts_with_an_rfc3339_timestamp_by_default() {
    let ctx = context();
    let builder = Builder::new().format(Format::Text).timestamp(true);
    let line = render_record(builder, None, Some(&ctx), "shop::orders", "charged", &[]);
    // 2026-11-23T19:26:44.123456Z [trace] [span] WARN ...
    let (timestamp, rest) = line.split_once(' ').unwrap();
    assert_eq!(timestamp.len(), 27, "{line}");
    assert!(
        timestamp.ends_with('Z') && timestamp.as_bytes()[10] == b'T',
        "{line}"
    );
    assert!(timestamp[..4].bytes().all(|b| b.is_ascii_digit()), "{line}");
    assert_eq!(
        rest,
        format!(
            "[{}] [{}] WARN shop::orders: charged account_id=account-456\n",
            ctx.trace_id(),
            ctx.span_id().unwrap()
        )
    );
}

#[test]
fn json_timestamp_can_be_switched_off() {
    let builder = Builder::new().format(Format::Json).timestamp(false);
    let line = render_record(builder, None, None, "t", "m", &[]);
    let json: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert!(json.get("timestamp").is_none(), "{line}");
}

// Regression tests for issue 15's reproducers: forged ids and keys.

#[test]
fn json_field_named_trace_id_cannot_replace_or_duplicate_the_real_one() {
    let ctx = TraceContext::new_root()
        .child()
        .with_field("trace_id", "forged");
    let (line, json) = json(None, Some(&ctx), "x", &[]);
    assert_eq!(json["trace_id"], ctx.trace_id().to_string(), "{line}");
    assert_eq!(key_count(&line, "trace_id"), 1, "{line}");
    assert_eq!(json["user.trace_id"], "forged", "the user's value is kept");
}

#[test]
fn json_record_key_values_named_like_ids_cannot_forge_them() {
    let ctx = TraceContext::new_root().child();
    let kvs = [
        ("trace_id", "forged"),
        ("span_id", "forged"),
        ("parent_span_id", "forged"),
        ("trace_flags", "ff"),
    ];
    let (line, json) = json(None, Some(&ctx), "x", &kvs);
    assert_eq!(json["trace_id"], ctx.trace_id().to_string());
    assert_eq!(json["span_id"], ctx.span_id().unwrap().to_string());
    for (key, value) in kvs {
        assert!(key_count(&line, key) <= 1, "{line}");
        assert_eq!(json[format!("user.{key}")], value, "{line}");
    }
    assert!(json.get("trace_flags").is_none());
}

#[test]
fn json_field_parent_span_id_on_a_root_is_not_a_parent() {
    let ctx = TraceContext::new_root()
        .child()
        .with_field("parent_span_id", "00f067aa0ba902b7");
    let (line, json) = json(None, Some(&ctx), "x", &[]);
    assert!(json.get("parent_span_id").is_none(), "{line}");
    assert_eq!(json["user.parent_span_id"], "00f067aa0ba902b7");
}

#[test]
fn json_forged_trace_id_never_reaches_cloud_logging_keys() {
    let ctx = TraceContext::new_root()
        .child()
        .with_field("trace_id", "forged")
        .with_field("logging.googleapis.com/trace", "projects/p/traces/forged")
        .with_field("time", "1970-01-01T00:00:00Z");
    let (line, json) = json(Some("p"), Some(&ctx), "x", &[("httpRequest", "{}")]);
    assert_eq!(
        json["logging.googleapis.com/trace"],
        format!("projects/p/traces/{}", ctx.trace_id()),
        "{line}"
    );
    assert_eq!(key_count(&line, "logging.googleapis.com/trace"), 1);
    assert_eq!(
        json["user.logging.googleapis.com/trace"],
        "projects/p/traces/forged"
    );
    assert_eq!(json["user.time"], "1970-01-01T00:00:00Z");
    assert_eq!(json["user.httpRequest"], "{}");
    assert!(json.get("time").is_none() && json.get("httpRequest").is_none());
}

#[test]
fn json_outside_a_context_a_record_trace_id_is_data() {
    let (line, json) = json(Some("p"), None, "x", &[("trace_id", "forged")]);
    assert!(json.get("trace_id").is_none(), "{line}");
    assert!(json.get("logging.googleapis.com/trace").is_none(), "{line}");
    assert_eq!(json["user.trace_id"], "forged");
}

#[test]
fn text_outside_a_context_a_record_trace_id_is_data_not_the_id_column() {
    let forged = "forged\n[x] [y] ERROR evil: injected";
    let line = text(None, "t", "m", &[("trace_id", forged)]);
    assert_one_clean_line(&line);
    assert_eq!(
        line,
        "[-] [-] WARN t: m user.trace_id=\"forged\\n[x] [y] ERROR evil: injected\"\n"
    );
}

#[test]
fn text_cr_lf_in_a_value_cannot_break_the_line() {
    let line = text(None, "t", "m", &[("note", "\r\nX")]);
    assert_one_clean_line(&line);
    assert_eq!(line, "[-] [-] WARN t: m note=\"\\r\\nX\"\n");
}

#[test]
fn text_escape_sequences_are_never_written_raw() {
    let line = text(None, "t", "m", &[("span_id", "\u{1b}[31mRED")]);
    assert_one_clean_line(&line);
    assert_eq!(line, "[-] [-] WARN t: m user.span_id=\"\\u{1b}[31mRED\"\n");
}

#[test]
fn text_target_cannot_forge_a_line() {
    let line = text(None, "t\n[forged] [forged] ERROR x: y", "m", &[]);
    assert_one_clean_line(&line);
    assert_eq!(
        line,
        "[-] [-] WARN \"t\\n[forged] [forged] ERROR x: y\": m\n"
    );
}

#[test]
fn text_inside_a_context_forged_ids_are_user_data() {
    let ctx = TraceContext::new_root()
        .child()
        .with_field("trace_id", "forged");
    let line = text(Some(&ctx), "t", "m", &[("span_id", "0000000000000001")]);
    assert_eq!(
        line,
        format!(
            "[{}] [{}] WARN t: m user.trace_id=forged user.span_id=0000000000000001\n",
            ctx.trace_id(),
            ctx.span_id().unwrap()
        )
    );
}

#[test]
fn text_message_that_looks_like_key_values_is_quoted() {
    let line = text(None, "t", "ok account_id=admin", &[("k", "v")]);
    assert_eq!(line, "[-] [-] WARN t: \"ok account_id=admin\" k=v\n");
    let line = text(None, "t", "tab\there", &[]);
    assert_eq!(line, "[-] [-] WARN t: \"tab\\there\"\n");
    let line = text(None, "t", "plain words stay bare", &[]);
    assert_eq!(line, "[-] [-] WARN t: plain words stay bare\n");
}

#[test]
fn unicode_line_separators_and_bidi_controls_are_escaped_in_both_formats() {
    let value = "a\u{2028}b\u{2029}c\u{202e}d\u{85}e\u{7f}";
    let ctx = TraceContext::new_root().with_field("note", value);
    let line = text(Some(&ctx), "t", value, &[]);
    assert_one_clean_line(&line);
    let (line, json) = json(None, Some(&ctx), value, &[]);
    assert!(
        line.contains("\\u2028") && line.contains("\\u202e"),
        "{line}"
    );
    assert_eq!(json["note"], value);
    assert_eq!(json["message"], value);
}

#[test]
fn a_record_that_bypasses_the_stamping_cannot_forge_the_columns_either() {
    // `inner()` skips `TracedLogger`: the format reads the ids from the context itself, and a
    // key-value named like an id is the user's.
    let out = Buffer::default();
    let logger = Builder::new()
        .format(Format::Text)
        .timestamp(false)
        .writer(Box::new(out.clone()))
        .build();
    let ctx = TraceContext::new_root().child().child();
    let kvs: &[(&str, &str)] = &[("trace_id", "forged"), ("parent_span_id", "forged")];
    ctx.in_scope(|| {
        logger.inner().log(
            &Record::builder()
                .args(format_args!("m"))
                .level(Level::Warn)
                .target("t")
                .key_values(&kvs)
                .build(),
        );
    });
    assert_eq!(
        out.text(),
        format!(
            "[{}] [{}] WARN t: m user.trace_id=forged user.parent_span_id=forged\n",
            ctx.trace_id(),
            ctx.span_id().unwrap()
        )
    );
}

#[test]
fn a_logger_wrapped_twice_stamps_once() {
    let out = Buffer::default();
    let inner = Builder::new()
        .format(Format::Json)
        .writer(Box::new(out.clone()))
        .build();
    let logger = traced_runtime::logger::TracedLogger::new(inner);
    let ctx = TraceContext::new_root().child().with_field("a", "1");
    ctx.in_scope(|| {
        logger.log(
            &Record::builder()
                .args(format_args!("m"))
                .level(Level::Warn)
                .build(),
        );
    });
    let line = out.text();
    assert_eq!(key_count(&line, "trace_id"), 1, "{line}");
    assert_eq!(key_count(&line, "a"), 1, "{line}");
    assert!(!line.contains("user."), "{line}");
}
