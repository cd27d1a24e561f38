//! The ready-made logger: env_logger's filtering and output, our text or JSON format.
//!
//! [`Builder::try_init`] itself is implemented in `crate::setup`, above both this module and
//! `crate::tracing`, because it installs the `tracing` bridge as well.

use core::fmt;
use core::str::FromStr;
use std::error::Error;
use std::io::Write;
use std::sync::Once;

use ::log::{LevelFilter, SetLoggerError};

use super::line::with_line;
use super::{TracedLogger, json, text};
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
    /// One JSON object per line (see the [module docs](crate::log)).
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
/// use traced_runtime::log::{Builder, Format};
///
/// Builder::new()
///     .format(Format::Json)
///     .google_cloud_project("my-project")
///     .filter_level(log::LevelFilter::Debug)
///     .try_init()?;
/// # Ok::<(), log::SetLoggerError>(())
/// ```
pub struct Builder {
    env: env_logger::Builder,
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
            .finish_non_exhaustive()
    }
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// A builder with level filter from `RUST_LOG` (default `info`, same syntax as env_logger),
    /// format from `TRACED_LOG_FORMAT`, timestamps from `TRACED_LOG_TIMESTAMP` (default `on`)
    /// and Google Cloud project from `TRACED_GCP_PROJECT`.
    ///
    /// An unknown `TRACED_LOG_FORMAT` falls back to text, an unknown `TRACED_LOG_TIMESTAMP` to
    /// `on`; each is reported by a WARN record once the logger is installed.
    #[must_use]
    pub fn new() -> Self {
        let mut env = env_logger::Builder::new();
        // Our formats never emit styles (and escape control characters in messages), so
        // "always" is a pass-through. Any other choice makes env_logger run anstream's
        // escape-stripping parser over every byte of every line whenever the output is not a
        // terminal (a pipe, a file, a container's stderr): about 40% of a line's cost.
        env.write_style(env_logger::WriteStyle::Always);
        env.filter_level(LevelFilter::Info);
        if let Ok(filters) = std::env::var("RUST_LOG") {
            env.parse_filters(&filters);
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
            env,
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
        self.env.filter_level(level);
        self
    }

    /// Adds filters in env_logger's `RUST_LOG` syntax (`warn,my_app=debug`).
    #[must_use]
    pub fn parse_filters(mut self, filters: &str) -> Self {
        self.env.parse_filters(filters);
        self
    }

    /// Writes lines to `writer` instead of stderr.
    #[must_use]
    pub fn writer(mut self, writer: Box<dyn Write + Send + 'static>) -> Self {
        self.env.target(env_logger::Target::Pipe(writer));
        // Pass-through, as in `new` (`Never` would strip escapes from every byte).
        self.env.write_style(env_logger::WriteStyle::Always);
        self
    }

    /// Builds the logger without installing it (for tests, or to wrap it further).
    #[must_use]
    pub fn build(self) -> TracedLogger<env_logger::Logger> {
        let Self {
            mut env,
            format,
            timestamp,
            gcp_project,
            ..
        } = self;
        match format {
            Format::Text => env.format(move |buf, record| {
                let mut now = Timestamp::default();
                let now = timestamp.then(|| now.of(buf));
                with_line(|line| {
                    text::format(line, record, now);
                    buf.write_all(line.text.as_bytes())
                })
            }),
            Format::Json => env.format(move |buf, record| {
                let mut now = Timestamp::default();
                let now = timestamp.then(|| now.of(buf));
                with_line(|line| {
                    json::format(line, record, now, gcp_project.as_deref());
                    buf.write_all(line.text.as_bytes())
                })
            }),
        };
        TracedLogger::new(env.build())
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

/// env_logger's timestamp (RFC 3339, UTC, microseconds: 27 bytes), formatted on the stack.
#[derive(Default)]
struct Timestamp {
    bytes: [u8; 32],
    len: usize,
}

impl Timestamp {
    fn of(&mut self, buf: &env_logger::fmt::Formatter) -> &str {
        struct Cursor<'a>(&'a mut Timestamp);
        impl fmt::Write for Cursor<'_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                let ts = &mut *self.0;
                let end = ts.len + s.len();
                ts.bytes
                    .get_mut(ts.len..end)
                    .ok_or(fmt::Error)?
                    .copy_from_slice(s.as_bytes());
                ts.len = end;
                Ok(())
            }
        }
        let _ = fmt::Write::write_fmt(
            &mut Cursor(self),
            format_args!("{}", buf.timestamp_micros()),
        );
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

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
const ALREADY_INSTALLED: &str = "traced_runtime::log::init: another `log` logger is already \
     installed, so traced's logger was not; records keep going to it. To add the trace ids \
     there: wrap that logger in `traced_runtime::log::TracedLogger`, or, for \
     tracing-subscriber, give it `traced_runtime::tracing::text()` (or `json()`) as event \
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
