//! A span from start to finish: the exported value ([`FinishedSpan`]) and the crate-internal calls
//! that start and end a span.

use std::borrow::Cow;
use std::time::SystemTime;

use crate::context::TraceContext;

/// The role of a span in a request, as OpenTelemetry's
/// [`Kind`](https://opentelemetry.io/docs/specs/otel/trace/api/#spankind) models it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// An operation inside the service: a `#[traced(span)]` call, a [`SpanGuard`](super::SpanGuard).
    #[default]
    Internal,
    /// The handling of an incoming request: the span of the server layer
    /// (`layer::ServerLayer`, feature `tower`).
    Server,
    /// An outgoing request: the span of the client layer (`layer::ClientLayer`) and of the
    /// reqwest middleware. Its span-id is the parent-id sent downstream.
    Client,
    /// The sending of a message to a broker or a job queue: the span of a publish
    /// ([`messaging`](crate::messaging)). Its span-id travels in the message's headers and is
    /// the parent of the CONSUMER span that processes the message.
    Producer,
    /// The receiving or processing of a message: a child of the PRODUCER span whose ids the
    /// message carried, or, for a batch, a span with one [`Link`] per message.
    Consumer,
}

/// A link from a span to another span that is not its parent: a batch's CONSUMER span links to
/// the PRODUCER span of every message in it, as OpenTelemetry's
/// [links](https://opentelemetry.io/docs/specs/otel/trace/api/#link) and the
/// [messaging conventions](https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/#trace-structure)
/// model it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Link {
    /// The linked span: its trace-id, span-id (the span linked to; a link whose context has no
    /// span-id is never recorded), trace-flags and tracestate.
    pub context: TraceContext,
    /// Attributes of the link itself (empty unless the code that made it adds some).
    pub attributes: Vec<Attribute>,
}

impl Link {
    /// A link to the span `context` stands in (for an extracted context: the remote span).
    /// `None` when `context` has no span-id.
    #[must_use]
    pub fn new(context: TraceContext) -> Option<Self> {
        context.span_id()?;
        Some(Self {
            context,
            attributes: Vec::new(),
        })
    }
}

/// The outcome of a span, as OpenTelemetry's span status models it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpanStatus {
    /// Nothing was said about the outcome (a normal return, a 1xx-4xx response on a server).
    #[default]
    Unset,
    /// The call failed: it returned `Err` (with `#[traced(err)]`) or panicked, a server answered
    /// 5xx, a client got 4xx, 5xx or no response.
    Error {
        /// What went wrong: the error's `Display`, `panicked`, or the HTTP status.
        description: Cow<'static, str>,
    },
}

/// The value of an [`Attribute`]: OpenTelemetry's string and integer attribute types.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttributeValue {
    /// A string (`url.path`, `http.request.method`, ...).
    String(Cow<'static, str>),
    /// A signed 64-bit integer (`http.response.status_code`, `server.port`, ...).
    I64(i64),
}

impl From<&'static str> for AttributeValue {
    fn from(value: &'static str) -> Self {
        Self::String(Cow::Borrowed(value))
    }
}

impl From<String> for AttributeValue {
    fn from(value: String) -> Self {
        Self::String(Cow::Owned(value))
    }
}

impl From<Cow<'static, str>> for AttributeValue {
    fn from(value: Cow<'static, str>) -> Self {
        Self::String(value)
    }
}

impl From<i64> for AttributeValue {
    fn from(value: i64) -> Self {
        Self::I64(value)
    }
}

/// One span attribute: a key from [`semconv`](super::semconv) and its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// The attribute's name, e.g. `http.request.method`.
    pub key: &'static str,
    /// Its value.
    pub value: AttributeValue,
}

impl Attribute {
    /// `key = value`.
    #[must_use]
    pub fn new(key: &'static str, value: impl Into<AttributeValue>) -> Self {
        Self {
            key,
            value: value.into(),
        }
    }
}

/// A finished span, as handed to the [`Exporter`](super::Exporter).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FinishedSpan {
    /// The span's context: trace-id, span-id (always `Some`), parent span-id, trace-flags,
    /// user fields (exported as attributes), tracestate.
    pub context: TraceContext,
    /// The span's role: [`Kind::Server`] for a request the server layer handled,
    /// [`Kind::Client`] for an outgoing request, [`Kind::Producer`] / [`Kind::Consumer`] for a
    /// message sent / received, [`Kind::Internal`] otherwise.
    pub kind: Kind,
    /// The span's name: the function (`Controller::api1` style where known) for internal spans,
    /// `{method} {route}` (or the method alone when no route is known) for HTTP spans, as
    /// OpenTelemetry's HTTP conventions name them; `{operation} {destination}` (`publish
    /// orders`, `process orders`) for messaging spans, as its messaging conventions do.
    pub name: Cow<'static, str>,
    /// The `log` target of the code that opened it: the module path of a `#[traced(span)]`
    /// function or of a [`enter_span!`](crate::enter_span) call, the target configured on the HTTP layer.
    pub target: &'static str,
    /// When the span started (wall clock).
    pub start_time: SystemTime,
    /// When the span ended (wall clock, never before `start_time`).
    pub end_time: SystemTime,
    /// How it ended.
    pub status: SpanStatus,
    /// Attributes besides the user fields: the HTTP semantic conventions on HTTP spans (names in
    /// [`semconv`](super::semconv)); empty on internal spans.
    pub attributes: Vec<Attribute>,
    /// Links to spans other than the parent: one per message on a batch's CONSUMER span, empty
    /// otherwise.
    pub links: Vec<Link>,
}

/// The start of a span that will be exported: present only when an exporter is installed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Started(SystemTime);

/// Notes the start of a span; `None` (after one relaxed load) when no exporter is installed.
#[inline]
#[must_use]
pub(crate) fn start() -> Option<Started> {
    if super::is_enabled() {
        Some(Started(SystemTime::now()))
    } else {
        None
    }
}

/// Everything about a span but its context and start, known when it ends.
#[derive(Debug)]
pub(crate) struct Finish {
    pub(crate) kind: Kind,
    pub(crate) name: Cow<'static, str>,
    pub(crate) target: &'static str,
    pub(crate) status: SpanStatus,
    pub(crate) attributes: Vec<Attribute>,
    pub(crate) links: Vec<Link>,
}

/// Ends an internal span that [`start`] started, and exports it if its trace is sampled.
///
/// `ctx` is the span's own context (its span-id is the span's id).
pub(crate) fn finish(
    started: Started,
    ctx: &TraceContext,
    name: Cow<'static, str>,
    target: &'static str,
    status: SpanStatus,
) {
    started.finish(
        ctx,
        Finish {
            kind: Kind::Internal,
            name,
            target,
            status,
            attributes: Vec::new(),
            links: Vec::new(),
        },
    );
}

impl Started {
    /// Ends the span whose own context is `ctx` and exports it if its trace is sampled.
    pub(crate) fn finish(self, ctx: &TraceContext, finish: Finish) {
        if ctx.span_id().is_none() || !ctx.is_sampled() {
            return;
        }
        let Some(exporter) = super::exporter() else {
            return;
        };
        let end_time = SystemTime::now().max(self.0);
        exporter.export(FinishedSpan {
            context: ctx.clone(),
            kind: finish.kind,
            name: finish.name,
            target: finish.target,
            start_time: self.0,
            end_time,
            status: finish.status,
            attributes: finish.attributes,
            links: finish.links,
        });
    }
}

/// The status of a span whose guard drops now: an error while a panic unwinds.
#[inline]
pub(crate) fn status_on_drop() -> SpanStatus {
    if std::thread::panicking() {
        SpanStatus::Error {
            description: Cow::Borrowed("panicked"),
        }
    } else {
        SpanStatus::Unset
    }
}
