//! A `log` record as a `tracing` event whose fields are the record's key-values: how traced's
//! own lines (the access line, `#[traced]`'s entry, exit and error lines) reach a
//! tracing-subscriber output with `status`, `latency_ms`, `return`, `error` and the arguments as
//! fields (JSON keys), where tracing-log's `LogTracer` would keep only the message.

use core::fmt;

use log::kv::{self, Key, VisitSource};
use tracing_core::field::{DisplayValue, Field, Value, display};
use tracing_core::{Event, dispatcher};

use super::callsites::{self, Shape};

/// Fields of one event: `tracing` builds a value set from an array, up to this length.
const MAX_FIELDS: usize = 32;

/// Key-values that become fields; any beyond go into the message as ` key=value`, so that
/// none is lost.
const MAX_KEYS: usize = MAX_FIELDS - 1;

/// Sends `record` to the current `tracing` dispatcher as an event with the record's level,
/// target, module, file and line, its message as the `message` field, and one field per
/// key-value: numbers and booleans typed, strings as strings, anything else as its `Display`.
pub(crate) fn dispatch(record: &log::Record<'_>) {
    let mut pairs = Pairs(Vec::new());
    // `Pairs` never fails the visit.
    let _ = record.key_values().visit(&mut pairs);
    let pairs = pairs.0;
    let (named, rest) = pairs.split_at(pairs.len().min(MAX_KEYS));
    let keys: Vec<&str> = named.iter().map(|(key, _)| key.as_str()).collect();
    let callsite = callsites::get(&Shape {
        level: record.level(),
        target: record.target(),
        module_path: record.module_path(),
        file: record.file(),
        line: record.line(),
        keys: &keys,
    });
    if callsite.is_never() {
        return;
    }
    let meta = tracing_core::Callsite::metadata(callsite);
    dispatcher::get_default(|current| {
        if !current.enabled(meta) {
            return;
        }
        let Some((message_field, key_fields)) = callsite.fields().split_first() else {
            return;
        };
        let message = Message {
            args: record.args(),
            rest,
        };
        let message = display(&message);
        let values: Vec<FieldValue<'_>> = named.iter().map(|(_, v)| FieldValue::of(v)).collect();
        let mut entries: [(&Field, Option<&dyn Value>); MAX_FIELDS] =
            [(message_field, None); MAX_FIELDS];
        entries[0].1 = Some(&message);
        for ((entry, field), value) in entries[1..].iter_mut().zip(key_fields).zip(&values) {
            *entry = (field, Some(value.as_value()));
        }
        let value_set = meta.fields().value_set(&entries);
        current.event(&Event::new(meta, &value_set));
    });
}

/// The key-values of a record, in order.
struct Pairs<'kvs>(Vec<(Key<'kvs>, kv::Value<'kvs>)>);

impl<'kvs> VisitSource<'kvs> for Pairs<'kvs> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: kv::Value<'kvs>) -> Result<(), kv::Error> {
        self.0.push((key, value));
        Ok(())
    }
}

/// A key-value's value as a `tracing` value of the closest type.
enum FieldValue<'a> {
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(&'a str),
    Other(DisplayValue<&'a kv::Value<'a>>),
}

impl<'a> FieldValue<'a> {
    fn of(value: &'a kv::Value<'a>) -> Self {
        if let Some(b) = value.to_bool() {
            Self::Bool(b)
        } else if let Some(n) = value.to_u64() {
            Self::U64(n)
        } else if let Some(n) = value.to_i64() {
            Self::I64(n)
        } else if let Some(x) = value.to_f64() {
            Self::F64(x)
        } else if let Some(s) = value.to_borrowed_str() {
            Self::Str(s)
        } else {
            Self::Other(display(value))
        }
    }

    fn as_value(&self) -> &dyn Value {
        match self {
            Self::Bool(b) => b,
            Self::U64(n) => n,
            Self::I64(n) => n,
            Self::F64(x) => x,
            Self::Str(s) => s,
            Self::Other(d) => d,
        }
    }
}

/// The message, then ` key=value` for each key-value past [`MAX_KEYS`].
struct Message<'a> {
    args: &'a fmt::Arguments<'a>,
    rest: &'a [(Key<'a>, kv::Value<'a>)],
}

impl fmt::Display for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_fmt(*self.args)?;
        for (key, value) in self.rest {
            write!(f, " {key}={value}")?;
        }
        Ok(())
    }
}
