//! The `tracestate` header: vendor-specific key/value pairs that ride along with `traceparent`.
//!
//! Implements [W3C Trace Context §3.3](https://www.w3.org/TR/trace-context/#tracestate-header):
//!
//! ```text
//! list        = list-member 0*31( OWS "," OWS list-member )
//! list-member = (key "=" value) / OWS
//! key         = simple-key / multi-tenant-key
//! simple-key  = (lcalpha / DIGIT) 0*255( lcalpha / DIGIT / "_" / "-" / "*" / "/" )
//! multi-tenant-key = tenant-id "@" system-id
//! tenant-id   = ( lcalpha / DIGIT ) 0*240( lcalpha / DIGIT / "_" / "-" / "*" / "/" )
//! system-id   = lcalpha 0*13( lcalpha / DIGIT / "_" / "-" / "*" / "/" )
//! value       = 0*255(chr) nblk-chr
//! nblk-chr    = %x21-2B / %x2D-3C / %x3E-7E     ; printable ASCII except "," and "="
//! chr         = %x20 / nblk-chr                 ; the same, or a space (not at the end)
//! ```
//!
//! (A simple key may start with a digit, as the current editor's draft allows; the 2021
//! Recommendation required a letter.)
//!
//! - Several `tracestate` headers are one list, joined in order
//!   ([§3.3.1.1](https://www.w3.org/TR/trace-context/#tracestate-header-field-values)).
//! - Empty list-members and optional whitespace around members are tolerated.
//! - At most 32 list-members in all. A 33rd member, a malformed member, or a key that appears
//!   twice makes the whole value invalid: it is dropped, not repaired
//!   ([§3.3.1.5](https://www.w3.org/TR/trace-context/#combined-header-value)).
//! - A valid value is carried on byte-exact (the headers' own text, joined with `,`).

use core::fmt;
use core::str::FromStr;
use std::error::Error;
use std::sync::Arc;

use super::grammar::trim_ows;

/// Name of the [tracestate header](https://www.w3.org/TR/trace-context/#tracestate-header).
pub const TRACESTATE_HEADER: &str = "tracestate";
/// Most list-members a tracestate may hold.
pub const MAX_MEMBERS: usize = 32;
// Longest simple key, in bytes.
const MAX_KEY_LEN: usize = 256;
// Longest value, in bytes.
const MAX_VALUE_LEN: usize = 256;
const MAX_TENANT_LEN: usize = 241;
const MAX_SYSTEM_LEN: usize = 14;

/// A valid, non-empty `tracestate`: 1 to 32 vendor key/value pairs, in order.
///
/// The header text is kept as received (several headers joined with `,`) behind an `Arc`, so
/// cloning is a reference-count increment and a context without tracestate holds `None` (no
/// allocation).
///
/// ```
/// use traced_runtime::propagation::TraceState;
///
/// let ts: TraceState = "rojo=00f067aa0ba902b7, congo=t61rcWkgMzE".parse()?;
/// assert_eq!(ts.get("congo"), Some("t61rcWkgMzE"));
/// assert_eq!(ts.as_str(), "rojo=00f067aa0ba902b7, congo=t61rcWkgMzE");
/// assert!("rojo=1,Congo=2".parse::<TraceState>().is_err()); // one bad key drops it all
/// # Ok::<(), traced_runtime::propagation::ParseTraceStateError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TraceState(Arc<String>);

impl TraceState {
    /// Parses the values of every `tracestate` header of a request, in order, as one list.
    ///
    /// Returns `Ok(None)` when there is no list-member at all (no header, or only empty ones).
    ///
    /// # Errors
    ///
    /// [`ParseTraceStateError`] when any member is malformed, a key repeats, or there are more
    /// than [`MAX_MEMBERS`] members. The caller then drops the whole tracestate
    /// ([§3.3.1.5](https://www.w3.org/TR/trace-context/#combined-header-value)). Never panics.
    pub fn parse_joined<'a>(
        values: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Option<Self>, ParseTraceStateError> {
        let mut joined = String::new();
        for value in values {
            let value = trim_ows(value);
            if value.is_empty() {
                continue;
            }
            let Ok(value) = core::str::from_utf8(value) else {
                return Err(ParseTraceStateError::InvalidValue {
                    member: count_members(&joined),
                });
            };
            if !joined.is_empty() {
                joined.push(',');
            }
            joined.push_str(value);
        }
        let members = validate(&joined)?;
        Ok((members > 0).then(|| Self(Arc::new(joined))))
    }

    /// The header value to send: the received text, several headers joined with `,`.
    #[inline]
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Iterates over the `(key, value)` pairs, left (most recently updated) first.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        members(&self.0)
    }

    /// The value of `key`, if present.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Number of list-members (1 to 32).
    #[must_use]
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Always `false`: a `TraceState` holds at least one member (absence is `None`).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Returns a tracestate with `key` set to `value` and moved to the front (left), as a
    /// vendor updating its entry must do
    /// ([§3.5](https://www.w3.org/TR/trace-context/#mutating-the-tracestate-field)). The
    /// right-most member is dropped when that would exceed 32 members. The result is written
    /// in normalized form (`k=v,k=v`).
    ///
    /// # Errors
    ///
    /// [`ParseTraceStateError::InvalidKey`] or [`ParseTraceStateError::InvalidValue`] (with
    /// `member: 0`) when `key` or `value` breaks the grammar.
    pub fn with_member(&self, key: &str, value: &str) -> Result<Self, ParseTraceStateError> {
        let new = Self::member(key, value)?;
        let mut joined = new.0.as_str().to_owned();
        for (k, v) in self.iter().filter(|(k, _)| *k != key).take(MAX_MEMBERS - 1) {
            joined.push(',');
            joined.push_str(k);
            joined.push('=');
            joined.push_str(v);
        }
        Ok(Self(Arc::new(joined)))
    }

    /// A tracestate holding the single member `key=value`.
    ///
    /// # Errors
    ///
    /// As [`with_member`](Self::with_member).
    pub fn member(key: &str, value: &str) -> Result<Self, ParseTraceStateError> {
        if !valid_key(key.as_bytes()) {
            return Err(ParseTraceStateError::InvalidKey { member: 0 });
        }
        if !valid_value(value.as_bytes()) {
            return Err(ParseTraceStateError::InvalidValue { member: 0 });
        }
        Ok(Self(Arc::new(format!("{key}={value}"))))
    }

    /// Returns this tracestate without `key`, or `None` when nothing is left. The result is
    /// written in normalized form.
    #[must_use]
    pub fn without(&self, key: &str) -> Option<Self> {
        let mut joined = String::new();
        for (k, v) in self.iter().filter(|(k, _)| *k != key) {
            if !joined.is_empty() {
                joined.push(',');
            }
            joined.push_str(k);
            joined.push('=');
            joined.push_str(v);
        }
        (!joined.is_empty()).then(|| Self(Arc::new(joined)))
    }
}

impl FromStr for TraceState {
    type Err = ParseTraceStateError;

    /// Parses one header value.
    ///
    /// # Errors
    ///
    /// As [`TraceState::parse_joined`], plus [`ParseTraceStateError::Empty`] when the value
    /// has no member.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_joined([s.as_bytes()])?.ok_or(ParseTraceStateError::Empty)
    }
}

impl fmt::Display for TraceState {
    /// Writes the header value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for TraceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TraceState").field(&self.as_str()).finish()
    }
}

/// The non-empty members of a validated list, trimmed, split at the first `=`.
fn members(list: &str) -> impl Iterator<Item = (&str, &str)> {
    list.split(',').filter_map(|m| {
        let m = m.trim_matches([' ', '\t']);
        m.split_once('=')
    })
}

fn count_members(list: &str) -> usize {
    list.split(',')
        .filter(|m| !m.trim_matches([' ', '\t']).is_empty())
        .count()
}

/// Checks the whole list; returns the number of members.
fn validate(list: &str) -> Result<usize, ParseTraceStateError> {
    let mut keys: [&str; MAX_MEMBERS] = [""; MAX_MEMBERS];
    let mut count = 0;
    for member in list.split(',') {
        let member = member.trim_matches([' ', '\t']);
        if member.is_empty() {
            continue;
        }
        if count == MAX_MEMBERS {
            return Err(ParseTraceStateError::TooManyMembers);
        }
        let Some((key, value)) = member.split_once('=') else {
            return Err(ParseTraceStateError::InvalidKey { member: count });
        };
        if !valid_key(key.as_bytes()) {
            return Err(ParseTraceStateError::InvalidKey { member: count });
        }
        if !valid_value(value.as_bytes()) {
            return Err(ParseTraceStateError::InvalidValue { member: count });
        }
        if keys[..count].contains(&key) {
            return Err(ParseTraceStateError::DuplicateKey { member: count });
        }
        keys[count] = key;
        count += 1;
    }
    Ok(count)
}

#[inline]
fn key_char(b: u8) -> bool {
    matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'*' | b'/')
}

fn valid_key(key: &[u8]) -> bool {
    let id = |part: &[u8], max: usize, digit_first: bool| {
        !part.is_empty()
            && part.len() <= max
            && (part[0].is_ascii_lowercase() || (digit_first && part[0].is_ascii_digit()))
            && part[1..].iter().all(|&b| key_char(b))
    };
    match key.iter().position(|&b| b == b'@') {
        None => id(key, MAX_KEY_LEN, true),
        Some(at) => {
            id(&key[..at], MAX_TENANT_LEN, true) && id(&key[at + 1..], MAX_SYSTEM_LEN, false)
        }
    }
}

fn valid_value(value: &[u8]) -> bool {
    !value.is_empty()
        && value.len() <= MAX_VALUE_LEN
        && value.last() != Some(&b' ')
        && value
            .iter()
            .all(|&b| matches!(b, 0x20..=0x2b | 0x2d..=0x3c | 0x3e..=0x7e))
}

/// Why a `tracestate` was dropped.
///
/// `member` counts the non-empty list-members before the offending one (0-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseTraceStateError {
    /// The value has no list-member (only from [`FromStr`]; [`TraceState::parse_joined`]
    /// returns `Ok(None)`).
    Empty,
    /// More than [`MAX_MEMBERS`] list-members.
    TooManyMembers,
    /// A member has no `=` or its key breaks the key grammar.
    InvalidKey {
        /// Index of the member.
        member: usize,
    },
    /// A member's value is empty, longer than 256 bytes, ends with a space, or has a character
    /// outside printable ASCII (or `,` / `=`).
    InvalidValue {
        /// Index of the member.
        member: usize,
    },
    /// A key appears twice.
    DuplicateKey {
        /// Index of the second occurrence.
        member: usize,
    },
}

impl fmt::Display for ParseTraceStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty tracestate"),
            Self::TooManyMembers => write!(f, "tracestate has more than {MAX_MEMBERS} members"),
            Self::InvalidKey { member } => write!(f, "tracestate member {member}: invalid key"),
            Self::InvalidValue { member } => {
                write!(f, "tracestate member {member}: invalid value")
            }
            Self::DuplicateKey { member } => {
                write!(f, "tracestate member {member}: duplicate key")
            }
        }
    }
}

impl Error for ParseTraceStateError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thin_pointer() {
        assert_eq!(
            size_of::<Option<TraceState>>(),
            size_of::<usize>(),
            "Option<TraceState> must stay one pointer wide"
        );
    }
}
