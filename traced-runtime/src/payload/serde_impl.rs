//! `Serialize` / `Deserialize` for [`TraceContext`]: the W3C carrier members plus `fields`.
//!
//! Deserializing first asks for the value as raw JSON text (what serde_json's `RawValue` asks
//! for): serde_json then only checks the value's structure, so neither a number out of range nor
//! a lone surrogate can fail the job, and [`json`](super::json) reads the members one by one.
//! Any other format answers with the value itself, read here through `deserialize_any`.

use core::fmt;
use std::borrow::Cow;
use std::collections::HashMap;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

use super::json;
use super::members::{CARRIER_FIELDS, FIELDS_KEY, Members, Shape};
use crate::context::TraceContext;
use crate::propagation::w3c_inject as inject;

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
        deserializer.deserialize_newtype_struct(json::RAW_VALUE_TOKEN, Entry)
    }
}

/// Visitor methods for the shapes a context (or one of its members) must not have: each
/// consumes the value and hands its [`Shape`] to `$wrong`.
macro_rules! wrong_shapes {
    ($value:ty, $wrong:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<$value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(($wrong)(self, Shape::Array))
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<$value, E> {
            Ok(($wrong)(self, Shape::Bool))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<$value, E> {
            Ok(($wrong)(self, Shape::Number))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<$value, E> {
            Ok(($wrong)(self, Shape::Number))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<$value, E> {
            Ok(($wrong)(self, Shape::Number))
        }
        fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<$value, E> {
            Ok(($wrong)(self, Shape::Bytes))
        }
        fn visit_unit<E: de::Error>(self) -> Result<$value, E> {
            Ok(($wrong)(self, Shape::Null))
        }
        fn visit_none<E: de::Error>(self) -> Result<$value, E> {
            Ok(($wrong)(self, Shape::Null))
        }
    };
}

/// The first visitor: serde_json hands it the raw text (a one-entry map keyed by the raw-value
/// token); other formats hand it the value (through `visit_newtype_struct`, or directly).
struct Entry;

impl<'de> Visitor<'de> for Entry {
    type Value = TraceContext;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a trace context map or a traceparent string")
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<TraceContext, D::Error> {
        d.deserialize_any(ContextVisitor(Members::default()))
            .map(Members::finish)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TraceContext, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            return Ok(Members::default().finish());
        };
        if first == json::RAW_VALUE_TOKEN {
            let raw = map.next_value::<RawText<'de>>()?;
            return Ok(json::read(&raw.0));
        }
        let mut members = Members::default();
        read_member(&mut members, &first, &mut map)?;
        read_members(&mut members, &mut map)?;
        Ok(members.finish())
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<TraceContext, E> {
        ContextVisitor(Members::default())
            .visit_str(value)
            .map(Members::finish)
    }

    wrong_shapes!(TraceContext, |_, shape| whole_context_is(shape));
}

/// A fresh root, the context being `shape`.
fn whole_context_is(shape: Shape) -> TraceContext {
    let mut members = Members::default();
    members.unreadable(format_args!("{shape}, neither an object nor a string"));
    members.finish()
}

/// The raw JSON text of the context (borrowed when the input allows).
struct RawText<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for RawText<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawText<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("raw JSON text")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(RawText(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawText(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(RawText(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(V)
    }
}

/// Reads a context given as a value of any self-describing format.
struct ContextVisitor(Members);

impl<'de> Visitor<'de> for ContextVisitor {
    type Value = Members;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a trace context map or a traceparent string")
    }

    fn visit_str<E: de::Error>(mut self, value: &str) -> Result<Members, E> {
        self.0.bare_traceparent(value.to_owned());
        Ok(self.0)
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Members, A::Error> {
        read_members(&mut self.0, &mut map)?;
        Ok(self.0)
    }

    wrong_shapes!(Members, |this: Self, shape| {
        let mut members = this.0;
        members.unreadable(format_args!("{shape}, neither an object nor a string"));
        members
    });
}

fn read_members<'de, A: MapAccess<'de>>(
    members: &mut Members,
    map: &mut A,
) -> Result<(), A::Error> {
    while let Some(key) = map.next_key::<String>()? {
        read_member(members, &key, map)?;
    }
    Ok(())
}

/// The value of the member `key`: a carrier string, the fields, or (a key from a newer version
/// of this crate) ignored.
fn read_member<'de, A: MapAccess<'de>>(
    members: &mut Members,
    key: &str,
    map: &mut A,
) -> Result<(), A::Error> {
    if Members::is_carrier(key) {
        let value = map.next_value::<StringOr>()?;
        members.carrier(key, value.0);
    } else if key == FIELDS_KEY {
        map.next_value_seed(FieldsSeed(members))?;
    } else {
        map.next_value::<IgnoredAny>()?;
    }
    Ok(())
}

/// A string, or the shape found instead (the value consumed either way).
struct StringOr(Result<String, Shape>);

impl<'de> Deserialize<'de> for StringOr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StringOr;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StringOr, E> {
                Ok(StringOr(Ok(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<StringOr, E> {
                Ok(StringOr(Ok(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StringOr, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(StringOr(Err(Shape::Object)))
            }
            wrong_shapes!(StringOr, |_, shape| StringOr(Err(shape)));
        }
        deserializer.deserialize_any(V)
    }
}

/// The `fields` object, entry by entry into [`Members::field`].
struct FieldsSeed<'m>(&'m mut Members);

impl<'de> de::DeserializeSeed<'de> for FieldsSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FieldsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of strings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value::<StringOr>()?;
            self.0.field(Ok(Cow::Owned(key)), || value.0);
        }
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.0.fields_not_an_object("a string");
        Ok(())
    }

    wrong_shapes!((), |this: Self, shape| this.0.fields_not_an_object(shape));
}
