//! Shared support for the integration tests in `tests/`: a capturing logger.
//!
//! `log` has one global logger per process, so [`capture`] installs a
//! [`TracedLogger`] around a recorder once, and serializes the tests of one binary
//! that use it: each test gets an empty record list and exclusive use of it until its
//! [`Capture`] guard drops.

use std::sync::{Mutex, MutexGuard, Once, PoisonError};

use log::kv::{Key, Value, VisitSource};
use traced_runtime::logger::TracedLogger;

/// One captured log record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The level.
    pub level: log::Level,
    /// The target.
    pub target: String,
    /// The formatted message.
    pub message: String,
    /// All key-values, in the order the record carried them.
    pub kvs: Vec<(String, String)>,
}

impl Record {
    /// The value of key `key`, if the record carries it.
    pub fn kv(&self, key: &str) -> Option<&str> {
        self.kvs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The `trace_id` key-value.
    pub fn trace_id(&self) -> Option<&str> {
        self.kv("trace_id")
    }

    /// The `span_id` key-value.
    pub fn span_id(&self) -> Option<&str> {
        self.kv("span_id")
    }

    /// The `parent_span_id` key-value.
    pub fn parent_span_id(&self) -> Option<&str> {
        self.kv("parent_span_id")
    }
}

static RECORDS: Mutex<Vec<Record>> = Mutex::new(Vec::new());
static SERIAL: Mutex<()> = Mutex::new(());

struct Recorder;

impl log::Log for Recorder {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        struct Collect(Vec<(String, String)>);
        impl<'kvs> VisitSource<'kvs> for Collect {
            fn visit_pair(
                &mut self,
                key: Key<'kvs>,
                value: Value<'kvs>,
            ) -> Result<(), log::kv::Error> {
                self.0.push((key.to_string(), value.to_string()));
                Ok(())
            }
        }
        let mut kvs = Collect(Vec::new());
        let _ = record.key_values().visit(&mut kvs);
        RECORDS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Record {
                level: record.level(),
                target: record.target().to_owned(),
                message: record.args().to_string(),
                kvs: kvs.0,
            });
    }

    fn flush(&self) {}
}

/// Exclusive access to the captured records of the running test.
pub struct Capture {
    _serial: MutexGuard<'static, ()>,
}

impl Capture {
    /// Every record captured since [`capture`] returned.
    pub fn records(&self) -> Vec<Record> {
        RECORDS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The messages captured since [`capture`] returned.
    pub fn messages(&self) -> Vec<String> {
        self.records().into_iter().map(|r| r.message).collect()
    }
}

/// Installs the capturing logger (once per process, max level TRACE), waits for other capturing
/// tests of this binary to finish, and clears the record list.
pub fn capture() -> Capture {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_boxed_logger(Box::new(TracedLogger::new(Recorder)))
            .expect("another logger was installed before the capturing logger");
        log::set_max_level(log::LevelFilter::Trace);
        // The recorder keeps key-values: the values need not be in the messages too.
        traced_runtime::logger::set_values_in_message(false);
    });
    let serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    RECORDS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clear();
    Capture { _serial: serial }
}
