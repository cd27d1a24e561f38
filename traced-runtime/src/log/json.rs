//! The JSON-lines format: one object per record, ids and user fields as top-level keys, every key
//! once (see [Reserved keys](crate::log#reserved-keys)).

use core::fmt::{self, Write as _};

use ::log::kv::{self, Key, Value, VisitSource};
use ::log::{Level, Record};

use super::line::Line;
use super::stamp::Columns;
use crate::output::escape::needs_escape;
use crate::output::keys::{
    PARENT_SPAN_ID_KEY, Reserved, SPAN_ID_KEY, TRACE_ID_KEY, WrittenKeys, is_context_key,
};

const GCP_TRACE: &str = "logging.googleapis.com/trace";
const GCP_SPAN_ID: &str = "logging.googleapis.com/spanId";
const GCP_SAMPLED: &str = "logging.googleapis.com/trace_sampled";

/// The `severity` member with the Cloud Logging severity of a level (`TRACE` has none and maps
/// to `DEBUG`), pre-encoded.
fn severity(level: Level) -> &'static str {
    match level {
        Level::Error => r#""severity":"ERROR","target":"#,
        Level::Warn => r#""severity":"WARNING","target":"#,
        Level::Info => r#""severity":"INFO","target":"#,
        Level::Debug | Level::Trace => r#""severity":"DEBUG","target":"#,
    }
}

/// Writes one record as a JSON object and a newline.
pub(super) fn format(
    line: &mut Line,
    record: &Record<'_>,
    timestamp: Option<&str>,
    gcp_project: Option<&str>,
) {
    let Line {
        text: out, keys, ..
    } = line;
    out.push('{');
    if let Some(timestamp) = timestamp {
        // A timestamp is digits and punctuation: nothing to escape.
        out.push_str(r#""timestamp":""#);
        out.push_str(timestamp);
        out.push_str(r#"","#);
    }
    out.push_str(severity(record.level()));
    write_str(out, record.target());
    out.push_str(r#","message":""#);
    match record.args().as_str() {
        Some(message) => write_fragment(out, message),
        // Writing to a `String` fails only when a `Display` does; keep what it wrote.
        None => {
            let _ = Escaped(out).write_fmt(*record.args());
        }
    }
    out.push('"');
    // The ids come from the context, never from a key-value (which anyone can set).
    let columns = Columns::current(true);
    if let Some(ids) = &columns.ids {
        let (mut hex, mut span_hex, mut parent_hex) = ([0; 32], [0; 16], [0; 16]);
        let trace_id = ids.trace_id.encode_hex(&mut hex);
        let span_id = ids.span_id.map(|id| id.encode_hex(&mut span_hex));
        // Hex needs no escaping.
        member(out, TRACE_ID_KEY, trace_id);
        if let Some(span_id) = span_id {
            member(out, SPAN_ID_KEY, span_id);
        }
        if let Some(parent) = ids.parent_span_id {
            member(out, PARENT_SPAN_ID_KEY, parent.encode_hex(&mut parent_hex));
        }
        if let Some(project) = gcp_project {
            out.push_str(r#",""#);
            out.push_str(GCP_TRACE);
            out.push_str(r#"":"projects/"#);
            write_fragment(out, project);
            out.push_str("/traces/");
            out.push_str(trace_id);
            out.push('"');
            if let Some(span_id) = span_id {
                member(out, GCP_SPAN_ID, span_id);
            }
            out.push_str(r#",""#);
            out.push_str(GCP_SAMPLED);
            out.push_str(if ids.trace_flags.is_sampled() {
                r#"":true"#
            } else {
                r#"":false"#
            });
        }
    }
    let mut pairs = Pairs {
        out,
        keys,
        stamped: columns.stamped,
        reserved: Reserved::Json {
            gcp: gcp_project.is_some(),
        },
    };
    // `Pairs` never fails the visit.
    let _ = record.key_values().visit(&mut pairs);
    out.push_str("}\n");
}

/// `,"key":"value"` for a key and a value that need no escaping.
fn member(out: &mut String, key: &str, value: &str) {
    out.push_str(r#",""#);
    out.push_str(key);
    out.push_str(r#"":""#);
    out.push_str(value);
    out.push('"');
}

/// Writes the key-values, except the ids stamped from the context (already written); every other
/// key is named by the one rule (`user.` for a reserved name, `#N` for a repeat).
struct Pairs<'a> {
    out: &'a mut String,
    keys: &'a mut WrittenKeys,
    /// Whether the record's context keys are `TracedLogger`'s stamp.
    stamped: bool,
    reserved: Reserved,
}

impl<'kvs> VisitSource<'kvs> for Pairs<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), kv::Error> {
        let key = key.as_str();
        if self.stamped && is_context_key(key) {
            return Ok(());
        }
        self.out.push(',');
        write_str(self.out, self.keys.name(key, self.reserved));
        self.out.push(':');
        write_value(self.out, &value);
        Ok(())
    }
}

/// A key-value's value as the closest JSON type: booleans and numbers stay typed, everything
/// else becomes a string.
fn write_value(out: &mut String, value: &Value<'_>) {
    if let Some(text) = value.to_borrowed_str() {
        write_str(out, text);
    } else if let Some(b) = value.to_bool() {
        out.push_str(if b { "true" } else { "false" });
    } else if let Some(i) = value.to_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = value.to_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(n) = value.to_f64().and_then(serde_json::Number::from_f64) {
        // serde_json's shortest round-trip form (`1.0`, `1e100`); `None` for NaN and infinities.
        let _ = write!(out, "{n}");
    } else {
        out.push('"');
        let _ = write!(Escaped(out), "{value}");
        out.push('"');
    }
}

/// Writes `text` as a JSON string.
#[inline]
fn write_str(out: &mut String, text: &str) {
    out.push('"');
    write_fragment(out, text);
    out.push('"');
}

/// Writes `text` escaped for the inside of a JSON string: `"` and `\` escaped, the usual short
/// escapes for line breaks and tabs, and `\uXXXX` for every other character that may not appear
/// raw in a line (C0 and C1 controls, DEL, U+2028/U+2029, bidirectional-text controls; see
/// [`needs_escape`]; all in the Basic Multilingual Plane). Plain ASCII is copied as is.
fn write_fragment(out: &mut String, text: &str) {
    let plain = |b: u8| matches!(b, b' '..=b'~') && b != b'"' && b != b'\\';
    if text.bytes().all(plain) {
        out.push_str(text);
        return;
    }
    let mut start = 0;
    for (index, c) in text.char_indices() {
        let short = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            _ if needs_escape(c) => "",
            _ => continue,
        };
        out.push_str(&text[start..index]);
        if short.is_empty() {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push_str(short);
        }
        start = index + c.len_utf8();
    }
    out.push_str(&text[start..]);
}

/// A `fmt::Write` that escapes what is written to it for the inside of a JSON string.
struct Escaped<'a>(&'a mut String);

impl fmt::Write for Escaped<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        write_fragment(self.0, s);
        Ok(())
    }
}
