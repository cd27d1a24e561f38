//! The text format: `TIMESTAMP [trace_id] [span_id] LEVEL target: message key=value ...`.
//!
//! Every column is escaped so that a line is one line and parses back unambiguously (see the
//! [module docs](crate::log#escaping)): the ids come from the context (hex), the level is a
//! word, and the target, message, keys and values are written bare only when they cannot be
//! mistaken for anything else, quoted with Rust escapes otherwise.

use core::cell::Cell;
use core::fmt::{self, Write as _};
use std::io::{self, Write};

use ::log::Record;
use ::log::kv::{self, Key, Value, VisitSource};

use super::escape::needs_escape;
use super::reserved;
use super::stamp::Columns;

/// Writes one record as a text line, ids first, `-` for a missing one.
pub(super) fn format(
    out: &mut impl Write,
    record: &Record<'_>,
    timestamp: Option<impl fmt::Display>,
) -> io::Result<()> {
    if let Some(timestamp) = timestamp {
        write!(out, "{timestamp} ")?;
    }
    // The id columns come from the context, never from a key-value (which anyone can set).
    let columns = Columns::current(false);
    let ids = columns.ids;
    let mut hex = [0; 32];
    let mut span_hex = [0; 16];
    let trace_id = ids.map(|ids| ids.trace_id);
    let span_id = ids.and_then(|ids| ids.span_id);
    out.write_all(b"[")?;
    out.write_all(
        trace_id
            .map_or("-", |id| id.encode_hex(&mut hex))
            .as_bytes(),
    )?;
    out.write_all(b"] [")?;
    out.write_all(
        span_id
            .map_or("-", |id| id.encode_hex(&mut span_hex))
            .as_bytes(),
    )?;
    write!(out, "] {} ", record.level())?;
    write_atom(out, record.target())?;
    out.write_all(b": ")?;
    write_message(out, *record.args())?;
    let mut rest = Rest {
        out,
        stamped: columns.stamped,
        error: None,
    };
    // `Rest` never fails the visit; a write error is kept and returned below.
    let _ = record.key_values().visit(&mut rest);
    if let Some(error) = rest.error {
        return Err(error);
    }
    out.write_all(b"\n")
}

/// Writes the key-values as ` key=value`, except the ids stamped from the context (the columns
/// already show them); any other key with a reserved name is a user's and gets the prefix.
struct Rest<'a, W> {
    out: &'a mut W,
    /// Whether the record's context keys are `TracedLogger`'s stamp.
    stamped: bool,
    error: Option<io::Error>,
}

impl<'kvs, W: Write> VisitSource<'kvs> for Rest<'_, W> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), kv::Error> {
        if self.error.is_some() {
            return Ok(());
        }
        let key = key.as_str();
        let result = match reserved::renamed_context_key(key) {
            Some(renamed) => {
                if self.stamped {
                    return Ok(());
                }
                write_pair(self.out, renamed, &value)
            }
            None => write_pair(self.out, key, &value),
        };
        if let Err(error) = result {
            self.error = Some(error);
        }
        Ok(())
    }
}

fn write_pair(out: &mut impl Write, key: &str, value: &Value<'_>) -> io::Result<()> {
    out.write_all(b" ")?;
    write_atom(out, key)?;
    out.write_all(b"=")?;
    if let Some(text) = value.to_borrowed_str() {
        return write_atom(out, text);
    }
    // Numbers and booleans never need quoting.
    if let Some(b) = value.to_bool() {
        return write!(out, "{b}");
    }
    if let Some(i) = value.to_i64() {
        return write!(out, "{i}");
    }
    if let Some(u) = value.to_u64() {
        return write!(out, "{u}");
    }
    if let Some(f) = value.to_f64() {
        return write!(out, "{f}");
    }
    with_scratch(|text| {
        // Formatting into a `String` only fails when the value's `Display` does.
        let _ = write!(text, "{value}");
        write_atom(out, text)
    })
}

/// Writes `text` bare when it is a plain token, quoted and escaped when it is empty or holds
/// whitespace, quotes, `=`, `\` or a character that may not appear raw.
fn write_atom(out: &mut impl Write, text: &str) -> io::Result<()> {
    let plain = !text.is_empty()
        && if text.is_ascii() {
            // The usual token (a module path, a key, a number): a byte scan.
            text.bytes()
                .all(|b| matches!(b, b'!'..=b'~') && !matches!(b, b'"' | b'=' | b'\\'))
        } else {
            !text
                .chars()
                .any(|c| c.is_whitespace() || needs_escape(c) || matches!(c, '"' | '=' | '\\'))
        };
    if plain {
        out.write_all(text.as_bytes())
    } else {
        write_quoted(out, text)
    }
}

/// Writes the message bare when it holds no `"`, `=`, `\`, whitespace other than the space, or a
/// character that may not appear raw; quoted and escaped otherwise, so that it cannot pass for
/// key-values or a second line.
fn write_message(out: &mut impl Write, args: fmt::Arguments<'_>) -> io::Result<()> {
    match args.as_str() {
        Some(text) => write_message_str(out, text),
        None => with_scratch(|text| {
            // A `Display` that fails leaves what it wrote so far, as `format!` would panic on.
            let _ = text.write_fmt(args);
            write_message_str(out, text)
        }),
    }
}

fn write_message_str(out: &mut impl Write, text: &str) -> io::Result<()> {
    let plain = if text.is_ascii() {
        // The usual message: a byte scan.
        text.bytes()
            .all(|b| matches!(b, b' '..=b'~') && !matches!(b, b'"' | b'=' | b'\\'))
    } else {
        !text.chars().any(|c| {
            (c.is_whitespace() && c != ' ') || needs_escape(c) || matches!(c, '"' | '=' | '\\')
        })
    };
    if plain {
        out.write_all(text.as_bytes())
    } else {
        write_quoted(out, text)
    }
}

/// Writes `"text"` with `"` and `\` escaped and every character that may not appear raw as a
/// Rust escape (`\n`, `\r`, `\t`, `\0`, `\u{1b}`); the result is a Rust string literal.
fn write_quoted(out: &mut impl Write, text: &str) -> io::Result<()> {
    out.write_all(b"\"")?;
    let mut start = 0;
    for (index, c) in text.char_indices() {
        let escape: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '\0' => Some("\\0"),
            _ if needs_escape(c) => None,
            _ => continue,
        };
        out.write_all(&text.as_bytes()[start..index])?;
        match escape {
            Some(escape) => out.write_all(escape.as_bytes())?,
            None => write!(out, "\\u{{{:x}}}", u32::from(c))?,
        }
        start = index + c.len_utf8();
    }
    out.write_all(&text.as_bytes()[start..])?;
    out.write_all(b"\"")
}

/// Runs `f` with an empty scratch string, reused across lines on this thread (a fresh one when
/// a value's `Display` logs and so re-enters the format while the scratch is out).
fn with_scratch<R>(f: impl FnOnce(&mut String) -> R) -> R {
    thread_local! {
        static SCRATCH: Cell<String> = const { Cell::new(String::new()) };
    }
    let mut text = SCRATCH.try_with(Cell::take).unwrap_or_default();
    text.clear();
    let result = f(&mut text);
    // Keep a long message's buffer from pinning memory for the thread's life.
    if text.capacity() <= 64 * 1024 {
        let _ = SCRATCH.try_with(|scratch| scratch.set(text));
    }
    result
}
