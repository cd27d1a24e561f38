//! Whether traced's own logger is the global `log` logger: set where it is installed, read by the
//! `log` integration (values in the message text or not) and by the `tracing` bridge (forward
//! events or not). One fact, stored once.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set once traced's logger is the global `log` logger.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Records that traced's logger is now the global `log` logger (a `log` logger, once set, stays).
#[cfg(feature = "env_logger")]
pub(crate) fn set() {
    INSTALLED.store(true, Ordering::Release);
}

/// Whether traced's logger is the global `log` logger.
#[inline]
pub(crate) fn get() -> bool {
    INSTALLED.load(Ordering::Acquire)
}
