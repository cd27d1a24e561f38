//! The percent codec of baggage values ([W3C Baggage, value](https://www.w3.org/TR/baggage/#value)):
//! decoding `%XX` escapes of received values, and encoding set values with every byte but the
//! RFC 3986 unreserved characters escaped. Hex digits come from the id layer's one codec.

use crate::id::{hex_pair, hex_value_ignore_case};

/// Bytes of a set value written as themselves: RFC 3986 `unreserved`. Everything else is
/// percent-encoded, also the octets the grammar would allow (`+`, `/`, `=`, `!`, ...), because
/// some decoders read them specially (`+` is a space to `unquote_plus`).
#[inline]
fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Decodes `%XX` escapes (a `%` not followed by two hex digits stays as it is) and replaces
/// octet sequences that are not UTF-8 with U+FFFD.
pub(crate) fn decode(value: &[u8]) -> String {
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        let b = value[i];
        let escaped = match (b, value.get(i + 1..i + 3)) {
            (b'%', Some(&[hi, lo])) => hex_value_ignore_case(hi).zip(hex_value_ignore_case(lo)),
            _ => None,
        };
        match escaped {
            Some((hi, lo)) => {
                out.push((hi << 4) | lo);
                i += 3;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Bytes `value` takes once encoded by [`encode_into`].
pub(crate) fn encoded_len(value: &str) -> usize {
    value.bytes().map(|b| if is_plain(b) { 1 } else { 3 }).sum()
}

/// Appends `value` to `out` with every byte but the unreserved ones written as `%XX`
/// (uppercase hex, [RFC 3986 §2.1](https://www.rfc-editor.org/rfc/rfc3986#section-2.1)).
pub(crate) fn encode_into(value: &str, out: &mut String) {
    for b in value.bytes() {
        if is_plain(b) {
            out.push(char::from(b));
        } else {
            let [hi, lo] = hex_pair(b);
            out.push('%');
            out.push(char::from(hi.to_ascii_uppercase()));
            out.push(char::from(lo.to_ascii_uppercase()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_of_either_case_and_keeps_stray_percents() {
        assert_eq!(decode(b"a%20b%zz%2"), "a b%zz%2");
        assert_eq!(decode(b"%c3%A9"), "\u{e9}");
        assert_eq!(decode(b"%FF"), "\u{fffd}");
    }

    #[test]
    fn encodes_all_but_unreserved_and_round_trips() {
        let value = "100% \"\u{e9}\"+/~._-aZ9";
        let mut out = String::new();
        encode_into(value, &mut out);
        assert_eq!(out, "100%25%20%22%C3%A9%22%2B%2F~._-aZ9");
        assert_eq!(out.len(), encoded_len(value));
        assert_eq!(decode(out.as_bytes()), value);
    }
}
