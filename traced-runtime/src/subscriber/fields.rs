//! A `tracing` event's or span's fields, copied out as typed values so that they can be handed
//! to `log` as key-values after the `tracing` callback that lent them has returned.

use core::fmt::{self, Write as _};

use ::log::kv::Value;
use ::tracing::field::{Field, Visit};

/// Name of the field that holds an event's message (`tracing::info!("text")`).
const MESSAGE: &str = "message";

/// One field's value, with its type kept where `log`'s key-values and JSON can keep it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Owned {
    /// `&str` values, and `Display` (`%x`) / `Debug` (`?x`) values rendered as text.
    Str(String),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
}

impl Owned {
    /// The value as a `log` key-value, borrowing the text.
    pub(crate) fn to_value(&self) -> Value<'_> {
        match self {
            Self::Str(text) => Value::from(text.as_str()),
            Self::I64(n) => Value::from(*n),
            Self::U64(n) => Value::from(*n),
            Self::F64(n) => Value::from(*n),
            Self::Bool(b) => Value::from(*b),
        }
    }
}

/// Fields in the order they were recorded; a field recorded again replaces its value in place.
#[derive(Clone, Debug, Default)]
pub(crate) struct FieldList {
    pub(crate) message: Option<String>,
    pub(crate) pairs: Vec<(&'static str, Owned)>,
}

impl FieldList {
    /// Sets `name`, replacing an earlier value of the same name.
    fn set(&mut self, name: &'static str, value: Owned) {
        match self.pairs.iter_mut().find(|(key, _)| *key == name) {
            Some(pair) => pair.1 = value,
            None => self.pairs.push((name, value)),
        }
    }

    /// Whether `name` is one of the fields.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.pairs.iter().any(|(key, _)| *key == name)
    }
}

impl Visit for FieldList {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let mut text = String::new();
        // Writing to a String fails only when the value's own `Debug` does; keep what it wrote.
        let _ = write!(text, "{value:?}");
        if field.name() == MESSAGE {
            self.message = Some(text);
        } else {
            self.set(field.name(), Owned::Str(text));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == MESSAGE {
            self.message = Some(value.to_owned());
        } else {
            self.set(field.name(), Owned::Str(value.to_owned()));
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.set(field.name(), Owned::Str(value.to_string()));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.set(field.name(), Owned::I64(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.set(field.name(), Owned::U64(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.set(field.name(), Owned::F64(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.set(field.name(), Owned::Bool(value));
    }
}
