//! The process-wide propagator set: what [`inject`](super::inject), [`extract`](super::extract)
//! and everything built on them use (the `tower` layers, the `reqwest` middleware, message
//! headers).

use std::sync::OnceLock;

use super::set::Propagators;

/// The environment variable OpenTelemetry configures propagators with
/// ([SDK configuration](https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#general-sdk-configuration)):
/// a comma-separated list of names (see [`Propagators::from_otel_names`]).
pub const OTEL_PROPAGATORS: &str = "OTEL_PROPAGATORS";

static GLOBAL: OnceLock<Propagators> = OnceLock::new();

/// The process-wide set.
///
/// Fixed on first use: the set given to [`set_global`], or else the one `OTEL_PROPAGATORS`
/// names, or else [`Propagators::w3c`]. Unknown names in the variable are skipped with one
/// WARN record (target `traced_runtime::propagation`); the known ones are used. After the
/// first call, one atomic load.
#[must_use]
pub fn global() -> &'static Propagators {
    GLOBAL.get_or_init(from_env)
}

/// Chooses the process-wide set; call it at start-up, before the first request.
///
/// # Errors
///
/// Gives `propagators` back when the set was already fixed (by an earlier call, or by a first
/// [`global`] use).
pub fn set_global(propagators: Propagators) -> Result<(), Propagators> {
    GLOBAL.set(propagators)
}

fn from_env() -> Propagators {
    let Ok(names) = std::env::var(OTEL_PROPAGATORS) else {
        return Propagators::w3c();
    };
    match Propagators::from_otel_names(&names) {
        Ok(set) => set,
        Err(_) => {
            let (known, unknown): (Vec<&str>, Vec<&str>) = names
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .partition(|n| n.parse::<crate::header::Format>().is_ok());
            ::log::warn!(
                target: "traced_runtime::propagation",
                "{OTEL_PROPAGATORS}: unknown propagators {unknown:?} skipped"
            );
            Propagators::from_otel_names(&known.join(",")).unwrap_or_default()
        }
    }
}
