//! Which of traced's outputs a service uses: whether traced's own logger is the global `log`
//! logger, and whether a tracing-subscriber output has been given traced's event format or
//! [`SpanContextLayer`](crate::subscriber::SpanContextLayer). Set where they are installed or
//! built; read by the `log` integration (values in the message text or not), by the `tracing`
//! bridge (forward events or not) and by the routing of traced's own lines (`crate::own_lines`).
//! Two facts, each stored once.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set once traced's logger is the global `log` logger.
static LOGGER: AtomicBool = AtomicBool::new(false);

/// Set once a tracing-subscriber output uses traced's format or layer.
static SUBSCRIBER: AtomicBool = AtomicBool::new(false);

/// Records that traced's logger is now the global `log` logger (a `log` logger, once set, stays).
#[cfg(feature = "env_logger")]
pub(crate) fn set() {
    LOGGER.store(true, Ordering::Release);
}

/// Whether traced's logger is the global `log` logger.
#[inline]
pub(crate) fn get() -> bool {
    LOGGER.load(Ordering::Acquire)
}

/// Records that a tracing-subscriber output was given traced's event format or layer: it shows
/// the fields of `tracing` events, so traced's own lines go to it as events
/// (`crate::own_lines`).
#[cfg(feature = "tracing")]
pub(crate) fn set_subscriber() {
    // A load first: a line formatted on every core must not keep one cache line bouncing.
    if !SUBSCRIBER.load(Ordering::Relaxed) {
        SUBSCRIBER.store(true, Ordering::Release);
    }
}

/// Whether a tracing-subscriber output uses traced's event format or layer.
#[inline]
pub(crate) fn subscriber() -> bool {
    SUBSCRIBER.load(Ordering::Acquire)
}
