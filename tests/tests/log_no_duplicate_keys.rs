//! No line holds a key twice, and no user value is lost (issue 24): for any context field names
//! and record key-value names (reserved names, names that only differ from a renamed key by the
//! rule's own suffix, repeats), every format's line has each key once and every user value under
//! the name the one reserved-key rule gives it.
//!
//! JSON lines are read with a reader that rejects a repeated key at any depth (a map would
//! silently keep one). Formats: traced's text, JSON, JSON with a Google Cloud project, and
//! tracing-subscriber's `fmt` text and JSON (default and `flatten_event(true)`) with traced's
//! stamp.

mod tracing_support;

use std::collections::BTreeMap;
use std::fmt;

use log::kv::Value;
use log::{Level, Log, Record};
use proptest::prelude::*;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use traced_runtime::TraceContext;
use traced_runtime::log::{Builder, Format};
use tracing_support::Buffer;

// ---- a JSON reader that rejects repeated keys ----

/// A JSON value read with every object's keys checked for repeats.
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Scalar(serde_json::Value),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
                Ok(Json::Scalar(v.into()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
                Ok(Json::Scalar(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
                Ok(Json::Scalar(v.into()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
                Ok(Json::Scalar(v.into()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Json, E> {
                Ok(Json::Scalar(v.into()))
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Scalar(serde_json::Value::Null))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Json::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut members: Vec<(String, Json)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Json>()? {
                    if members.iter().any(|(k, _)| *k == key) {
                        return Err(de::Error::custom(format_args!("duplicate key {key:?}")));
                    }
                    members.push((key, value));
                }
                Ok(Json::Object(members))
            }
        }
        d.deserialize_any(V)
    }
}

impl Json {
    fn members(&self) -> &[(String, Json)] {
        match self {
            Self::Object(members) => members,
            _ => &[],
        }
    }

    fn get(&self, key: &str) -> Option<&Json> {
        self.members()
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Self::Scalar(serde_json::Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// Every string anywhere in the value.
    fn strings<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Self::Scalar(serde_json::Value::String(s)) => out.push(s),
            Self::Scalar(_) => {}
            Self::Array(items) => items.iter().for_each(|i| i.strings(out)),
            Self::Object(members) => members.iter().for_each(|(_, v)| v.strings(out)),
        }
    }
}

/// Parses one JSON line, failing on a repeated key at any depth.
fn parse(line: &str) -> Result<Json, TestCaseError> {
    serde_json::from_str(line).map_err(|e| TestCaseError::fail(format!("{e}: {line:?}")))
}

// ---- the rule, as its documentation states it ----

const JSON_KEYS: [&str; 4] = ["timestamp", "severity", "target", "message"];
const CONTEXT_KEYS: [&str; 4] = ["trace_id", "span_id", "parent_span_id", "trace_flags"];
const GCP_KEYS: [&str; 4] = ["time", "timestampSeconds", "timestampNanos", "httpRequest"];

/// The names the user keys `keys` get on one line, in order: `user.KEY` for a reserved key,
/// then `#2`, `#3`, ... for a name already given.
fn rule_names<'a>(keys: impl IntoIterator<Item = &'a str>, json: bool, gcp: bool) -> Vec<String> {
    let mut given: Vec<String> = Vec::new();
    for key in keys {
        let reserved = CONTEXT_KEYS.contains(&key)
            || (json
                && (JSON_KEYS.contains(&key)
                    || key.starts_with("logging.googleapis.com/")
                    || (gcp && GCP_KEYS.contains(&key))));
        let base = if reserved {
            format!("user.{key}")
        } else {
            key.to_owned()
        };
        let mut name = base.clone();
        let mut n = 2;
        while given.contains(&name) {
            name = format!("{base}#{n}");
            n += 1;
        }
        given.push(name);
    }
    given
}

// ---- generated input ----

/// Names that collide with traced's keys, with tracing-subscriber's, with each other after the
/// rule's renaming, or with the rule's own suffix.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(vec![
            "trace_id", "span_id", "parent_span_id", "trace_flags", "user.trace_id",
            "user.trace_id#2", "user.span_id", "timestamp", "severity", "target", "message",
            "time", "httpRequest", "logging.googleapis.com/trace", "user.message", "level",
            "fields", "spans", "a", "a#2", "user.a",
        ])
        .prop_map(str::to_owned),
        1 => "[a-z_.#]{1,8}",
    ]
}

#[derive(Debug, Clone)]
struct Case {
    in_context: bool,
    fields: Vec<String>,
    kvs: Vec<String>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        any::<bool>(),
        proptest::collection::vec(key(), 0..4),
        proptest::collection::vec(key(), 0..4),
    )
        .prop_map(|(in_context, fields, kvs)| Case {
            in_context,
            fields,
            kvs,
        })
}

/// The context of a case: fields `f0`, `f1`, ... as values (a field set again keeps its place
/// and takes the later value).
fn context(case: &Case) -> Option<TraceContext> {
    case.in_context.then(|| {
        let mut ctx = TraceContext::new_root().child().child();
        for (i, key) in case.fields.iter().enumerate() {
            ctx = ctx.with_field(key.clone(), format!("f{i}"));
        }
        ctx
    })
}

/// The user keys of a traced line in order, with their values: the context's fields, then the
/// record's key-values (values `k0`, `k1`, ...).
fn user_pairs(ctx: Option<&TraceContext>, case: &Case) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = ctx
        .map(|ctx| {
            ctx.fields()
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    pairs.extend(
        case.kvs
            .iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), format!("k{i}"))),
    );
    pairs
}

/// Logs the case through traced's logger in `format`; returns the context and the one line.
fn traced_line(case: &Case, format: Format, gcp: bool) -> (Option<TraceContext>, String) {
    let out = Buffer::default();
    let mut builder = Builder::new()
        .format(format)
        .timestamp(true)
        .filter_level(log::LevelFilter::Trace)
        .writer(Box::new(out.clone()));
    if gcp {
        builder = builder.google_cloud_project("my-project");
    }
    let logger = builder.build();
    let ctx = context(case);
    let values: Vec<String> = (0..case.kvs.len()).map(|i| format!("k{i}")).collect();
    let kvs: Vec<(&str, Value<'_>)> = case
        .kvs
        .iter()
        .zip(&values)
        .map(|(k, v)| (k.as_str(), Value::from(v.as_str())))
        .collect();
    let log_it = || {
        logger.log(
            &Record::builder()
                .args(format_args!("hello"))
                .level(Level::Info)
                .target("shop")
                .key_values(&kvs.as_slice())
                .build(),
        );
    };
    match &ctx {
        Some(ctx) => ctx.in_scope(log_it),
        None => log_it(),
    }
    let mut lines = out.take_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    (ctx, lines.remove(0))
}

/// A `tracing` event with fields named like traced's and tracing-subscriber's keys (field names
/// are fixed at compile time: one of a few shapes). Values `e0`, `e1`.
fn event(shape: u8) {
    match shape % 4 {
        0 => tracing::info!(trace_id = "e0", "hello"),
        1 => tracing::info!(level = "e0", a = "e1", "hello"),
        2 => tracing::info!("user.trace_id" = "e0", span_id = "e1", "hello"),
        _ => tracing::info!(timestamp = "e0", "fields" = "e1", "hello"),
    }
}

/// The values `event(shape)` carries.
fn event_values(shape: u8) -> &'static [&'static str] {
    match shape % 4 {
        0 => &["e0"],
        _ => &["e0", "e1"],
    }
}

/// Logs `event(shape)` in the case's context through tracing-subscriber's `fmt` with traced's
/// stamp: `json` or text, `flatten` the event's fields to the top level.
fn tracing_line(
    case: &Case,
    shape: u8,
    json: bool,
    flatten: bool,
) -> (Option<TraceContext>, String) {
    let out = Buffer::default();
    let ctx = context(case);
    let writer = out.clone();
    let emit = || match &ctx {
        Some(ctx) => ctx.in_scope(|| event(shape)),
        None => event(shape),
    };
    if json {
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_writer(move || writer.clone())
            .event_format(traced_runtime::tracing::TracedFormat::json_with(
                tracing_subscriber::fmt::format()
                    .json()
                    .flatten_event(flatten),
            ))
            .finish();
        tracing::subscriber::with_default(subscriber, emit);
    } else {
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .event_format(traced_runtime::tracing::text())
            .finish();
        tracing::subscriber::with_default(subscriber, emit);
    }
    let mut lines = out.take_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    (ctx, lines.remove(0))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn traced_json_lines_have_every_key_once_and_every_value(case in case(), gcp in any::<bool>()) {
        let (ctx, line) = traced_line(&case, Format::Json, gcp);
        let object = parse(&line)?;
        let pairs = user_pairs(ctx.as_ref(), &case);
        let names = rule_names(pairs.iter().map(|(k, _)| k.as_str()), true, gcp);
        for ((_, value), name) in pairs.iter().zip(&names) {
            prop_assert_eq!(object.get(name).and_then(Json::as_str), Some(value.as_str()), "{}", line);
        }
        match &ctx {
            Some(ctx) => {
                let trace_id = ctx.trace_id().to_string();
                prop_assert_eq!(object.get("trace_id").and_then(Json::as_str), Some(trace_id.as_str()));
            }
            None => prop_assert!(object.get("trace_id").is_none(), "{}", line),
        }
        let fixed = 4 + if ctx.is_some() { 3 + if gcp { 3 } else { 0 } } else { 0 };
        prop_assert_eq!(object.members().len(), fixed + pairs.len(), "{}", line);
    }

    #[test]
    fn traced_text_lines_have_every_key_once_and_every_value(case in case()) {
        let (ctx, line) = traced_line(&case, Format::Text, false);
        let pairs = user_pairs(ctx.as_ref(), &case);
        let names = rule_names(pairs.iter().map(|(k, _)| k.as_str()), false, false);
        // Keys and values here are bare tokens: the tail of the line is ` NAME=VALUE` each.
        let expected: String = pairs
            .iter()
            .zip(&names)
            .map(|((_, value), name)| format!(" {name}={value}"))
            .collect();
        prop_assert!(line.ends_with(&format!("hello{expected}")), "{} !~ {}", line, expected);
    }

    #[test]
    fn tracing_subscriber_json_lines_have_every_key_once_and_every_value(
        case in case(),
        shape in any::<u8>(),
        flatten in any::<bool>(),
    ) {
        let (ctx, line) = tracing_line(&case, shape, true, flatten);
        let object = parse(&line)?;
        let mut strings = Vec::new();
        object.strings(&mut strings);
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for s in &strings {
            *counts.entry(s).or_default() += 1;
        }
        for value in event_values(shape) {
            prop_assert_eq!(counts.get(value), Some(&1), "{} in {}", value, line);
        }
        if let Some(ctx) = &ctx {
            for (_, value) in ctx.fields().iter() {
                prop_assert_eq!(counts.get(value), Some(&1), "{} in {}", value, line);
            }
            let trace_id = ctx.trace_id().to_string();
            prop_assert_eq!(object.get("trace_id").and_then(Json::as_str), Some(trace_id.as_str()), "{}", line);
        }
    }

    #[test]
    fn tracing_subscriber_text_lines_keep_every_field(case in case(), shape in any::<u8>()) {
        let (ctx, line) = tracing_line(&case, shape, false, false);
        let Some(ctx) = ctx else { return Ok(()) };
        let names = rule_names(ctx.fields().iter().map(|(k, _)| k), false, false);
        let expected: String = ctx
            .fields()
            .iter()
            .zip(&names)
            .map(|((_, value), name)| format!(" {name}={value}"))
            .collect();
        prop_assert!(line.ends_with(&expected), "{} !~ {}", line, expected);
        for value in event_values(shape) {
            prop_assert!(line.contains(value), "{} in {}", value, line);
        }
    }
}
