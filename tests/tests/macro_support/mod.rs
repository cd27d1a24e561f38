//! Helpers shared by the `macro_*` integration tests (not a test target of its own).

#![allow(dead_code, unreachable_pub)]

use tests::Record;

/// The context keys the logger stamps on every record inside a trace.
const CONTEXT_KEYS: [&str; 3] = ["trace_id", "span_id", "parent_span_id"];

/// A record reduced to what the macro chose: level, target, message and its own key-values
/// (without the stamped ids).
#[derive(Debug, PartialEq, Eq)]
pub struct Line {
    pub level: log::Level,
    pub target: String,
    pub message: String,
    pub kvs: Vec<(String, String)>,
}

/// `Line` from a captured record.
pub fn line(record: &Record) -> Line {
    Line {
        level: record.level,
        target: record.target.clone(),
        message: record.message.clone(),
        kvs: record
            .kvs
            .iter()
            .filter(|(k, _)| !CONTEXT_KEYS.contains(&k.as_str()))
            .cloned()
            .collect(),
    }
}

/// The expected `Line`.
pub fn expect(level: log::Level, target: &str, message: &str, kvs: &[(&str, &str)]) -> Line {
    Line {
        level,
        target: target.to_owned(),
        message: message.to_owned(),
        kvs: kvs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

/// Lines of all records.
pub fn lines(records: &[Record]) -> Vec<Line> {
    records.iter().map(line).collect()
}

/// Sets the global max level for the rest of the test; restores TRACE (the capturing logger's
/// level) when dropped, also if the test panics.
pub struct MaxLevel;

impl MaxLevel {
    pub fn set(level: log::LevelFilter) -> Self {
        log::set_max_level(level);
        Self
    }
}

impl Drop for MaxLevel {
    fn drop(&mut self) {
        log::set_max_level(log::LevelFilter::Trace);
    }
}
