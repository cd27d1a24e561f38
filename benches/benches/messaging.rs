//! Per-message cost of carrying a trace in message headers (issue 20): inject into and extract
//! from an AMQP header table (lapin), NATS headers (async-nats) and a `HashMap`, and the
//! PRODUCER / CONSUMER spans around them with no exporter installed (what every message pays).
//!
//! `cargo bench -p benches --bench messaging`. Inject writes `traceparent` into an empty header
//! set; extract reads it back (strict parse) from a set that also holds three unrelated headers.

#![allow(missing_docs)]

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use lapin::types::{AMQPValue, FieldTable, LongString};
use traced_runtime::TraceContext;
use traced_runtime::messaging::{ConsumerSpan, ProducerSpan};
use traced_runtime::propagation::{extract, inject};

const OTHERS: [(&str, &str); 3] = [
    ("content-kind", "order"),
    ("x-tenant", "tenant-17"),
    ("x-retry", "0"),
];

fn amqp_headers(ctx: &TraceContext) -> FieldTable {
    let mut headers = FieldTable::default();
    for (key, value) in OTHERS {
        headers.insert(key.into(), AMQPValue::LongString(LongString::from(value)));
    }
    inject(ctx, &mut headers);
    headers
}

fn nats_headers(ctx: &TraceContext) -> async_nats::HeaderMap {
    let mut headers = async_nats::HeaderMap::new();
    for (key, value) in OTHERS {
        headers.insert(key, value);
    }
    inject(ctx, &mut headers);
    headers
}

fn map_headers(ctx: &TraceContext) -> HashMap<String, String> {
    let mut headers: HashMap<String, String> = OTHERS
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    inject(ctx, &mut headers);
    headers
}

fn carriers(c: &mut Criterion) {
    let ctx = TraceContext::new_root().child();
    let mut group = c.benchmark_group("message_headers");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500));

    group.bench_function("inject/amqp_field_table", |b| {
        b.iter(|| {
            let mut headers = FieldTable::default();
            inject(black_box(&ctx), &mut headers);
            headers
        });
    });
    group.bench_function("inject/nats_header_map", |b| {
        b.iter(|| {
            let mut headers = async_nats::HeaderMap::new();
            inject(black_box(&ctx), &mut headers);
            headers
        });
    });
    group.bench_function("inject/hash_map", |b| {
        b.iter(|| {
            let mut headers = HashMap::<String, String>::new();
            inject(black_box(&ctx), &mut headers);
            headers
        });
    });

    let amqp = amqp_headers(&ctx);
    let nats = nats_headers(&ctx);
    let map = map_headers(&ctx);
    group.bench_function("extract/amqp_field_table", |b| {
        b.iter(|| extract(black_box(&amqp)).expect("valid"));
    });
    group.bench_function("extract/nats_header_map", |b| {
        b.iter(|| extract(black_box(&nats)).expect("valid"));
    });
    group.bench_function("extract/hash_map", |b| {
        b.iter(|| extract(black_box(&map)).expect("valid"));
    });

    // The spans as every message pays them without an exporter: open, inject / extract, end.
    group.bench_function("producer_span+inject/amqp_field_table", |b| {
        let _scope = ctx.enter();
        b.iter(|| {
            let span = ProducerSpan::start("rabbitmq", "orders");
            let mut headers = FieldTable::default();
            span.inject(&mut headers);
            headers
        });
    });
    group.bench_function("consumer_span/amqp_field_table", |b| {
        b.iter(|| {
            let span = ConsumerSpan::process("rabbitmq", "orders", black_box(&amqp));
            black_box(span.context().span_id())
        });
    });
    group.finish();
}

criterion_group!(benches, carriers);
criterion_main!(benches);
