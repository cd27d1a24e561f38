//! The cost on the logging thread of a line exported as an OpenTelemetry log record (issue 22):
//! traced's log export beside `opentelemetry-appender-log` and `opentelemetry-appender-tracing`
//! doing the same work, in one run: `cargo bench -p benches --bench otlp_logs`.
//!
//! Every contender emits to an SDK logger provider with the SDK's `BatchLogProcessor` in front of
//! an exporter that discards (so the figure is what the logging thread pays: building the
//! record and enqueueing it; the export runs on the processor's thread). The queue is large
//! (65,536) so that the run measures the enqueue, not the drop path. Each line: level INFO,
//! target `shop::billing`, a formatted message, two key-values (`amount=42`, `card="visa"`),
//! module, file and line (`code.*` attributes; the appenders' `experimental_metadata_attributes`
//! feature adds theirs), inside a sampled trace with a current span (traced's context; the
//! appenders get the same ids through an attached OpenTelemetry context).
//!
//! Rows (per line; criterion's median divided by the batch of 100 lines):
//! - `traced/log_no_export`: traced's logger with an output that discards, no exporter (the
//!   stamping alone); runs before the exporter is installed.
//! - `traced/log_export`: the same with the log export installed: the added cost is the export.
//! - `appender_log/log`: `OpenTelemetryLogBridge::log` for the same record.
//! - `traced/tracing_event_export`: a `tracing::info!` event through traced's `LogLayer` and
//!   logger, exported.
//! - `appender_tracing/tracing_event`: the same event through `OpenTelemetryTracingBridge`.

#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use log::kv::Value;
use log::{Level, Log, Metadata, Record};
use opentelemetry_appender_log::OpenTelemetryLogBridge;
use opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{
    BatchConfigBuilder, BatchLogProcessor, LogBatch, LogExporter, SdkLoggerProvider,
};
use traced_runtime::logger::TracedLogger;
use traced_runtime::{SpanId, TraceContext, TraceFlags, TraceId, otel};
use tracing_subscriber::layer::SubscriberExt as _;

/// Lines per iteration.
const BATCH: u64 = 100;

/// An output that discards (traced's printing is not what is measured here).
struct Discard;

impl Log for Discard {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &Record<'_>) {
        black_box(record);
    }
    fn flush(&self) {}
}

/// An exporter that discards every batch.
#[derive(Debug)]
struct DiscardExporter;

impl LogExporter for DiscardExporter {
    async fn export(&self, batch: LogBatch<'_>) -> OTelSdkResult {
        black_box(batch.iter().count());
        Ok(())
    }
}

fn provider() -> SdkLoggerProvider {
    let processor = BatchLogProcessor::builder(DiscardExporter)
        .with_batch_config(
            BatchConfigBuilder::default()
                .with_max_queue_size(65_536)
                .build(),
        )
        .build();
    SdkLoggerProvider::builder()
        .with_log_processor(processor)
        .build()
}

/// One line, as `log::info!(target: "shop::billing", amount = 42, card = "visa"; "charged {n}")`
/// builds it, handed to `logger`.
#[inline(never)]
fn log_line(logger: &dyn Log, n: u64) {
    let kvs: [(&str, Value<'_>); 2] = [("amount", Value::from(42)), ("card", Value::from("visa"))];
    logger.log(
        &Record::builder()
            .level(Level::Info)
            .target("shop::billing")
            .args(format_args!("charged {n}"))
            .key_values(&kvs)
            .module_path_static(Some(module_path!()))
            .file_static(Some(file!()))
            .line(Some(line!()))
            .build(),
    );
}

#[inline(never)]
fn tracing_line(n: u64) {
    tracing::info!(target: "shop::billing", amount = 42, card = "visa", "charged {n}");
}

fn batch(f: impl Fn(u64)) {
    for n in 0..BATCH {
        f(black_box(n));
    }
}

fn log_export(c: &mut Criterion) {
    let ctx = TraceContext::new(
        TraceId::random(),
        Some(SpanId::random()),
        TraceFlags::SAMPLED,
    );
    // The global `log` logger, for `LogLayer` to forward `tracing` events to.
    log::set_boxed_logger(Box::new(TracedLogger::new(Discard))).unwrap();
    log::set_max_level(log::LevelFilter::Info);
    let ours = TracedLogger::new(Discard);

    let mut g = c.benchmark_group("log_export");
    g.warm_up_time(Duration::from_millis(700))
        .measurement_time(Duration::from_millis(1500))
        .throughput(Throughput::Elements(BATCH));

    {
        let _in = ctx.enter();
        g.bench_function("traced/log_no_export", |b| {
            b.iter(|| batch(|n| log_line(&ours, n)));
        });
    }

    let our_provider = provider();
    otel::logs::install(&our_provider).unwrap();
    {
        let _in = ctx.enter();
        g.bench_function("traced/log_export", |b| {
            b.iter(|| batch(|n| log_line(&ours, n)));
        });
    }

    let their_provider = provider();
    let bridge = OpenTelemetryLogBridge::new(&their_provider);
    {
        let _otel = otel::to_otel_context(&ctx).attach();
        g.bench_function("appender_log/log", |b| {
            b.iter(|| batch(|n| log_line(&bridge, n)));
        });
    }

    {
        let subscriber = tracing_subscriber::registry()
            .with(traced_runtime::subscriber::LogLayer::new().forward_to_any_logger());
        let _in = ctx.enter();
        tracing::subscriber::with_default(subscriber, || {
            g.bench_function("traced/tracing_event_export", |b| {
                b.iter(|| batch(tracing_line));
            });
        });
    }

    let tracing_provider = provider();
    {
        let subscriber =
            tracing_subscriber::registry().with(OpenTelemetryTracingBridge::new(&tracing_provider));
        let _otel = otel::to_otel_context(&ctx).attach();
        tracing::subscriber::with_default(subscriber, || {
            g.bench_function("appender_tracing/tracing_event", |b| {
                b.iter(|| batch(tracing_line));
            });
        });
    }
    g.finish();

    for provider in [our_provider, their_provider, tracing_provider] {
        let _ = provider.shutdown();
    }
}

criterion_group!(benches, log_export);
criterion_main!(benches);
