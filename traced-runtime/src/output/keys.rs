//! The key names traced writes and the one reserved-key rule every format applies (see
//! [Reserved keys](crate::log#reserved-keys)).
//!
//! A user's key (a context field, a record key-value, a `tracing` field) is written under
//! [`USER_KEY_PREFIX`]` + key` when the format writes a key of that name itself, and under
//! `NAME#2`, `NAME#3`, ... when that name was already written on the same line. So no line holds
//! a key twice, no user key passes for one of traced's, and every user value is kept.

/// Key of the trace-id (32 lowercase hex characters) on stamped records.
pub const TRACE_ID_KEY: &str = "trace_id";
/// Key of the span-id (16 lowercase hex characters) on stamped records.
pub const SPAN_ID_KEY: &str = "span_id";
/// Key of the parent span-id (16 lowercase hex characters) on stamped records.
pub const PARENT_SPAN_ID_KEY: &str = "parent_span_id";
/// Key reserved for the trace-flags (2 lowercase hex characters); not stamped today, reserved so
/// that a user's value can never pass for them.
pub const TRACE_FLAGS_KEY: &str = "trace_flags";
/// Prefix put before a user's key that has a reserved name (see
/// [Reserved keys](crate::log#reserved-keys)): a field `trace_id` is written as `user.trace_id`.
pub const USER_KEY_PREFIX: &str = "user.";
/// Separator before the count of a user key already written on the line (`account#2`).
pub(crate) const REPEAT_SEPARATOR: char = '#';

/// The keys [`TracedLogger`](crate::log::TracedLogger) stamps from the context, each with the
/// name a user's key of that name is renamed to. Static, so that a renamed key needs no
/// allocation.
const CONTEXT_KEYS: [(&str, &str); 4] = [
    (TRACE_ID_KEY, "user.trace_id"),
    (SPAN_ID_KEY, "user.span_id"),
    (PARENT_SPAN_ID_KEY, "user.parent_span_id"),
    (TRACE_FLAGS_KEY, "user.trace_flags"),
];

/// The name a user's key-value or field called `key` is given in place of a reserved context
/// key, or `None` when `key` is not one of them.
#[inline]
pub(crate) fn renamed_context_key(key: &str) -> Option<&'static str> {
    CONTEXT_KEYS
        .iter()
        .find(|(reserved, _)| *reserved == key)
        .map(|(_, renamed)| *renamed)
}

/// The reserved context key a renamed key stands for (`user.trace_id` -> `trace_id`).
#[inline]
pub(crate) fn original_context_key(key: &str) -> Option<&'static str> {
    CONTEXT_KEYS
        .iter()
        .find(|(_, renamed)| *renamed == key)
        .map(|(reserved, _)| *reserved)
}

/// Whether `key` is one of the context keys (`trace_id`, `span_id`, `parent_span_id`,
/// `trace_flags`).
#[inline]
pub(crate) fn is_context_key(key: &str) -> bool {
    renamed_context_key(key).is_some()
}

/// Keys traced's JSON format writes itself on every line (besides the context keys).
const JSON_KEYS: [&str; 4] = ["timestamp", "severity", "target", "message"];

/// Every key Cloud Logging reads as metadata starts with this.
const GCP_PREFIX: &str = "logging.googleapis.com/";

/// Top-level keys Cloud Logging reads as the entry's metadata rather than payload
/// (<https://cloud.google.com/logging/docs/structured-logging#special-payload-fields>): reserved
/// when a Google Cloud project is set.
const GCP_KEYS: [&str; 4] = ["time", "timestampSeconds", "timestampNanos", "httpRequest"];

/// Top-level keys of tracing-subscriber's JSON lines (`fmt().json()`).
const TRACING_JSON_KEYS: [&str; 10] = [
    "timestamp",
    "level",
    "fields",
    "target",
    "filename",
    "line_number",
    "span",
    "spans",
    "threadName",
    "threadId",
];

/// The keys a format writes itself, which a user's key must not take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reserved {
    /// Text lines (traced's, and tracing-subscriber's with traced's stamp): the context keys.
    Text,
    /// traced's JSON lines: the context keys, `timestamp`, `severity`, `target`, `message`,
    /// every `logging.googleapis.com/` key, and with a Google Cloud project (`gcp`) Cloud
    /// Logging's other special keys.
    Json {
        /// Whether a Google Cloud project is set.
        gcp: bool,
    },
    /// tracing-subscriber's JSON lines with traced's stamp: the context keys and
    /// tracing-subscriber's own top-level keys.
    TracingJson,
}

impl Reserved {
    /// Whether a user's key `key` must be written as `user.KEY`.
    #[inline]
    pub(crate) fn contains(self, key: &str) -> bool {
        is_context_key(key)
            || match self {
                Self::Text => false,
                Self::Json { gcp } => {
                    JSON_KEYS.contains(&key)
                        || key.starts_with(GCP_PREFIX)
                        || (gcp && GCP_KEYS.contains(&key))
                }
                Self::TracingJson => TRACING_JSON_KEYS.contains(&key),
            }
    }
}

/// The user keys written so far on one line, to give a repeated one a name of its own.
///
/// Reused from line to line (its buffers keep their capacity), so naming a key allocates
/// nothing once the buffers have grown to a line's keys.
#[derive(Debug, Default)]
pub(crate) struct WrittenKeys {
    /// The names, one after the other.
    names: String,
    /// Where each name ends in `names`.
    ends: Vec<usize>,
}

impl WrittenKeys {
    /// Forgets every name (for the next line).
    #[inline]
    pub(crate) fn clear(&mut self) {
        self.names.clear();
        self.ends.clear();
    }

    fn contains(&self, name: &str) -> bool {
        let mut start = 0;
        self.ends.iter().any(|&end| {
            let found = &self.names[start..end] == name;
            start = end;
            found
        })
    }

    /// The name under which a user's key `key` is written on this line, per the rule: `key`;
    /// `user.KEY` when `reserved` holds it; followed by `#N`, the lowest `N >= 2` not taken,
    /// when that name was already written. The name is then taken.
    pub(crate) fn name(&mut self, key: &str, reserved: Reserved) -> &str {
        let start = self.names.len();
        if reserved.contains(key) {
            self.names.push_str(USER_KEY_PREFIX);
        }
        self.names.push_str(key);
        if self.contains(&self.names[start..]) {
            let base = self.names.len();
            for n in 2_u32.. {
                self.names.truncate(base);
                self.names.push(REPEAT_SEPARATOR);
                // Decimal digits without `core::fmt`.
                let mut digits = [0_u8; 10];
                let mut at = digits.len();
                let mut rest = n;
                loop {
                    at -= 1;
                    digits[at] = b'0' + (rest % 10) as u8;
                    rest /= 10;
                    if rest == 0 {
                        break;
                    }
                }
                for &d in &digits[at..] {
                    self.names.push(char::from(d));
                }
                if !self.contains(&self.names[start..]) {
                    break;
                }
            }
        }
        self.ends.push(self.names.len());
        &self.names[start..]
    }
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn no_reserved_key_starts_with_the_prefix() {
        let json = Reserved::Json { gcp: true };
        let all = CONTEXT_KEYS
            .iter()
            .map(|(k, _)| *k)
            .chain(JSON_KEYS)
            .chain(GCP_KEYS)
            .chain([GCP_PREFIX]);
        for key in all {
            assert!(!key.starts_with(USER_KEY_PREFIX), "{key}");
            assert!(!key.contains(REPEAT_SEPARATOR), "{key}");
            assert!(json.contains(key), "{key}");
        }
        for key in TRACING_JSON_KEYS {
            assert!(!key.contains(REPEAT_SEPARATOR), "{key}");
            assert!(Reserved::TracingJson.contains(key), "{key}");
        }
        assert!(!Reserved::Json { gcp: false }.contains("time"));
        assert!(Reserved::Json { gcp: false }.contains("logging.googleapis.com/labels"));
        assert!(!json.contains("user.trace_id"));
        assert!(Reserved::Text.contains("trace_id"));
        assert!(!Reserved::Text.contains("message"));
    }

    #[test]
    fn a_repeated_key_gets_the_next_free_count() {
        let mut keys = WrittenKeys::default();
        let json = Reserved::Json { gcp: false };
        assert_eq!(keys.name("trace_id", json), "user.trace_id");
        assert_eq!(keys.name("user.trace_id", json), "user.trace_id#2");
        assert_eq!(keys.name("trace_id", json), "user.trace_id#3");
        assert_eq!(keys.name("a#2", json), "a#2");
        assert_eq!(keys.name("a", json), "a");
        assert_eq!(keys.name("a", json), "a#3");
        keys.clear();
        assert_eq!(keys.name("a", json), "a");
    }
}
