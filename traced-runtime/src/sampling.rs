//! Head sampling: whether a new root trace is sampled.
//!
//! The decision is made once, when a root starts ([`TraceContext::new_root`], or `#[traced]` with
//! no trace current), and stored in the sampled flag of
//! [trace-flags](https://www.w3.org/TR/trace-context/#sampled-flag); child spans, tasks, payloads
//! and outgoing requests inherit it, and an incoming `traceparent`'s flag is honoured as it is.
//! Unsampled traces keep their ids and their log lines; only the span export skips them.
//!
//! The samplers are those of the
//! [OpenTelemetry specification](https://opentelemetry.io/docs/specs/otel/trace/sdk/#built-in-samplers),
//! applied to roots: `always_on`, `always_off`, `traceidratio` (the same trace-id test as the
//! OpenTelemetry SDK, so every service makes the same decision for one trace-id), and their
//! `parentbased_*` forms, which are identical here because a context with a parent always keeps
//! the parent's flag.
//!
//! [`TraceContext::new_root`]: crate::TraceContext::new_root

use core::fmt;
use core::str::FromStr;
use std::error::Error;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::id::TraceId;

/// Roots whose trace-id's low 63 bits are below this are sampled. `u64::MAX`: always.
static THRESHOLD: AtomicU64 = AtomicU64::new(u64::MAX);

/// A head sampler for root traces.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sampler {
    /// Sample every trace (the default).
    AlwaysOn,
    /// Sample no trace: ids and logs only, nothing exported.
    AlwaysOff,
    /// Sample this fraction of traces, from `0.0` to `1.0` (clamped), decided by the trace-id.
    TraceIdRatio(f64),
}

impl Sampler {
    /// The threshold compared with the trace-id's low 63 bits, as the OpenTelemetry SDK's
    /// `TraceIdRatioBased` sampler does.
    fn threshold(self) -> u64 {
        match self {
            Self::AlwaysOn => u64::MAX,
            Self::AlwaysOff => 0,
            Self::TraceIdRatio(ratio) if ratio >= 1.0 => u64::MAX,
            Self::TraceIdRatio(ratio) if ratio > 0.0 => {
                // `ratio * 2^63` is below 2^63 here, so the cast is exact enough and in range.
                (ratio * (1u64 << 63) as f64) as u64
            }
            Self::TraceIdRatio(_) => 0,
        }
    }

    /// The sampler named by `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`, or `None` when
    /// `OTEL_TRACES_SAMPLER` is unset.
    ///
    /// # Errors
    ///
    /// [`ParseSamplerError`] for an unknown sampler name or a ratio that is not a number in
    /// `0.0..=1.0`.
    pub fn from_env() -> Result<Option<Self>, ParseSamplerError> {
        let Ok(name) = std::env::var("OTEL_TRACES_SAMPLER") else {
            return Ok(None);
        };
        let arg = std::env::var("OTEL_TRACES_SAMPLER_ARG").ok();
        Self::from_name(&name, arg.as_deref()).map(Some)
    }

    /// Parses an `OTEL_TRACES_SAMPLER` name with its optional `OTEL_TRACES_SAMPLER_ARG`
    /// (the ratio; default `1.0`).
    ///
    /// # Errors
    ///
    /// [`ParseSamplerError`] for an unknown name or a bad ratio.
    pub fn from_name(name: &str, arg: Option<&str>) -> Result<Self, ParseSamplerError> {
        match name.trim() {
            "always_on" | "parentbased_always_on" => Ok(Self::AlwaysOn),
            "always_off" | "parentbased_always_off" => Ok(Self::AlwaysOff),
            "traceidratio" | "parentbased_traceidratio" => {
                let ratio = match arg.map(str::trim) {
                    None | Some("") => 1.0,
                    Some(text) => text
                        .parse::<f64>()
                        .ok()
                        .filter(|r| (0.0..=1.0).contains(r))
                        .ok_or_else(|| ParseSamplerError::Ratio(text.to_owned()))?,
                };
                Ok(Self::TraceIdRatio(ratio))
            }
            other => Err(ParseSamplerError::Name(other.to_owned())),
        }
    }
}

impl FromStr for Sampler {
    type Err = ParseSamplerError;

    /// Parses a sampler name without argument (see [`Sampler::from_name`]).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_name(s, None)
    }
}

/// Why a sampler name or ratio was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseSamplerError {
    /// Not one of the OpenTelemetry sampler names this crate supports.
    Name(String),
    /// Not a number between 0.0 and 1.0.
    Ratio(String),
}

impl fmt::Display for ParseSamplerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(name) => write!(
                f,
                "unknown sampler {name:?}: expected one of always_on, always_off, traceidratio, \
                 parentbased_always_on, parentbased_always_off, parentbased_traceidratio"
            ),
            Self::Ratio(ratio) => {
                write!(
                    f,
                    "sampler ratio {ratio:?} is not a number between 0.0 and 1.0"
                )
            }
        }
    }
}

impl Error for ParseSamplerError {}

/// Sets the process-wide head sampler for roots started from now on.
pub fn set_sampler(sampler: Sampler) {
    THRESHOLD.store(sampler.threshold(), Ordering::Relaxed);
}

/// The sampling decision for a new root with this trace-id: one relaxed load and a compare.
#[inline]
pub(crate) fn sample_root(trace_id: TraceId) -> bool {
    let threshold = THRESHOLD.load(Ordering::Relaxed);
    if threshold == u64::MAX {
        return true;
    }
    let low = u128::from_be_bytes(trace_id.to_bytes()) as u64;
    (low >> 1) < threshold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!("always_on".parse(), Ok(Sampler::AlwaysOn));
        assert_eq!("parentbased_always_off".parse(), Ok(Sampler::AlwaysOff));
        assert_eq!(
            Sampler::from_name("traceidratio", Some("0.25")),
            Ok(Sampler::TraceIdRatio(0.25))
        );
        assert_eq!(
            Sampler::from_name("traceidratio", Some("2")),
            Err(ParseSamplerError::Ratio("2".into()))
        );
        assert!(matches!(
            "jaeger_remote".parse::<Sampler>(),
            Err(ParseSamplerError::Name(_))
        ));
    }

    #[test]
    fn thresholds() {
        assert_eq!(Sampler::AlwaysOn.threshold(), u64::MAX);
        assert_eq!(Sampler::AlwaysOff.threshold(), 0);
        assert_eq!(Sampler::TraceIdRatio(0.5).threshold(), 1 << 62);
        assert_eq!(Sampler::TraceIdRatio(-1.0).threshold(), 0);
    }
}
