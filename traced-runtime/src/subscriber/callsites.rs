//! `tracing` callsites made at run time, one per shape of line (level, target, module, file,
//! line and key names), for traced's own lines sent to `tracing` as events
//! ([`from_log`](super::from_log)).
//!
//! `tracing` knows an event's field names from its callsite, a `'static` value that macros
//! write as a `static`. traced's lines are `log` records whose key names are known only when
//! they are logged, so each new shape gets a callsite made once, leaked, registered with
//! `tracing` (which then asks every subscriber for its interest, as for a macro's callsite) and
//! found again by its hash. The shapes are those of traced's own lines: a few per `#[traced]`
//! function and per access-log target, bounded by the program's code, so the leak is too.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{LazyLock, OnceLock, PoisonError, RwLock};

use tracing_core::callsite::{self, Callsite};
use tracing_core::field::{Field, FieldSet};
use tracing_core::subscriber::Interest;
use tracing_core::{Kind, Level, Metadata, identify_callsite};

use crate::output::keys::{Reserved, WrittenKeys};

/// The name of the field holding the message, as `tracing`'s macros and formats call it.
const MESSAGE: &str = "message";

/// What a line's callsite stands for; `keys` are the key-values' keys in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shape<'a> {
    pub(crate) level: log::Level,
    pub(crate) target: &'a str,
    pub(crate) module_path: Option<&'a str>,
    pub(crate) file: Option<&'a str>,
    pub(crate) line: Option<u32>,
    pub(crate) keys: &'a [&'a str],
}

impl Shape<'_> {
    /// A hash of the parts that tell two of traced's lines apart cheaply: level, line, file and
    /// the number of keys (the full shape is compared on a hit). Every line looks its callsite
    /// up, so this is an FxHash-style multiply-rotate over those words rather than SipHash
    /// (five times the instructions here): the strings are the program's own, nothing an
    /// attacker picks to collide.
    fn hash(&self) -> u64 {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h: u64 = 0;
        let mut add = |word: u64| h = (h.rotate_left(5) ^ word).wrapping_mul(K);
        add(self.level as u64);
        add(u64::from(self.line.unwrap_or(0)));
        add(self.keys.len() as u64);
        for chunk in self.file.unwrap_or(self.target).as_bytes().chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            add(u64::from_le_bytes(word));
        }
        h
    }
}

/// A callsite made at run time: its metadata, the interest subscribers declared in it, and the
/// keys it was made for (its field names may differ: see [`field_names`]).
#[derive(Debug)]
pub(crate) struct RuntimeCallsite {
    /// Set right after the callsite is leaked, before it is registered or returned: the
    /// metadata's field set names the callsite, so it cannot exist first.
    meta: OnceLock<Metadata<'static>>,
    /// The metadata's fields, `message` first, kept so that an event need not collect them.
    fields: OnceLock<Box<[Field]>>,
    interest: AtomicU8,
    keys: &'static [&'static str],
}

const NEVER: u8 = 0;
const SOMETIMES: u8 = 1;
const ALWAYS: u8 = 2;

impl RuntimeCallsite {
    /// The fields, `message` first, then one per key in order.
    pub(crate) fn fields(&self) -> &[Field] {
        self.fields.get().map_or(&[], |fields| fields)
    }

    /// Whether every subscriber said it never wants this callsite's events.
    pub(crate) fn is_never(&self) -> bool {
        self.interest.load(Ordering::Relaxed) == NEVER
    }

    fn is(&self, shape: &Shape<'_>) -> bool {
        let meta = self.metadata();
        self.keys == shape.keys
            && meta.target() == shape.target
            && meta.level() == &level(shape.level)
            && meta.line() == shape.line
            && meta.file() == shape.file
            && meta.module_path() == shape.module_path
    }
}

impl Callsite for RuntimeCallsite {
    fn set_interest(&self, interest: Interest) {
        let interest = if interest.is_never() {
            NEVER
        } else if interest.is_always() {
            ALWAYS
        } else {
            SOMETIMES
        };
        self.interest.store(interest, Ordering::Relaxed);
    }

    fn metadata(&self) -> &Metadata<'static> {
        // `make` sets the metadata before anyone can reach the callsite; the fallback only
        // spares this function a panic path.
        self.meta.get().unwrap_or(&UNSET)
    }
}

/// The callsite behind [`UNSET`], never registered.
struct Unset;

impl Callsite for Unset {
    fn set_interest(&self, _interest: Interest) {}

    fn metadata(&self) -> &Metadata<'static> {
        &UNSET
    }
}

static UNSET_CALLSITE: Unset = Unset;

static UNSET: Metadata<'static> = Metadata::new(
    "unset",
    "traced_runtime",
    Level::TRACE,
    None,
    None,
    None,
    FieldSet::new(&[], identify_callsite!(&UNSET_CALLSITE)),
    Kind::EVENT,
);

/// Every callsite made so far, by the hash of its shape (several per hash on a collision).
static CALLSITES: LazyLock<Callsites> = LazyLock::new(Callsites::default);

#[derive(Default)]
struct Callsites {
    by_hash: RwLock<HashMap<u64, Vec<&'static RuntimeCallsite>>>,
}

/// The callsite of `shape`, made and registered the first time the shape is seen.
pub(crate) fn get(shape: &Shape<'_>) -> &'static RuntimeCallsite {
    let callsites = &*CALLSITES;
    let hash = shape.hash();
    let find = |map: &HashMap<u64, Vec<&'static RuntimeCallsite>>| {
        map.get(&hash)?.iter().copied().find(|cs| cs.is(shape))
    };
    // A panic elsewhere while the lock was held left the map whole (entries are only pushed).
    if let Some(found) = find(
        &callsites
            .by_hash
            .read()
            .unwrap_or_else(PoisonError::into_inner),
    ) {
        return found;
    }
    let made = {
        let mut map = callsites
            .by_hash
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = find(&map) {
            return found;
        }
        let made = make(shape);
        map.entry(hash).or_default().push(made);
        made
    };
    // Outside the lock: registering calls every subscriber's `register_callsite`, which may do
    // anything, log included. Until then the callsite's interest is "sometimes": each event
    // asks `enabled`, which is right, only slower.
    callsite::register(made);
    made
}

/// The callsite of `shape`, not yet registered (`callsite::register` asks every subscriber for
/// its interest, stored through `set_interest`, and lets `rebuild_interest_cache` reach the
/// callsite later).
fn make(shape: &Shape<'_>) -> &'static RuntimeCallsite {
    let keys: &'static [&'static str] = shape
        .keys
        .iter()
        .map(|key| leak(key))
        .collect::<Vec<_>>()
        .leak();
    let callsite: &'static RuntimeCallsite = Box::leak(Box::new(RuntimeCallsite {
        meta: OnceLock::new(),
        fields: OnceLock::new(),
        interest: AtomicU8::new(SOMETIMES),
        keys,
    }));
    let name = match (shape.file, shape.line) {
        (Some(file), Some(line)) => leak(&format!("event {file}:{line}")),
        _ => "event",
    };
    let meta = Metadata::new(
        name,
        leak(shape.target),
        level(shape.level),
        shape.file.map(leak),
        shape.line,
        shape.module_path.map(leak),
        FieldSet::new(field_names(keys), identify_callsite!(callsite)),
        Kind::EVENT,
    );
    let fields = meta.fields().iter().collect();
    // The cells are fresh: these are their only writes.
    let _ = callsite.meta.set(meta);
    let _ = callsite.fields.set(fields);
    callsite
}

/// `message`, then the keys, each named by traced's one rule (`user.trace_id` for a key-value
/// called `trace_id`, `message#2` for one called `message`, `id#2` for a second `id`), so that
/// no event has two fields of one name and none passes for one of the ids the format stamps.
fn field_names(keys: &[&str]) -> &'static [&'static str] {
    let mut written = WrittenKeys::default();
    let mut names = Vec::with_capacity(keys.len() + 1);
    for key in core::iter::once(&MESSAGE).chain(keys) {
        names.push(leak(written.name(key, Reserved::Text)));
    }
    names.leak()
}

fn leak(s: &str) -> &'static str {
    Box::leak(Box::from(s))
}

fn level(level: log::Level) -> Level {
    match level {
        log::Level::Error => Level::ERROR,
        log::Level::Warn => Level::WARN,
        log::Level::Info => Level::INFO,
        log::Level::Debug => Level::DEBUG,
        log::Level::Trace => Level::TRACE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape<'a>(target: &'a str, keys: &'a [&'a str]) -> Shape<'a> {
        Shape {
            level: log::Level::Info,
            target,
            module_path: Some("app::orders"),
            file: Some("src/orders.rs"),
            line: Some(12),
            keys,
        }
    }

    #[test]
    fn one_shape_gets_one_callsite() {
        let first = get(&shape("app", &["status", "latency_ms"]));
        let again = get(&shape(&String::from("app"), &["status", "latency_ms"]));
        assert!(core::ptr::eq(first, again));
        let other = get(&shape("app", &["latency_ms", "status"]));
        assert!(!core::ptr::eq(first, other));
        let meta = first.metadata();
        assert_eq!(meta.target(), "app");
        assert_eq!(meta.level(), &Level::INFO);
        assert_eq!(meta.file(), Some("src/orders.rs"));
        assert_eq!(meta.line(), Some(12));
        assert_eq!(meta.name(), "event src/orders.rs:12");
        let names: Vec<_> = meta.fields().iter().map(|f| f.name()).collect();
        assert_eq!(names, ["message", "status", "latency_ms"]);
    }

    #[test]
    fn no_two_fields_share_a_name() {
        let cs = get(&shape("dup", &["message", "id", "id", "trace_id"]));
        let names: Vec<_> = cs.metadata().fields().iter().map(|f| f.name()).collect();
        assert_eq!(
            names,
            ["message", "message#2", "id", "id#2", "user.trace_id"]
        );
    }
}
