//! Which characters may never reach a log line raw, shared by the text and JSON formats.

/// Whether `c` is escaped wherever it appears in a line: every control character (C0, DEL, C1:
/// CR, LF, ESC, NUL, NEL ...), the Unicode line and paragraph separators (U+2028, U+2029, which
/// some readers split lines on) and the bidirectional-text controls (U+061C, U+200E, U+200F,
/// U+202A..U+202E, U+2066..U+2069), which make a terminal show a line in another order than it
/// is stored.
#[inline]
pub(super) fn needs_escape(c: char) -> bool {
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
