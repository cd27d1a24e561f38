//! The cost of sending traced's own lines to tracing-subscriber as events with their key-values
//! as fields (issue 19, point 4), against the route they took before, through tracing-log's
//! `LogTracer` with the values in the message text, and against `tracing`'s own macro writing
//! the same fields.
//!
//! `cargo bench -p benches --bench own_lines`. One `#[traced(args)]` entry line with two
//! arguments, inside a trace, written by `fmt().json()` with traced's JSON format to a sink;
//! per-line figures are the median divided by the batch (criterion's throughput).

#![allow(missing_docs)]

use std::hint::black_box;
use std::io;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use log::Log as _;
use traced_runtime::{TraceContext, traced};
use tracing::Dispatch;

/// Lines per iteration.
const BATCH: u64 = 100;

#[traced(args)]
#[inline(never)]
fn charge(account: &str, cents: u64) -> u64 {
    black_box(account.len() as u64 + cents)
}

fn own_line(c: &mut Criterion) {
    log::set_max_level(log::LevelFilter::Info);
    let mut group = c.benchmark_group("own_line_json");
    group
        .warm_up_time(Duration::from_millis(700))
        .measurement_time(Duration::from_millis(2000))
        .throughput(Throughput::Elements(BATCH));
    // `json()` makes traced's own lines events with fields (the route under test).
    let json = Dispatch::new(
        tracing_subscriber::fmt()
            .json()
            .with_writer(io::sink)
            .event_format(traced_runtime::subscriber::json())
            .finish(),
    );
    let log_tracer = tracing_log::LogTracer::new();
    let ctx = TraceContext::new_root().child();
    tracing::dispatcher::with_default(&json, || {
        let _scope = ctx.enter();
        group.bench_function("traced_fields", |b| {
            b.iter(|| {
                for _ in 0..BATCH {
                    black_box(charge(black_box("acct-42"), 1250));
                }
            });
        });
        // The same line as `LogTracer` saw it before: values in the message, no fields.
        group.bench_function("log_tracer_message", |b| {
            b.iter(|| {
                for _ in 0..BATCH {
                    log_tracer.log(
                        &log::Record::builder()
                            .level(log::Level::Info)
                            .target("own_lines")
                            .args(format_args!(
                                "enter charge account={:?} cents={:?}",
                                black_box("acct-42"),
                                1250_u64
                            ))
                            .build(),
                    );
                }
            });
        });
        group.bench_function("tracing_macro_fields", |b| {
            b.iter(|| {
                for _ in 0..BATCH {
                    tracing::info!(account = ?black_box("acct-42"), cents = ?1250_u64, "enter charge");
                }
            });
        });
    });
    group.finish();
}

criterion_group!(benches, own_line);
criterion_main!(benches);
