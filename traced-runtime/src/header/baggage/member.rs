//! The list-member grammar of [W3C Baggage](https://www.w3.org/TR/baggage/#header-content):
//! `key OWS "=" OWS value *( OWS ";" OWS property )`, keys as RFC 7230 tokens, values as
//! `baggage-octet`s.

use super::entry::BaggageEntry;
use super::error::ParseBaggageError;
use crate::header::grammar::trim_ows;
use crate::header::percent;

/// Parses one list-member; `Ok(None)` for an empty (all-whitespace) one. Errors carry
/// `member: 0`, to be fixed up by the caller.
pub(super) fn parse_member(text: &[u8]) -> Result<Option<BaggageEntry>, ParseBaggageError> {
    let text = trim_ows(text);
    if text.is_empty() {
        return Ok(None);
    }
    let mut parts = text.split(|&b| b == b';');
    let pair = parts.next().unwrap_or_default();
    let Some(eq) = pair.iter().position(|&b| b == b'=') else {
        return Err(ParseBaggageError::InvalidKey { member: 0 });
    };
    let key = trim_ows(&pair[..eq]);
    let value = trim_ows(&pair[eq + 1..]);
    if !valid_key(key) {
        return Err(ParseBaggageError::InvalidKey { member: 0 });
    }
    if !value.iter().all(|&b| is_octet(b)) {
        return Err(ParseBaggageError::InvalidValue { member: 0 });
    }
    let properties =
        normalize_properties(parts).ok_or(ParseBaggageError::InvalidProperty { member: 0 })?;
    // Tokens, octets and OWS are ASCII.
    Ok(Some(BaggageEntry::received(
        &String::from_utf8_lossy(key),
        percent::decode(value),
        properties,
        &String::from_utf8_lossy(text),
    )))
}

/// Validates properties (`key` or `key OWS = OWS value`), trims them and joins them with `;`.
pub(super) fn normalize_properties<'a>(parts: impl Iterator<Item = &'a [u8]>) -> Option<String> {
    let mut out = String::new();
    for prop in parts {
        let prop = trim_ows(prop);
        let (key, value) = match prop.iter().position(|&b| b == b'=') {
            Some(eq) => (trim_ows(&prop[..eq]), Some(trim_ows(&prop[eq + 1..]))),
            None => (prop, None),
        };
        if !valid_key(key) || !value.unwrap_or_default().iter().all(|&b| is_octet(b)) {
            return None;
        }
        if !out.is_empty() {
            out.push(';');
        }
        out.push_str(&String::from_utf8_lossy(key));
        if let Some(value) = value {
            out.push('=');
            out.push_str(&String::from_utf8_lossy(value));
        }
    }
    Some(out)
}

/// RFC 7230 `token`: one or more `tchar`.
pub(super) fn valid_key(s: &[u8]) -> bool {
    !s.is_empty()
        && s.iter().all(|&b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// `baggage-octet`: printable ASCII except `"`, `,`, `;` and `\`.
#[inline]
fn is_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e)
}
