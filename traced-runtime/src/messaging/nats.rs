//! NATS with [`async-nats`](https://docs.rs/async-nats) (feature `async-nats`): message headers
//! as a carrier, a traced publish, and the CONSUMER span of a received message.
//!
//! ```no_run
//! # async fn demo(client: async_nats::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use futures::StreamExt as _;
//! use traced_runtime::messaging::nats as traced_nats;
//!
//! let mut events = client.subscribe("events").await?;
//! // Producer, inside a trace: a PRODUCER span `publish events`, its ids in the headers.
//! traced_nats::publish(&client, "events", async_nats::HeaderMap::new(), "hello".into()).await?;
//!
//! // Subscriber: one CONSUMER span `process events` per message.
//! while let Some(message) = events.next().await {
//!     traced_nats::consumer_span(&message).in_scope(|| {
//!         log::info!("got an event"); // the producer's trace-id, the CONSUMER span's id
//!     });
//! }
//! # Ok(()) }
//! ```
//!
//! NATS header names are case-sensitive on the wire; the W3C names are read ignoring ASCII case
//! (as over HTTP) and written in lowercase. Core NATS has no redelivery; a JetStream message
//! redelivered after a missing ack carries its first headers, so it continues the same trace.

use ::async_nats::subject::ToSubject;
use ::async_nats::{Client, HeaderMap, HeaderName, HeaderValue, Message};
use bytes::Bytes;

use super::{ConsumerSpan, ProducerSpan};
use crate::future::TracedFutureExt as _;
use crate::propagation::{Extractor, Injector};

/// `messaging.system` of NATS spans: `nats`.
pub const SYSTEM: &str = "nats";

impl Extractor for HeaderMap {
    /// Every value of each header whose name equals `name` ignoring ASCII case.
    fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> {
        self.iter()
            .filter(move |(key, _)| {
                AsRef::<[u8]>::as_ref(*key).eq_ignore_ascii_case(name.as_bytes())
            })
            .flat_map(|(_, values)| values.iter().map(AsRef::<[u8]>::as_ref))
    }
}

impl Injector for HeaderMap {
    /// Sets `name` (lowercase) to `value`, replacing the headers whose name equals it ignoring
    /// ASCII case.
    fn set(&mut self, name: &str, value: String) {
        let differs_in_case = |key: &HeaderName| {
            let key = AsRef::<[u8]>::as_ref(key);
            key != name.as_bytes() && key.eq_ignore_ascii_case(name.as_bytes())
        };
        if self.iter().any(|(key, _)| differs_in_case(key)) {
            *self = self
                .iter()
                .filter(|(key, _)| !differs_in_case(key))
                .flat_map(|(key, values)| values.iter().map(|v| (key.clone(), v.clone())))
                .collect();
        }
        self.insert(name.to_ascii_lowercase(), HeaderValue::from(value));
    }
}

impl Extractor for Message {
    /// The message's headers (none without headers).
    fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> {
        self.headers
            .iter()
            .flat_map(move |headers| Extractor::get_all(headers, name))
    }
}

/// Publishes `payload` to `subject` with `headers` inside a PRODUCER span
/// (`publish {subject}`, a child of the current context) whose ids are added to `headers`.
///
/// Records `messaging.destination.name` (the subject) and `messaging.message.body.size`.
///
/// # Errors
///
/// async-nats's [`PublishError`](::async_nats::client::PublishError) when the message cannot be
/// queued (the span is then marked as failed).
pub async fn publish(
    client: &Client,
    subject: impl ToSubject,
    headers: HeaderMap,
    payload: Bytes,
) -> Result<(), ::async_nats::client::PublishError> {
    let subject = subject.to_subject();
    let mut span = ProducerSpan::start(SYSTEM, subject.to_string());
    let mut headers = headers;
    span.inject(&mut headers);
    span.set_body_size(payload.len());
    let result = client
        .publish_with_headers(subject, headers, payload)
        .in_context(span.context().clone())
        .await;
    if let Err(e) = &result {
        span.set_error(e.to_string());
    }
    result
}

/// The CONSUMER span (`process {subject}`) that handles `message`: a child of the PRODUCER span
/// whose ids its headers carry, or the first span of a fresh trace (with one WARN naming the
/// problem when the headers were garbled or oversized).
pub fn consumer_span(message: &Message) -> ConsumerSpan {
    let mut span = ConsumerSpan::process(SYSTEM, message.subject.to_string(), message);
    span.set_body_size(message.payload.len());
    span
}

#[cfg(test)]
mod tests {
    use ::async_nats::HeaderMap;

    use crate::TraceContext;
    use crate::propagation::{Extractor, extract, inject};

    #[test]
    fn headers_round_trip_a_context() {
        let ctx = TraceContext::new_root().child();
        let mut headers = HeaderMap::new();
        inject(&ctx, &mut headers);
        let remote = extract(&headers).unwrap();
        assert_eq!(remote.trace_id(), ctx.trace_id());
        assert_eq!(remote.span_id(), ctx.span_id());
    }

    #[test]
    fn names_are_case_insensitive_and_replaced() {
        let mut headers = HeaderMap::new();
        headers.insert("Traceparent", "garbage");
        headers.insert("other", "kept");
        // async-nats's own `get_all` is case-sensitive: ours (the trait's) is not.
        assert_eq!(Extractor::get_all(&headers, "traceparent").count(), 1);
        inject(&TraceContext::new_root().child(), &mut headers);
        assert_eq!(Extractor::get_all(&headers, "traceparent").count(), 1);
        assert!(extract(&headers).is_ok());
        assert_eq!(Extractor::get_all(&headers, "other").count(), 1);
    }
}
