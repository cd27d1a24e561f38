//! The two services of `http_services`, with their spans exported over OTLP/HTTP, so that one
//! trace spans both services in Jaeger, Tempo or any OpenTelemetry Collector, with the same ids
//! as the log lines: A's SERVER span, the CLIENT span of A's call, B's SERVER span.
//!
//! ```text
//! # a local Jaeger (all-in-one accepts OTLP/HTTP on 4318):
//! docker run --rm -p 16686:16686 -p 4318:4318 jaegertracing/all-in-one
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 OTEL_SERVICE_NAME=two-services \
//!     cargo run --example otlp_export
//! # then open http://127.0.0.1:16686 and search for the trace-id printed below
//! ```
//!
//! Without `OTEL_EXPORTER_OTLP_ENDPOINT`, `cargo run --example otlp_export` exports to an OTLP
//! receiver of its own on loopback (the one the tests use, decoding with the official
//! `opentelemetry-proto` types) and prints the span tree it received: per trace,
//! `SERVER GET /hello` -> `CLIENT GET` -> `SERVER GET /greet`.

mod two_services;

#[path = "../tests/tests/otlp_support/mod.rs"]
#[allow(dead_code)]
mod otlp_support;

use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use otlp_support::to_hex;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    traced_runtime::logger::init();
    let given = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").ok();
    // No collector given: receive the spans ourselves (sets OTEL_EXPORTER_OTLP_ENDPOINT before
    // any other thread runs, and builds the runtime the services run on).
    let (runtime, received) = match &given {
        Some(_) => (tokio::runtime::Runtime::new()?, None),
        None => {
            let (runtime, received) = otlp_support::start("two-services");
            (runtime, Some(received))
        }
    };
    let endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")?;
    // Exports every sampled span until dropped (which flushes the batch).
    let otlp = traced_runtime::otel::otlp::init()?;
    runtime.block_on(async {
        let (client, a_url) = two_services::start().await?;
        two_services::send_both(&client, &a_url).await
    })?;

    // The blocking OTLP client must not run on a tokio worker: flush on this plain thread.
    match otlp.force_flush() {
        Ok(()) => eprintln!("\nspans exported to {endpoint}: look up the trace-ids above"),
        Err(e) => eprintln!("\nspans could not be exported to {endpoint}: {e}"),
    }
    drop(otlp);
    if let Some(received) = received {
        print_tree(&received.spans());
    }
    Ok(())
}

/// Prints each trace's spans as a tree: `KIND name (span-id)`, children indented.
fn print_tree(spans: &[Span]) {
    let roots = spans.iter().filter(|span| {
        !spans
            .iter()
            .any(|parent| parent.span_id == span.parent_span_id)
    });
    for root in roots {
        eprintln!("\ntrace {}", to_hex(&root.trace_id));
        print_span(spans, root, 1);
    }
}

fn print_span(spans: &[Span], span: &Span, depth: usize) {
    let kind = SpanKind::try_from(span.kind).map_or("?", |kind| match kind {
        SpanKind::Server => "SERVER",
        SpanKind::Client => "CLIENT",
        SpanKind::Internal => "INTERNAL",
        _ => "OTHER",
    });
    let parent = if span.parent_span_id.is_empty() {
        "root".to_owned()
    } else {
        format!("parent {}", to_hex(&span.parent_span_id))
    };
    eprintln!(
        "{:indent$}{kind} {} (span {}, {parent})",
        "",
        span.name,
        to_hex(&span.span_id),
        indent = depth * 2
    );
    for child in spans
        .iter()
        .filter(|child| child.parent_span_id == span.span_id)
    {
        print_span(spans, child, depth + 1);
    }
}
