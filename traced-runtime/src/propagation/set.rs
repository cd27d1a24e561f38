//! The propagator set a service chooses: which formats it reads, in which order, and which it
//! writes.
//!
//! Modelled on OpenTelemetry's composite propagator
//! ([Propagators API, "Composite Propagator"](https://opentelemetry.io/docs/specs/otel/context/api-propagators/#composite-propagator)),
//! with one difference on extraction: the first format that yields a valid context wins,
//! rather than the last one overwriting the others.

use core::fmt;

use super::adapters::{self, Found};
use super::{ExtractError, Extractor, Injector, extract_baggage};
use crate::context::TraceContext;
use crate::header::{Format, UnknownFormat};
use crate::id::SpanId;

/// An ordered set of [`Format`]s, without repeats.
///
/// - **Extraction** ([`extract`](Self::extract)) tries the formats in order and keeps the first
///   valid context; `baggage` (W3C) and Jaeger's `uberctx-*` entries are added to it when the
///   set has those formats. `b3` and `b3multi` both read either B3 form (the single header
///   first, as B3 specifies).
/// - **Injection** ([`inject`](Self::inject)) writes every format of the set, all with the same
///   span-id, so a service in a B3 mesh sends both `traceparent` and `b3`.
///
/// The default is W3C only (`tracecontext,baggage`); presets add what a platform sends:
/// [`google_cloud`](Self::google_cloud), [`aws`](Self::aws), [`mesh`](Self::mesh).
/// [`from_otel_names`](Self::from_otel_names) reads OpenTelemetry's names, as in
/// `OTEL_PROPAGATORS`.
///
/// ```
/// use std::collections::HashMap;
/// use traced_runtime::TraceContext;
/// use traced_runtime::propagation::{Format, Propagators};
///
/// let set = Propagators::mesh();
/// let mut headers = HashMap::new();
/// headers.insert("x-b3-traceid".to_owned(), "463ac35c9f6413ad48485a3953bb6124".to_owned());
/// headers.insert("x-b3-spanid".to_owned(), "a2fb4a1d1a96d312".to_owned());
/// headers.insert("x-b3-sampled".to_owned(), "1".to_owned());
/// let ctx = set.extract(&headers)?;
/// assert_eq!(ctx.trace_id().to_string(), "463ac35c9f6413ad48485a3953bb6124");
/// assert_eq!(ctx.origin(), Some(Format::B3Multi));
///
/// let mut out = HashMap::new();
/// set.inject(&ctx.child(), &mut out);
/// assert!(out.contains_key("traceparent") && out.contains_key("b3"));
/// # Ok::<(), traced_runtime::propagation::ExtractError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Propagators {
    formats: [Format; Format::ALL.len()],
    len: u8,
}

impl Propagators {
    /// No format: extraction always starts a fresh trace, injection writes nothing
    /// (`OTEL_PROPAGATORS=none`).
    pub const NONE: Self = Self {
        formats: Format::ALL,
        len: 0,
    };

    /// The given formats, in order; a repeat is ignored.
    #[must_use]
    pub fn new(formats: impl IntoIterator<Item = Format>) -> Self {
        let mut set = Self::NONE;
        for format in formats {
            if !set.contains(format) {
                set.formats[usize::from(set.len)] = format;
                set.len += 1;
            }
        }
        set
    }

    /// The default: W3C Trace Context and W3C Baggage (`tracecontext,baggage`).
    #[must_use]
    pub fn w3c() -> Self {
        Self::new([Format::TraceContext, Format::Baggage])
    }

    /// Behind a Google Cloud load balancer or on Cloud Run: W3C, then
    /// `X-Cloud-Trace-Context` (`tracecontext,baggage,gcp_trace`).
    #[must_use]
    pub fn google_cloud() -> Self {
        Self::new([Format::TraceContext, Format::Baggage, Format::CloudTrace])
    }

    /// Behind an AWS load balancer or API Gateway: W3C, then X-Ray's `X-Amzn-Trace-Id`
    /// (`tracecontext,baggage,xray`).
    #[must_use]
    pub fn aws() -> Self {
        Self::new([Format::TraceContext, Format::Baggage, Format::XRay])
    }

    /// In an Envoy / Istio / Zipkin mesh: W3C, then B3 in both forms
    /// (`tracecontext,baggage,b3,b3multi`), so that every sidecar version finds its headers.
    #[must_use]
    pub fn mesh() -> Self {
        Self::new([
            Format::TraceContext,
            Format::Baggage,
            Format::B3,
            Format::B3Multi,
        ])
    }

    /// Parses a comma-separated list of OpenTelemetry propagator names, as in
    /// `OTEL_PROPAGATORS`: `tracecontext`, `baggage`, `b3`, `b3multi`, `jaeger`, `xray`, and
    /// `gcp_trace`; `none` alone gives [`NONE`](Self::NONE); an empty list gives the default.
    /// Whitespace around names is ignored.
    ///
    /// # Errors
    ///
    /// [`UnknownFormat`] for the first name that is none of these.
    pub fn from_otel_names(names: &str) -> Result<Self, UnknownFormat> {
        let names: Vec<&str> = names
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect();
        match names.as_slice() {
            [] => Ok(Self::w3c()),
            ["none"] => Ok(Self::NONE),
            _ => names
                .iter()
                .map(|n| n.parse::<Format>())
                .collect::<Result<Vec<_>, _>>()
                .map(Self::new),
        }
    }

    /// The formats, in order.
    #[must_use]
    pub fn formats(&self) -> &[Format] {
        &self.formats[..usize::from(self.len)]
    }

    /// Whether the set has `format`.
    #[must_use]
    pub fn contains(&self, format: Format) -> bool {
        self.formats().contains(&format)
    }

    /// Reads the remote context from `carrier`: the first format, in order, that finds a
    /// valid one. Its [`origin`](TraceContext::origin) says which; its span-id is the caller's
    /// span, with no parent (open the local span with [`TraceContext::child`]).
    ///
    /// The context also carries the W3C `baggage` (when the set has `baggage`) and Jaeger's
    /// `uberctx-*` entries (when it has `jaeger`); the `tracestate` only when it came from
    /// `traceparent`.
    ///
    /// # Errors
    ///
    /// When no format finds a valid context: the error of the first format present but
    /// invalid ([`ExtractError::Invalid`], [`B3`](ExtractError::B3), ...), else
    /// [`ExtractError::SamplingOnly`] when B3 sent a decision alone, else
    /// [`ExtractError::Missing`]. [`extract_or_root`](Self::extract_or_root) then starts a fresh
    /// trace. Never panics.
    pub fn extract(&self, carrier: &impl Extractor) -> Result<TraceContext, ExtractError> {
        let mut failure = None;
        let mut decision = None;
        let mut b3_done = false;
        for &format in self.formats() {
            if matches!(format, Format::B3 | Format::B3Multi) {
                if b3_done {
                    continue;
                }
                b3_done = true;
            }
            match adapters::extract(format, carrier) {
                Ok(Some(Found::Context(ctx))) => return Ok(self.with_baggage(ctx, carrier)),
                Ok(Some(Found::Decision(sampled))) => {
                    decision.get_or_insert(sampled);
                }
                Ok(None) => {}
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
        Err(failure.unwrap_or(match decision {
            Some(sampled) => ExtractError::SamplingOnly { sampled },
            None => ExtractError::Missing,
        }))
    }

    /// Like [`extract`](Self::extract), but starts a fresh root trace when no format finds a
    /// valid context, as W3C Trace Context asks. The root keeps the baggage, and a sampling
    /// decision sent alone (B3 `b3: 0`) decides the root's sampled flag. Never fails.
    #[must_use]
    pub fn extract_or_root(&self, carrier: &impl Extractor) -> TraceContext {
        match self.extract(carrier) {
            Ok(ctx) => ctx,
            Err(ExtractError::SamplingOnly { sampled }) => {
                let root = TraceContext::new_root();
                let flags = root.trace_flags().with_sampled(sampled);
                self.with_baggage(root.with_trace_flags(flags), carrier)
            }
            Err(_) => self.with_baggage(TraceContext::new_root(), carrier),
        }
    }

    /// Writes `ctx` into `carrier` in every format of the set.
    ///
    /// The span-id written is the context's, or one fresh random id shared by every format
    /// when it has none (a trace started by plain `#[traced]`). Existing values of the fields
    /// written are replaced; other fields are left alone. Each format writes what its
    /// documentation specifies (see the value types: [`TraceParent`](super::TraceParent),
    /// [`B3`](super::B3), [`UberTraceId`](super::UberTraceId),
    /// [`XRayHeader`](super::XRayHeader), [`CloudTraceContext`](super::CloudTraceContext)).
    pub fn inject(&self, ctx: &TraceContext, carrier: &mut impl Injector) {
        if self.len == 0 {
            return;
        }
        let span_id = ctx.span_id().unwrap_or_else(SpanId::random);
        for &format in self.formats() {
            adapters::inject(format, ctx, span_id, carrier);
        }
    }

    fn with_baggage(&self, ctx: TraceContext, carrier: &impl Extractor) -> TraceContext {
        let ctx = if self.contains(Format::Baggage) {
            let baggage = extract_baggage(carrier);
            if baggage.is_empty() {
                ctx
            } else {
                ctx.with_baggage(baggage)
            }
        } else {
            ctx
        };
        if self.contains(Format::Jaeger) {
            adapters::with_uberctx(ctx, carrier)
        } else {
            ctx
        }
    }
}

impl Default for Propagators {
    /// [`Propagators::w3c`].
    fn default() -> Self {
        Self::w3c()
    }
}

impl fmt::Debug for Propagators {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.formats()).finish()
    }
}

impl fmt::Display for Propagators {
    /// The `OTEL_PROPAGATORS` spelling: names joined with `,`, or `none`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.len == 0 {
            return f.write_str("none");
        }
        for (i, format) in self.formats().iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(format.name())?;
        }
        Ok(())
    }
}
