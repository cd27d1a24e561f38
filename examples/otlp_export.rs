//! The two services of `http_services`, with their spans exported over OTLP/HTTP, so that one
//! trace spans both services in Jaeger, Tempo or any OpenTelemetry Collector, with the same ids
//! as the log lines.
//!
//! ```text
//! # a local Jaeger (all-in-one accepts OTLP/HTTP on 4318):
//! docker run --rm -p 16686:16686 -p 4318:4318 jaegertracing/all-in-one
//! OTEL_SERVICE_NAME=two-services cargo run --example otlp_export
//! # then open http://127.0.0.1:16686 and search for the trace-id printed below
//! ```
//!
//! Spans go to `OTEL_EXPORTER_OTLP_ENDPOINT` (default `http://127.0.0.1:4318`). With no
//! collector listening, the example still runs; the exporter reports the failed export once
//! the batch is flushed at exit.

mod two_services;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    traced_runtime::log::init();
    let endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
        .unwrap_or_else(|_| traced_runtime::otel::otlp::DEFAULT_ENDPOINT.to_owned());
    // Exports every sampled span until dropped at the end of `main` (which flushes the batch).
    let otlp = traced_runtime::otel::otlp::init()?;
    let (client, a_url) = two_services::start().await?;

    two_services::send_both(&client, &a_url).await?;

    // The blocking OTLP client must not run on a tokio worker: flush on a plain thread.
    let flushed = tokio::task::spawn_blocking(move || {
        let result = otlp.force_flush();
        drop(otlp);
        result
    })
    .await?;
    match flushed {
        Ok(()) => eprintln!("\nspans exported to {endpoint}: look up the trace-ids above"),
        Err(e) => eprintln!("\nspans could not be exported to {endpoint}: {e}"),
    }
    Ok(())
}
