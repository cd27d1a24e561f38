//! Which characters may never reach a log line raw, and how a text column is written so that it
//! reads back unambiguously: shared by traced's text and JSON formats and the tracing-subscriber
//! stamp (see [Escaping](crate::log#escaping)).

use core::fmt::{self, Write};

/// Whether `c` is escaped wherever it appears in a line: every control character (C0, DEL, C1:
/// CR, LF, ESC, NUL, NEL ...), the Unicode line and paragraph separators (U+2028, U+2029, which
/// some readers split lines on) and the bidirectional-text controls (U+061C, U+200E, U+200F,
/// U+202A..U+202E, U+2066..U+2069), which make a terminal show a line in another order than it
/// is stored.
#[inline]
pub(crate) fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Whether `text` is written bare as a target, key or value: not empty, and no whitespace, `"`,
/// `=`, `\` or character that may not appear raw.
#[inline]
pub(crate) fn is_plain_atom(text: &str) -> bool {
    !text.is_empty()
        && if text.is_ascii() {
            // The usual token (a module path, a key, a number): a byte scan.
            text.bytes()
                .all(|b| matches!(b, b'!'..=b'~') && !matches!(b, b'"' | b'=' | b'\\'))
        } else {
            !text
                .chars()
                .any(|c| c.is_whitespace() || needs_escape(c) || matches!(c, '"' | '=' | '\\'))
        }
}

/// Whether `text` is written bare as a message: no `"`, `=`, `\`, whitespace other than the
/// space, or character that may not appear raw (so it cannot pass for key-values or a second
/// line).
#[inline]
pub(crate) fn is_plain_message(text: &str) -> bool {
    if text.is_ascii() {
        // The usual message: a byte scan.
        text.bytes()
            .all(|b| matches!(b, b' '..=b'~') && !matches!(b, b'"' | b'=' | b'\\'))
    } else {
        !text.chars().any(|c| {
            (c.is_whitespace() && c != ' ') || needs_escape(c) || matches!(c, '"' | '=' | '\\')
        })
    }
}

/// Writes `text` bare when [`is_plain_atom`], quoted otherwise.
#[inline]
pub(crate) fn write_atom(out: &mut impl Write, text: &str) -> fmt::Result {
    if is_plain_atom(text) {
        out.write_str(text)
    } else {
        write_quoted(out, text)
    }
}

/// Writes `"text"` with `"` and `\` escaped and every character that may not appear raw as a
/// Rust escape (`\n`, `\r`, `\t`, `\0`, `\u{1b}`); the result is a Rust string literal.
pub(crate) fn write_quoted(out: &mut impl Write, text: &str) -> fmt::Result {
    out.write_char('"')?;
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
        out.write_str(&text[start..index])?;
        match escape {
            Some(escape) => out.write_str(escape)?,
            None => write!(out, "\\u{{{:x}}}", u32::from(c))?,
        }
        start = index + c.len_utf8();
    }
    out.write_str(&text[start..])?;
    out.write_char('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_escapes_and_bidi_controls_need_escaping() {
        for c in [
            '\n', '\r', '\u{1b}', '\0', '\u{7f}', '\u{85}', '\u{2028}', '\u{2029}', '\u{202e}',
            '\u{2066}',
        ] {
            assert!(needs_escape(c), "{c:?}");
        }
        for c in ['a', ' ', '"', 'é', '→', '\u{a0}'] {
            assert!(!needs_escape(c), "{c:?}");
        }
    }
}
