//! Kafka headers with [`rdkafka`](https://docs.rs/rdkafka) (feature `rdkafka`): its header types
//! as carriers, and the CONSUMER span of a received message.
//!
//! Compile-checked in CI only: no Kafka broker is available as a distribution package on the
//! machines CI runs on, so nothing here runs against a broker. The carriers are tested in memory
//! (librdkafka's header lists need no broker).
//!
//! ```no_run
//! # fn demo(message: &rdkafka::message::BorrowedMessage<'_>) {
//! use rdkafka::message::OwnedHeaders;
//! use traced_runtime::messaging::{ProducerSpan, kafka};
//!
//! // Producer: a PRODUCER span `publish orders`; its ids in the record's headers.
//! let span = ProducerSpan::start(kafka::SYSTEM, "orders");
//! let mut headers = OwnedHeaders::new();
//! span.inject(&mut headers);
//! // FutureRecord::to("orders").payload(..).headers(headers) ... then drop(span)
//!
//! // Consumer: one CONSUMER span `process orders` per message.
//! kafka::consumer_span(message).in_scope(|| log::info!("handling"));
//! # }
//! ```
//!
//! Building `rdkafka` compiles librdkafka (C) from source: a C compiler and `make` are needed,
//! and it takes minutes, which is why the feature is off by default.

use ::rdkafka::message::{BorrowedHeaders, Header, Headers, Message, OwnedHeaders};

use super::ConsumerSpan;
use crate::propagation::{Extractor, Injector};

/// `messaging.system` of Kafka spans: `kafka`.
pub const SYSTEM: &str = "kafka";

/// The values of the headers named `name` (ignoring ASCII case), in order; a header without a
/// value (null) reads as empty, i.e. invalid, never as missing.
fn values<'a, H: Headers + ?Sized>(
    headers: &'a H,
    name: &'a str,
) -> impl Iterator<Item = &'a [u8]> {
    (0..headers.count())
        .filter_map(move |i| headers.try_get(i))
        .filter(move |header| header.key.eq_ignore_ascii_case(name))
        .map(|header| header.value.unwrap_or_default())
}

impl Extractor for OwnedHeaders {
    /// Every value of the headers named `name` ignoring ASCII case, in order.
    fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> {
        values(self, name)
    }
}

impl Extractor for BorrowedHeaders {
    /// Every value of the headers named `name` ignoring ASCII case, in order.
    fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> {
        values(self, name)
    }
}

impl Injector for OwnedHeaders {
    /// Appends `name` (lowercase) = `value`, after removing the headers whose name equals it
    /// ignoring ASCII case (librdkafka's list has no removal: the list is rebuilt then).
    fn set(&mut self, name: &str, value: String) {
        let name = name.to_ascii_lowercase();
        let mut headers = core::mem::replace(self, OwnedHeaders::new_with_capacity(0));
        if (0..headers.count())
            .filter_map(|i| headers.try_get(i))
            .any(|header| header.key.eq_ignore_ascii_case(&name))
        {
            let mut kept = OwnedHeaders::new_with_capacity(headers.count());
            for header in (0..headers.count()).filter_map(|i| headers.try_get(i)) {
                if !header.key.eq_ignore_ascii_case(&name) {
                    kept = kept.insert(Header {
                        key: header.key,
                        value: header.value,
                    });
                }
            }
            headers = kept;
        }
        *self = headers.insert(Header {
            key: &name,
            value: Some(value.as_bytes()),
        });
    }
}

/// The CONSUMER span (`process {topic}`) that handles `message`: a child of the PRODUCER span
/// whose ids its headers carry, or the first span of a fresh trace (with one WARN naming the
/// problem when the headers were garbled or oversized).
pub fn consumer_span<M>(message: &M) -> ConsumerSpan
where
    M: Message,
    M::Headers: Extractor,
{
    let mut span = match message.headers() {
        Some(headers) => ConsumerSpan::process(SYSTEM, message.topic().to_owned(), headers),
        None => ConsumerSpan::process(SYSTEM, message.topic().to_owned(), &NoHeaders),
    };
    span.set_body_size(message.payload().map_or(0, <[u8]>::len));
    span
}

/// A message without headers.
struct NoHeaders;

impl Extractor for NoHeaders {
    fn get_all<'a>(&'a self, _: &'a str) -> impl Iterator<Item = &'a [u8]> {
        core::iter::empty()
    }
}

#[cfg(test)]
mod tests {
    use ::rdkafka::message::{Header, OwnedHeaders};

    use crate::TraceContext;
    use crate::propagation::{Extractor, extract, inject};

    #[test]
    fn owned_headers_round_trip_a_context() {
        let ctx = TraceContext::new_root().child();
        let mut headers = OwnedHeaders::new().insert(Header {
            key: "TraceParent",
            value: Some("garbage"),
        });
        inject(&ctx, &mut headers);
        assert_eq!(headers.get_all("traceparent").count(), 1);
        let remote = extract(&headers).unwrap();
        assert_eq!(remote.trace_id(), ctx.trace_id());
    }
}
