//! The reserved-key policy: which keys traced writes itself, and what a user's key of the same
//! name becomes (see the [module docs](crate::log#reserved-keys)).
//!
//! The renaming is injective on what it touches and never produces a reserved key: a renamed key
//! starts with [`USER_KEY_PREFIX`], and no reserved key does.

#[cfg(feature = "env_logger")]
use core::fmt::{self, Write as _};

#[cfg(feature = "env_logger")]
use ::log::kv::Value;

use super::{PARENT_SPAN_ID_KEY, SPAN_ID_KEY, TRACE_FLAGS_KEY, TRACE_ID_KEY};
#[cfg(feature = "env_logger")]
use crate::context::with_current;
#[cfg(feature = "env_logger")]
use crate::id::{SpanId, TraceFlags, TraceId};

/// The keys [`TracedLogger`](super::TracedLogger) stamps from the context, each with the name a
/// user's key of that name is renamed to. Static, so that a renamed key needs no allocation.
const CONTEXT_KEYS: [(&str, &str); 4] = [
    (TRACE_ID_KEY, "user.trace_id"),
    (SPAN_ID_KEY, "user.span_id"),
    (PARENT_SPAN_ID_KEY, "user.parent_span_id"),
    (TRACE_FLAGS_KEY, "user.trace_flags"),
];

/// The name a user's key-value or field called `key` is given in place of a reserved context
/// key, or `None` when `key` is not one of them.
#[inline]
pub(super) fn renamed_context_key(key: &str) -> Option<&'static str> {
    CONTEXT_KEYS
        .iter()
        .find(|(reserved, _)| *reserved == key)
        .map(|(_, renamed)| *renamed)
}

/// The reserved context key a renamed key stands for (`user.trace_id` -> `trace_id`).
#[inline]
pub(super) fn original_context_key(key: &str) -> Option<&'static str> {
    CONTEXT_KEYS
        .iter()
        .find(|(_, renamed)| *renamed == key)
        .map(|(reserved, _)| *reserved)
}

/// Whether `key` is one of the context keys (`trace_id`, `span_id`, `parent_span_id`,
/// `trace_flags`).
#[inline]
pub(super) fn is_context_key(key: &str) -> bool {
    renamed_context_key(key).is_some()
}

/// The current context's ids, as a format writes them in its own columns: taken from the
/// context, never from a key-value (which anyone can set).
#[cfg(feature = "env_logger")]
#[derive(Clone, Copy)]
pub(super) struct Ids {
    pub(super) trace_id: TraceId,
    pub(super) span_id: Option<SpanId>,
    pub(super) parent_span_id: Option<SpanId>,
    pub(super) trace_flags: TraceFlags,
}

#[cfg(feature = "env_logger")]
impl Ids {
    /// The current context's ids, or `None` outside any trace.
    pub(super) fn current() -> Option<Self> {
        with_current(|ctx| {
            ctx.map(|ctx| Self {
                trace_id: ctx.trace_id(),
                span_id: ctx.span_id(),
                parent_span_id: ctx.parent_span_id(),
                trace_flags: ctx.trace_flags(),
            })
        })
    }

    /// Whether the key-value `key = value`, `key` a context key, is the one
    /// [`TracedLogger`](super::TracedLogger) stamped from this context. A format skips it (its
    /// columns show the id); any other is a user's, written under the prefix.
    pub(super) fn is_stamp(ids: Option<&Self>, key: &str, value: &Value<'_>) -> bool {
        let Some(ids) = ids else {
            return false;
        };
        let mut buf = [0; 32];
        let mut span_buf = [0; 16];
        let expected = match key {
            TRACE_ID_KEY => Some(ids.trace_id.encode_hex(&mut buf)),
            SPAN_ID_KEY => ids.span_id.map(|id| id.encode_hex(&mut span_buf)),
            PARENT_SPAN_ID_KEY => ids.parent_span_id.map(|id| id.encode_hex(&mut span_buf)),
            _ => None,
        };
        expected.is_some_and(|expected| match value.to_borrowed_str() {
            // What `TracedLogger` stamps: a borrowed hex string.
            Some(text) => text == expected,
            None => displays_as(value, expected),
        })
    }
}

/// Whether `value`'s `Display` is exactly `expected`, without allocating.
#[cfg(feature = "env_logger")]
fn displays_as(value: &Value<'_>, expected: &str) -> bool {
    struct Compare<'e> {
        rest: &'e str,
    }
    impl fmt::Write for Compare<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            match self.rest.strip_prefix(s) {
                Some(rest) => {
                    self.rest = rest;
                    Ok(())
                }
                None => Err(fmt::Error),
            }
        }
    }
    let mut compare = Compare { rest: expected };
    write!(compare, "{value}").is_ok() && compare.rest.is_empty()
}

/// Keys the JSON format writes itself on every line (besides the context keys).
#[cfg(feature = "env_logger")]
const JSON_KEYS: [&str; 4] = ["timestamp", "severity", "target", "message"];

/// Every key Cloud Logging reads as metadata starts with this.
#[cfg(feature = "env_logger")]
const GCP_PREFIX: &str = "logging.googleapis.com/";

/// Top-level keys Cloud Logging reads as the entry's metadata rather than payload
/// (<https://cloud.google.com/logging/docs/structured-logging#special-payload-fields>): reserved
/// when a Google Cloud project is set.
#[cfg(feature = "env_logger")]
const GCP_KEYS: [&str; 4] = ["time", "timestampSeconds", "timestampNanos", "httpRequest"];

/// Whether a user's key `key` must be written as `user.KEY` in a JSON line: it is a context key,
/// a key of the JSON format, any `logging.googleapis.com/` key, or (with a Google Cloud project
/// set) one of Cloud Logging's other special keys.
#[cfg(feature = "env_logger")]
pub(super) fn is_reserved_in_json(key: &str, gcp: bool) -> bool {
    is_context_key(key)
        || JSON_KEYS.contains(&key)
        || key.starts_with(GCP_PREFIX)
        || (gcp && GCP_KEYS.contains(&key))
}

#[cfg(test)]
mod tests {
    use super::super::USER_KEY_PREFIX;
    use super::*;

    #[test]
    fn renamed_keys_carry_the_prefix_and_map_back() {
        for (reserved, renamed) in CONTEXT_KEYS {
            assert_eq!(renamed, format!("{USER_KEY_PREFIX}{reserved}"));
            assert_eq!(renamed_context_key(reserved), Some(renamed));
            assert_eq!(original_context_key(renamed), Some(reserved));
            assert!(!is_context_key(renamed));
        }
        assert_eq!(renamed_context_key("account_id"), None);
    }

    #[cfg(feature = "env_logger")]
    #[test]
    fn no_reserved_key_starts_with_the_prefix() {
        let all = CONTEXT_KEYS
            .iter()
            .map(|(k, _)| *k)
            .chain(JSON_KEYS)
            .chain(GCP_KEYS)
            .chain([GCP_PREFIX]);
        for key in all {
            assert!(!key.starts_with(USER_KEY_PREFIX), "{key}");
            assert!(is_reserved_in_json(key, true), "{key}");
        }
        assert!(!is_reserved_in_json("time", false));
        assert!(is_reserved_in_json("logging.googleapis.com/labels", false));
        assert!(!is_reserved_in_json("user.trace_id", true));
    }
}
