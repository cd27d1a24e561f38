//! The JSON-lines format: one object per record, ids and user fields as top-level keys.

use core::fmt;
use std::io::{self, Write};

use ::log::kv::{self, Key, Value, VisitSource};
use ::log::{Level, Record};
use serde::ser::{Serialize, SerializeMap, Serializer};

use super::{SPAN_ID_KEY, TRACE_ID_KEY};
use crate::context::with_current_trace;

/// Keys this format writes itself; a key-value with one of these names is written as `kv.NAME`
/// so that it can neither be lost nor overwrite them.
const RESERVED: [&str; 7] = [
    "timestamp",
    "severity",
    "target",
    "message",
    GCP_TRACE,
    GCP_SPAN_ID,
    GCP_SAMPLED,
];
const GCP_TRACE: &str = "logging.googleapis.com/trace";
const GCP_SPAN_ID: &str = "logging.googleapis.com/spanId";
const GCP_SAMPLED: &str = "logging.googleapis.com/trace_sampled";

/// Writes one record as a JSON object and a newline.
pub(super) fn format(
    out: &mut impl Write,
    record: &Record<'_>,
    timestamp: impl fmt::Display,
    gcp_project: Option<&str>,
) -> io::Result<()> {
    let line = Line {
        record,
        timestamp,
        gcp_project,
    };
    serde_json::to_writer(&mut *out, &line).map_err(io::Error::from)?;
    out.write_all(b"\n")
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
    timestamp: T,
    gcp_project: Option<&'a str>,
}

impl<T: fmt::Display> Serialize for Line<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let record = self.record;
        let kvs = record.key_values();
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("timestamp", &Str(&self.timestamp))?;
        map.serialize_entry("severity", severity(record.level()))?;
        map.serialize_entry("target", record.target())?;
        map.serialize_entry("message", &Str(record.args()))?;
        if let Some(project) = self.gcp_project {
            if let Some(trace_id) = kvs.get(Key::from_str(TRACE_ID_KEY)) {
                map.serialize_entry(
                    GCP_TRACE,
                    &Str(format_args!("projects/{project}/traces/{trace_id}")),
                )?;
                let sampled =
                    with_current_trace(|trace| trace.is_some_and(|(_, flags)| flags.is_sampled()));
                map.serialize_entry(GCP_SAMPLED, &sampled)?;
            }
            if let Some(span_id) = kvs.get(Key::from_str(SPAN_ID_KEY)) {
                map.serialize_entry(GCP_SPAN_ID, &Str(&span_id))?;
            }
        }
        let mut pairs = Pairs {
            map: &mut map,
            error: None,
        };
        // `Pairs` never fails the visit; a serializer error is kept and returned below.
        let _ = kvs.visit(&mut pairs);
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

struct Pairs<'a, M: SerializeMap> {
    map: &'a mut M,
    error: Option<M::Error>,
}

impl<'kvs, M: SerializeMap> VisitSource<'kvs> for Pairs<'_, M> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), kv::Error> {
        if self.error.is_some() {
            return Ok(());
        }
        let key = key.as_str();
        let result = if RESERVED.contains(&key) {
            self.map
                .serialize_entry(&Str(format_args!("kv.{key}")), &JsonValue(&value))
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
