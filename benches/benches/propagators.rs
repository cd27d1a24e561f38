//! Extract and inject per propagation format, traced beside OpenTelemetry's Rust propagators
//! where one exists (issue 21): W3C (`opentelemetry_sdk`'s `TraceContextPropagator`), B3 single
//! and multi (`opentelemetry-zipkin`), Jaeger (`opentelemetry-jaeger-propagator`), X-Ray
//! (`opentelemetry-aws`). Google Cloud's `X-Cloud-Trace-Context` has no Rust propagator in
//! OpenTelemetry: traced's rows only.
//!
//! `cargo bench -p benches --bench propagators`. Both sides read from and write to a
//! `HashMap<String, String>` (a fresh one per injection), one format per set.

#![allow(missing_docs)]

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, TraceContextExt, TraceFlags, TraceState};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use traced_runtime::TraceContext;
use traced_runtime::propagation::{Format, Propagators};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN: &str = "00f067aa0ba902b7";

fn incoming(format: Format) -> HashMap<String, String> {
    let pairs: Vec<(&str, String)> = match format {
        Format::TraceContext => vec![("traceparent", format!("00-{TRACE}-{SPAN}-01"))],
        Format::B3 => vec![("b3", format!("{TRACE}-{SPAN}-1"))],
        Format::B3Multi => vec![
            ("x-b3-traceid", TRACE.to_owned()),
            ("x-b3-spanid", SPAN.to_owned()),
            ("x-b3-sampled", "1".to_owned()),
        ],
        Format::Jaeger => vec![("uber-trace-id", format!("{TRACE}:{SPAN}:0:1"))],
        Format::XRay => vec![(
            "x-amzn-trace-id",
            format!(
                "Root=1-{}-{};Parent={SPAN};Sampled=1",
                &TRACE[..8],
                &TRACE[8..]
            ),
        )],
        Format::CloudTrace => vec![(
            "x-cloud-trace-context",
            format!("{TRACE}/{};o=1", u64::from_str_radix(SPAN, 16).unwrap()),
        )],
        _ => vec![],
    };
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// OpenTelemetry's propagator for `format`, when there is one.
fn peer(format: Format) -> Option<Box<dyn TextMapPropagator>> {
    use opentelemetry_zipkin::{B3Encoding, Propagator as B3Propagator};
    match format {
        Format::TraceContext => Some(Box::new(TraceContextPropagator::new())),
        Format::B3 => Some(Box::new(B3Propagator::with_encoding(
            B3Encoding::SingleHeader,
        ))),
        Format::B3Multi => Some(Box::new(B3Propagator::with_encoding(
            B3Encoding::MultipleHeader,
        ))),
        Format::Jaeger => Some(Box::new(opentelemetry_jaeger_propagator::Propagator::new())),
        Format::XRay => Some(Box::new(opentelemetry_aws::trace::XrayPropagator::new())),
        _ => None,
    }
}

fn propagation(c: &mut Criterion) {
    let ctx = TraceContext::new(
        TRACE.parse().unwrap(),
        Some(SPAN.parse().unwrap()),
        traced_runtime::TraceFlags::NONE.with_sampled(true),
    );
    let otel_cx = opentelemetry::Context::new().with_remote_span_context(SpanContext::new(
        opentelemetry::trace::TraceId::from_hex(TRACE).unwrap(),
        opentelemetry::trace::SpanId::from_hex(SPAN).unwrap(),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    ));
    for format in [
        Format::TraceContext,
        Format::B3,
        Format::B3Multi,
        Format::Jaeger,
        Format::XRay,
        Format::CloudTrace,
    ] {
        let mut g = c.benchmark_group(format!("propagation/{}", format.name()));
        g.measurement_time(Duration::from_secs(2));
        g.warm_up_time(Duration::from_millis(500));
        let set = Propagators::new([format]);
        let headers = incoming(format);
        assert!(set.extract(&headers).is_ok(), "{format}");
        g.bench_function("traced/extract", |b| {
            b.iter(|| black_box(set.extract(black_box(&headers))))
        });
        g.bench_function("traced/inject", |b| {
            b.iter(|| {
                let mut out = HashMap::with_capacity(4);
                set.inject(black_box(&ctx), &mut out);
                out
            })
        });
        if let Some(peer) = peer(format) {
            let extracted = peer.extract(&headers);
            assert!(extracted.span().span_context().is_valid(), "{format}");
            g.bench_function("opentelemetry/extract", |b| {
                b.iter(|| black_box(peer.extract(black_box(&headers))))
            });
            g.bench_function("opentelemetry/inject", |b| {
                b.iter(|| {
                    let mut out = HashMap::with_capacity(4);
                    peer.inject_context(black_box(&otel_cx), &mut out);
                    out
                })
            });
        }
        g.finish();
    }
}

criterion_group!(benches, propagation);
criterion_main!(benches);
