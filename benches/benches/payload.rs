//! Reading a job payload's trace context: `serde_json::from_str` of a job whose context carries
//! N user fields (issue 15: each entry used to copy the whole list, 1,000 fields took 36 ms).
//!
//! `cargo bench -p benches --bench payload`; BENCHMARKS.md holds the last run. Only the first
//! `payload::MAX_FIELDS` (64) fields are kept; the rest are scanned and skipped, so the time per
//! byte stays flat as N grows. No logger is installed: the WARN about dropped fields is free.

#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde::Deserialize;
use traced_runtime::TraceContext;

#[derive(Deserialize)]
struct Job {
    #[allow(dead_code)]
    lead_id: u64,
    trace: Option<TraceContext>,
}

/// A job whose context has `n` fields (`"field-i": "value-i"`).
fn payload(n: usize) -> String {
    let fields: Vec<String> = (0..n)
        .map(|i| format!(r#""field-{i}": "value-{i}""#))
        .collect();
    format!(
        r#"{{"lead_id": 7, "trace": {{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "fields": {{{}}}}}}}"#,
        fields.join(", ")
    )
}

fn deserialize(c: &mut Criterion) {
    let mut group = c.benchmark_group("payload_deserialize");
    group
        .warm_up_time(Duration::from_millis(700))
        .measurement_time(Duration::from_millis(2000));
    for n in [1, 64, 1_000, 16_000] {
        let json = payload(n);
        group.throughput(Throughput::Bytes(json.len() as u64));
        group.bench_function(format!("{n}_fields"), |b| {
            b.iter(|| {
                let job: Job = serde_json::from_str(black_box(&json)).expect("valid payload");
                black_box(job.trace)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, deserialize);
criterion_main!(benches);
