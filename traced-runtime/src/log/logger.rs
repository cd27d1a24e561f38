//! The ready-made logger: `RUST_LOG` filtering (env_filter, the directive syntax env_logger
//! uses), traced's text or JSON line written into this thread's reused buffer, and the line
//! handed whole to the output.

use core::fmt;

use ::log::{LevelFilter, Log, Metadata, Record};

use super::builder::Format;
use super::line::{Line, with_line};
use super::writer::Output;
use super::{json, text, timestamp};

/// traced's ready-made `log` logger (see the [module docs](crate::log#ready-made-outputs)),
/// built by [`Builder::build`](super::Builder::build) and wrapped there in
/// [`TracedLogger`](super::TracedLogger), which stamps the context on each record first.
pub struct Logger {
    filter: env_filter::Filter,
    format: Format,
    timestamp: bool,
    gcp_project: Option<String>,
    output: Output,
}

impl fmt::Debug for Logger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Logger")
            .field("filter", &self.filter)
            .field("format", &self.format)
            .field("timestamp", &self.timestamp)
            .field("gcp_project", &self.gcp_project)
            .finish_non_exhaustive()
    }
}

impl Logger {
    pub(super) fn new(
        filter: env_filter::Filter,
        format: Format,
        timestamp: bool,
        gcp_project: Option<String>,
        output: Output,
    ) -> Self {
        Self {
            filter,
            format,
            timestamp,
            gcp_project,
            output,
        }
    }

    /// The most verbose level any of the filter's directives lets through (for
    /// `log::set_max_level`).
    #[must_use]
    pub fn filter(&self) -> LevelFilter {
        self.filter.filter()
    }

    /// Writes `record` as one line of the configured format into `line`.
    #[inline]
    fn format(&self, line: &mut Line, record: &Record<'_>) {
        let mut now = [0; timestamp::LEN];
        let now = self.timestamp.then(|| timestamp::now(&mut now));
        match self.format {
            Format::Text => text::format(line, record, now),
            Format::Json => json::format(line, record, now, self.gcp_project.as_deref()),
        }
    }

    /// Hands a finished record, and its line, to the output: the one place every line leaves
    /// the logger.
    #[inline]
    fn emit(&self, _record: &Record<'_>, line: &[u8]) {
        self.output.write(line);
    }
}

impl Log for Logger {
    #[inline]
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.filter.enabled(metadata)
    }

    fn log(&self, record: &Record<'_>) {
        if !self.filter.matches(record) {
            return;
        }
        with_line(|line| {
            self.format(line, record);
            self.emit(record, line.text.as_bytes());
        });
    }

    fn flush(&self) {
        self.output.flush();
    }
}
