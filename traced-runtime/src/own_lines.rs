//! Where traced's own lines go: the access line of the server layers and the entry, exit and
//! error lines of `#[traced]`, whose key-values (`status`, `latency_ms`, `return`, `error`, the
//! arguments) are the point of the line.
//!
//! To the `log` logger, as any record; except when a tracing-subscriber output was given
//! traced's event format or layer and traced's logger is not installed (the
//! tracing-subscriber-first set-up): the `log` logger is then tracing-log's `LogTracer`, which
//! drops key-values, so the line goes to `tracing` as an event with them as fields (see
//! [`subscriber`](crate::subscriber#traceds-own-lines)).

#[cfg(feature = "tracing")]
use crate::output::installed;

/// Whether a line at `level` passes the static and the global `log` max level, as `log::log!`
/// checks before building a record (tracing-subscriber's `init()` sets the `log` max level to
/// its own filter's).
#[inline]
pub(crate) fn enabled(level: log::Level) -> bool {
    level <= log::STATIC_MAX_LEVEL && level <= log::max_level()
}

/// Logs one of traced's own lines at `level` under `target`, with the caller's module (given:
/// `module_path!()`), file and line.
#[cfg(feature = "tower")]
#[track_caller]
pub(crate) fn emit(
    level: log::Level,
    target: &str,
    module_path: &'static str,
    args: core::fmt::Arguments<'_>,
    kvs: &dyn log::kv::Source,
) {
    let caller = core::panic::Location::caller();
    log(&log::Record::builder()
        .level(level)
        .target(target)
        .args(args)
        .module_path_static(Some(module_path))
        .file_static(Some(caller.file()))
        .line(Some(caller.line()))
        .key_values(kvs)
        .build());
}

/// Logs one of traced's own lines.
pub(crate) fn log(record: &log::Record<'_>) {
    #[cfg(feature = "tracing")]
    if to_tracing() {
        crate::subscriber::dispatch_record(record);
        return;
    }
    log::logger().log(record);
}

/// Whether traced's own lines go to `tracing` rather than to the `log` logger.
#[cfg(feature = "tracing")]
#[inline]
fn to_tracing() -> bool {
    installed::subscriber() && !installed::get()
}
