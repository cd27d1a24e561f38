//! The `tracestate` header: vendor-specific key/value pairs that ride along with `traceparent`.
//!
//! Implements W3C Trace Context Level 2,
//! ["tracestate Header Field Values"](https://www.w3.org/TR/trace-context-2/#tracestate-header-field-values)
//! with its [list](https://www.w3.org/TR/trace-context-2/#list),
//! [key](https://www.w3.org/TR/trace-context-2/#key) and
//! [value](https://www.w3.org/TR/trace-context-2/#value) rules:
//!
//! ```text
//! list        = list-member 0*31( OWS "," OWS list-member )
//! list-member = (key "=" value) / OWS
//! key         = ( lcalpha / DIGIT ) 0*255 ( keychar )
//! keychar     = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"
//! lcalpha     = %x61-7A                         ; a-z
//! value       = 0*255(chr) nblk-chr
//! nblk-chr    = %x21-2B / %x2D-3C / %x3E-7E     ; printable ASCII except "," and "="
//! chr         = %x20 / nblk-chr                 ; the same, or a space (not at the end)
//! ```
//!
//! The receiving and sending rules are documented on [`TraceState`].

use core::fmt;
use core::str::FromStr;
use std::error::Error;
use std::sync::Arc;

use super::grammar::trim_ows;

/// Name of the [tracestate header](https://www.w3.org/TR/trace-context-2/#tracestate-header).
pub const TRACESTATE_HEADER: &str = "tracestate";
/// Most list-members a tracestate may hold (distinct keys,
/// ["tracestate Header Field Values"](https://www.w3.org/TR/trace-context-2/#tracestate-header-field-values)).
pub const MAX_MEMBERS: usize = 32;
/// Longest tracestate value kept and sent, in characters (bytes: the value is ASCII), commas
/// and whitespace included: the 512 characters that
/// [tracestate Limits](https://www.w3.org/TR/trace-context-2/#tracestate-limits) asks vendors
/// to propagate.
pub const MAX_LEN: usize = 512;
/// Entries longer than this many characters are the first removed when a tracestate must be
/// shortened ([tracestate Limits](https://www.w3.org/TR/trace-context-2/#tracestate-limits)).
pub const LARGE_MEMBER_LEN: usize = 128;
// Longest key, in bytes.
const MAX_KEY_LEN: usize = 256;
// Longest value, in bytes.
const MAX_VALUE_LEN: usize = 256;

/// A valid, non-empty `tracestate`: 1 to 32 vendor key/value pairs with distinct keys, in
/// order, at most [`MAX_LEN`] characters as sent.
///
/// The header text is kept behind an `Arc`, so cloning is a reference-count increment and a
/// context without tracestate holds `None` (no allocation).
///
/// `@` is an ordinary key character: the `tenant@system` key grammar of the 2021
/// Recommendation is retired, so `foo@`, `foo@@bar` and `foo@bar@baz` are keys, `@foo` is not.
///
/// Receiving:
///
/// - Several `tracestate` headers are one list, joined in order with `,`
///   ([tracestate Header Field Values](https://www.w3.org/TR/trace-context-2/#tracestate-header-field-values)).
///   Empty list-members and optional whitespace around members are accepted.
/// - A key that appears again is a duplicate: the later occurrence is discarded, the first
///   (left-most, i.e. most recent) is kept, as
///   ["Mutating the tracestate Field"](https://www.w3.org/TR/trace-context-2/#mutating-the-tracestate-field)
///   allows ("vendors MAY also discard duplicate keys"). A duplicate never costs the rest of
///   the list.
/// - At most [`MAX_MEMBERS`] (32) list-members, counted as the suite's reference
///   implementation (github `w3c/trace-context`, `test/tracecontext/tracestate.py`) counts
///   them: distinct keys, empty members and discarded duplicates not included. A 33rd distinct
///   key, or one malformed member, makes the whole value invalid: it is dropped, never repaired
///   (and the `traceparent` is still honoured,
///   ["Tracestate Header"](https://www.w3.org/TR/trace-context-2/#tracestate-header)). Parsing stops at the
///   33rd distinct key.
///
/// Sending (the bound lives in the value, so every outgoing path, HTTP headers and job
/// payloads alike, sends at most [`MAX_LEN`] characters):
///
/// - A valid list of at most [`MAX_LEN`] (512) characters with no duplicate is carried on
///   byte-exact: the received text, several headers joined with `,`.
/// - Otherwise it is rewritten: empty members and optional whitespace dropped, duplicates
///   discarded (`k=v,k=v`). When that is still longer than [`MAX_LEN`], whole entries are
///   removed as ["tracestate Limits"](https://www.w3.org/TR/trace-context-2/#tracestate-limits)
///   says: entries longer than 128 characters first (right-most first), then entries from the
///   end, each only until the list fits. 512 is the length the W3C asks every vendor to
///   propagate ("at least 512 characters of a combined header", commas and whitespace
///   included); most HTTP servers refuse headers past 8 KiB, and 32 members of 513 characters
///   could reach 16 KiB.
///
/// ```
/// use traced_runtime::propagation::TraceState;
///
/// let ts: TraceState = "rojo=00f067aa0ba902b7, congo=t61rcWkgMzE".parse()?;
/// assert_eq!(ts.get("congo"), Some("t61rcWkgMzE"));
/// assert_eq!(ts.as_str(), "rojo=00f067aa0ba902b7, congo=t61rcWkgMzE");
/// assert!("rojo=1,Congo=2".parse::<TraceState>().is_err()); // one bad key drops it all
///
/// // A later duplicate is discarded; `@` is an ordinary key character.
/// let ts: TraceState = "foo@=1,foo@=2,bar=3".parse()?;
/// assert_eq!(ts.as_str(), "foo@=1,bar=3");
/// # Ok::<(), traced_runtime::propagation::ParseTraceStateError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TraceState(Arc<String>);

/// The members of a list being parsed: trimmed `key=value` texts and their key lengths.
struct Members<'a> {
    members: [(&'a str, usize); MAX_MEMBERS],
    count: usize,
}

impl<'a> Members<'a> {
    const fn new() -> Self {
        Self {
            members: [("", 0); MAX_MEMBERS],
            count: 0,
        }
    }

    fn as_slice(&self) -> &[(&'a str, usize)] {
        &self.members[..self.count]
    }

    fn contains_key(&self, key: &str) -> bool {
        self.as_slice().iter().any(|&(m, k)| &m[..k] == key)
    }
}

impl TraceState {
    /// Parses the values of every `tracestate` header of a request, in order, as one list.
    ///
    /// Returns `Ok(None)` when there is no list-member at all (no header, or only empty ones).
    /// Later duplicates of a key are discarded, and a list longer than [`MAX_LEN`] is
    /// shortened by whole entries (see [`TraceState`]). Work and memory are linear in
    /// the input and nothing of it is copied but the (bounded) result.
    ///
    /// # Errors
    ///
    /// [`ParseTraceStateError`] when any member is malformed or there are more than
    /// [`MAX_MEMBERS`] distinct keys. The caller then drops the whole tracestate
    /// ([Tracestate Header](https://www.w3.org/TR/trace-context-2/#tracestate-header)). Never
    /// panics.
    pub fn parse_joined<'a>(
        values: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Option<Self>, ParseTraceStateError> {
        let mut members = Members::new();
        // The headers as received (trimmed), while they could still be sent byte-exact.
        let mut received: Vec<&'a [u8]> = Vec::new();
        let mut received_len = 0;
        let mut rewrite = false;
        let mut seen = 0;
        for value in values {
            let value = trim_ows(value);
            if value.is_empty() {
                continue;
            }
            if !rewrite {
                received_len += value.len() + usize::from(!received.is_empty());
                rewrite = received_len > MAX_LEN;
                received.push(value);
            }
            for member in value.split(|&b| b == b',') {
                let member = trim_ows(member);
                if member.is_empty() {
                    continue;
                }
                let (member, key_len) = parse_member(member, seen)?;
                seen += 1;
                if members.contains_key(&member[..key_len]) {
                    rewrite = true;
                    continue;
                }
                if members.count == MAX_MEMBERS {
                    return Err(ParseTraceStateError::TooManyMembers);
                }
                members.members[members.count] = (member, key_len);
                members.count += 1;
            }
        }
        if members.count == 0 {
            return Ok(None);
        }
        if !rewrite {
            // Every byte is ASCII: each member was validated and OWS is ASCII.
            let joined = received.join(&b","[..]);
            let joined = String::from_utf8(joined).unwrap_or_default();
            return Ok(Some(Self(Arc::new(joined))));
        }
        let texts: Vec<&str> = members.as_slice().iter().map(|&(m, _)| m).collect();
        Ok(bounded(&texts, 0).map(|s| Self(Arc::new(s))))
    }

    /// The header value to send: at most [`MAX_LEN`] characters, the received text when it
    /// was valid, short enough and free of duplicates.
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
    /// (["Mutating the tracestate Field"](https://www.w3.org/TR/trace-context-2/#mutating-the-tracestate-field)).
    /// The right-most member is dropped when that would exceed 32 members, and other members
    /// are removed as [tracestate Limits](https://www.w3.org/TR/trace-context-2/#tracestate-limits)
    /// says when the result would exceed [`MAX_LEN`]; the new member itself is always kept.
    /// The result is written in normalized form (`k=v,k=v`).
    ///
    /// # Errors
    ///
    /// [`ParseTraceStateError::InvalidKey`] or [`ParseTraceStateError::InvalidValue`] (with
    /// `member: 0`) when `key` or `value` breaks the grammar;
    /// [`ParseTraceStateError::TooLong`] when `key=value` alone is longer than [`MAX_LEN`].
    pub fn with_member(&self, key: &str, value: &str) -> Result<Self, ParseTraceStateError> {
        let new = Self::member(key, value)?;
        let mut texts = vec![new.as_str()];
        texts.extend(
            members_text(&self.0)
                .filter(|m| m.split_once('=').map(|(k, _)| k) != Some(key))
                .take(MAX_MEMBERS - 1),
        );
        let joined = bounded(&texts, 1).unwrap_or_default();
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
        let len = key.len() + 1 + value.len();
        if len > MAX_LEN {
            return Err(ParseTraceStateError::TooLong { len });
        }
        Ok(Self(Arc::new(format!("{key}={value}"))))
    }

    /// Returns this tracestate without `key`, or `None` when nothing is left. The result is
    /// written in normalized form.
    #[must_use]
    pub fn without(&self, key: &str) -> Option<Self> {
        let texts: Vec<&str> = members_text(&self.0)
            .filter(|m| m.split_once('=').map(|(k, _)| k) != Some(key))
            .collect();
        (!texts.is_empty()).then(|| Self(Arc::new(texts.join(","))))
    }
}

impl FromStr for TraceState {
    type Err = ParseTraceStateError;

    /// Parses one header value.
    ///
    /// # Errors
    ///
    /// As [`TraceState::parse_joined`], plus [`ParseTraceStateError::Empty`] when the value
    /// has no member, or when every member had to be removed to fit [`MAX_LEN`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_joined([s.as_bytes()])?.ok_or(ParseTraceStateError::Empty)
    }
}

impl fmt::Display for TraceState {
    /// Writes the header value ([`as_str`](TraceState::as_str)).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for TraceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TraceState").field(&self.as_str()).finish()
    }
}

/// Joins `members` with `,`, removing whole entries until the result fits [`MAX_LEN`]:
/// entries longer than [`LARGE_MEMBER_LEN`] first, then any, each pass from the right. The
/// first `keep` entries are never removed. `None` when nothing is left.
fn bounded(members: &[&str], keep: usize) -> Option<String> {
    let mut kept = vec![true; members.len()];
    let joined_len = |kept: &[bool]| {
        let (bytes, count) = members
            .iter()
            .zip(kept)
            .filter(|(_, k)| **k)
            .fold((0, 0_usize), |(b, c), (m, _)| (b + m.len(), c + 1));
        bytes + count.saturating_sub(1)
    };
    for large_only in [true, false] {
        for i in (keep..members.len()).rev() {
            if joined_len(&kept) <= MAX_LEN {
                break;
            }
            if !large_only || members[i].len() > LARGE_MEMBER_LEN {
                kept[i] = false;
            }
        }
    }
    let out: Vec<&str> = members
        .iter()
        .zip(&kept)
        .filter(|(_, k)| **k)
        .map(|(m, _)| *m)
        .collect();
    (!out.is_empty()).then(|| out.join(","))
}

/// The non-empty members of a validated list, trimmed.
fn members_text(list: &str) -> impl Iterator<Item = &str> {
    list.split(',')
        .map(|m| m.trim_matches([' ', '\t']))
        .filter(|m| !m.is_empty())
}

/// The members of a validated list, split at the `=`.
fn members(list: &str) -> impl Iterator<Item = (&str, &str)> {
    members_text(list).filter_map(|m| m.split_once('='))
}

/// Validates one trimmed, non-empty list-member (the `index`-th); returns it as text with the
/// length of its key.
fn parse_member(member: &[u8], index: usize) -> Result<(&str, usize), ParseTraceStateError> {
    let Some(eq) = member.iter().position(|&b| b == b'=') else {
        return Err(ParseTraceStateError::InvalidKey { member: index });
    };
    if !valid_key(&member[..eq]) {
        return Err(ParseTraceStateError::InvalidKey { member: index });
    }
    if !valid_value(&member[eq + 1..]) {
        return Err(ParseTraceStateError::InvalidValue { member: index });
    }
    // Valid keys and values are ASCII.
    let text = core::str::from_utf8(member)
        .map_err(|_| ParseTraceStateError::InvalidValue { member: index })?;
    Ok((text, eq))
}

/// `key = ( lcalpha / DIGIT ) 0*255 ( keychar )`.
fn valid_key(key: &[u8]) -> bool {
    match key {
        [first, rest @ ..] => {
            key.len() <= MAX_KEY_LEN
                && matches!(first, b'a'..=b'z' | b'0'..=b'9')
                && rest.iter().all(
                    |b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'*' | b'/' | b'@'),
                )
        }
        [] => false,
    }
}

/// `value = 0*255(chr) nblk-chr`.
fn valid_value(value: &[u8]) -> bool {
    !value.is_empty()
        && value.len() <= MAX_VALUE_LEN
        && value.last() != Some(&b' ')
        && value
            .iter()
            .all(|&b| matches!(b, 0x20..=0x2b | 0x2d..=0x3c | 0x3e..=0x7e))
}

/// Why a `tracestate` was dropped, or an update refused.
///
/// `member` counts the non-empty list-members before the offending one (0-based), discarded
/// duplicates included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseTraceStateError {
    /// The value has no list-member (only from [`FromStr`]; [`TraceState::parse_joined`]
    /// returns `Ok(None)`).
    Empty,
    /// More than [`MAX_MEMBERS`] distinct keys.
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
    /// A member to set ([`TraceState::member`], [`TraceState::with_member`]) is `len`
    /// characters long, more than [`MAX_LEN`], so it could never be sent.
    TooLong {
        /// Length of `key=value`.
        len: usize,
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
            Self::TooLong { len } => {
                write!(
                    f,
                    "tracestate member is {len} characters, more than {MAX_LEN}"
                )
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

    #[test]
    fn bounded_removes_large_entries_first_then_from_the_end() {
        let large = format!("l={}", "x".repeat(200)); // 202 characters
        let small = format!("s={}", "y".repeat(98)); // 100 characters
        // 4 small + 2 large = 400 + 404 + 5 commas = 809 > 512.
        let list = [
            small.as_str(),
            large.as_str(),
            small.as_str(),
            small.as_str(),
            large.as_str(),
            small.as_str(),
        ];
        // Removing the right-most large entry gives 606; removing the other gives 403.
        let out = bounded(&list, 0).unwrap();
        assert_eq!(out, [small.as_str(); 4].join(","));
        // Then from the end.
        let seven = [small.as_str(); 7].join(","); // 706
        let list: Vec<&str> = seven.split(',').collect();
        assert_eq!(bounded(&list, 0).unwrap(), [small.as_str(); 5].join(","));
        // The first `keep` entries stay even when large.
        let list = [large.as_str(), large.as_str(), large.as_str()];
        assert_eq!(bounded(&list, 1).unwrap(), [large.as_str(); 2].join(","));
    }
}
