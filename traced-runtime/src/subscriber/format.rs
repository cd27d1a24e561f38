//! A `tracing_subscriber::fmt` event format that adds the current trace context to every line a
//! `tracing-subscriber` output writes.

use core::fmt;

use ::tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::{self, Format, Full, Json, Writer};
use tracing_subscriber::fmt::time::SystemTime;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use serde::de::{Deserializer as _, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::context::{TraceContext, with_current};
use crate::output::escape::write_atom;
use crate::output::installed;
use crate::output::keys::{PARENT_SPAN_ID_KEY, Reserved, SPAN_ID_KEY, TRACE_ID_KEY, WrittenKeys};

/// Wraps a `tracing_subscriber::fmt` event format (`F`) and adds the current trace context to
/// each line it writes: `trace_id` (32 lowercase hex characters), `span_id` (16),
/// `parent_span_id` (16, when present) and the context's user fields
/// ([`field_scope`](crate::field_scope), `#[traced(fields(..))]`).
///
/// - Text ([`text`](super::text)): appended to the line as ` trace_id=… span_id=…
///   parent_span_id=… key=value`, with `-` for an id that is not set (no context current, or
///   a trace without a span).
/// - JSON ([`json`](super::json)): top-level keys `"trace_id"`, `"span_id"`,
///   `"parent_span_id"` and one per user field, all strings, each only when present.
///
/// User keys follow traced's one rule ([Reserved keys](crate::logger#reserved-keys)): a field named
/// like a key the line already has from traced or tracing-subscriber (`trace_id`, `level`,
/// `fields`, ...) is written as `user.NAME`, and a name already on the line as `NAME#2`; in
/// JSON, a top-level key of the inner line named like a context key (an event field of
/// `flatten_event(true)`) is renamed the same way, so no JSON object gets a key twice.
///
/// Every event gets them, including `log` records that tracing-log's `LogTracer` turns into
/// events (tracing-subscriber's `init()` installs it), so the lines of `#[traced]` functions
/// and of `log::info!` carry the ids too.
///
/// The inner format writes into a buffer first, so it writes no ANSI colours unless it is told
/// to itself ([`with_ansi`](TracedFormat::with_ansi) for [`text`](super::text)): whatever
/// `fmt().with_ansi(..)` says, tracing-subscriber offers no way to lend a buffer its colour
/// setting. So a line written to a file or a pipe carries no escape codes by default.
#[derive(Clone, Debug)]
pub struct TracedFormat<F> {
    inner: F,
    json: bool,
}

impl<F> TracedFormat<F> {
    /// Stamps the lines of `inner`, a text format, with ` key=value` pairs at their end.
    ///
    /// From then on traced's own lines reach `tracing` as events with their key-values as fields
    /// (see [`subscriber`](super#traceds-own-lines)).
    #[must_use]
    pub fn text_with(inner: F) -> Self {
        installed::set_subscriber();
        Self { inner, json: false }
    }

    /// Stamps the lines of `inner`, a format writing one JSON object per line (such as
    /// `format().json().flatten_event(true)`), with top-level keys.
    ///
    /// From then on traced's own lines reach `tracing` as events with their key-values as fields
    /// (see [`subscriber`](super#traceds-own-lines)).
    #[must_use]
    pub fn json_with(inner: F) -> Self {
        installed::set_subscriber();
        Self { inner, json: true }
    }
}

impl<T> TracedFormat<Format<Full, T>> {
    /// Colours the line as tracing-subscriber's text format does on a terminal (level in colour,
    /// target dimmed, field names in italics) when `ansi` is `true`; the default is `false`.
    /// The ids traced appends stay plain. Colours need tracing-subscriber's `ansi` feature, which
    /// the `tracing` feature turns on.
    ///
    /// Ask for colours only when the output is a terminal, or files and pipes get escape codes:
    ///
    /// ```no_run
    /// use std::io::IsTerminal as _;
    ///
    /// let ansi = std::io::stdout().is_terminal();
    /// tracing_subscriber::fmt()
    ///     .with_ansi(ansi)
    ///     .event_format(traced_runtime::subscriber::text().with_ansi(ansi))
    ///     .init();
    /// ```
    #[must_use]
    pub fn with_ansi(self, ansi: bool) -> Self {
        Self {
            inner: self.inner.with_ansi(ansi),
            json: self.json,
        }
    }
}

/// tracing-subscriber's default text format, stamped with the trace context.
///
/// ```no_run
/// tracing_subscriber::fmt()
///     .event_format(traced_runtime::subscriber::text())
///     .init();
/// ```
#[must_use]
pub fn text() -> TracedFormat<Format<Full, SystemTime>> {
    TracedFormat::text_with(format())
}

/// tracing-subscriber's JSON format, stamped with the trace context. Use it after `.json()`,
/// which sets the JSON field formatter the format expects for span fields.
///
/// ```no_run
/// tracing_subscriber::fmt()
///     .json()
///     .event_format(traced_runtime::subscriber::json())
///     .init();
/// ```
#[must_use]
pub fn json() -> TracedFormat<Format<Json, SystemTime>> {
    TracedFormat::json_with(format().json())
}

fn format() -> Format<Full, SystemTime> {
    format::format()
}

impl<S, N, F> FormatEvent<S, N> for TracedFormat<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut line = String::with_capacity(256);
        self.inner
            .format_event(ctx, Writer::new(&mut line), event)?;
        let body = line.trim_end_matches(['\n', '\r']);
        let newline = &line[body.len()..];
        let remembered = match ctx.event_scope() {
            Some(scope) if !crate::context::with_current_trace(|current| current.is_some()) => {
                super::span_context::of_scope(scope)
            }
            _ => None,
        };
        with_current(|current| {
            let current = current.or(remembered.as_ref());
            if self.json {
                match body.strip_suffix('}') {
                    Some(open) => write_json(&mut writer, body, open, current)?,
                    // Not an object: the line as the inner format wrote it.
                    None => writer.write_str(body)?,
                }
            } else {
                writer.write_str(body)?;
                write_text(&mut writer, current)?;
            }
            writer.write_str(if newline.is_empty() { "\n" } else { newline })
        })
    }
}

/// ` trace_id=… span_id=… [parent_span_id=…] key=value…`.
fn write_text(out: &mut Writer<'_>, current: Option<&TraceContext>) -> fmt::Result {
    let Some(ctx) = current else {
        return write!(out, " {TRACE_ID_KEY}=- {SPAN_ID_KEY}=-");
    };
    write!(out, " {TRACE_ID_KEY}={}", ctx.trace_id())?;
    match ctx.span_id() {
        Some(span_id) => write!(out, " {SPAN_ID_KEY}={span_id}")?,
        None => write!(out, " {SPAN_ID_KEY}=-")?,
    }
    if let Some(parent) = ctx.parent_span_id() {
        write!(out, " {PARENT_SPAN_ID_KEY}={parent}")?;
    }
    let mut keys = WrittenKeys::default();
    for (key, value) in ctx.fields().iter() {
        out.write_char(' ')?;
        write_atom(out, keys.name(key, Reserved::Text))?;
        out.write_char('=')?;
        write_atom(out, value)?;
    }
    Ok(())
}

/// The inner JSON line with the context's keys (when one is current) added before its closing
/// `}`: `open` is `body` without it. When a top-level key of the inner line is named like a
/// context key or is repeated, the line is rewritten member by member with the rule's names.
fn write_json(
    out: &mut Writer<'_>,
    body: &str,
    open: &str,
    current: Option<&TraceContext>,
) -> fmt::Result {
    let mut keys = WrittenKeys::default();
    let mut first = open.trim_end().ends_with('{');
    match serde_json::Deserializer::from_str(body).deserialize_map(Members) {
        Ok(members) => {
            let mut renamed = false;
            for (key, _) in &members {
                renamed |= keys.name(key, Reserved::Text) != key.as_str();
            }
            if renamed {
                keys.clear();
                out.write_char('{')?;
                first = true;
                for (key, value) in &members {
                    if !core::mem::take(&mut first) {
                        out.write_char(',')?;
                    }
                    write!(
                        out,
                        "{}:{}",
                        JsonStr(keys.name(key, Reserved::Text)),
                        value.get()
                    )?;
                }
            } else {
                out.write_str(open)?;
            }
        }
        // Not an object tracing-subscriber would write: add the keys after its text as is.
        Err(_) => out.write_str(open)?,
    }
    let Some(ctx) = current else {
        return out.write_char('}');
    };
    let mut pair = |out: &mut Writer<'_>, key: &str, value: &dyn fmt::Display| {
        if !core::mem::take(&mut first) {
            out.write_char(',')?;
        }
        write!(out, "{}:{}", JsonStr(key), JsonStr(value))
    };
    pair(out, TRACE_ID_KEY, &ctx.trace_id())?;
    if let Some(span_id) = ctx.span_id() {
        pair(out, SPAN_ID_KEY, &span_id)?;
    }
    if let Some(parent) = ctx.parent_span_id() {
        pair(out, PARENT_SPAN_ID_KEY, &parent)?;
    }
    for (key, value) in ctx.fields().iter() {
        pair(out, keys.name(key, Reserved::TracingJson), &value)?;
    }
    out.write_char('}')
}

/// A JSON object's top-level members in order, repeated keys kept, values as written.
struct Members;

impl<'de> Visitor<'de> for Members {
    type Value = Vec<(String, &'de RawValue)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::new();
        while let Some(member) = map.next_entry()? {
            members.push(member);
        }
        Ok(members)
    }
}

/// A `Display` value as a JSON string (quoted, escaped by serde_json).
struct JsonStr<T>(T);

impl<T: fmt::Display> fmt::Display for JsonStr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.to_string();
        let quoted = serde_json::to_string(&text).map_err(|_| fmt::Error)?;
        f.write_str(&quoted)
    }
}
