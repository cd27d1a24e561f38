//! The cost of `SpanContextLayer` (a `tracing` span remembers the trace context current at its
//! creation; an event inside it with no context current carries that context's ids).
//!
//! `cargo bench -p benches --bench span_context`. Each group compares the same work under a
//! subscriber without the layer and with it; per-operation figures are the median divided by
//! the batch (criterion's throughput).
//!
//! - `span_context_new_span`: create and close a span while a trace context is current
//!   (registry alone vs registry with the layer): the layer's clone of the context into the
//!   span's extensions.
//! - `span_context_event`: an event inside such a span, on a thread with no context current,
//!   written by tracing-subscriber's fmt layer with traced's text format to a sink: without the
//!   layer the line says `trace_id=- span_id=-`, with it the span's ids (the walk up the
//!   span's scope, the clone, and the longer line).

#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use traced_runtime::TraceContext;
use traced_runtime::subscriber::SpanContextLayer;
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt as _;

/// Operations per iteration.
const BATCH: u64 = 100;

fn configure<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .warm_up_time(Duration::from_millis(700))
        .measurement_time(Duration::from_millis(2000))
        .throughput(Throughput::Elements(BATCH));
    group
}

fn new_span(c: &mut Criterion) {
    let mut group = configure(c, "span_context_new_span");
    let ctx = TraceContext::new_root()
        .child()
        .with_field("account_id", "account-456");
    let without = Dispatch::new(tracing_subscriber::registry());
    let with = Dispatch::new(tracing_subscriber::registry().with(SpanContextLayer::new()));
    for (name, dispatch) in [("without_layer", &without), ("with_layer", &with)] {
        tracing::dispatcher::with_default(dispatch, || {
            let _scope = ctx.enter();
            group.bench_function(name, |b| {
                b.iter(|| {
                    for _ in 0..BATCH {
                        black_box(tracing::info_span!("request", uri = "/orders/42"));
                    }
                });
            });
        });
    }
    group.finish();
}

fn fmt_dispatch(layer: bool) -> Dispatch {
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::sink)
        .event_format(traced_runtime::subscriber::text());
    if layer {
        Dispatch::new(
            tracing_subscriber::registry()
                .with(fmt)
                .with(SpanContextLayer::new()),
        )
    } else {
        Dispatch::new(tracing_subscriber::registry().with(fmt))
    }
}

fn event(c: &mut Criterion) {
    let mut group = configure(c, "span_context_event");
    let ctx = TraceContext::new_root().child();
    for (name, layer) in [("without_layer", false), ("with_layer", true)] {
        let dispatch = fmt_dispatch(layer);
        tracing::dispatcher::with_default(&dispatch, || {
            let span = ctx.in_scope(|| tracing::info_span!("request", uri = "/orders/42"));
            // Inside the span, with no context current: a library's worker task.
            let _entered = span.enter();
            assert!(TraceContext::current().is_none());
            group.bench_function(name, |b| {
                b.iter(|| {
                    for i in 0..BATCH {
                        tracing::info!(i, "processing request");
                    }
                });
            });
        });
    }
    group.finish();
}

criterion_group!(benches, new_span, event);
criterion_main!(benches);
