//! Jaeger baggage: one `uberctx-{key}: {value}` header per entry.
//!
//! Implements the baggage part of the Jaeger propagation format
//! ([Jaeger client libraries, "Baggage"](https://www.jaegertracing.io/docs/1.52/client-libraries/#baggage)):
//! the key is the header name after the prefix, the value is URL-encoded. Entries become W3C
//! [`Baggage`] entries, so the W3C limits bound them (64 entries, 8192 bytes; see
//! [`Baggage`]): the Jaeger format defines none of its own.

use super::baggage::Baggage;
use super::grammar::trim_ows;

/// Prefix of the baggage header names.
pub const UBERCTX_PREFIX: &str = "uberctx-";

/// Adds the entry of one `uberctx-{key}` header to `baggage`: `name` is the whole header name,
/// `value` is percent-decoded (invalid escapes are kept as they are) and trimmed.
///
/// Returns `baggage` unchanged when `name` does not start with the prefix (ASCII case
/// ignored), the key is empty or not a token, the decoded value is not UTF-8, or the limits
/// are reached. Never panics.
#[must_use]
pub(crate) fn add_uberctx(baggage: &Baggage, name: &str, value: &[u8]) -> Baggage {
    let Some(key) = name
        .get(..UBERCTX_PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(UBERCTX_PREFIX))
        .and_then(|_| name.get(UBERCTX_PREFIX.len()..))
    else {
        return baggage.clone();
    };
    let Ok(decoded) = String::from_utf8(percent_decode(trim_ows(value))) else {
        return baggage.clone();
    };
    let key = key.to_ascii_lowercase();
    baggage
        .try_with(&key, decoded.trim_matches([' ', '\t']))
        .unwrap_or_else(|_| baggage.clone())
}

/// The `uberctx-*` headers for `baggage`: `(name, value)` with the key lowercased (HTTP header
/// names are case-insensitive) and the value percent-encoded (everything but `A-Z a-z 0-9 - _
/// . ~` is escaped).
#[must_use]
pub(crate) fn uberctx_headers(baggage: &Baggage) -> Vec<(String, String)> {
    baggage
        .iter()
        .map(|entry| {
            (
                format!("{UBERCTX_PREFIX}{}", entry.key().to_ascii_lowercase()),
                percent_encode(entry.value()),
            )
        })
        .collect()
}

fn percent_decode(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        if value[i] == b'%' {
            if let (Some(h), Some(l)) = (
                value.get(i + 1).and_then(|d| (*d as char).to_digit(16)),
                value.get(i + 2).and_then(|d| (*d as char).to_digit(16)),
            ) {
                // Two hex digits: at most 0xff.
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(value[i]);
        i += 1;
    }
    out
}

fn percent_encode(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for &byte in value.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 0xf)] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let b = add_uberctx(&Baggage::EMPTY, "uberctx-Tenant", b" acme%20corp%2Fx ");
        assert_eq!(b.get("tenant"), Some("acme corp/x"));
        assert_eq!(
            uberctx_headers(&b),
            [("uberctx-tenant".to_owned(), "acme%20corp%2Fx".to_owned())]
        );
    }

    #[test]
    fn bad_entries_are_skipped() {
        assert!(add_uberctx(&Baggage::EMPTY, "uberctx-", b"v").is_empty());
        assert!(add_uberctx(&Baggage::EMPTY, "other", b"v").is_empty());
        assert!(add_uberctx(&Baggage::EMPTY, "uberctx-k", b"%ff").is_empty());
        assert_eq!(
            add_uberctx(&Baggage::EMPTY, "uberctx-k", b"%zz").get("k"),
            Some("%zz")
        );
    }
}
