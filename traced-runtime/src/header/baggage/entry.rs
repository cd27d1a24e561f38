//! [`BaggageEntry`]: one list-member, and how it is written back into a header.

use core::fmt;

use crate::header::percent;

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

    /// A member set locally: written percent-encoded (see [`write`](Self::write)).
    pub(super) fn local(key: &str, value: &str, properties: String) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
            properties: properties.into(),
            received: None,
        }
    }

    /// A member received as `received` (trimmed), forwarded byte-exact while it is unchanged.
    pub(super) fn received(key: &str, value: String, properties: String, received: &str) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
            properties: properties.into(),
            received: Some(received.into()),
        }
    }

    /// Bytes this member takes in the header.
    pub(super) fn encoded_len(&self) -> usize {
        if let Some(received) = &self.received {
            return received.len();
        }
        let value = percent::encoded_len(&self.value);
        let props = if self.properties.is_empty() {
            0
        } else {
            1 + self.properties.len()
        };
        self.key.len() + 1 + value + props
    }

    /// Appends the member as it is sent: byte-exact as received, or `key=value[;properties]`
    /// with the value percent-encoded.
    pub(super) fn write(&self, out: &mut String) {
        if let Some(received) = &self.received {
            out.push_str(received);
            return;
        }
        out.push_str(&self.key);
        out.push('=');
        percent::encode_into(&self.value, out);
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
