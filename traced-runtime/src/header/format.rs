//! The names of the propagation formats, as `OTEL_PROPAGATORS` spells them.
//!
//! A [`Format`] names one wire format: it is what a propagator set is made of
//! ([`Propagators`](crate::propagation::Propagators)) and what a context remembers it was
//! extracted from ([`TraceContext::origin`](crate::TraceContext::origin)).

use core::fmt;
use core::str::FromStr;
use std::error::Error;

/// One propagation format.
///
/// The names are OpenTelemetry's
/// ([`OTEL_PROPAGATORS`](https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#general-sdk-configuration)),
/// plus `gcp_trace`, the name OpenTelemetry's Google Cloud propagator registers.
///
/// ```
/// use traced_runtime::propagation::Format;
///
/// let format: Format = "b3multi".parse()?;
/// assert_eq!(format, Format::B3Multi);
/// assert_eq!(format.name(), "b3multi");
/// # Ok::<(), traced_runtime::propagation::UnknownFormat>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// W3C Trace Context: `traceparent` and `tracestate`
    /// ([W3C Trace Context §3](https://www.w3.org/TR/trace-context/#trace-context-http-headers-format)).
    TraceContext,
    /// W3C Baggage: `baggage` ([W3C Baggage](https://www.w3.org/TR/baggage/)).
    Baggage,
    /// B3 single header: `b3` ([b3-propagation](https://github.com/openzipkin/b3-propagation#single-header)).
    B3,
    /// B3 multiple headers: `X-B3-TraceId`, `X-B3-SpanId`, ...
    /// ([b3-propagation](https://github.com/openzipkin/b3-propagation#multiple-headers)).
    B3Multi,
    /// Jaeger: `uber-trace-id` and `uberctx-*` baggage
    /// ([Jaeger propagation format](https://www.jaegertracing.io/docs/1.52/client-libraries/#propagation-format)).
    Jaeger,
    /// AWS X-Ray: `X-Amzn-Trace-Id`
    /// ([X-Ray tracing header](https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader)).
    XRay,
    /// Google Cloud: `X-Cloud-Trace-Context`
    /// ([Cloud Trace](https://cloud.google.com/trace/docs/trace-context#legacy-http-header)).
    CloudTrace,
}

impl Format {
    /// Every format, in the order a set lists them when it has them all.
    pub const ALL: [Self; 7] = [
        Self::TraceContext,
        Self::Baggage,
        Self::B3,
        Self::B3Multi,
        Self::Jaeger,
        Self::XRay,
        Self::CloudTrace,
    ];

    /// The `OTEL_PROPAGATORS` name: `tracecontext`, `baggage`, `b3`, `b3multi`, `jaeger`,
    /// `xray` or `gcp_trace`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::TraceContext => "tracecontext",
            Self::Baggage => "baggage",
            Self::B3 => "b3",
            Self::B3Multi => "b3multi",
            Self::Jaeger => "jaeger",
            Self::XRay => "xray",
            Self::CloudTrace => "gcp_trace",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Parses an `OTEL_PROPAGATORS` name (exact, lowercase; surrounding whitespace ignored).
    ///
    /// # Errors
    ///
    /// [`UnknownFormat`] for any other name (`ottrace`, `none`, a typo).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim();
        Self::ALL
            .into_iter()
            .find(|format| format.name() == name)
            .ok_or_else(|| UnknownFormat(name.into()))
    }
}

/// A propagator name this crate does not implement (the name, trimmed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownFormat(pub Box<str>);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown propagator {:?}, expected one of: tracecontext, baggage, b3, b3multi, \
             jaeger, xray, gcp_trace",
            self.0
        )
    }
}

impl Error for UnknownFormat {}
