//! What a payload's context holds, member by member, as either reader (JSON text or any serde
//! format) found it; then the context built from the good members and the one WARN naming the
//! bad ones.

use core::fmt::{self, Write as _};
use std::borrow::Cow;

use super::{MAX_FIELDS, MAX_FIELDS_BYTES, MAX_PROBLEMS_NAMED, TARGET};
use crate::context::TraceContext;
use crate::propagation::{Baggage, TraceParent, TraceState};

/// The JSON type a member was found to have, for the WARN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shape {
    Number,
    Bool,
    Null,
    Array,
    Object,
    Bytes,
    /// A string that is not valid Unicode (a lone surrogate escape, invalid UTF-8).
    BadString,
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Number => "a number",
            Self::Bool => "a boolean",
            Self::Null => "null",
            Self::Array => "an array",
            Self::Object => "an object",
            Self::Bytes => "bytes",
            Self::BadString => "a string that is not valid Unicode",
        })
    }
}

/// The three carrier members, in the order they are written.
pub(super) const CARRIER_FIELDS: [&str; 3] = ["traceparent", "tracestate", "baggage"];
/// The user fields' member.
pub(super) const FIELDS_KEY: &str = "fields";

/// One carrier member as found.
#[derive(Default)]
enum Slot {
    #[default]
    Absent,
    Value(String),
    /// Wrong type, repeated, or otherwise unusable: already named in the problems.
    Bad,
}

/// Everything read from one payload's context.
#[derive(Default)]
pub(super) struct Members {
    carrier: [Slot; 3],
    fields: Vec<(String, String)>,
    fields_bytes: usize,
    fields_dropped: usize,
    /// The whole context could not be read (not an object or a string, or unreadable text).
    unreadable: Option<String>,
    problems: Problems,
}

impl Members {
    /// A bare traceparent string.
    pub(super) fn bare_traceparent(&mut self, value: String) {
        self.carrier[0] = Slot::Value(value);
    }

    /// The context is not an object or a string (`found`), or could not be read at all.
    pub(super) fn unreadable(&mut self, reason: impl fmt::Display) {
        self.unreadable = Some(reason.to_string());
    }

    /// Whether `key` names a carrier member.
    pub(super) fn is_carrier(key: &str) -> bool {
        CARRIER_FIELDS.contains(&key)
    }

    /// The carrier member `key` (one of [`CARRIER_FIELDS`]) with its value or the shape found.
    pub(super) fn carrier(&mut self, key: &str, value: Result<String, Shape>) {
        let Some(index) = CARRIER_FIELDS.iter().position(|name| *name == key) else {
            return;
        };
        let name = CARRIER_FIELDS[index];
        let slot = &mut self.carrier[index];
        *slot = match (&*slot, value) {
            (Slot::Absent, Ok(value)) => Slot::Value(value),
            (Slot::Absent, Err(shape)) => {
                self.problems
                    .add(format_args!("`{name}` is {shape}, not a string"));
                Slot::Bad
            }
            (_, _) => {
                self.problems
                    .add(format_args!("`{name}` appears more than once"));
                Slot::Bad
            }
        };
    }

    /// The `fields` member is not an object.
    pub(super) fn fields_not_an_object(&mut self, shape: impl fmt::Display) {
        self.problems
            .add(format_args!("`{FIELDS_KEY}` is {shape}, not an object"));
    }

    /// One entry of `fields`. `key` is `Err` (lossy text) when it is not valid Unicode; `value`
    /// is only decoded when the entry is kept, so that fields past the limits cost nothing but
    /// the scan.
    pub(super) fn field(
        &mut self,
        key: Result<Cow<'_, str>, String>,
        value: impl FnOnce() -> Result<String, Shape>,
    ) {
        let key = match key {
            Ok(key) => key,
            Err(lossy) => {
                self.problems.add(format_args!(
                    "field {} has a key that is not valid Unicode",
                    Name(&lossy)
                ));
                return;
            }
        };
        let existing = self.fields.iter().position(|(k, _)| *k == *key);
        let room = self.fields.len() < MAX_FIELDS;
        if existing.is_none() && !room {
            self.fields_dropped += 1;
            return;
        }
        let value = match value() {
            Ok(value) => value,
            Err(shape) => {
                self.problems.add(format_args!(
                    "field {} is {shape}, not a string",
                    Name(&key[..])
                ));
                return;
            }
        };
        match existing {
            Some(index) => {
                let old = &mut self.fields[index].1;
                let bytes = self.fields_bytes - old.len() + value.len();
                if bytes <= MAX_FIELDS_BYTES {
                    self.fields_bytes = bytes;
                    *old = value;
                } else {
                    self.fields_dropped += 1;
                }
            }
            None => {
                let bytes = self.fields_bytes + key.len() + value.len();
                if bytes <= MAX_FIELDS_BYTES {
                    self.fields_bytes = bytes;
                    self.fields.push((key.into_owned(), value));
                } else {
                    self.fields_dropped += 1;
                }
            }
        }
    }

    /// The context: the payload's trace when its traceparent is valid, a fresh root otherwise;
    /// with every good member; one WARN naming the bad ones.
    pub(super) fn finish(mut self) -> TraceContext {
        let [traceparent, tracestate, baggage] = core::mem::take(&mut self.carrier);
        let mut fresh_because = self.unreadable.take();
        let parsed = match traceparent {
            Slot::Value(value) => match TraceParent::parse(value.as_bytes()) {
                Ok(tp) => Some(tp),
                Err(error) => {
                    fresh_because.get_or_insert_with(|| format!("`traceparent`: {error}"));
                    None
                }
            },
            Slot::Absent => {
                fresh_because.get_or_insert_with(|| "no `traceparent`".to_owned());
                None
            }
            Slot::Bad => {
                fresh_because.get_or_insert_with(|| "no usable `traceparent`".to_owned());
                None
            }
        };
        let mut ctx = match parsed {
            Some(tp) => TraceContext::new(tp.trace_id(), Some(tp.parent_id()), tp.trace_flags()),
            None => TraceContext::new_root(),
        };
        // A tracestate only means something with its traceparent (Trace Context §3.3: "MUST NOT
        // attempt to parse tracestate" when traceparent failed).
        if let (Some(_), Slot::Value(value)) = (parsed, tracestate) {
            match TraceState::parse_joined([value.as_bytes()]) {
                Ok(tracestate) => ctx = ctx.with_tracestate(tracestate),
                Err(error) => self
                    .problems
                    .add(format_args!("`tracestate` dropped: {error}")),
            }
        }
        if let Slot::Value(value) = baggage {
            let strict = value.parse::<Baggage>();
            let baggage = strict.unwrap_or_else(|error| {
                self.problems.add(format_args!(
                    "`baggage`: {error}; kept its valid list-members"
                ));
                Baggage::parse_joined([value.as_bytes()])
            });
            ctx = ctx.with_baggage(baggage);
        }
        if self.fields_dropped > 0 {
            self.problems.add(format_args!(
                "{} fields past the limits ({MAX_FIELDS} fields, {MAX_FIELDS_BYTES} bytes) dropped",
                self.fields_dropped
            ));
        }
        // At most MAX_FIELDS entries, each added once: bounded work whatever the payload size.
        ctx = ctx.with_fields(self.fields);
        self.problems.warn(fresh_because.as_deref(), &ctx);
        ctx
    }
}

/// The problems found, the first [`MAX_PROBLEMS_NAMED`] described, the rest counted.
#[derive(Default)]
struct Problems {
    named: String,
    count: usize,
}

impl Problems {
    fn add(&mut self, problem: fmt::Arguments<'_>) {
        self.count += 1;
        if self.count <= MAX_PROBLEMS_NAMED {
            if !self.named.is_empty() {
                self.named.push_str("; ");
            }
            let _ = self.named.write_fmt(problem);
        }
    }

    /// One WARN for the payload, when anything was wrong.
    fn warn(&self, fresh_because: Option<&str>, ctx: &TraceContext) {
        let more = self.count.saturating_sub(MAX_PROBLEMS_NAMED);
        let more = More(more);
        match (fresh_because, self.named.as_str()) {
            (Some(reason), "") => ::log::warn!(
                target: TARGET,
                "garbled trace context in job payload ({reason}); continuing in fresh trace {}",
                ctx.trace_id()
            ),
            (Some(reason), named) => ::log::warn!(
                target: TARGET,
                "garbled trace context in job payload ({reason}; {named}{more}); continuing in \
                 fresh trace {}",
                ctx.trace_id()
            ),
            (None, "") => {}
            (None, named) => ::log::warn!(
                target: TARGET,
                "job payload trace context: {named}{more}; continuing trace {} with the rest",
                ctx.trace_id()
            ),
        }
    }
}

/// `; and N more` when problems were left unnamed.
struct More(usize);

impl fmt::Display for More {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => Ok(()),
            n => write!(f, "; and {n} more"),
        }
    }
}

/// A field name for the WARN: quoted, escaped, cut to 64 bytes (a key may be as long as the
/// payload).
struct Name<'a>(&'a str);

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 64;
        if self.0.len() <= MAX {
            return write!(f, "{:?}", self.0);
        }
        let mut end = MAX;
        while !self.0.is_char_boundary(end) {
            end -= 1;
        }
        write!(f, "{:?}...", &self.0[..end])
    }
}
