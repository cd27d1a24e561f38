//! Traces through message brokers and job queues: message headers as carriers, PRODUCER and
//! CONSUMER spans, batches with links.
//!
//! A message is a carrier like an HTTP request: the publisher writes W3C
//! [`traceparent`](https://www.w3.org/TR/trace-context/#traceparent-header), `tracestate` and
//! [`baggage`](https://www.w3.org/TR/baggage/) into its headers, with the same strict parsers
//! and bounds as HTTP ([`propagation`](crate::propagation)), and the consumer continues the
//! trace. Spans follow OpenTelemetry's
//! [messaging conventions](https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/):
//!
//! - a publish opens a [`ProducerSpan`] (`publish {destination}`, kind PRODUCER) whose ids
//!   travel in the headers;
//! - processing one message opens a [`ConsumerSpan`] (`process {destination}`, kind CONSUMER), a
//!   child of the PRODUCER span: lines logged while handling it carry the producer's trace-id and
//!   the consumer span's id;
//! - a batch receive opens one CONSUMER span (`receive {destination}`) with a span
//!   [`Link`](crate::export::Link) to every message's PRODUCER span instead of picking one as
//!   parent ([`ConsumerSpan::batch`]);
//! - a redelivered message carries the same headers, so it continues the same trace;
//! - garbled or oversized headers never fail, reject or nack a message: it is handled in a
//!   fresh trace, and one WARN (target `traced_runtime::messaging`) names the problem.
//!
//! Attributes (names in [`export::semconv`](crate::export::semconv)): `messaging.system`,
//! `messaging.destination.name`, `messaging.operation.type` (`send`, `process`, `receive`),
//! `messaging.operation.name`, and `messaging.message.id` / `messaging.message.body.size` when
//! known. OpenTelemetry Python's pika instrumentation still writes the older
//! `messaging.destination` (the exchange, or the routing key on the default exchange) and
//! `messaging.operation` = `receive` on its consumer: ours is `messaging.destination.name` with
//! the same value, and `messaging.operation.type`.
//!
//! The libraries, each behind its feature:
//!
//! | feature | module | carrier | one call |
//! |---|---|---|---|
//! | `lapin` | `messaging::lapin` | `lapin::types::FieldTable` (AMQP header table) | `publish`, `consumer_span` |
//! | `async-nats` | `messaging::nats` | `async_nats::HeaderMap` | `publish`, `consumer_span` |
//! | `rdkafka` | `messaging::kafka` | `rdkafka`'s `OwnedHeaders` / `BorrowedHeaders` | carriers only |
//!
//! Any other transport: implement [`Injector`](crate::propagation::Injector) /
//! [`Extractor`](crate::propagation::Extractor) for its headers and use [`ProducerSpan`] /
//! [`ConsumerSpan`] directly (see their examples). Job payloads get the same spans through
//! [`payload::enqueue_span`](crate::payload::enqueue_span) and
//! [`payload::process_span`](crate::payload::process_span).

mod extract;
#[cfg(feature = "rdkafka")]
pub mod kafka;
#[cfg(feature = "lapin")]
pub mod lapin;
#[cfg(feature = "async-nats")]
pub mod nats;
mod span;

pub use span::{ConsumerSpan, ProducerSpan};
