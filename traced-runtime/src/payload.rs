//! Trace context in job payloads: enqueue inside a trace, continue it in the worker, also across
//! retries.
//!
//! A job queue is a carrier like HTTP headers, so the context travels in its W3C form: the
//! [traceparent](https://www.w3.org/TR/trace-context/#traceparent-header) string (plus
//! `tracestate` and `baggage` when present) and the context's user fields. With the `serde`
//! feature, `TraceContext` implements `Serialize` and `Deserialize` as
//!
//! ```json
//! {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
//!  "fields": {"account_id": "account-456"}}
//! ```
//!
//! so a payload struct can hold an `Option<TraceContext>`. Deserializing never fails because of
//! the context: a garbled one (a bad traceparent, a number where an object was expected) becomes
//! a fresh root trace, with one WARN record saying why, and the rest of the payload is kept.
//! A bare traceparent string is accepted too. A missing context is handled by [`resume`].
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! use serde::{Deserialize, Serialize};
//! use traced_runtime::TraceContext;
//!
//! #[derive(Serialize, Deserialize)]
//! struct Job {
//!     lead_id: u64,
//!     trace: Option<TraceContext>,
//! }
//!
//! let ctx = TraceContext::new_root().child().with_field("account_id", "account-456");
//! let json = serde_json::to_string(&Job { lead_id: 7, trace: Some(ctx.clone()) }).unwrap();
//!
//! // In the worker, possibly on another machine, possibly on the third retry:
//! let job: Job = serde_json::from_str(&json).unwrap();
//! let remote = traced_runtime::payload::resume(job.trace);
//! assert_eq!(remote.trace_id(), ctx.trace_id());
//! assert_eq!(remote.span_id(), ctx.span_id()); // the enqueuing span, parent of the worker's
//! assert_eq!(remote.fields().get("account_id"), Some("account-456"));
//! # }
//! ```

use crate::context::TraceContext;

/// Log target of the payload warnings.
const TARGET: &str = "traced_runtime::payload";

/// The context a worker continues: the payload's context, or a fresh root trace when the payload
/// carried none (logged once at WARN).
///
/// Open the worker's own span with [`TraceContext::child`] (or call a `#[traced(span)]`
/// function inside [`TraceContext::in_scope`]).
#[must_use]
pub fn resume(payload_context: Option<TraceContext>) -> TraceContext {
    payload_context.unwrap_or_else(|| {
        let root = TraceContext::new_root();
        ::log::warn!(
            target: TARGET,
            "job payload carries no trace context; continuing in fresh trace {}",
            root.trace_id()
        );
        root
    })
}

#[cfg(feature = "serde")]
mod serde_impl {
    use core::fmt;
    use std::collections::HashMap;

    use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde::ser::{Serialize, SerializeMap, Serializer};

    use super::TARGET;
    use crate::context::TraceContext;
    use crate::propagation::{extract, inject};

    /// Visitor methods for the value shapes a payload field must not have: each consumes the
    /// value and returns `$fallback`, so a wrong shape never fails the whole payload.
    macro_rules! other_shapes {
        ($value:ty, $fallback:expr) => {
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<$value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok($fallback)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<$value, E> {
                Ok($fallback)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<$value, E> {
                Ok($fallback)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<$value, E> {
                Ok($fallback)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<$value, E> {
                Ok($fallback)
            }
            fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<$value, E> {
                Ok($fallback)
            }
            fn visit_unit<E: de::Error>(self) -> Result<$value, E> {
                Ok($fallback)
            }
        };
    }

    /// The carrier fields a payload holds, in the order they are written.
    const CARRIER_FIELDS: [&str; 3] = ["traceparent", "tracestate", "baggage"];
    const FIELDS_KEY: &str = "fields";

    impl Serialize for TraceContext {
        /// Writes `{"traceparent": .., "tracestate": .., "baggage": .., "fields": {..}}`, leaving
        /// out what is absent.
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut carrier = HashMap::new();
            inject(self, &mut carrier);
            let mut map = serializer.serialize_map(None)?;
            for name in CARRIER_FIELDS {
                if let Some(value) = carrier.get(name) {
                    map.serialize_entry(name, value)?;
                }
            }
            if !self.fields().is_empty() {
                map.serialize_entry(FIELDS_KEY, &FieldsMap(self))?;
            }
            map.end()
        }
    }

    struct FieldsMap<'a>(&'a TraceContext);

    impl Serialize for FieldsMap<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_map(self.0.fields().iter())
        }
    }

    impl<'de> Deserialize<'de> for TraceContext {
        /// Reads what [`Serialize`] writes, or a bare traceparent string. Never fails on a
        /// garbled context: see the [module docs](crate::payload).
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(ContextVisitor)
        }
    }

    struct ContextVisitor;

    /// A fresh root, after saying why the payload's context could not be used.
    fn garbled(reason: fmt::Arguments<'_>) -> TraceContext {
        let root = TraceContext::new_root();
        ::log::warn!(
            target: TARGET,
            "garbled trace context in job payload ({reason}); continuing in fresh trace {}",
            root.trace_id()
        );
        root
    }

    fn from_carrier(carrier: &HashMap<String, String>) -> TraceContext {
        extract(carrier).unwrap_or_else(|error| garbled(format_args!("{error}")))
    }

    impl<'de> Visitor<'de> for ContextVisitor {
        type Value = TraceContext;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a trace context map or a traceparent string")
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<TraceContext, E> {
            let carrier = HashMap::from([("traceparent".to_owned(), value.to_owned())]);
            Ok(from_carrier(&carrier))
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TraceContext, A::Error> {
            let mut carrier = HashMap::new();
            let mut fields = Vec::new();
            let mut garbled_value = None;
            while let Some(key) = map.next_key::<String>()? {
                if CARRIER_FIELDS.contains(&key.as_str()) {
                    match map.next_value::<Lenient<String>>()?.0 {
                        Some(value) => {
                            carrier.insert(key, value);
                        }
                        None => garbled_value = Some(key),
                    }
                } else if key == FIELDS_KEY {
                    match map.next_value::<Lenient<HashMapOrdered>>()?.0 {
                        Some(HashMapOrdered(entries)) => fields = entries,
                        None => garbled_value = Some(key),
                    }
                } else {
                    // Keys from a newer version of this crate: ignored, not an error.
                    map.next_value::<IgnoredAny>()?;
                }
            }
            let ctx = match garbled_value {
                Some(key) => garbled(format_args!("`{key}` is not a string")),
                None => from_carrier(&carrier),
            };
            // User fields are business data (account ids, job ids): keep them even when the
            // ids had to be replaced.
            Ok(fields
                .into_iter()
                .fold(ctx, |ctx, (key, value)| ctx.with_field(key, value)))
        }

        other_shapes!(
            TraceContext,
            garbled(format_args!("neither an object nor a string"))
        );
    }

    /// `Some(T)` when the value has T's shape, `None` (value consumed) otherwise.
    struct Lenient<T>(Option<T>);

    impl<'de> Deserialize<'de> for Lenient<String> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Lenient<String>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("any value")
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                    Ok(Lenient(Some(v.to_owned())))
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                    Ok(Lenient(None))
                }
                other_shapes!(Self::Value, Lenient(None));
            }
            deserializer.deserialize_any(V)
        }
    }

    /// The `fields` object: string keys to string values, in payload order.
    struct HashMapOrdered(Vec<(String, String)>);

    impl<'de> Deserialize<'de> for Lenient<HashMapOrdered> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Lenient<HashMapOrdered>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an object of strings")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    let mut entries = Vec::new();
                    let mut garbled = false;
                    while let Some(key) = map.next_key::<String>()? {
                        match map.next_value::<Lenient<String>>()?.0 {
                            Some(value) => entries.push((key, value)),
                            None => garbled = true,
                        }
                    }
                    Ok(Lenient((!garbled).then_some(HashMapOrdered(entries))))
                }
                fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                    Ok(Lenient(None))
                }
                other_shapes!(Self::Value, Lenient(None));
            }
            deserializer.deserialize_any(V)
        }
    }
}
