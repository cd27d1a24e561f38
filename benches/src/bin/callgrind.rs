//! Runs one hot path in a loop, for instruction counts under `valgrind --tool=callgrind`.
//!
//! ```text
//! cargo build --profile bench -p benches --bin callgrind
//! valgrind --tool=callgrind --toggle-collect='callgrind::measured*' \
//!     target/release/callgrind traced_span_in_trace 100000
//! ```
//!
//! Instructions per call = the run's `Ir` total / the iteration count (collection is on only
//! inside [`measured`], so set-up, the first call's OS seeding and process start are excluded).
//! `benches/callgrind.sh` runs every path and prints that quotient. Logging is disabled the way
//! the `sync_disabled` bench disables it (max level WARN, entry lines at INFO), except on the
//! `logged_*` paths, which write the entry line through traced's text logger to a sink.

use std::future::Future;
use std::hint::black_box;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use traced_runtime::logger::TracedLogger;
use traced_runtime::propagation::{TRACEPARENT_LEN, TraceParent};
use traced_runtime::{SpanId, TraceContext, TraceId, TracedFutureExt as _, traced};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

#[inline(never)]
fn plain(x: u64) -> u64 {
    black_box(x).wrapping_mul(3)
}

/// The floor of a thread-local span: a `Cell` pair (span-id, parent-id), a SplitMix64 draw, and
/// the restore on exit (the `floor_cell_span` contender of the `sync_disabled` bench).
#[inline(never)]
fn floor_cell_span(x: u64) -> u64 {
    use std::cell::Cell;
    thread_local! {
        static SPAN: Cell<(u64, u64)> = const { Cell::new((1, 0)) };
        static COUNTER: Cell<u64> = const { Cell::new(0x1234_5678) };
    }
    struct Restore((u64, u64));
    impl Drop for Restore {
        fn drop(&mut self) {
            SPAN.set(self.0);
        }
    }
    let saved = SPAN.get();
    let state = COUNTER.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
    COUNTER.set(state);
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    SPAN.set((z ^ (z >> 31), saved.0));
    let _restore = Restore(saved);
    black_box(x).wrapping_mul(3)
}

#[traced(span)]
#[inline(never)]
fn traced_span(x: u64) -> u64 {
    black_box(x).wrapping_mul(3)
}

#[traced]
#[inline(never)]
fn traced_no_span(x: u64) -> u64 {
    black_box(x).wrapping_mul(3)
}

#[traced(span)]
#[inline(never)]
fn logged_traced(x: u64) -> u64 {
    black_box(x).wrapping_mul(3)
}

#[traced(args)]
#[inline(never)]
fn charge(account: &str, cents: u64) -> u64 {
    black_box(account.len() as u64 + cents)
}

/// A type for the `logged_method` path: methods log `enter Type::method`.
struct Service;

impl Service {
    #[traced(span)]
    #[inline(never)]
    fn logged_method(&self, x: u64) -> u64 {
        black_box(x).wrapping_mul(3)
    }
}

/// Hand-written: the caller passes the ids, the function logs them as key-values.
#[inline(never)]
fn logged_manual(trace_id: TraceId, span_id: SpanId, x: u64) -> u64 {
    log::info!(trace_id:% = trace_id, span_id:% = span_id; "enter logged_manual");
    black_box(x).wrapping_mul(3)
}

/// traced's text logger at INFO writing to a sink; `stamp: false` bypasses `TracedLogger` (the
/// hand-written contender passes the ids itself).
fn install_sink_logger(stamp: bool) {
    struct Unstamped(TracedLogger<traced_runtime::logger::Logger>);
    impl log::Log for Unstamped {
        fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
            self.0.enabled(metadata)
        }
        fn log(&self, record: &log::Record<'_>) {
            self.0.inner().log(record);
        }
        fn flush(&self) {}
    }
    let logger = traced_runtime::logger::Builder::new()
        .format(traced_runtime::logger::Format::Text)
        // No timestamp: the peers' rows format none either (equal work, as before).
        .timestamp(false)
        .filter_level(log::LevelFilter::Info)
        .writer(Box::new(std::io::sink()))
        .build();
    let installed = if stamp {
        log::set_boxed_logger(Box::new(logger))
    } else {
        log::set_boxed_logger(Box::new(Unstamped(logger)))
    };
    installed.expect("the only logger of this process");
    log::set_max_level(log::LevelFilter::Info);
}

/// Pending once (after waking itself), then ready.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

async fn work() -> u64 {
    for _ in 0..10 {
        YieldNow(false).await;
    }
    black_box(1)
}

#[traced(span)]
async fn work_traced() -> u64 {
    for _ in 0..10 {
        YieldNow(false).await;
    }
    black_box(1)
}

fn drive<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// The measured loop: callgrind collects only inside this function (`--toggle-collect`).
#[inline(never)]
fn measured(n: u64, f: impl Fn(u64) -> u64) -> u64 {
    let mut acc = 0u64;
    for i in 0..n {
        acc = acc.wrapping_add(f(black_box(i)));
    }
    acc
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_default();
    let n: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    log::set_max_level(log::LevelFilter::Warn);
    // Warm up the thread-locals (OS seeding of the id generator) outside the measured loop.
    black_box(traced_span(0));
    let trace = TraceContext::new_root().child();
    let out = match path.as_str() {
        "plain" => measured(n, plain),
        "floor_cell_span" => measured(n, floor_cell_span),
        "traced_span_in_trace" => trace.in_scope(|| measured(n, traced_span)),
        "traced_span_new_trace" => measured(n, traced_span),
        "traced_in_trace" => trace.in_scope(|| measured(n, traced_no_span)),
        "traced_new_trace" => measured(n, traced_no_span),
        "bare_future" => measured(n, |_| drive(work())),
        "traced_async_fn" => trace.in_scope(|| measured(n, |_| drive(work_traced()))),
        "in_context" => measured(n, |_| drive(work().in_context(trace.clone()))),
        "logged_traced" => {
            install_sink_logger(true);
            trace.in_scope(|| measured(n, logged_traced))
        }
        "logged_method" => {
            install_sink_logger(true);
            trace.in_scope(|| measured(n, |x| Service.logged_method(x)))
        }
        "logged_manual" => {
            install_sink_logger(false);
            let (trace_id, span_id) = (TraceId::random(), SpanId::random());
            measured(n, |x| logged_manual(trace_id, span_id, x))
        }
        "line_text" | "line_json" => {
            // The `lines` bench's traced rows: the ready-made logger with its default timestamp,
            // through `TracedLogger`, a static message, to a sink.
            let format = if path == "line_text" {
                traced_runtime::logger::Format::Text
            } else {
                traced_runtime::logger::Format::Json
            };
            let logger = traced_runtime::logger::Builder::new()
                .format(format)
                .filter_level(log::LevelFilter::Info)
                .writer(Box::new(std::io::sink()))
                .build();
            log::set_max_level(log::LevelFilter::Info);
            trace.in_scope(|| {
                measured(n, |x| {
                    log::info!(logger: &logger, target: "lines", "charged the account");
                    x
                })
            })
        }
        "own_line_json" => {
            // The `own_lines` bench's `traced_fields` row: a `#[traced(args)]` entry line as a
            // `tracing` event with fields, `fmt().json()` with traced's format, to a sink.
            let json = tracing::Dispatch::new(
                tracing_subscriber::fmt()
                    .json()
                    .with_writer(std::io::sink)
                    .event_format(traced_runtime::subscriber::json())
                    .finish(),
            );
            log::set_max_level(log::LevelFilter::Info);
            tracing::dispatcher::with_default(&json, || {
                trace.in_scope(|| measured(n, |x| charge(black_box("acct-42"), x)))
            })
        }
        "traceparent_parse" => measured(n, |_| {
            TraceParent::parse(black_box(TRACEPARENT.as_bytes()))
                .map_or(0, |tp| tp.parent_id().to_bytes()[7].into())
        }),
        "traceparent_encode" => {
            let tp = TraceParent::parse(TRACEPARENT.as_bytes()).expect("valid traceparent");
            measured(n, |_| {
                let mut buf = [0u8; TRACEPARENT_LEN];
                black_box(black_box(&tp).encode(&mut buf)).len() as u64
            })
        }
        _ => {
            eprintln!(
                "usage: callgrind PATH [N]\nPATH: plain | floor_cell_span | traced_span_in_trace | \
                 traced_span_new_trace | traced_in_trace | traced_new_trace | bare_future | \
                 traced_async_fn | in_context | logged_traced | logged_method | logged_manual | line_text | \
                 line_json | own_line_json | traceparent_parse | traceparent_encode"
            );
            std::process::exit(2);
        }
    };
    black_box(out);
}
