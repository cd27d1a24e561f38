//! The `baggage` header: application key/value pairs propagated with a request.
//!
//! Implements W3C Baggage, ["Header Content"](https://www.w3.org/TR/baggage/#header-content):
//!
//! ```text
//! baggage-string = list-member 0*179( OWS "," OWS list-member )
//! list-member    = key OWS "=" OWS value *( OWS ";" OWS property )
//! property       = key OWS "=" OWS value / key OWS
//! key            = token                       ; RFC 7230 §3.2.6
//! value          = *baggage-octet              ; percent-encoded UTF-8
//! baggage-octet  = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
//! ```
//!
//! The decoding, forwarding, encoding and limit rules are documented on [`Baggage`].
//!
//! One idea per file: this one holds the list and keeps it within the limits of `limits`, `entry` the list-member value
//! and its encoder, `member` the list-member grammar, `error` the error; the percent codec of
//! values is the header layer's (`header/percent.rs`).

mod entry;
mod error;
mod limits;
mod member;

use core::fmt;
use core::str::FromStr;
use std::sync::Arc;

pub use entry::BaggageEntry;
pub use error::ParseBaggageError;
pub use limits::{MAX_BYTES, MAX_MEMBERS};
use member::{normalize_properties, parse_member, valid_key};

use super::grammar::trim_ows;

/// Name of the [baggage header](https://www.w3.org/TR/baggage/#header-name).
pub const BAGGAGE_HEADER: &str = "baggage";

/// W3C baggage: an ordered list of key/value entries that travels with a trace.
///
/// - Values are percent-decoded when parsed; octet sequences that are not UTF-8 become
///   U+FFFD ([value](https://www.w3.org/TR/baggage/#value)).
/// - A list-member the service did not set or change is forwarded byte-exact, as received
///   (trimmed of the whitespace around it): `plus=a%2Bb` leaves as `plus=a%2Bb`, never
///   decoded and re-encoded.
/// - A member that is set or changed ([`Baggage::try_with`]) is written with every byte of its
///   value percent-encoded (`%XX`, uppercase hex) except the RFC 3986 unreserved characters
///   `A-Z a-z 0-9 - . _ ~`. So `+` (a space to decoders built on `unquote_plus`, such as
///   OpenTelemetry Python's), `%`, `,`, `;`, `=`, `/`, space and non-ASCII are all escaped, and
///   the OpenTelemetry propagators of Python, Java, Go and JavaScript all decode the value
///   back unchanged.
/// - Properties are opaque to the specification: they are validated and carried as text, never
///   decoded.
/// - [Limits](https://www.w3.org/TR/baggage/#limits): at most [`MAX_MEMBERS`] (64) list-members
///   and [`MAX_BYTES`] (8192) bytes of header value are propagated. Members past the limits are
///   dropped whole, never truncated (a platform "MUST NOT propagate any partial list-members").
///   Every `Baggage` value holds within these limits, so every outgoing path (HTTP headers,
///   job payloads) is bounded by them.
/// - A malformed list-member is removed, the others are kept
///   ([§4](https://www.w3.org/TR/baggage/#mutating-baggage): a system "MAY remove that entry").
///   [`FromStr`] is the strict alternative that rejects the whole value instead; it stops at
///   the first member past a limit, without reading the rest.
///
/// Shared behind an `Arc`: cloning is a reference-count increment, and the empty baggage is a
/// null pointer, so contexts without baggage allocate nothing. Keys may repeat when received
/// that way (the specification allows it); [`get`](Self::get) returns the first.
///
/// ```
/// use traced_runtime::propagation::Baggage;
///
/// let b = Baggage::parse_joined([b"userId=alice, serverNode=DF%2028;region=eu".as_slice()]);
/// assert_eq!(b.get("serverNode"), Some("DF 28"));
/// assert_eq!(b.to_string(), "userId=alice,serverNode=DF%2028;region=eu");
///
/// let b = Baggage::EMPTY.try_with("tenant", "acme corp")?;
/// assert_eq!(b.to_string(), "tenant=acme%20corp");
/// # Ok::<(), traced_runtime::propagation::ParseBaggageError>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Baggage(Option<Arc<Vec<BaggageEntry>>>);

impl Baggage {
    /// No entries (no allocation).
    pub const EMPTY: Self = Self(None);

    /// Parses the values of every `baggage` header of a request, in order, as one list.
    ///
    /// Lossy, as the specification allows: malformed list-members (and empty ones) are
    /// removed, and members past [`MAX_MEMBERS`] or that would take the header past
    /// [`MAX_BYTES`] are dropped whole. Never fails, never panics.
    #[must_use]
    pub fn parse_joined<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut entries = Vec::new();
        let mut bytes = 0;
        'values: for value in values {
            for member in value.split(|&b| b == b',') {
                let comma = usize::from(!entries.is_empty());
                // The shortest member, `k=`, no longer fits: nothing more can be kept.
                if entries.len() == MAX_MEMBERS || bytes + comma + 2 > MAX_BYTES {
                    break 'values;
                }
                // A member is sent as received, so its length is known before parsing it: one
                // that does not fit is skipped without being decoded.
                let member = trim_ows(member);
                if bytes + comma + member.len() > MAX_BYTES {
                    continue;
                }
                let Ok(Some(entry)) = parse_member(member) else {
                    continue;
                };
                bytes += comma + entry.encoded_len();
                entries.push(entry);
            }
        }
        Self::from_vec(entries)
    }

    fn from_vec(entries: Vec<BaggageEntry>) -> Self {
        if entries.is_empty() {
            Self::EMPTY
        } else {
            Self(Some(Arc::new(entries)))
        }
    }

    fn entries(&self) -> &[BaggageEntry] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }

    /// Whether there are no entries.
    #[inline]
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Number of entries (at most [`MAX_MEMBERS`]).
    #[inline]
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// The (decoded) value of the first entry named `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.get_entry(key).map(BaggageEntry::value)
    }

    /// The first entry named `key`, with its properties.
    #[must_use]
    pub fn get_entry(&self, key: &str) -> Option<&BaggageEntry> {
        self.entries().iter().find(|e| e.key() == key)
    }

    /// Iterates over the entries in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &BaggageEntry> + '_ {
        self.entries().iter()
    }

    /// Returns a copy with `key` set to `value` (no properties): every earlier entry named
    /// `key` is removed and the new one is appended.
    ///
    /// # Errors
    ///
    /// [`ParseBaggageError::InvalidKey`] when `key` is not an RFC 7230 token;
    /// [`ParseBaggageError::TooManyMembers`] or [`ParseBaggageError::TooLong`] when the result
    /// would exceed the limits.
    pub fn try_with(&self, key: &str, value: &str) -> Result<Self, ParseBaggageError> {
        self.try_with_entry(key, value, "")
    }

    /// Like [`try_with`](Self::try_with), with properties given as header text
    /// (`k1=v1;k2`, see [`BaggageEntry::raw_properties`]).
    ///
    /// # Errors
    ///
    /// As [`try_with`](Self::try_with), plus [`ParseBaggageError::InvalidProperty`].
    pub fn try_with_entry(
        &self,
        key: &str,
        value: &str,
        properties: &str,
    ) -> Result<Self, ParseBaggageError> {
        if !valid_key(key.as_bytes()) {
            return Err(ParseBaggageError::InvalidKey { member: 0 });
        }
        let properties = if properties.is_empty() {
            String::new()
        } else {
            normalize_properties(properties.as_bytes().split(|&b| b == b';'))
                .ok_or(ParseBaggageError::InvalidProperty { member: 0 })?
        };
        let mut entries: Vec<BaggageEntry> = self
            .entries()
            .iter()
            .filter(|e| e.key() != key)
            .cloned()
            .collect();
        entries.push(BaggageEntry::local(key, value, properties));
        check_limits(&entries)?;
        Ok(Self::from_vec(entries))
    }

    /// Returns a copy without any entry named `key`.
    #[must_use]
    pub fn without(&self, key: &str) -> Self {
        Self::from_vec(
            self.entries()
                .iter()
                .filter(|e| e.key() != key)
                .cloned()
                .collect(),
        )
    }

    /// The header value to send (`k=v,k=v;prop`), or `None` when empty: at most
    /// [`MAX_MEMBERS`] members and [`MAX_BYTES`] bytes. Members that came from a header and
    /// were not changed are written byte-exact as received; the others percent-encoded as
    /// the [`Baggage`] docs say.
    #[must_use]
    pub fn to_header(&self) -> Option<String> {
        let entries = self.0.as_deref()?;
        let mut out = String::with_capacity(entries.iter().map(|e| e.encoded_len() + 1).sum());
        for (i, e) in entries.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            e.write(&mut out);
        }
        Some(out)
    }
}

impl fmt::Display for Baggage {
    /// Writes the header value (nothing when empty).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.to_header().as_deref().unwrap_or_default())
    }
}

impl fmt::Debug for Baggage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl FromStr for Baggage {
    type Err = ParseBaggageError;

    /// Strict parse of one header value: every list-member must be well-formed and the limits
    /// must hold. An empty (or all-whitespace) value is the empty baggage.
    ///
    /// Members are read left to right and reading stops at the first error, so a value past
    /// the limits costs at most [`MAX_MEMBERS`] members or [`MAX_BYTES`] bytes of work and
    /// memory, however long it is.
    ///
    /// # Errors
    ///
    /// The first [`ParseBaggageError`] found: [`ParseBaggageError::TooManyMembers`] at the
    /// 65th member, [`ParseBaggageError::TooLong`] at the first member that takes the value
    /// past [`MAX_BYTES`] (members after it are not read). Never panics.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if trim_ows(s.as_bytes()).is_empty() {
            return Ok(Self::EMPTY);
        }
        let mut entries = Vec::new();
        let mut bytes = 0;
        for (member, text) in s.as_bytes().split(|&b| b == b',').enumerate() {
            let text = trim_ows(text);
            if text.is_empty() {
                return Err(ParseBaggageError::EmptyMember { member });
            }
            if entries.len() == MAX_MEMBERS {
                return Err(ParseBaggageError::TooManyMembers);
            }
            // Sent as received: its length is known before it is decoded.
            bytes += usize::from(member > 0) + text.len();
            if bytes > MAX_BYTES {
                return Err(ParseBaggageError::TooLong { bytes });
            }
            match parse_member(text) {
                Ok(Some(entry)) => entries.push(entry),
                Ok(None) => return Err(ParseBaggageError::EmptyMember { member }),
                Err(e) => return Err(e.at(member)),
            }
        }
        Ok(Self::from_vec(entries))
    }
}

fn check_limits(entries: &[BaggageEntry]) -> Result<(), ParseBaggageError> {
    if entries.len() > MAX_MEMBERS {
        return Err(ParseBaggageError::TooManyMembers);
    }
    let bytes = entries.iter().map(BaggageEntry::encoded_len).sum::<usize>()
        + entries.len().saturating_sub(1);
    if bytes > MAX_BYTES {
        return Err(ParseBaggageError::TooLong { bytes });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thin_pointer_and_no_allocation_when_empty() {
        assert_eq!(size_of::<Baggage>(), size_of::<usize>());
        assert!(Baggage::default().0.is_none());
        assert!(Baggage::parse_joined([b" , ".as_slice()]).0.is_none());
    }

    #[test]
    fn percent_round_trip() {
        let b = Baggage::EMPTY.try_with("k", "100% \"é\"").unwrap();
        assert_eq!(b.to_string(), "k=100%25%20%22%C3%A9%22");
        let back = Baggage::parse_joined([b.to_string().as_bytes()]);
        assert_eq!(back, b);
    }
}
