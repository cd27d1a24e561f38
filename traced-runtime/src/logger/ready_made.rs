//! The ready-made logger: `RUST_LOG` filtering (env_filter, the directive syntax env_logger
//! uses), traced's text or JSON line written into this thread's reused buffer, and the line
//! handed whole to the output.

use core::fmt;

use ::log::{LevelFilter, Log, Metadata, Record};

use super::builder::Format;
use super::line::{Line, with_line};
use super::writer::Output;
use super::{json, text, timestamp};

/// traced's ready-made `log` logger (see the [module docs](crate::logger#ready-made-outputs)),
/// built by [`Builder::build`](super::Builder::build) and wrapped there in
/// [`TracedLogger`](super::TracedLogger), which stamps the context on each record first.
pub struct Logger {
    filter: env_filter::Filter,
    style: Style,
    output: Output,
}

impl fmt::Debug for Logger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Logger")
            .field("filter", &self.filter)
            .field("style", &self.style)
            .finish_non_exhaustive()
    }
}

/// How a record becomes a line: the format and its options.
#[derive(Clone, Debug)]
pub(super) struct Style {
    pub(super) format: Format,
    pub(super) timestamp: bool,
    pub(super) gcp_project: Option<String>,
}

impl Style {
    /// Writes `record` as one line of the format into `line`.
    #[inline]
    pub(super) fn format(&self, line: &mut Line, record: &Record<'_>) {
        let mut now = [0; timestamp::LEN];
        let now = self.timestamp.then(|| timestamp::now(&mut now));
        match self.format {
            Format::Text => text::format(line, record, now),
            Format::Json => json::format(line, record, now, self.gcp_project.as_deref()),
        }
    }

    /// The line of a WARN record from traced saying `n` lines were dropped.
    pub(super) fn dropped_line(&self, n: u64) -> Vec<u8> {
        with_line(|line| {
            self.format(
                line,
                &Record::builder()
                    .level(::log::Level::Warn)
                    .target("traced_runtime")
                    .args(format_args!("{n} log lines dropped: the queue was full"))
                    .build(),
            );
            line.text.as_bytes().to_vec()
        })
    }
}

impl Logger {
    pub(super) fn new(filter: env_filter::Filter, style: Style, output: Output) -> Self {
        Self {
            filter,
            style,
            output,
        }
    }

    /// Lines dropped so far because the non-blocking queue was full (always 0 without
    /// [`Builder::non_blocking`](super::Builder::non_blocking) or with
    /// [`WhenFull::Block`](super::WhenFull::Block)). The writer also reports them in the output.
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.output.dropped()
    }

    /// The most verbose level any of the filter's directives lets through (for
    /// `log::set_max_level`).
    #[must_use]
    pub fn filter(&self) -> LevelFilter {
        self.filter.filter()
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
            self.style.format(line, record);
            self.emit(record, line.text.as_bytes());
        });
    }

    /// Writes what is buffered; with [`Builder::non_blocking`](super::Builder::non_blocking),
    /// waits until every line accepted so far is written.
    fn flush(&self) {
        self.output.flush();
    }
}
