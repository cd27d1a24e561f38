//! Properties of the ready-made formats over generated input (issue 15): any field, key-value,
//! target or message, through the text and the JSON format, gives exactly one line, with no raw
//! control character, that parses back to one record whose ids are the context's and whose
//! values are the originals, under the documented key names (a reserved name gets `user.`).
//!
//! The text parser below is the format's grammar, written from its documentation:
//! `[TIMESTAMP ][TRACE] [SPAN] LEVEL TARGET: MESSAGE( KEY=VALUE)*`, where TARGET, KEY and VALUE
//! are bare tokens or Rust string literals, and MESSAGE is bare text or a Rust string literal.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

use log::kv::Value;
use log::{Level, Log, Record};
use proptest::prelude::*;
use traced_runtime::TraceContext;
use traced_runtime::logger::{Builder, Format};

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

/// One generated record and where it is logged.
#[derive(Debug, Clone)]
struct Case {
    in_context: bool,
    field: (String, String),
    kv: (String, String),
    number: i64,
    target: String,
    message: String,
    timestamp: bool,
    gcp: bool,
}

const CONTEXT_KEYS: [&str; 4] = ["trace_id", "span_id", "parent_span_id", "trace_flags"];
const JSON_KEYS: [&str; 4] = ["timestamp", "severity", "target", "message"];
const GCP_KEYS: [&str; 4] = ["time", "timestampSeconds", "timestampNanos", "httpRequest"];

/// Strings that stress the formats: arbitrary Unicode, look-alikes of the format's own syntax,
/// control characters.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,12}",
        proptest::collection::vec(
            prop_oneof![
                Just("\n"),
                Just("\r\n"),
                Just("\u{1b}[31m"),
                Just("\u{2028}"),
                Just("\u{202e}"),
                Just("\u{85}"),
                Just("\u{7f}"),
                Just("\0"),
                Just("\t"),
                Just(" "),
                Just("\""),
                Just("\\"),
                Just("="),
                Just(": "),
                Just("[-] [-] ERROR x: y"),
                Just(" trace_id=00000000000000000000000000000001"),
                Just("\\u{1b}"),
                Just("\\n"),
                Just("é"),
                Just("a"),
            ],
            0..8
        )
        .prop_map(|parts| parts.concat()),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => hostile(),
        1 => proptest::sample::select(
            CONTEXT_KEYS
                .iter()
                .chain(&JSON_KEYS)
                .chain(&GCP_KEYS)
                .copied()
                .chain(["logging.googleapis.com/trace", "user.trace_id", "account_id"])
                .collect::<Vec<_>>()
        )
        .prop_map(str::to_owned),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        any::<bool>(),
        (key(), hostile()),
        (key(), hostile()),
        any::<i64>(),
        hostile(),
        hostile(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(in_context, field, kv, number, target, message, timestamp, gcp)| Case {
                in_context,
                field,
                kv,
                number,
                target,
                message,
                timestamp,
                gcp,
            },
        )
}

/// Logs `case` through a logger of `format`; returns the context (when inside one) and output.
fn log_case(case: &Case, format: Format) -> (Option<TraceContext>, String) {
    let out = Buffer::default();
    let mut builder = Builder::new()
        .format(format)
        .timestamp(case.timestamp)
        .filter_level(log::LevelFilter::Trace)
        .writer(Box::new(out.clone()));
    if case.gcp {
        builder = builder.google_cloud_project("my-project");
    }
    let logger = builder.build();
    let ctx = case.in_context.then(|| {
        TraceContext::new_root()
            .child()
            .child()
            .with_field(case.field.0.clone(), case.field.1.clone())
    });
    let kvs: [(&str, Value<'_>); 2] = [
        (&case.kv.0, Value::from(case.kv.1.as_str())),
        ("n", Value::from(case.number)),
    ];
    let log_it = || {
        logger.log(
            &Record::builder()
                .args(format_args!("{}", case.message))
                .level(Level::Warn)
                .target(&case.target)
                .key_values(&kvs)
                .build(),
        );
    };
    match &ctx {
        Some(ctx) => ctx.in_scope(log_it),
        None => log_it(),
    }
    let bytes = out.0.lock().unwrap().clone();
    (ctx, String::from_utf8(bytes).expect("lines are UTF-8"))
}

/// The key a user's `key` is written under.
fn written_key(key: &str, json: bool, gcp: bool) -> String {
    let reserved = CONTEXT_KEYS.contains(&key)
        || (json
            && (JSON_KEYS.contains(&key)
                || key.starts_with("logging.googleapis.com/")
                || (gcp && GCP_KEYS.contains(&key))));
    if reserved {
        format!("user.{key}")
    } else {
        key.to_owned()
    }
}

/// The user key-values the line must carry, in order, as `(written key, value)`.
fn expected_user_pairs(case: &Case, json: bool) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    if case.in_context {
        pairs.push((
            written_key(&case.field.0, json, case.gcp),
            case.field.1.clone(),
        ));
    }
    pairs.push((written_key(&case.kv.0, json, case.gcp), case.kv.1.clone()));
    pairs.push(("n".to_owned(), case.number.to_string()));
    pairs
}

/// Keys must be distinct after renaming for "parses back to one record" to mean anything; a
/// field and a key-value of one name are both kept, but a reader can only keep one.
fn distinct_keys(case: &Case) -> bool {
    [true, false].into_iter().all(|json| {
        let pairs = expected_user_pairs(case, json);
        let mut keys: Vec<_> = pairs.iter().map(|(k, _)| k.clone()).collect();
        keys.sort();
        keys.dedup();
        keys.len() == pairs.len()
    })
}

/// Exactly one line, with no raw character that could break or disguise it.
fn assert_one_clean_line(line: &str) -> Result<(), TestCaseError> {
    prop_assert!(line.ends_with('\n'), "{:?}", line);
    let body = &line[..line.len() - 1];
    let raw = body.chars().find(|&c| {
        c.is_control()
            || matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
            )
    });
    prop_assert_eq!(raw, None, "{:?}", line);
    Ok(())
}

// ---- the text grammar ----

/// A parsed text line.
#[derive(Debug, PartialEq)]
struct TextLine {
    timestamp: Option<String>,
    trace_id: String,
    span_id: String,
    level: String,
    target: String,
    message: String,
    pairs: Vec<(String, String)>,
}

/// Parses a Rust string literal at the start of `s`; returns it and the rest.
fn parse_quoted(s: &str) -> Option<(String, &str)> {
    let mut chars = s.strip_prefix('"')?.char_indices();
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &s[1 + i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                '0' => out.push('\0'),
                '\\' => out.push('\\'),
                '"' => out.push('"'),
                '\'' => out.push('\''),
                'u' => {
                    if chars.next()?.1 != '{' {
                        return None;
                    }
                    let mut hex = String::new();
                    loop {
                        match chars.next()?.1 {
                            '}' => break,
                            h => hex.push(h),
                        }
                    }
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                _ => return None,
            },
            c => out.push(c),
        }
    }
    None
}

/// A bare token or a quoted string, ending before `stop` (bare tokens hold no space).
fn parse_atom(s: &str, stop: char) -> Option<(String, &str)> {
    if s.starts_with('"') {
        return parse_quoted(s);
    }
    let end = s.find([stop, ' ']).unwrap_or(s.len());
    (end > 0).then(|| (s[..end].to_owned(), &s[end..]))
}

fn parse_text(line: &str, timestamp: bool) -> Option<TextLine> {
    let mut rest = line.strip_suffix('\n')?;
    let ts = if timestamp {
        let (ts, r) = rest.split_once(' ')?;
        rest = r;
        Some(ts.to_owned())
    } else {
        None
    };
    let rest = rest.strip_prefix('[')?;
    let (trace_id, rest) = rest.split_once("] [")?;
    let (span_id, rest) = rest.split_once("] ")?;
    let (level, rest) = rest.split_once(' ')?;
    let (target, rest) = if rest.starts_with('"') {
        let (target, rest) = parse_quoted(rest)?;
        (target, rest.strip_prefix(": ")?)
    } else {
        let (token, rest) = rest.split_once(' ')?;
        (token.strip_suffix(':')?.to_owned(), rest)
    };
    let (message, mut rest) = if rest.starts_with('"') {
        parse_quoted(rest)?
    } else {
        // A bare message holds no `=` and no `"`: the first of them belongs to the first pair,
        // whose key starts after the last space before it.
        match rest.find(['=', '"']) {
            None => (rest.to_owned(), ""),
            Some(at) => {
                let space = if rest.as_bytes()[at] == b'"' {
                    at.checked_sub(1)?
                } else {
                    rest[..at].rfind(' ')?
                };
                (rest[..space].to_owned(), &rest[space..])
            }
        }
    };
    let mut pairs = Vec::new();
    while !rest.is_empty() {
        let r = rest.strip_prefix(' ')?;
        let (key, r) = parse_atom(r, '=')?;
        let r = r.strip_prefix('=')?;
        let (value, r) = parse_atom(r, ' ')?;
        pairs.push((key, value));
        rest = r;
    }
    Some(TextLine {
        timestamp: ts,
        trace_id: trace_id.to_owned(),
        span_id: span_id.to_owned(),
        level: level.to_owned(),
        target,
        message,
        pairs,
    })
}

// ---- JSON, keeping repeated keys visible ----

/// A JSON object's entries in order, repeated keys kept (a map would keep only one).
struct Entries(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_map(V)
    }
}

fn json_str(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn text_line_parses_back_to_the_record(case in case()) {
        prop_assume!(distinct_keys(&case));
        let (ctx, line) = log_case(&case, Format::Text);
        assert_one_clean_line(&line)?;
        let parsed = parse_text(&line, case.timestamp);
        prop_assert!(parsed.is_some(), "unparsable: {:?}", line);
        let parsed = parsed.unwrap();
        let (trace_id, span_id) = match &ctx {
            Some(ctx) => (ctx.trace_id().to_string(), ctx.span_id().unwrap().to_string()),
            None => ("-".to_owned(), "-".to_owned()),
        };
        prop_assert_eq!(&parsed.trace_id, &trace_id, "{:?}", line);
        prop_assert_eq!(&parsed.span_id, &span_id, "{:?}", line);
        prop_assert_eq!(&parsed.level, "WARN");
        prop_assert_eq!(&parsed.target, &case.target, "{:?}", line);
        prop_assert_eq!(&parsed.message, &case.message, "{:?}", line);
        prop_assert_eq!(parsed.pairs, expected_user_pairs(&case, false), "{:?}", line);
        if let Some(ts) = parsed.timestamp {
            prop_assert!(ts.len() == 27 && ts.ends_with('Z'), "{:?}", line);
        }
    }

    #[test]
    fn json_line_parses_back_to_the_record(case in case()) {
        prop_assume!(distinct_keys(&case));
        let (ctx, line) = log_case(&case, Format::Json);
        assert_one_clean_line(&line)?;
        let entries: Result<Entries, _> = serde_json::from_str(&line);
        prop_assert!(entries.is_ok(), "invalid JSON: {:?}", line);
        let entries = entries.unwrap().0;
        let mut expected: Vec<(String, String)> = Vec::new();
        if case.timestamp {
            let ts = entries.first().map(|(_, v)| json_str(v)).unwrap_or_default();
            prop_assert!(ts.len() == 27 && ts.ends_with('Z'), "{:?}", line);
            expected.push(("timestamp".to_owned(), ts));
        }
        expected.push(("severity".to_owned(), "WARNING".to_owned()));
        expected.push(("target".to_owned(), case.target.clone()));
        expected.push(("message".to_owned(), case.message.clone()));
        if let Some(ctx) = &ctx {
            let trace_id = ctx.trace_id().to_string();
            let span_id = ctx.span_id().unwrap().to_string();
            expected.push(("trace_id".to_owned(), trace_id.clone()));
            expected.push(("span_id".to_owned(), span_id.clone()));
            expected.push(("parent_span_id".to_owned(), ctx.parent_span_id().unwrap().to_string()));
            if case.gcp {
                expected.push((
                    "logging.googleapis.com/trace".to_owned(),
                    format!("projects/my-project/traces/{trace_id}"),
                ));
                expected.push(("logging.googleapis.com/spanId".to_owned(), span_id));
                expected.push(("logging.googleapis.com/trace_sampled".to_owned(), "true".to_owned()));
            }
        }
        expected.extend(expected_user_pairs(&case, true));
        let found: Vec<(String, String)> =
            entries.iter().map(|(k, v)| (k.clone(), json_str(v))).collect();
        prop_assert_eq!(found, expected, "{:?}", line);
        // The number stays a JSON number.
        prop_assert!(entries.iter().any(|(k, v)| k == "n" && v.is_i64()));
    }
}
