//! The text format: `[trace_id] [span_id] LEVEL target: message key=value ...`.

use core::fmt;
use std::io::{self, Write};

use ::log::Record;
use ::log::kv::{self, Key, Value, VisitSource};

use super::{PARENT_SPAN_ID_KEY, SPAN_ID_KEY, TRACE_ID_KEY};

/// Writes one record as a text line, ids first, `-` for a missing one.
pub(super) fn format(out: &mut impl Write, record: &Record<'_>) -> io::Result<()> {
    let kvs = record.key_values();
    let trace_id = kvs.get(Key::from_str(TRACE_ID_KEY));
    let span_id = kvs.get(Key::from_str(SPAN_ID_KEY));
    write!(
        out,
        "[{}] [{}] {} {}: ",
        OrDash(trace_id.as_ref()),
        OrDash(span_id.as_ref()),
        record.level(),
        record.target(),
    )?;
    let mut escaped = Escaped { out, error: None };
    if fmt::write(&mut escaped, *record.args()).is_err() {
        return Err(escaped
            .error
            .unwrap_or_else(|| io::Error::other("formatting failed")));
    }
    let mut rest = Rest { out, error: None };
    // `Rest` never fails the visit; a write error is kept and returned below.
    let _ = kvs.visit(&mut rest);
    if let Some(error) = rest.error {
        return Err(error);
    }
    out.write_all(b"\n")
}

/// A value's Display, or `-` when absent.
struct OrDash<'a, 'v>(Option<&'a Value<'v>>);

impl fmt::Display for OrDash<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(value) => fmt::Display::fmt(value, f),
            None => f.write_str("-"),
        }
    }
}

/// Writes the key-values other than the ids as ` key=value`.
struct Rest<'a, W> {
    out: &'a mut W,
    error: Option<io::Error>,
}

impl<'kvs, W: Write> VisitSource<'kvs> for Rest<'_, W> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), kv::Error> {
        if self.error.is_some()
            || matches!(
                key.as_str(),
                TRACE_ID_KEY | SPAN_ID_KEY | PARENT_SPAN_ID_KEY
            )
        {
            return Ok(());
        }
        if let Err(error) = write_pair(self.out, key.as_str(), &value) {
            self.error = Some(error);
        }
        Ok(())
    }
}

fn write_pair(out: &mut impl Write, key: &str, value: &Value<'_>) -> io::Result<()> {
    out.write_all(b" ")?;
    write_atom(out, key)?;
    out.write_all(b"=")?;
    match value.to_borrowed_str() {
        Some(text) => write_atom(out, text),
        None => {
            let mut escaped = Escaped { out, error: None };
            match fmt::write(&mut escaped, format_args!("{value}")) {
                Ok(()) => Ok(()),
                Err(_) => Err(escaped
                    .error
                    .unwrap_or_else(|| io::Error::other("formatting failed"))),
            }
        }
    }
}

/// Writes `text` bare when it is a plain token, quoted and escaped (Rust string syntax) when it is
/// empty or holds whitespace, quotes, `=`, or control characters.
fn write_atom(out: &mut impl Write, text: &str) -> io::Result<()> {
    let plain = !text.is_empty()
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '=' | '\\'));
    if plain {
        out.write_all(text.as_bytes())
    } else {
        write!(out, "{text:?}")
    }
}

/// A `fmt::Write` adapter that escapes control characters (`\n` becomes the two characters `\`
/// `n`), so a message can never start a second log line.
struct Escaped<'a, W> {
    out: &'a mut W,
    error: Option<io::Error>,
}

impl<W: Write> fmt::Write for Escaped<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // Fast path for the usual message: printable ASCII has nothing to escape.
        if s.bytes().all(|b| matches!(b, b' '..=b'~')) {
            return self.out.write_all(s.as_bytes()).map_err(|error| {
                self.error = Some(error);
                fmt::Error
            });
        }
        let mut result = Ok(());
        let mut start = 0;
        for (index, c) in s.char_indices() {
            if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
                result = result
                    .and_then(|()| self.out.write_all(&s.as_bytes()[start..index]))
                    .and_then(|()| write!(self.out, "{}", c.escape_default()));
                start = index + c.len_utf8();
            }
        }
        result = result.and_then(|()| self.out.write_all(&s.as_bytes()[start..]));
        result.map_err(|error| {
            self.error = Some(error);
            fmt::Error
        })
    }
}
