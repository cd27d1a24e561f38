//! The ready-made logger: env_logger's filtering and output, our text or JSON format.

use core::fmt;
use core::str::FromStr;
use std::error::Error;
use std::io::Write;

use ::log::{LevelFilter, SetLoggerError};

use super::{TracedLogger, json, text};

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
                let now = timestamp.then(|| buf.timestamp_micros());
                text::format(buf, record, now)
            }),
            Format::Json => env.format(move |buf, record| {
                let now = timestamp.then(|| buf.timestamp_micros());
                json::format(buf, record, now, gcp_project.as_deref())
            }),
        };
        TracedLogger::new(env.build())
    }

    /// Installs the logger as the global `log` logger and sets the global max level to its
    /// filter's.
    ///
    /// # Errors
    ///
    /// [`SetLoggerError`] when a logger is already installed.
    pub fn try_init(mut self) -> Result<(), SetLoggerError> {
        let format_error = self.format_error.take();
        let timestamp_error = self.timestamp_error.take();
        let logger = self.build();
        let max_level = logger.inner().filter();
        ::log::set_boxed_logger(Box::new(logger))?;
        ::log::set_max_level(max_level);
        if let Some(error) = format_error {
            ::log::warn!(target: "traced_runtime", "{FORMAT_ENV}: {error}; using text");
        }
        if let Some(value) = timestamp_error {
            ::log::warn!(
                target: "traced_runtime",
                "{TIMESTAMP_ENV}: unknown value {value:?}: expected `on` or `off`; using on"
            );
        }
        Ok(())
    }
}

/// Installs the ready-made logger configured from the environment ([`Builder::new`]).
///
/// # Errors
///
/// [`SetLoggerError`] when a logger is already installed.
pub fn try_init() -> Result<(), SetLoggerError> {
    Builder::new().try_init()
}

/// Like [`try_init`], but keeps an already installed logger instead of failing, so calling it
/// twice (or after another logger) is harmless.
pub fn init() {
    // The existing logger stays in place: what an application calling `init` twice wants.
    let _already_installed = try_init();
}
