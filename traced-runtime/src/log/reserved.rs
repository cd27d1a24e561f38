//! The reserved-key policy: which keys traced writes itself, and what a user's key of the same
//! name becomes (see the [module docs](crate::log#reserved-keys)).
//!
//! The renaming is injective on what it touches and never produces a reserved key: a renamed key
//! starts with [`USER_KEY_PREFIX`], and no reserved key does.

use super::{PARENT_SPAN_ID_KEY, SPAN_ID_KEY, TRACE_FLAGS_KEY, TRACE_ID_KEY};

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
