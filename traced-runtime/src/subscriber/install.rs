//! Installing [`LogLayer`] as the process's `tracing` subscriber, filtered like the `log`
//! logger it writes to (what `logger::init` does with the `tracing` feature).

use core::fmt;

use ::tracing::subscriber::Interest;
use ::tracing::{Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};

use super::bridge::{LogLayer, log_level};

/// The global filter of the subscriber [`install`] sets: a callsite is enabled when the `log`
/// logger would print its level and target, so disabled `tracing` events cost what they cost
/// under any other filtering subscriber (one cached check at the callsite).
struct LogFilter;

impl LogFilter {
    fn accepts(meta: &Metadata<'_>) -> bool {
        let level = log_level(*meta.level());
        level <= ::log::max_level()
            && ::log::logger().enabled(
                &::log::Metadata::builder()
                    .level(level)
                    .target(meta.target())
                    .build(),
            )
    }
}

impl<S: Subscriber> Layer<S> for LogFilter {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if Self::accepts(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
        Self::accepts(meta)
    }

    fn max_level_hint(&self) -> Option<tracing_subscriber::filter::LevelFilter> {
        use tracing_subscriber::filter::LevelFilter;
        Some(match ::log::max_level() {
            ::log::LevelFilter::Off => LevelFilter::OFF,
            ::log::LevelFilter::Error => LevelFilter::ERROR,
            ::log::LevelFilter::Warn => LevelFilter::WARN,
            ::log::LevelFilter::Info => LevelFilter::INFO,
            ::log::LevelFilter::Debug => LevelFilter::DEBUG,
            ::log::LevelFilter::Trace => LevelFilter::TRACE,
        })
    }
}

/// Another `tracing` subscriber was already the global default when traced's logger was
/// installed: `tracing` events go to that one, not to traced's output.
#[derive(Debug)]
pub(crate) struct SubscriberExists;

impl fmt::Display for SubscriberExists {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a global `tracing` subscriber was already installed, so `tracing` events are \
             written by it, not by traced's logger; to stamp them with the trace ids, give it \
             `traced_runtime::subscriber::text()` (or `json()`) as its event format, or add \
             `traced_runtime::subscriber::LogLayer` to it and drop its own output",
        )
    }
}

/// Makes a registry with [`LogLayer`] the global `tracing` subscriber, so that every `tracing`
/// event of the process reaches the `log` logger (traced's, installed just before).
pub(crate) fn install() -> Result<(), SubscriberExists> {
    let subscriber = tracing_subscriber::registry()
        .with(LogFilter)
        .with(LogLayer::new());
    ::tracing::subscriber::set_global_default(subscriber).map_err(|_| SubscriberExists)
}
