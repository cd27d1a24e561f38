//! Reads a context from its raw JSON text, member by member, so that a bad member costs only
//! itself.
//!
//! serde_json has already checked the text's structure (its raw-value path only skips the
//! value); what it rejects when decoding, a number out of `f64`'s range or a lone surrogate
//! escape, is confined here to the one member that holds it. Keys are read as bytes (which
//! serde_json decodes leniently) and checked for Unicode here; values are kept raw and decoded
//! one by one, and only when they are used.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::members::{FIELDS_KEY, Members, Shape};
use crate::context::TraceContext;

/// The newtype-struct name by which serde_json's `RawValue` asks a deserializer for raw JSON
/// text (`serde_json::raw::TOKEN`; serde_json answers with a one-entry map keyed by it).
pub(super) const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// The context in the JSON text `raw` (well-formed JSON, as serde_json checked).
pub(super) fn read(raw: &str) -> TraceContext {
    let mut members = Members::default();
    let text = raw.trim_start();
    match text.as_bytes().first() {
        Some(b'{') => {
            let mut de = serde_json::Deserializer::from_str(text);
            if let Err(error) = de.deserialize_map(Top(&mut members)) {
                // Not expected of text serde_json has checked: say so, keep what was read.
                members.unreadable(format_args!("unreadable JSON: {error}"));
            }
        }
        Some(b'"') => match serde_json::from_str::<String>(text) {
            Ok(traceparent) => members.bare_traceparent(traceparent),
            Err(_) => members.unreadable(Shape::BadString),
        },
        _ => members.unreadable(format_args!(
            "{}, neither an object nor a string",
            shape_of(text)
        )),
    }
    members.finish()
}

/// The type of the JSON value `raw` begins (`raw` is never a valid string here).
fn shape_of(raw: &str) -> Shape {
    match raw.trim_start().as_bytes().first() {
        Some(b'{') => Shape::Object,
        Some(b'[') => Shape::Array,
        Some(b't' | b'f') => Shape::Bool,
        Some(b'n') => Shape::Null,
        Some(b'"') => Shape::BadString,
        _ => Shape::Number,
    }
}

/// The string the JSON value `raw` holds, or its shape.
fn string(raw: &RawValue) -> Result<String, Shape> {
    serde_json::from_str(raw.get()).map_err(|_| shape_of(raw.get()))
}

/// The context object: carrier members and `fields`; other keys ignored.
struct Top<'m>(&'m mut Members);

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a trace context object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let value = map.next_value::<&'de RawValue>()?;
            match key.0 {
                Ok(key) if Members::is_carrier(&key) => self.0.carrier(&key, string(value)),
                Ok(key) if key == FIELDS_KEY => read_fields(self.0, value),
                // Keys from a newer version of this crate (or not Unicode): not ours.
                _ => {}
            }
        }
        Ok(())
    }
}

/// The `fields` member: an object of strings.
fn read_fields(members: &mut Members, raw: &RawValue) {
    let text = raw.get();
    if !text.starts_with('{') {
        members.fields_not_an_object(match shape_of(text) {
            Shape::BadString => "a string".to_owned(),
            shape => shape.to_string(),
        });
        return;
    }
    let mut de = serde_json::Deserializer::from_str(text);
    if let Err(error) = de.deserialize_map(Fields(members)) {
        members.fields_not_an_object(format_args!("unreadable ({error})"));
    }
}

struct Fields<'m>(&'m mut Members);

impl<'de> Visitor<'de> for Fields<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of strings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let value = map.next_value::<&'de RawValue>()?;
            self.0.field(key.0, || string(value));
        }
        Ok(())
    }
}

/// An object key, decoded leniently: `Err` (lossy text, for the WARN) when it is not valid
/// Unicode. Borrowed when it has no escapes.
struct Key<'de>(Result<Cow<'de, str>, String>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Key<'de>, E> {
                Ok(Key(core::str::from_utf8(v)
                    .map(Cow::Borrowed)
                    .map_err(|_| String::from_utf8_lossy(v).into_owned())))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Key<'de>, E> {
                Ok(Key(match core::str::from_utf8(v) {
                    Ok(key) => Ok(Cow::Owned(key.to_owned())),
                    Err(_) => Err(String::from_utf8_lossy(v).into_owned()),
                }))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Ok(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Ok(Cow::Owned(v.to_owned()))))
            }
        }
        // serde_json decodes a key asked for as bytes without rejecting lone surrogates.
        deserializer.deserialize_bytes(V)
    }
}
