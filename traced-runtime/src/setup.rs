//! The combined set-up, above both integrations: [`Builder::try_init`] installs traced's `log`
//! logger and, with the `tracing` feature, the bridge that hands every `tracing` event to it.
//! `crate::logger` and `crate::subscriber` do not import each other; only this module sees both.

use ::log::SetLoggerError;

use crate::logger::Builder;

impl Builder {
    /// Installs the logger as the global `log` logger and sets the global max level to its
    /// filter's.
    ///
    /// With the `tracing` feature, also makes traced's logger the output of every `tracing`
    /// event (see the `subscriber` module), unless a global `tracing` subscriber is already
    /// installed: then `tracing` events stay with that subscriber and the logger writes one WARN
    /// line saying so.
    ///
    /// # Errors
    ///
    /// [`SetLoggerError`] when a `log` logger is already installed (another back end, or
    /// tracing-subscriber's `LogTracer`); nothing is installed then.
    pub fn try_init(self) -> Result<(), SetLoggerError> {
        let unreported = self.install()?;
        unreported.report();
        #[cfg(feature = "tracing")]
        if let Err(error) = crate::subscriber::install() {
            ::log::warn!(target: "traced_runtime", "{error}");
        }
        Ok(())
    }
}
