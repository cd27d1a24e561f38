//! The text format: `TIMESTAMP [trace_id] [span_id] LEVEL target: message key=value ...`.
//!
//! Every column is escaped so that a line is one line and parses back unambiguously (see the
//! [module docs](crate::log#escaping)): the ids come from the context (hex), the level is a
//! word, and the target, message, keys and values are written bare only when they cannot be
//! mistaken for anything else, quoted with Rust escapes otherwise.

use core::fmt::{self, Write as _};

use ::log::kv::{self, Key, Value, VisitSource};
use ::log::{Level, Record};

use super::line::Line;
use super::stamp::Columns;
use crate::output::escape::{is_plain_message, write_atom, write_quoted};
use crate::output::keys::{Reserved, WrittenKeys, is_context_key};

/// The level column with its trailing space, pre-encoded.
fn level(level: Level) -> &'static str {
    match level {
        Level::Error => "ERROR ",
        Level::Warn => "WARN ",
        Level::Info => "INFO ",
        Level::Debug => "DEBUG ",
        Level::Trace => "TRACE ",
    }
}

/// Writes one record as a text line, ids first, `-` for a missing one, and a newline.
pub(super) fn format(line: &mut Line, record: &Record<'_>, timestamp: Option<&str>) {
    let Line {
        text: out,
        scratch,
        keys,
    } = line;
    if let Some(timestamp) = timestamp {
        out.push_str(timestamp);
        out.push(' ');
    }
    // The id columns come from the context, never from a key-value (which anyone can set).
    let columns = Columns::current(false);
    let ids = columns.ids;
    let mut hex = [0; 32];
    let mut span_hex = [0; 16];
    out.push('[');
    out.push_str(ids.map_or("-", |ids| ids.trace_id.encode_hex(&mut hex)));
    out.push_str("] [");
    out.push_str(
        ids.and_then(|ids| ids.span_id)
            .map_or("-", |id| id.encode_hex(&mut span_hex)),
    );
    out.push_str("] ");
    out.push_str(level(record.level()));
    // Writing to a `String` never fails.
    let _ = write_atom(out, record.target());
    out.push_str(": ");
    write_message(out, scratch, *record.args());
    let mut rest = Rest {
        out,
        scratch,
        keys,
        stamped: columns.stamped,
    };
    // `Rest` never fails the visit.
    let _ = record.key_values().visit(&mut rest);
    out.push('\n');
}

/// Writes the key-values as ` key=value`, except the ids stamped from the context (the columns
/// already show them); every other key is named by the one rule (`user.` for a reserved name,
/// `#N` for a repeat).
struct Rest<'a> {
    out: &'a mut String,
    scratch: &'a mut String,
    keys: &'a mut WrittenKeys,
    /// Whether the record's context keys are `TracedLogger`'s stamp.
    stamped: bool,
}

impl<'kvs> VisitSource<'kvs> for Rest<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), kv::Error> {
        let key = key.as_str();
        if self.stamped && is_context_key(key) {
            return Ok(());
        }
        let name = self.keys.name(key, Reserved::Text);
        self.out.push(' ');
        let _ = write_atom(self.out, name);
        self.out.push('=');
        write_value(self.out, self.scratch, &value);
        Ok(())
    }
}

fn write_value(out: &mut String, scratch: &mut String, value: &Value<'_>) {
    if let Some(text) = value.to_borrowed_str() {
        let _ = write_atom(out, text);
        return;
    }
    // Numbers and booleans never need quoting.
    if let Some(b) = value.to_bool() {
        out.push_str(if b { "true" } else { "false" });
        return;
    }
    if let Some(i) = value.to_i64() {
        let _ = write!(out, "{i}");
        return;
    }
    if let Some(u) = value.to_u64() {
        let _ = write!(out, "{u}");
        return;
    }
    if let Some(f) = value.to_f64() {
        let _ = write!(out, "{f}");
        return;
    }
    let start = scratch.len();
    // A `Display` that fails leaves what it wrote so far.
    let _ = write!(scratch, "{value}");
    let _ = write_atom(out, &scratch[start..]);
    scratch.truncate(start);
}

/// Writes the message bare when [`is_plain_message`], quoted and escaped otherwise, so that it
/// cannot pass for key-values or a second line.
fn write_message(out: &mut String, scratch: &mut String, args: fmt::Arguments<'_>) {
    let text = match args.as_str() {
        Some(text) => text,
        None => {
            scratch.clear();
            // A `Display` that fails leaves what it wrote so far, as `format!` would panic on.
            let _ = scratch.write_fmt(args);
            scratch.as_str()
        }
    };
    if is_plain_message(text) {
        out.push_str(text);
    } else {
        let _ = write_quoted(out, text);
    }
    scratch.clear();
}
