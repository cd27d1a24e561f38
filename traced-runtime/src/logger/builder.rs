//! Configuring the ready-made logger ([`Logger`]): filter, format, timestamp, output.
//!
//! [`Builder::try_init`] itself is implemented in `crate::setup`, above both this module and
//! `crate::subscriber`, because it installs the `tracing` bridge as well.

use core::fmt;
use core::str::FromStr;
use std::error::Error;
use std::io::Write;
use std::sync::Once;

use ::log::{LevelFilter, SetLoggerError};

use super::TracedLogger;
use super::background::{Background, WhenFull};
use super::ready_made::{Logger, Style};
use super::writer::Output;
use crate::output::installed;

/// Environment variable selecting the output format: `text` (default) or `json`.
const FORMAT_ENV: &str = "TRACED_LOG_FORMAT";
/// Environment variable naming the Google Cloud project for Cloud Logging's trace keys.
const GCP_PROJECT_ENV: &str = "TRACED_GCP_PROJECT";
/// Environment variable switching the timestamp: `on` (default) or `off`.
const TIMESTAMP_ENV: &str = "TRACED_LOG_TIMESTAMP";

/// Parses a `TRACED_LOG_TIMESTAMP` value: `on`/`true`/`1`/`yes` or `off`/`false`/`0`/`no`/`none`,
/// ignoring ASCII case and surrounding whitespace.
fn parse_switch(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Some(true),
        "off" | "false" | "0" | "no" | "none" => Some(false),
        _ => None,
    }
}

/// Output format of the ready-made logger.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// `TIMESTAMP [trace_id] [span_id] LEVEL target: message key=value ...`.
    #[default]
    Text,
    /// One JSON object per line (see the [module docs](crate::logger)).
    Json,
}

impl FromStr for Format {
    type Err = ParseFormatError;

    /// Parses `text` or `json`, ignoring ASCII case and surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err(ParseFormatError(s.to_owned())),
        }
    }
}

/// A `TRACED_LOG_FORMAT` value (or [`Format`] string) that is neither `text` nor `json`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseFormatError(String);

impl fmt::Display for ParseFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown log format {:?}: expected `text` or `json`",
            self.0
        )
    }
}

impl Error for ParseFormatError {}

/// Configures the ready-made logger.
///
/// [`Builder::new`] reads the environment (`RUST_LOG`, `TRACED_LOG_FORMAT`,
/// `TRACED_LOG_TIMESTAMP`, `TRACED_GCP_PROJECT`); the methods override it.
///
/// ```
/// use traced_runtime::logger::{Builder, Format};
///
/// Builder::new()
///     .format(Format::Json)
///     .google_cloud_project("my-project")
///     .filter_level(log::LevelFilter::Debug)
///     .try_init()?;
/// # Ok::<(), log::SetLoggerError>(())
/// ```
pub struct Builder {
    filter: env_filter::Builder,
    writer: Option<Box<dyn Write + Send>>,
    non_blocking: Option<WhenFull>,
    queue_capacity: usize,
    format: Format,
    format_error: Option<ParseFormatError>,
    timestamp: bool,
    timestamp_error: Option<String>,
    gcp_project: Option<String>,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("format", &self.format)
            .field("timestamp", &self.timestamp)
            .field("gcp_project", &self.gcp_project)
            .field("non_blocking", &self.non_blocking)
            .field("queue_capacity", &self.queue_capacity)
            .finish_non_exhaustive()
    }
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// A builder with level filter from `RUST_LOG` (default `info`, env_logger's syntax, read by
    /// the [env_filter](https://docs.rs/env_filter) crate env_logger uses),
    /// format from `TRACED_LOG_FORMAT`, timestamps from `TRACED_LOG_TIMESTAMP` (default `on`)
    /// and Google Cloud project from `TRACED_GCP_PROJECT`.
    ///
    /// An unknown `TRACED_LOG_FORMAT` falls back to text, an unknown `TRACED_LOG_TIMESTAMP` to
    /// `on`; each is reported by a WARN record once the logger is installed.
    #[must_use]
    pub fn new() -> Self {
        let mut filter = env_filter::Builder::new();
        filter.filter_level(LevelFilter::Info);
        if let Ok(filters) = std::env::var("RUST_LOG") {
            filter.parse(&filters);
        }
        let (format, format_error) = match std::env::var(FORMAT_ENV) {
            Ok(value) => match value.parse() {
                Ok(format) => (format, None),
                Err(error) => (Format::Text, Some(error)),
            },
            Err(_) => (Format::Text, None),
        };
        let (timestamp, timestamp_error) = match std::env::var(TIMESTAMP_ENV) {
            Ok(value) => match parse_switch(&value) {
                Some(on) => (on, None),
                None => (true, Some(value)),
            },
            Err(_) => (true, None),
        };
        let gcp_project = std::env::var(GCP_PROJECT_ENV)
            .ok()
            .filter(|p| !p.is_empty());
        Self {
            filter,
            writer: None,
            non_blocking: None,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            format,
            format_error,
            timestamp,
            timestamp_error,
            gcp_project,
        }
    }

    /// Selects the output format.
    #[must_use]
    pub fn format(mut self, format: Format) -> Self {
        self.format = format;
        self.format_error = None;
        self
    }

    /// Writes an RFC 3339 timestamp in UTC with microseconds (`2026-11-23T19:26:44.123456Z`)
    /// first on every line (`true`, the default, as env_logger does), or none (`false`: for
    /// platforms that stamp lines themselves, and for output compared in tests). Replaces
    /// `TRACED_LOG_TIMESTAMP`. In JSON lines the timestamp is the `timestamp` key.
    #[must_use]
    pub fn timestamp(mut self, on: bool) -> Self {
        self.timestamp = on;
        self.timestamp_error = None;
        self
    }

    /// Adds Google Cloud Logging's special keys to JSON lines:
    /// `logging.googleapis.com/trace` (`projects/PROJECT/traces/TRACE_ID`),
    /// `logging.googleapis.com/spanId` and `logging.googleapis.com/trace_sampled`.
    #[must_use]
    pub fn google_cloud_project(mut self, project: impl Into<String>) -> Self {
        self.gcp_project = Some(project.into());
        self
    }

    /// Sets the level filter for every target, replacing `RUST_LOG`.
    #[must_use]
    pub fn filter_level(mut self, level: LevelFilter) -> Self {
        self.filter.filter_level(level);
        self
    }

    /// Adds filters in env_logger's `RUST_LOG` syntax (`warn,my_app=debug`).
    #[must_use]
    pub fn parse_filters(mut self, filters: &str) -> Self {
        self.filter.parse(filters);
        self
    }

    /// Hands lines to a background thread instead of writing them on the logging thread: a
    /// bounded queue ([`queue_capacity`](Self::queue_capacity), 1 MiB by default) that the
    /// thread writes in batches, one `write` per batch, so the logging thread never waits on
    /// the terminal, the pipe or the file. `when_full` says what a logging thread does when the
    /// queue is full: wait for room ([`WhenFull::Block`]) or drop the line
    /// ([`WhenFull::Drop`]: counted, [`Logger::dropped`], and reported by a WARN line).
    ///
    /// Every accepted line is written before the process exits normally: on return from `main`
    /// and in `std::process::exit` (a C runtime `atexit` handler), when a panic ends the process
    /// (a panic hook, which also covers `panic = "abort"`), and at `log::logger().flush()` or
    /// the drop of a [`FlushGuard`](super::FlushGuard). Not covered: a process killed by a
    /// signal (`SIGKILL`, an unhandled `SIGTERM`), `std::process::abort`, and exits that skip
    /// the C runtime (`libc::_exit`); lines still queued then are lost.
    ///
    /// Without it (the default), each line is written on the logging thread, in one `write`.
    #[must_use]
    pub fn non_blocking(mut self, when_full: WhenFull) -> Self {
        self.non_blocking = Some(when_full);
        self
    }

    /// Capacity in bytes of the [`non_blocking`](Self::non_blocking) queue (default 1 MiB,
    /// about 7,000 lines of 150 bytes). A single line longer than the queue is accepted into an
    /// empty queue.
    #[must_use]
    pub fn queue_capacity(mut self, bytes: usize) -> Self {
        self.queue_capacity = bytes;
        self
    }

    /// Writes lines to `writer` instead of stderr.
    #[must_use]
    pub fn writer(mut self, writer: Box<dyn Write + Send + 'static>) -> Self {
        self.writer = Some(writer);
        self
    }

    /// Builds the logger without installing it (for tests, or to wrap it further).
    #[must_use]
    pub fn build(self) -> TracedLogger<Logger> {
        let Self {
            mut filter,
            writer,
            non_blocking,
            queue_capacity,
            format,
            timestamp,
            gcp_project,
            ..
        } = self;
        let style = Style {
            format,
            timestamp,
            gcp_project,
        };
        let output = match (non_blocking, writer) {
            (None, Some(writer)) => Output::Writer(writer.into()),
            (None, None) => Output::Stderr,
            (Some(when_full), writer) => {
                let report = style.clone();
                let writer = writer.unwrap_or_else(|| Box::new(std::io::stderr()));
                match Background::start(
                    writer,
                    queue_capacity,
                    when_full,
                    Box::new(move |n| report.dropped_line(n)),
                ) {
                    Ok(background) => Output::Background(background),
                    // No thread to be had: write on the logging threads, to stderr.
                    Err(_) => Output::Stderr,
                }
            }
        };
        TracedLogger::new(Logger::new(filter.build(), style, output))
    }

    /// Installs the logger as the global `log` logger, sets the global max level to its
    /// filter's and records that traced's logger is installed; returns what is left to report
    /// once every part is installed (see [`Builder::try_init`]).
    pub(crate) fn install(mut self) -> Result<Unreported, SetLoggerError> {
        let unreported = Unreported {
            format_error: self.format_error.take(),
            timestamp_error: self.timestamp_error.take(),
        };
        let logger = self.build();
        let max_level = logger.inner().filter();
        ::log::set_boxed_logger(Box::new(logger))?;
        ::log::set_max_level(max_level);
        installed::set();
        Ok(unreported)
    }
}

/// Environment variables that held unknown values, reported once the logger is installed.
#[derive(Debug)]
pub(crate) struct Unreported {
    format_error: Option<ParseFormatError>,
    timestamp_error: Option<String>,
}

impl Unreported {
    /// Logs one WARN record per unknown value.
    pub(crate) fn report(self) {
        if let Some(error) = self.format_error {
            ::log::warn!(target: "traced_runtime", "{FORMAT_ENV}: {error}; using text");
        }
        if let Some(value) = self.timestamp_error {
            ::log::warn!(
                target: "traced_runtime",
                "{TIMESTAMP_ENV}: unknown value {value:?}: expected `on` or `off`; using on"
            );
        }
    }
}

/// Default capacity of the non-blocking queue in bytes.
const DEFAULT_QUEUE_CAPACITY: usize = 1 << 20;

/// Installs the ready-made logger configured from the environment ([`Builder::new`]).
///
/// # Errors
///
/// [`SetLoggerError`] when a `log` logger is already installed; nothing is installed then.
pub fn try_init() -> Result<(), SetLoggerError> {
    Builder::new().try_init()
}

/// Like [`try_init`], but does not fail: when another `log` logger is already installed, it is
/// kept, and `init` says so once on stderr (records keep going to that logger, without traced's
/// format). Calling `init` again after it succeeded is harmless and silent.
pub fn init() {
    static SAID: Once = Once::new();
    report_existing(try_init(), &SAID, &mut std::io::stderr());
}

/// `init`'s answer to `result`: one line on `out` the first time another logger was in place.
fn report_existing(result: Result<(), SetLoggerError>, said: &Once, out: &mut dyn Write) {
    if result.is_err() && !installed::get() {
        said.call_once(|| {
            // Nothing better to do when stderr itself fails.
            let _ = writeln!(out, "{ALREADY_INSTALLED}");
        });
    }
}

/// What [`init`] writes to stderr when another `log` logger is already installed.
const ALREADY_INSTALLED: &str = "traced_runtime::logger::init: another `log` logger is already \
     installed, so traced's logger was not; records keep going to it. To add the trace ids \
     there: wrap that logger in `traced_runtime::logger::TracedLogger`, or, for \
     tracing-subscriber, give it `traced_runtime::subscriber::text()` (or `json()`) as event \
     format (feature `tracing`).";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_says_once_that_another_logger_is_installed() {
        struct Other;
        impl ::log::Log for Other {
            fn enabled(&self, _: &::log::Metadata<'_>) -> bool {
                false
            }
            fn log(&self, _: &::log::Record<'_>) {}
            fn flush(&self) {}
        }
        // This unit-test binary installs no logger of its own: `Other` comes first.
        let _ = ::log::set_logger(&Other);
        let said = Once::new();
        let mut out = Vec::new();
        for _ in 0..3 {
            report_existing(try_init(), &said, &mut out);
        }
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(
            text.contains("another `log` logger is already installed"),
            "{text}"
        );
        assert!(!installed::get());
    }
}
