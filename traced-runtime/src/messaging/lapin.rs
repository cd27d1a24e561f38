//! AMQP 0.9.1 (RabbitMQ) with [`lapin`](https://docs.rs/lapin) (feature `lapin`): the message
//! properties' header table as a carrier, a traced publish, and the CONSUMER span of a delivery.
//!
//! ```no_run
//! # async fn demo(channel: lapin::Channel, consumer: lapin::Consumer) -> lapin::Result<()> {
//! use futures::StreamExt as _;
//! use lapin::BasicProperties;
//! use lapin::options::{BasicAckOptions, BasicPublishOptions};
//! use traced_runtime::messaging::lapin as traced_lapin;
//!
//! // Producer, inside a trace: a PRODUCER span `publish orders`, its ids in the headers.
//! traced_lapin::publish(&channel, "", "orders", BasicPublishOptions::default(), b"{}",
//!                       BasicProperties::default()).await?;
//!
//! // Worker: one CONSUMER span `process orders` per delivery, a child of the PRODUCER span.
//! let mut consumer = consumer;
//! while let Some(delivery) = consumer.next().await {
//!     let delivery = delivery?;
//!     traced_lapin::consumer_span(&delivery).run(async {
//!         log::info!("handling"); // the producer's trace-id, the CONSUMER span's id
//!         delivery.ack(BasicAckOptions::default()).await
//!     }).await?;
//! }
//! # Ok(()) }
//! ```
//!
//! Header values are read when they are AMQP strings (`S` long string, `s` short string) or
//! byte arrays (`x`); a W3C header of any other AMQP type reads as empty, so the message is
//! handled in a fresh trace with one WARN, never rejected. Values are written as long strings,
//! as RabbitMQ's clients and OpenTelemetry's pika instrumentation do.
//!
//! A redelivered message (`redelivered` set) carries the headers of its first delivery, so its
//! CONSUMER span continues the same trace. For a batch pulled with `basic_get`, use
//! [`ConsumerSpan::batch`] with the deliveries (`Delivery` is an [`Extractor`]).

use ::lapin::message::Delivery;
use ::lapin::options::BasicPublishOptions;
use ::lapin::publisher_confirm::PublisherConfirm;
use ::lapin::types::{AMQPValue, FieldTable, LongString};
use ::lapin::{BasicProperties, Channel};

use super::{ConsumerSpan, ProducerSpan};
use crate::export::Attribute;
use crate::export::semconv::MESSAGING_RABBITMQ_DESTINATION_ROUTING_KEY;
use crate::future::TracedFutureExt as _;
use crate::propagation::{Extractor, Injector};

/// `messaging.system` of AMQP spans: `rabbitmq`, the conventions' value.
pub const SYSTEM: &str = "rabbitmq";

/// The bytes of a header value: strings and byte arrays as they are, any other type as empty
/// (an invalid value, never a missing one).
fn value_bytes(value: &AMQPValue) -> &[u8] {
    match value {
        AMQPValue::LongString(s) => s.as_bytes(),
        AMQPValue::ShortString(s) => s.as_str().as_bytes(),
        AMQPValue::ByteArray(b) => b.as_slice(),
        _ => &[],
    }
}

impl Extractor for FieldTable {
    /// Every entry whose key equals `name` ignoring ASCII case, in key order.
    fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> {
        self.inner()
            .iter()
            .filter(move |(key, _)| key.as_str().eq_ignore_ascii_case(name))
            .map(|(_, value)| value_bytes(value))
    }
}

impl Injector for FieldTable {
    /// Sets `name` (lowercase) to `value` as a long string, replacing the entries whose key
    /// equals it ignoring ASCII case (a second `traceparent` would make the message's trace
    /// invalid).
    fn set(&mut self, name: &str, value: String) {
        if self
            .inner()
            .keys()
            .any(|key| key.as_str() != name && key.as_str().eq_ignore_ascii_case(name))
        {
            let kept = self
                .inner()
                .iter()
                .filter(|(key, _)| !key.as_str().eq_ignore_ascii_case(name))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect::<std::collections::BTreeMap<_, _>>();
            *self = FieldTable::from(kept);
        }
        self.insert(
            name.to_ascii_lowercase().into(),
            AMQPValue::LongString(LongString::from(value)),
        );
    }
}

impl Extractor for BasicProperties {
    /// The header table's entries (none without a table).
    fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> {
        self.headers()
            .iter()
            .flat_map(move |headers| Extractor::get_all(headers, name))
    }
}

impl Injector for BasicProperties {
    /// Sets a header, creating the header table when there is none.
    fn set(&mut self, name: &str, value: String) {
        let mut headers = self.headers().clone().unwrap_or_default();
        headers.set(name, value);
        *self = core::mem::take(self).with_headers(headers);
    }
}

impl Extractor for Delivery {
    /// The delivery's header table.
    fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> {
        Extractor::get_all(&self.properties, name)
    }
}

/// The destination of a message: the exchange, or the routing key (the queue) on the default
/// exchange `""`.
fn destination(exchange: &str, routing_key: &str) -> String {
    if exchange.is_empty() {
        routing_key.to_owned()
    } else {
        exchange.to_owned()
    }
}

/// Publishes `payload` with `channel.basic_publish` inside a PRODUCER span
/// (`publish {destination}`, a child of the current context), whose ids are added to the
/// properties' header table (created when absent; the other headers are kept).
///
/// Records `messaging.destination.name` (the exchange, or the routing key on the default
/// exchange), `messaging.rabbitmq.destination.routing_key`, `messaging.message.body.size` and,
/// when the properties set one, `messaging.message.id`. The span ends when the broker has taken
/// the frame (this call returns); awaiting the returned confirm is up to the caller.
///
/// # Errors
///
/// lapin's error when the publish fails (the span is then marked as failed).
pub async fn publish(
    channel: &Channel,
    exchange: &str,
    routing_key: &str,
    options: BasicPublishOptions,
    payload: &[u8],
    properties: BasicProperties,
) -> ::lapin::Result<PublisherConfirm> {
    let mut span = ProducerSpan::start(SYSTEM, destination(exchange, routing_key));
    let mut properties = properties;
    span.inject(&mut properties);
    span.set_body_size(payload.len());
    if let Some(id) = properties.message_id() {
        span.set_message_id(id.as_str().to_owned());
    }
    span.set_attribute(Attribute::new(
        MESSAGING_RABBITMQ_DESTINATION_ROUTING_KEY,
        routing_key.to_owned(),
    ));
    let result = channel
        .basic_publish(exchange, routing_key, options, payload, properties)
        .in_context(span.context().clone())
        .await;
    if let Err(e) = &result {
        span.set_error(e.to_string());
    }
    result
}

/// The CONSUMER span (`process {destination}`) that handles `delivery`: a child of the PRODUCER
/// span whose ids its headers carry, or the first span of a fresh trace (with one WARN naming
/// the problem when the headers were garbled or oversized).
///
/// Run the handler, acknowledgement included, inside it with [`ConsumerSpan::run`] (async) or
/// [`ConsumerSpan::in_scope`]. Records `messaging.destination.name`, the routing key, the body
/// size and the message id when set.
pub fn consumer_span(delivery: &Delivery) -> ConsumerSpan {
    let mut span = ConsumerSpan::process(
        SYSTEM,
        destination(delivery.exchange.as_str(), delivery.routing_key.as_str()),
        delivery,
    );
    span.set_body_size(delivery.data.len());
    if let Some(id) = delivery.properties.message_id() {
        span.set_message_id(id.as_str().to_owned());
    }
    span.set_attribute(Attribute::new(
        MESSAGING_RABBITMQ_DESTINATION_ROUTING_KEY,
        delivery.routing_key.as_str().to_owned(),
    ));
    span
}

#[cfg(test)]
mod tests {
    use ::lapin::types::{AMQPValue, FieldTable, LongString};

    use crate::TraceContext;
    use crate::propagation::{Extractor, extract, inject};

    #[test]
    fn the_header_table_round_trips_a_context() {
        let ctx = TraceContext::new_root().child();
        let mut headers = FieldTable::default();
        inject(&ctx, &mut headers);
        let remote = extract(&headers).unwrap();
        assert_eq!(remote.trace_id(), ctx.trace_id());
        assert_eq!(remote.span_id(), ctx.span_id());
    }

    #[test]
    fn a_non_string_traceparent_reads_as_invalid_not_missing() {
        let mut headers = FieldTable::default();
        headers.insert("traceparent".into(), AMQPValue::LongLongInt(7));
        assert_eq!(headers.get_all("traceparent").count(), 1);
        assert!(extract(&headers).is_err());
    }

    #[test]
    fn injecting_replaces_a_key_that_differs_in_case() {
        let mut headers = FieldTable::default();
        headers.insert("TRACEPARENT".into(), AMQPValue::LongLongInt(7));
        headers.insert("other".into(), AMQPValue::LongLongInt(1));
        inject(&TraceContext::new_root().child(), &mut headers);
        assert_eq!(headers.get_all("traceparent").count(), 1);
        assert!(headers.contains_key("other"));
        assert!(extract(&headers).is_ok());
    }

    #[test]
    fn keys_are_case_insensitive() {
        let mut headers = FieldTable::default();
        headers.insert(
            "TraceParent".into(),
            AMQPValue::LongString(LongString::from(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            )),
        );
        assert!(extract(&headers).is_ok());
    }
}
