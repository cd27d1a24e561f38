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

use core::fmt;
use core::str::FromStr;
use std::error::Error;
use std::sync::Arc;

use super::grammar::trim_ows;
use crate::id::{hex_pair, hex_value_ignore_case};

/// Name of the [baggage header](https://www.w3.org/TR/baggage/#header-name).
pub const BAGGAGE_HEADER: &str = "baggage";
/// Most list-members propagated ([W3C Baggage limits](https://www.w3.org/TR/baggage/#limits)).
pub const MAX_MEMBERS: usize = 64;
/// Longest header value propagated, in bytes, commas included
/// ([W3C Baggage limits](https://www.w3.org/TR/baggage/#limits)).
pub const MAX_BYTES: usize = 8192;

/// One list-member: a key, its decoded value and its (opaque) properties.
///
/// Two entries are equal when their key, decoded value and properties are: how a received
/// member was spelled (whitespace, hex case of its escapes) is not compared.
#[derive(Clone)]
pub struct BaggageEntry {
    key: Box<str>,
    value: Box<str>,
    /// Validated properties, trimmed, joined with `;`, without a leading `;`.
    properties: Box<str>,
    /// The member as received (trimmed), forwarded byte-exact; `None` when set locally.
    received: Option<Box<str>>,
}

impl PartialEq for BaggageEntry {
    fn eq(&self, other: &Self) -> bool {
        (&self.key, &self.value, &self.properties) == (&other.key, &other.value, &other.properties)
    }
}

impl Eq for BaggageEntry {}

impl core::hash::Hash for BaggageEntry {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        (&self.key, &self.value, &self.properties).hash(state);
    }
}

impl BaggageEntry {
    /// The key (an RFC 7230 token).
    #[inline]
    #[must_use]
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The value, percent-decoded.
    #[inline]
    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The properties as `(key, value)` pairs, `None` for a property without `=`.
    pub fn properties(&self) -> impl Iterator<Item = (&str, Option<&str>)> + '_ {
        self.properties
            .split(';')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (p, None),
            })
    }

    /// The properties as header text (`k1=v1;k2`), empty when there are none.
    #[inline]
    #[must_use]
    pub fn raw_properties(&self) -> &str {
        &self.properties
    }

    /// The list-member as it is sent: the received text when it came from a header and was
    /// not changed, else `key=encoded-value[;properties]`.
    #[must_use]
    pub fn to_header(&self) -> String {
        let mut out = String::with_capacity(self.encoded_len());
        self.write(&mut out);
        out
    }

    /// Bytes this member takes in the header.
    fn encoded_len(&self) -> usize {
        if let Some(received) = &self.received {
            return received.len();
        }
        let value: usize = self
            .value
            .bytes()
            .map(|b| if is_plain(b) { 1 } else { 3 })
            .sum();
        let props = if self.properties.is_empty() {
            0
        } else {
            1 + self.properties.len()
        };
        self.key.len() + 1 + value + props
    }

    fn write(&self, out: &mut String) {
        if let Some(received) = &self.received {
            out.push_str(received);
            return;
        }
        out.push_str(&self.key);
        out.push('=');
        for b in self.value.bytes() {
            if is_plain(b) {
                out.push(char::from(b));
            } else {
                // RFC 3986 §2.1: uppercase digits in percent-encodings.
                let [hi, lo] = hex_pair(b);
                out.push('%');
                out.push(char::from(hi.to_ascii_uppercase()));
                out.push(char::from(lo.to_ascii_uppercase()));
            }
        }
        if !self.properties.is_empty() {
            out.push(';');
            out.push_str(&self.properties);
        }
    }
}

impl fmt::Debug for BaggageEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("BaggageEntry");
        s.field("key", &self.key).field("value", &self.value);
        if !self.properties.is_empty() {
            s.field("properties", &self.properties);
        }
        s.finish()
    }
}

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
        self.entries().iter().find(|e| &*e.key == key)
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
        if !is_token(key.as_bytes()) {
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
            .filter(|e| &*e.key != key)
            .cloned()
            .collect();
        entries.push(BaggageEntry {
            key: key.into(),
            value: value.into(),
            properties: properties.into(),
            received: None,
        });
        check_limits(&entries)?;
        Ok(Self::from_vec(entries))
    }

    /// Returns a copy without any entry named `key`.
    #[must_use]
    pub fn without(&self, key: &str) -> Self {
        Self::from_vec(
            self.entries()
                .iter()
                .filter(|e| &*e.key != key)
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

/// Parses one list-member; `Ok(None)` for an empty (all-whitespace) one. Errors carry
/// `member: 0`, to be fixed up by the caller.
fn parse_member(text: &[u8]) -> Result<Option<BaggageEntry>, ParseBaggageError> {
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
    if !is_token(key) {
        return Err(ParseBaggageError::InvalidKey { member: 0 });
    }
    if !value.iter().all(|&b| is_octet(b)) {
        return Err(ParseBaggageError::InvalidValue { member: 0 });
    }
    let properties =
        normalize_properties(parts).ok_or(ParseBaggageError::InvalidProperty { member: 0 })?;
    Ok(Some(BaggageEntry {
        // Tokens, octets and OWS are ASCII.
        key: String::from_utf8_lossy(key).into(),
        value: percent_decode(value).into(),
        properties: properties.into(),
        received: Some(String::from_utf8_lossy(text).into()),
    }))
}

/// Validates properties (`key` or `key OWS = OWS value`), trims them and joins them with `;`.
fn normalize_properties<'a>(parts: impl Iterator<Item = &'a [u8]>) -> Option<String> {
    let mut out = String::new();
    for prop in parts {
        let prop = trim_ows(prop);
        let (key, value) = match prop.iter().position(|&b| b == b'=') {
            Some(eq) => (trim_ows(&prop[..eq]), Some(trim_ows(&prop[eq + 1..]))),
            None => (prop, None),
        };
        if !is_token(key) || !value.unwrap_or_default().iter().all(|&b| is_octet(b)) {
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
fn is_token(s: &[u8]) -> bool {
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

/// Bytes of a set value written as themselves: RFC 3986 `unreserved`. Everything else is
/// percent-encoded, also the octets the grammar would allow (`+`, `/`, `=`, `!`, ...), because
/// some decoders read them specially (`+` is a space to `unquote_plus`).
#[inline]
fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Decodes `%XX` escapes (a `%` not followed by two hex digits stays as it is) and replaces
/// octet sequences that are not UTF-8 with U+FFFD.
fn percent_decode(value: &[u8]) -> String {
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

/// Why a baggage value was rejected by the strict parser ([`FromStr`]) or an update.
///
/// `member` is the 0-based index of the list-member (counting empty ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseBaggageError {
    /// An empty list-member (`a=1,,b=2`).
    EmptyMember {
        /// Index of the member.
        member: usize,
    },
    /// A member has no `=` or its key is not an RFC 7230 token.
    InvalidKey {
        /// Index of the member.
        member: usize,
    },
    /// A value has a character outside `baggage-octet` (whitespace, `"`, `,`, `;`, `\`,
    /// control or non-ASCII).
    InvalidValue {
        /// Index of the member.
        member: usize,
    },
    /// A property is empty or malformed.
    InvalidProperty {
        /// Index of the member.
        member: usize,
    },
    /// More than [`MAX_MEMBERS`] list-members.
    TooManyMembers,
    /// The header value would be longer than [`MAX_BYTES`].
    TooLong {
        /// Length of the header value up to and including the first member past the limit
        /// (the strict parser reads no further).
        bytes: usize,
    },
}

impl ParseBaggageError {
    fn at(self, member: usize) -> Self {
        match self {
            Self::EmptyMember { .. } => Self::EmptyMember { member },
            Self::InvalidKey { .. } => Self::InvalidKey { member },
            Self::InvalidValue { .. } => Self::InvalidValue { member },
            Self::InvalidProperty { .. } => Self::InvalidProperty { member },
            other => other,
        }
    }
}

impl fmt::Display for ParseBaggageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyMember { member } => write!(f, "baggage member {member} is empty"),
            Self::InvalidKey { member } => write!(f, "baggage member {member}: invalid key"),
            Self::InvalidValue { member } => write!(f, "baggage member {member}: invalid value"),
            Self::InvalidProperty { member } => {
                write!(f, "baggage member {member}: invalid property")
            }
            Self::TooManyMembers => write!(f, "baggage has more than {MAX_MEMBERS} members"),
            Self::TooLong { bytes } => {
                write!(
                    f,
                    "baggage is at least {bytes} bytes, more than {MAX_BYTES}"
                )
            }
        }
    }
}

impl Error for ParseBaggageError {}

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
        assert_eq!(percent_decode(b"a%20b%zz%2"), "a b%zz%2");
        assert_eq!(percent_decode(b"%FF"), "\u{fffd}");
        let b = Baggage::EMPTY.try_with("k", "100% \"é\"").unwrap();
        assert_eq!(b.to_string(), "k=100%25%20%22%C3%A9%22");
        let back = Baggage::parse_joined([b.to_string().as_bytes()]);
        assert_eq!(back, b);
    }
}
