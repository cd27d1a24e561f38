//! A guard that writes every queued line when it goes out of scope.

/// Flushes the global `log` logger when dropped: with traced's
/// [`non_blocking`](super::Builder::non_blocking) output, waits until every line accepted so far
/// is written. Hold it in `main` for a flush that does not depend on the C runtime's exit
/// handlers (see [`Builder::non_blocking`](super::Builder::non_blocking) for what those cover).
///
/// ```
/// use traced_runtime::logger::{Builder, FlushGuard, WhenFull};
///
/// let _flush = FlushGuard::new();
/// Builder::new().non_blocking(WhenFull::Block).try_init()?;
/// log::info!("written before main returns");
/// # Ok::<(), log::SetLoggerError>(())
/// ```
#[derive(Debug, Default)]
#[must_use = "the guard flushes when dropped: bind it to a variable (`let _flush = ...`)"]
pub struct FlushGuard(());

impl FlushGuard {
    /// A guard for the global logger.
    pub const fn new() -> Self {
        Self(())
    }
}

impl Drop for FlushGuard {
    fn drop(&mut self) {
        ::log::logger().flush();
        super::background::flush_all();
    }
}
