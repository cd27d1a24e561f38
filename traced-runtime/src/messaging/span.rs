//! The PRODUCER span of a publish and the CONSUMER span of a receive, as OpenTelemetry's
//! [messaging conventions](https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/)
//! shape them.

use std::borrow::Cow;
use std::future::Future;

use super::extract::{Extracted, extract_checked};
use crate::context::{TraceContext, TraceContextGuard};
use crate::export::semconv::{
    MESSAGING_BATCH_MESSAGE_COUNT, MESSAGING_DESTINATION_NAME, MESSAGING_MESSAGE_BODY_SIZE,
    MESSAGING_MESSAGE_ID, MESSAGING_OPERATION_NAME, MESSAGING_OPERATION_TYPE, MESSAGING_SYSTEM,
};
use crate::export::{Attribute, Finish, Kind, Link, SpanStatus, Started, start, status_on_drop};
use crate::future::TracedFutureExt as _;
use crate::propagation::{Extractor, Injector, inject};

/// Log target of the messaging warnings (garbled headers).
pub(crate) const TARGET: &str = "traced_runtime::messaging";

/// What a PRODUCER and a CONSUMER span share: context, name, attributes, status, and the
/// export at the end.
#[derive(Debug)]
struct MessageSpan {
    ctx: TraceContext,
    kind: Kind,
    /// `messaging.operation.name`, the span name's first word.
    operation: &'static str,
    /// The span name's second word; the name is built when the span is exported, so that a
    /// message costs no formatting without an exporter.
    destination: Cow<'static, str>,
    /// `Some` while an exporter is installed: only then are attributes collected.
    started: Option<Started>,
    attributes: Vec<Attribute>,
    links: Vec<Link>,
    status: SpanStatus,
}

impl MessageSpan {
    fn open(
        ctx: TraceContext,
        kind: Kind,
        operation: (&'static str, &'static str),
        system: &'static str,
        destination: Cow<'static, str>,
    ) -> Self {
        let (name, op_type) = operation;
        let started = start();
        let mut attributes = Vec::new();
        if started.is_some() {
            attributes.push(Attribute::new(MESSAGING_SYSTEM, system));
            attributes.push(Attribute::new(MESSAGING_OPERATION_TYPE, op_type));
            attributes.push(Attribute::new(MESSAGING_OPERATION_NAME, name));
            if !destination.is_empty() {
                attributes.push(Attribute::new(
                    MESSAGING_DESTINATION_NAME,
                    destination.clone(),
                ));
            }
        }
        Self {
            ctx,
            kind,
            operation: name,
            destination,
            started,
            attributes,
            links: Vec::new(),
            status: SpanStatus::Unset,
        }
    }

    fn attribute(&mut self, attribute: impl FnOnce() -> Attribute) {
        if self.started.is_some() {
            self.attributes.push(attribute());
        }
    }

    fn set_message_id(&mut self, id: Cow<'static, str>) {
        self.attribute(|| Attribute::new(MESSAGING_MESSAGE_ID, id));
    }

    fn set_body_size(&mut self, bytes: usize) {
        self.attribute(|| {
            Attribute::new(
                MESSAGING_MESSAGE_BODY_SIZE,
                i64::try_from(bytes).unwrap_or(i64::MAX),
            )
        });
    }

    fn set_error(&mut self, description: Cow<'static, str>) {
        self.status = SpanStatus::Error { description };
    }
}

impl Drop for MessageSpan {
    fn drop(&mut self) {
        let Some(started) = self.started.take() else {
            return;
        };
        let status = match status_on_drop() {
            SpanStatus::Unset => core::mem::take(&mut self.status),
            panicked => panicked,
        };
        started.finish(
            &self.ctx,
            Finish {
                kind: self.kind,
                name: if self.destination.is_empty() {
                    Cow::Borrowed(self.operation)
                } else {
                    Cow::Owned(format!("{} {}", self.operation, self.destination))
                },
                target: TARGET,
                status,
                attributes: core::mem::take(&mut self.attributes),
                links: core::mem::take(&mut self.links),
            },
        );
    }
}

/// The PRODUCER span of one publish: a child of the current context (or the first span of a new
/// trace), named `publish {destination}`, whose ids travel in the message's headers.
///
/// The span ends (and is exported, kind [`Producer`](Kind::Producer), with `messaging.system`,
/// `messaging.destination.name`, `messaging.operation.type = send`, and the message id and body
/// size when set) when it drops. The library wrappers
/// (`messaging::lapin::publish`, `messaging::nats::publish`) open, inject and end it in
/// one call; open one by hand for any other transport:
///
/// ```
/// use std::collections::HashMap;
/// use traced_runtime::messaging::{ConsumerSpan, ProducerSpan};
///
/// let mut headers = HashMap::new();
/// let mut producer = ProducerSpan::start("jobs", "emails");
/// producer.inject(&mut headers);
/// producer.set_body_size(42);
/// // ... send `headers` with the message ...
/// drop(producer);
///
/// // The worker: one CONSUMER span per message, a child of the PRODUCER span.
/// let consumer = ConsumerSpan::process("jobs", "emails", &headers);
/// assert_eq!(consumer.context().parent_span_id().map(|id| id.to_string()),
///            headers["traceparent"].get(36..52).map(str::to_owned));
/// ```
#[must_use = "the span ends when it is dropped"]
#[derive(Debug)]
pub struct ProducerSpan(MessageSpan);

impl ProducerSpan {
    /// Opens the PRODUCER span of a publish to `destination` (the AMQP exchange or queue, the
    /// NATS subject, the Kafka topic, the job queue) on `system` (`rabbitmq`, `nats`, `kafka`,
    /// your job system's name), under the current context.
    pub fn start(system: &'static str, destination: impl Into<Cow<'static, str>>) -> Self {
        let parent = TraceContext::current().unwrap_or_else(TraceContext::new_root);
        Self(MessageSpan::open(
            parent.child(),
            Kind::Producer,
            ("publish", "send"),
            system,
            destination.into(),
        ))
    }

    /// Writes the span's ids into the message's headers as W3C `traceparent` (parent-id = this
    /// span's id), `tracestate` and `baggage` (see [`inject`]).
    pub fn inject(&self, headers: &mut impl Injector) {
        inject(&self.0.ctx, headers);
    }

    /// The span's context: its span-id is the parent-id the message carries.
    #[must_use]
    pub fn context(&self) -> &TraceContext {
        &self.0.ctx
    }

    /// Makes the span current until the guard drops (lines logged while publishing carry its
    /// id). Like [`TraceContext::enter`], do not hold the guard across an `.await`.
    pub fn enter(&self) -> TraceContextGuard {
        self.0.ctx.enter()
    }

    /// Records `messaging.message.id`.
    pub fn set_message_id(&mut self, id: impl Into<Cow<'static, str>>) {
        self.0.set_message_id(id.into());
    }

    /// Records `messaging.message.body.size`, in bytes.
    pub fn set_body_size(&mut self, bytes: usize) {
        self.0.set_body_size(bytes);
    }

    /// Records another attribute (`messaging.rabbitmq.destination.routing_key`, ...).
    pub fn set_attribute(&mut self, attribute: Attribute) {
        self.0.attribute(|| attribute);
    }

    /// Marks the publish as failed with `description` (exported as the span's status).
    pub fn set_error(&mut self, description: impl Into<Cow<'static, str>>) {
        self.0.set_error(description.into());
    }
}

/// The CONSUMER span of a received message (`process {destination}`, a child of the PRODUCER
/// span whose ids the message carried) or of a batch (`receive {destination}`, with one
/// [`Link`] per message).
///
/// Lines logged inside it ([`in_scope`](Self::in_scope), [`run`](Self::run),
/// [`enter`](Self::enter)) carry the producer's trace-id and this span's id. A redelivered
/// message carries the same headers, so its CONSUMER span continues the same trace (a sibling of
/// the first delivery's). Headers that are garbled or oversized never fail the message: it is
/// handled in a fresh trace, and one WARN (target `traced_runtime::messaging`) names every
/// problem; a message without trace headers (a producer that does not propagate) starts a fresh
/// trace silently.
#[must_use = "the span ends when it is dropped"]
#[derive(Debug)]
pub struct ConsumerSpan(MessageSpan);

impl ConsumerSpan {
    /// Opens the CONSUMER span that processes one message received from `destination` on
    /// `system`, whose headers are `headers`.
    pub fn process(
        system: &'static str,
        destination: impl Into<Cow<'static, str>>,
        headers: &impl Extractor,
    ) -> Self {
        Self::process_extracted(system, destination.into(), extract_checked(headers))
    }

    /// [`process`](Self::process) for headers a library wrapper already read (and diagnosed).
    pub(crate) fn process_extracted(
        system: &'static str,
        destination: Cow<'static, str>,
        extracted: Extracted,
    ) -> Self {
        let parent = match extracted.remote {
            Some(remote) => remote,
            None => TraceContext::new_root().with_baggage(extracted.baggage),
        };
        let ctx = parent.child();
        warn_problems(&destination, &extracted.problems, &ctx);
        Self(MessageSpan::open(
            ctx,
            Kind::Consumer,
            ("process", "process"),
            system,
            destination,
        ))
    }

    /// Opens the CONSUMER span that processes one message whose producer's context is already
    /// known (a job payload's, see [`payload`](crate::payload)): a child of `remote`.
    pub fn process_context(
        system: &'static str,
        destination: impl Into<Cow<'static, str>>,
        remote: &TraceContext,
    ) -> Self {
        Self(MessageSpan::open(
            remote.child(),
            Kind::Consumer,
            ("process", "process"),
            system,
            destination.into(),
        ))
    }

    /// Opens the CONSUMER span of a batch received from `destination`: a child of the current
    /// context (or the first span of a new trace), linked to every message's PRODUCER span
    /// instead of picking one of them as its parent
    /// ([trace structure](https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/#trace-structure)).
    ///
    /// Records `messaging.batch.message_count`. A message whose headers are garbled gets no link
    /// and one WARN; the batch is never failed because of it.
    pub fn batch<'a, E: Extractor + 'a>(
        system: &'static str,
        destination: impl Into<Cow<'static, str>>,
        messages: impl IntoIterator<Item = &'a E>,
    ) -> Self {
        let destination = destination.into();
        let parent = TraceContext::current().unwrap_or_else(TraceContext::new_root);
        let ctx = parent.child();
        let mut links = Vec::new();
        let mut count: i64 = 0;
        for headers in messages {
            count += 1;
            let extracted = extract_checked(headers);
            warn_problems(&destination, &extracted.problems, &ctx);
            links.extend(extracted.remote.and_then(Link::new));
        }
        let mut span = MessageSpan::open(
            ctx,
            Kind::Consumer,
            ("receive", "receive"),
            system,
            destination,
        );
        span.attribute(|| Attribute::new(MESSAGING_BATCH_MESSAGE_COUNT, count));
        if span.started.is_some() {
            span.links = links;
        }
        Self(span)
    }

    /// The span's context: the producer's trace-id, this span's id, the PRODUCER span as its
    /// parent.
    #[must_use]
    pub fn context(&self) -> &TraceContext {
        &self.0.ctx
    }

    /// Makes the span current until the guard drops. Like [`TraceContext::enter`], do not hold
    /// the guard across an `.await`: use [`run`](Self::run) for async handlers.
    pub fn enter(&self) -> TraceContextGuard {
        self.0.ctx.enter()
    }

    /// Runs `f` with the span current, then ends the span.
    pub fn in_scope<R>(self, f: impl FnOnce() -> R) -> R {
        let result = self.0.ctx.in_scope(f);
        drop(self);
        result
    }

    /// Runs `future` with the span current during each poll, and ends the span when it
    /// completes (or is dropped).
    pub fn run<F: Future>(self, future: F) -> impl Future<Output = F::Output> {
        let ctx = self.0.ctx.clone();
        async move {
            let output = future.in_context(ctx).await;
            drop(self);
            output
        }
    }

    /// Records `messaging.message.id`.
    pub fn set_message_id(&mut self, id: impl Into<Cow<'static, str>>) {
        self.0.set_message_id(id.into());
    }

    /// Records `messaging.message.body.size`, in bytes.
    pub fn set_body_size(&mut self, bytes: usize) {
        self.0.set_body_size(bytes);
    }

    /// Records another attribute.
    pub fn set_attribute(&mut self, attribute: Attribute) {
        self.0.attribute(|| attribute);
    }

    /// Marks the processing as failed with `description` (exported as the span's status).
    pub fn set_error(&mut self, description: impl Into<Cow<'static, str>>) {
        self.0.set_error(description.into());
    }
}

/// The one WARN of a message whose headers had problems (none when they had none).
fn warn_problems(destination: &str, problems: &[Cow<'static, str>], ctx: &TraceContext) {
    if problems.is_empty() {
        return;
    }
    ctx.in_scope(|| {
        ::log::warn!(
            target: TARGET,
            "message from {destination:?} has unusable trace headers ({}); handled in trace {}",
            problems.join("; "),
            ctx.trace_id()
        );
    });
}
