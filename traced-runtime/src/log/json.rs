//! The JSON-lines format: one object per record, ids and user fields as top-level keys.

use core::fmt;
use std::io::{self, Write};

use ::log::kv::{self, Key, Value, VisitSource};
use ::log::{Level, Record};
use serde::ser::{Serialize, SerializeMap, Serializer};

use super::escape::needs_escape;
use super::reserved;
use super::stamp::Columns;
use super::{PARENT_SPAN_ID_KEY, SPAN_ID_KEY, TRACE_ID_KEY, USER_KEY_PREFIX};

const GCP_TRACE: &str = "logging.googleapis.com/trace";
const GCP_SPAN_ID: &str = "logging.googleapis.com/spanId";
const GCP_SAMPLED: &str = "logging.googleapis.com/trace_sampled";

/// Writes one record as a JSON object and a newline.
pub(super) fn format(
    out: &mut impl Write,
    record: &Record<'_>,
    timestamp: Option<impl fmt::Display>,
    gcp_project: Option<&str>,
) -> io::Result<()> {
    let line = Line {
        record,
        timestamp,
        gcp_project,
        columns: Columns::current(true),
    };
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, NoRawControls);
    line.serialize(&mut serializer).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// serde_json's compact output, plus `\uXXXX` escapes for the characters serde_json leaves raw
/// but that may not appear raw in a line (DEL, C1 controls, U+2028/U+2029, bidirectional-text
/// controls; see [`needs_escape`]). All of them are in the Basic Multilingual Plane.
struct NoRawControls;

impl serde_json::ser::Formatter for NoRawControls {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if fragment.is_ascii() && !fragment.contains('\u{7f}') {
            return writer.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (index, c) in fragment.char_indices() {
            if needs_escape(c) {
                writer.write_all(&fragment.as_bytes()[start..index])?;
                write!(writer, "\\u{:04x}", u32::from(c))?;
                start = index + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// The Cloud Logging severity of a level (`TRACE` has none and maps to `DEBUG`).
fn severity(level: Level) -> &'static str {
    match level {
        Level::Error => "ERROR",
        Level::Warn => "WARNING",
        Level::Info => "INFO",
        Level::Debug | Level::Trace => "DEBUG",
    }
}

struct Line<'a, T> {
    record: &'a Record<'a>,
    timestamp: Option<T>,
    gcp_project: Option<&'a str>,
    columns: Columns,
}

impl<T: fmt::Display> Serialize for Line<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let record = self.record;
        let mut map = serializer.serialize_map(None)?;
        if let Some(timestamp) = &self.timestamp {
            map.serialize_entry("timestamp", &Str(timestamp))?;
        }
        map.serialize_entry("severity", severity(record.level()))?;
        map.serialize_entry("target", record.target())?;
        map.serialize_entry("message", &Str(record.args()))?;
        // The ids come from the context, never from a key-value (which anyone can set).
        if let Some(ids) = &self.columns.ids {
            let (mut hex, mut span_hex, mut parent_hex) = ([0; 32], [0; 16], [0; 16]);
            let trace_id = ids.trace_id.encode_hex(&mut hex);
            let span_id = ids.span_id.map(|id| id.encode_hex(&mut span_hex));
            map.serialize_entry(TRACE_ID_KEY, trace_id)?;
            if let Some(span_id) = span_id {
                map.serialize_entry(SPAN_ID_KEY, span_id)?;
            }
            if let Some(parent) = ids.parent_span_id {
                map.serialize_entry(PARENT_SPAN_ID_KEY, parent.encode_hex(&mut parent_hex))?;
            }
            if let Some(project) = self.gcp_project {
                map.serialize_entry(
                    GCP_TRACE,
                    &Str(format_args!("projects/{project}/traces/{trace_id}")),
                )?;
                let load_balancer_span = load_balancer_span();
                if let Some(span_id) = load_balancer_span.as_deref().or(span_id) {
                    map.serialize_entry(GCP_SPAN_ID, span_id)?;
                }
                map.serialize_entry(GCP_SAMPLED, &ids.trace_flags.is_sampled())?;
            }
        }
        let mut pairs = Pairs {
            map: &mut map,
            stamped: self.columns.stamped,
            gcp: self.gcp_project.is_some(),
            error: None,
        };
        // `Pairs` never fails the visit; a serializer error is kept and returned below.
        let _ = record.key_values().visit(&mut pairs);
        if let Some(error) = pairs.error {
            return Err(error);
        }
        map.end()
    }
}

/// Serializes any `Display` as a JSON string.
struct Str<T>(T);

impl<T: fmt::Display> Serialize for Str<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// Writes the key-values, except the ids stamped from the context (already written); a user's
/// key with a reserved name is written as `user.KEY`.
struct Pairs<'a, M: SerializeMap> {
    map: &'a mut M,
    /// Whether the record's context keys are `TracedLogger`'s stamp.
    stamped: bool,
    gcp: bool,
    error: Option<M::Error>,
}

impl<'kvs, M: SerializeMap> VisitSource<'kvs> for Pairs<'_, M> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), kv::Error> {
        if self.error.is_some() {
            return Ok(());
        }
        let key = key.as_str();
        let result = if reserved::is_reserved_in_json(key, self.gcp) {
            if self.stamped && reserved::is_context_key(key) {
                return Ok(());
            }
            self.map.serialize_entry(
                &Str(format_args!("{USER_KEY_PREFIX}{key}")),
                &JsonValue(&value),
            )
        } else {
            self.map.serialize_entry(key, &JsonValue(&value))
        };
        if let Err(error) = result {
            self.error = Some(error);
        }
        Ok(())
    }
}

/// A key-value's value as the closest JSON type: booleans and numbers stay typed, everything
/// else becomes a string.
struct JsonValue<'a, 'v>(&'a Value<'v>);

impl Serialize for JsonValue<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value = self.0;
        if let Some(text) = value.to_borrowed_str() {
            serializer.serialize_str(text)
        } else if let Some(b) = value.to_bool() {
            serializer.serialize_bool(b)
        } else if let Some(i) = value.to_i64() {
            serializer.serialize_i64(i)
        } else if let Some(u) = value.to_u64() {
            serializer.serialize_u64(u)
        } else if let Some(f) = value.to_f64().filter(|f| f.is_finite()) {
            serializer.serialize_f64(f)
        } else {
            serializer.collect_str(value)
        }
    }
}

/// Issue 21: the load balancer's span-id (16 hex) when the current trace was continued from
/// `X-Cloud-Trace-Context`, so that Cloud Logging joins the line to the load balancer's span
/// (which Cloud Trace has) rather than to one of ours (which it may not have).
fn load_balancer_span() -> Option<String> {
    use crate::header::{CLOUD_TRACE_SPAN_FIELD, Format};
    crate::context::with_current(|ctx| {
        ctx.filter(|ctx| ctx.origin() == Some(Format::CloudTrace))
            .and_then(|ctx| ctx.fields().get(CLOUD_TRACE_SPAN_FIELD))
            .map(str::to_owned)
    })
}
