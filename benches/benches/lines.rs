//! One logged line, written to a sink, side by side (issue 23, item 2): traced's text and JSON
//! lines (`log::info!` through `TracedLogger` and the ready-made logger, inside a trace with a
//! span, default timestamp on), tracing-subscriber's `fmt()` and `fmt().json()` with their
//! defaults, and a hand-written floor that writes the same bytes as traced's line, with the same
//! ids and timestamp, into a reused buffer.
//!
//! And lines per second from 2 threads to a file (item 3): traced's non-blocking output against
//! `tracing-appender`'s `non_blocking` under tracing-subscriber's `fmt()`, each both waiting for
//! room when its queue is full and dropping lines then.
//!
//! `cargo bench -p benches --bench lines`

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

use std::cell::{Cell, RefCell};
use std::hint::black_box;
use std::io::{self, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use log::{LevelFilter, Log};
use traced_runtime::TraceContext;
use traced_runtime::logger::{Builder, Format, Logger, TracedLogger, WhenFull};

const MESSAGE: &str = "charged the account";

fn traced(format: Format) -> TracedLogger<Logger> {
    Builder::new()
        .format(format)
        .filter_level(LevelFilter::Info)
        .writer(Box::new(io::sink()))
        .build()
}

// ---- the floor: the same line, written by hand ----

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex(out: &mut Vec<u8>, bytes: &[u8]) {
    for &b in bytes {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
}

fn two(out: &mut Vec<u8>, n: u64) {
    out.push(b'0' + (n / 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

thread_local! {
    static SECOND: Cell<(u64, [u8; 20])> = const { Cell::new((u64::MAX, [0; 20])) };
    static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// `YYYY-MM-DDTHH:MM:SS.uuuuuuZ`, the second cached per thread.
fn timestamp(out: &mut Vec<u8>) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let (cached, mut prefix) = SECOND.get();
    if cached != secs {
        let mut p = Vec::with_capacity(20);
        let days = secs / 86_400;
        let z = days + 719_468;
        let era = z / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + u64::from(m <= 2);
        two(&mut p, y / 100);
        two(&mut p, y % 100);
        p.push(b'-');
        two(&mut p, m);
        p.push(b'-');
        two(&mut p, d);
        p.push(b'T');
        let s = secs % 86_400;
        two(&mut p, s / 3600);
        p.push(b':');
        two(&mut p, s / 60 % 60);
        p.push(b':');
        two(&mut p, s % 60);
        p.push(b'.');
        prefix.copy_from_slice(&p);
        SECOND.set((secs, prefix));
    }
    out.extend_from_slice(&prefix);
    let us = u64::from(now.subsec_micros());
    two(out, us / 10_000);
    two(out, us / 100 % 100);
    two(out, us % 100);
    out.push(b'Z');
}

/// traced's text line for `MESSAGE` at INFO, target `lines`, by hand.
fn floor_text(sink: &mut impl Write) {
    BUF.with_borrow_mut(|out| {
        out.clear();
        timestamp(out);
        out.extend_from_slice(b" [");
        let trace_id = traced_runtime::current_trace_id().map(|t| t.to_bytes());
        match &trace_id {
            Some(id) => hex(out, id),
            None => out.push(b'-'),
        }
        out.extend_from_slice(b"] [");
        match traced_runtime::current_span_id() {
            Some(id) => hex(out, &id.to_bytes()),
            None => out.push(b'-'),
        }
        out.extend_from_slice(b"] INFO lines: ");
        out.extend_from_slice(black_box(MESSAGE).as_bytes());
        out.push(b'\n');
        let _ = sink.write_all(out);
    });
}

/// traced's JSON line for `MESSAGE` at INFO, target `lines`, by hand (no byte needs escaping).
fn floor_json(sink: &mut impl Write) {
    BUF.with_borrow_mut(|out| {
        out.clear();
        out.extend_from_slice(br#"{"timestamp":""#);
        timestamp(out);
        out.extend_from_slice(br#"","severity":"INFO","target":"lines","message":""#);
        out.extend_from_slice(black_box(MESSAGE).as_bytes());
        out.push(b'"');
        if let Some(ctx) = traced_runtime::TraceContext::current() {
            out.extend_from_slice(br#","trace_id":""#);
            hex(out, &ctx.trace_id().to_bytes());
            if let Some(span) = ctx.span_id() {
                out.extend_from_slice(br#"","span_id":""#);
                hex(out, &span.to_bytes());
            }
            if let Some(parent) = ctx.parent_span_id() {
                out.extend_from_slice(br#"","parent_span_id":""#);
                hex(out, &parent.to_bytes());
            }
            out.push(b'"');
        }
        out.extend_from_slice(b"}\n");
        let _ = sink.write_all(out);
    });
}

fn line_to_sink(c: &mut Criterion) {
    log::set_max_level(LevelFilter::Info);
    let mut g = c.benchmark_group("line_to_sink");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let ctx = TraceContext::new_root().child().child();

    let text = traced(Format::Text);
    g.bench_function("traced/text", |b| {
        ctx.in_scope(|| {
            b.iter(|| log::info!(logger: &text, target: "lines", "charged the account"))
        });
    });
    let json = traced(Format::Json);
    g.bench_function("traced/json", |b| {
        ctx.in_scope(|| {
            b.iter(|| log::info!(logger: &json, target: "lines", "charged the account"))
        });
    });
    g.bench_function("floor/text", |b| {
        let mut sink = io::sink();
        ctx.in_scope(|| b.iter(|| floor_text(&mut sink)));
    });
    g.bench_function("floor/json", |b| {
        let mut sink = io::sink();
        ctx.in_scope(|| b.iter(|| floor_json(&mut sink)));
    });
    g.bench_function("tracing/fmt", |b| {
        let subscriber = tracing_subscriber::fmt().with_writer(io::sink).finish();
        tracing::subscriber::with_default(subscriber, || {
            b.iter(|| tracing::info!(target: "lines", "charged the account"));
        });
    });
    g.bench_function("tracing/fmt_json", |b| {
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_writer(io::sink)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            b.iter(|| tracing::info!(target: "lines", "charged the account"));
        });
    });
    g.finish();
}

/// The file of one contender in the temporary directory (removed at the end of the group: the
/// contenders write gigabytes).
fn path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("traced-bench-{}-{name}.log", std::process::id()))
}

/// A fresh file for one contender.
fn file(name: &str) -> std::fs::File {
    std::fs::File::create(path(name)).expect("a file in the temporary directory")
}

/// Time for 2 threads, each in its own trace, to run `log_lines(per_thread)`.
fn two_threads(per_thread: u64, log_lines: impl Fn(u64) + Sync) -> Duration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                TraceContext::new_root()
                    .child()
                    .in_scope(|| log_lines(per_thread))
            });
        }
    });
    start.elapsed()
}

fn non_blocking_file(c: &mut Criterion) {
    log::set_max_level(LevelFilter::Info);
    let mut g = c.benchmark_group("non_blocking_file_2_threads");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(2));
    // The default output: each line written on the logging thread, one `write` per line.
    let sync = Builder::new()
        .format(Format::Text)
        .filter_level(LevelFilter::Info)
        .writer(Box::new(file("traced-sync")))
        .build();
    g.bench_function("traced/sync", |b| {
        b.iter_custom(|iters| {
            two_threads(iters, |n| {
                for _ in 0..n {
                    log::info!(logger: &sync, target: "lines", "charged the account");
                }
            })
        });
    });
    for (name, when_full) in [("block", WhenFull::Block), ("drop", WhenFull::Drop)] {
        let logger = Builder::new()
            .format(Format::Text)
            .filter_level(LevelFilter::Info)
            .writer(Box::new(file(&format!("traced-{name}"))))
            .non_blocking(when_full)
            .build();
        g.bench_function(format!("traced/{name}"), |b| {
            b.iter_custom(|iters| {
                two_threads(iters, |n| {
                    for _ in 0..n {
                        log::info!(logger: &logger, target: "lines", "charged the account");
                    }
                })
            });
        });
        logger.flush();
    }
    for (name, lossy) in [("block", false), ("drop", true)] {
        let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
            .lossy(lossy)
            .finish(file(&format!("appender-{name}")));
        let dispatch =
            tracing::Dispatch::new(tracing_subscriber::fmt().with_writer(writer).finish());
        g.bench_function(format!("tracing_appender/{name}"), |b| {
            b.iter_custom(|iters| {
                two_threads(iters, |n| {
                    tracing::dispatcher::with_default(&dispatch, || {
                        for _ in 0..n {
                            tracing::info!(target: "lines", "charged the account");
                        }
                    });
                })
            });
        });
        drop(guard);
    }
    g.finish();
    for name in [
        "traced-sync",
        "traced-block",
        "traced-drop",
        "appender-block",
        "appender-drop",
    ] {
        let _ = std::fs::remove_file(path(name));
    }
}

criterion_group!(benches, line_to_sink, non_blocking_file);
criterion_main!(benches);
