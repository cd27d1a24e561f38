//! traced against tracing, fastrace and OpenTelemetry on the same work, in one run.
//!
//! `cargo bench -p benches` runs every group; `cargo bench -p benches -- sync_disabled` one.
//! BENCHMARKS.md explains each group and holds the last full run. Per-operation figures come from
//! `benches/table.py`, which divides each median by the group's batch size (the criterion
//! "throughput" of the benchmark).
//!
//! Process-wide state is set up once and switched between contenders:
//! - `log` has one global logger: [`SwitchLogger`] forwards to a back end chosen by an atomic.
//! - tracing's dispatcher is scoped per contender with `tracing::subscriber::with_default`; the
//!   "no subscriber" contender runs first, before any dispatcher was ever set.
//! - fastrace's reporter is global and permanent: the "no reporter" contender runs before
//!   `fastrace::set_reporter` installs a reporter that drops every span.

#![allow(missing_docs)]

use std::future::Future;
use std::hint::black_box;
use std::pin::{Pin, pin};
use std::sync::Once;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use log::{LevelFilter, Log, Metadata, Record};
use traced_runtime::logger::TracedLogger;
use traced_runtime::{SpanId, TraceContext, TraceId, TracedFutureExt as _, traced};
use tracing_subscriber::layer::SubscriberExt as _;

// ---------------------------------------------------------------------------------------------
// Shared set-up
// ---------------------------------------------------------------------------------------------

/// Calls per iteration in the sync groups (per-call time = median / BATCH).
const BATCH: u64 = 100;
/// Futures per iteration in `async_poll`.
const FUTURES: u64 = 10;
/// Chains per iteration in `nested_spans`.
const CHAINS: u64 = 10;
/// Tasks per iteration in `spawn`.
const TASKS: u64 = 10_000;

fn configure<'a>(c: &'a mut Criterion, name: &str, per_iter: u64) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .warm_up_time(Duration::from_millis(700))
        .measurement_time(Duration::from_millis(1500))
        .throughput(Throughput::Elements(per_iter));
    group
}

/// Log back ends selectable at run time ([`SwitchLogger`]).
const LOG_OFF: u8 = 0;
const LOG_TRACED: u8 = 1;
const LOG_PLAIN: u8 = 2;
static LOG_MODE: AtomicU8 = AtomicU8::new(LOG_OFF);

/// The global `log` logger: forwards to traced's ready-made text logger
/// (`traced_runtime::logger::Builder`, env_logger underneath) writing to `std::io::sink()`, either
/// whole (`LOG_TRACED`: `TracedLogger` stamps the ids) or only its inner env_logger
/// (`LOG_PLAIN`: the record's own key-values are printed in the same places).
struct SwitchLogger {
    traced: TracedLogger<env_logger::Logger>,
    plain: TracedLogger<env_logger::Logger>,
}

impl Log for SwitchLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.traced.enabled(metadata)
    }

    fn log(&self, record: &Record<'_>) {
        match LOG_MODE.load(Ordering::Relaxed) {
            LOG_TRACED => self.traced.log(record),
            LOG_PLAIN => self.plain.inner().log(record),
            _ => {}
        }
    }

    fn flush(&self) {}
}

/// traced's text logger, at INFO, writing to a sink.
fn sink_logger() -> TracedLogger<env_logger::Logger> {
    traced_runtime::logger::Builder::new()
        .format(traced_runtime::logger::Format::Text)
        // No timestamp: the peers' rows format none either (equal work, as before).
        .timestamp(false)
        .filter_level(LevelFilter::Info)
        .writer(Box::new(std::io::sink()))
        .build()
}

fn install_logger() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let logger = SwitchLogger {
            traced: sink_logger(),
            plain: sink_logger(),
        };
        log::set_boxed_logger(Box::new(logger)).expect("no other logger in the bench process");
    });
}

/// A fastrace reporter that drops every span.
struct NoopReporter;

impl fastrace::collector::Reporter for NoopReporter {
    fn report(&mut self, spans: Vec<fastrace::collector::SpanRecord>) {
        black_box(spans);
    }
}

static FASTRACE_REPORTER: Once = Once::new();

fn install_fastrace_reporter() {
    FASTRACE_REPORTER.call_once(|| {
        fastrace::set_reporter(NoopReporter, fastrace::collector::Config::default());
    });
}

/// Runs `f` under a fresh fastrace root span set as the thread's local parent.
#[inline]
fn fastrace_root<R>(f: impl FnOnce() -> R) -> R {
    let root = fastrace::Span::root("root", fastrace::collector::SpanContext::random());
    let _parent = root.set_local_parent();
    f()
}

/// Runs `f` with a fresh trace (root + one span) current.
fn in_trace<R>(f: impl FnOnce() -> R) -> R {
    TraceContext::new_root().child().in_scope(f)
}

#[inline]
fn batch(f: impl Fn(u64) -> u64) -> u64 {
    let mut acc = 0u64;
    for i in 0..BATCH {
        acc = acc.wrapping_add(f(black_box(i)));
    }
    acc
}

// ---------------------------------------------------------------------------------------------
// sync_disabled: the entry line's level is disabled
// ---------------------------------------------------------------------------------------------

#[inline(never)]
fn plain(x: u64) -> u64 {
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

/// The floor a thread-local design can reach: a `Cell` holding (span-id, parent-id), a
/// SplitMix64 draw, and the restore on exit; no trace-id check, no log-level check, no fields.
mod floor {
    use std::cell::Cell;
    use std::hint::black_box;

    thread_local! {
        static SPAN: Cell<(u64, u64)> = const { Cell::new((1, 0)) };
        static COUNTER: Cell<u64> = const { Cell::new(0x1234_5678) };
    }

    struct Restore((u64, u64));

    impl Drop for Restore {
        #[inline]
        fn drop(&mut self) {
            SPAN.set(self.0);
        }
    }

    #[inline(never)]
    pub(super) fn span(x: u64) -> u64 {
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
}

#[tracing::instrument(skip_all)]
#[inline(never)]
fn instrumented(x: u64) -> u64 {
    black_box(x).wrapping_mul(3)
}

#[fastrace::trace]
#[inline(never)]
fn fastraced(x: u64) -> u64 {
    black_box(x).wrapping_mul(3)
}

fn sync_disabled(c: &mut Criterion) {
    install_logger();
    LOG_MODE.store(LOG_OFF, Ordering::Relaxed);
    // A logger is installed but INFO (the entry level) is off.
    log::set_max_level(LevelFilter::Warn);

    let mut g = configure(c, "sync_disabled", BATCH);
    g.bench_function("plain_fn", |b| b.iter(|| batch(plain)));
    g.bench_function("floor_cell_span", |b| b.iter(|| batch(floor::span)));
    g.bench_function("traced_span/in_trace", |b| {
        in_trace(|| b.iter(|| batch(traced_span)));
    });
    g.bench_function("traced_span/new_trace", |b| b.iter(|| batch(traced_span)));
    g.bench_function("traced/in_trace", |b| {
        in_trace(|| b.iter(|| batch(traced_no_span)));
    });
    g.bench_function("traced/new_trace", |b| b.iter(|| batch(traced_no_span)));
    // Before any `with_default`: tracing's fast "no dispatcher ever set" path.
    g.bench_function("tracing/no_subscriber", |b| {
        b.iter(|| batch(instrumented));
    });
    g.bench_function("tracing/filtered_out", |b| {
        let subscriber =
            tracing_subscriber::registry().with(tracing_subscriber::filter::LevelFilter::WARN);
        tracing::subscriber::with_default(subscriber, || b.iter(|| batch(instrumented)));
    });
    g.bench_function("tracing/registry", |b| {
        let subscriber = tracing_subscriber::registry();
        tracing::subscriber::with_default(subscriber, || b.iter(|| batch(instrumented)));
    });
    g.bench_function("fastrace/no_parent", |b| b.iter(|| batch(fastraced)));
    if !FASTRACE_REPORTER.is_completed() {
        g.bench_function("fastrace/root_no_reporter", |b| {
            b.iter(|| fastrace_root(|| batch(fastraced)));
        });
    }
    install_fastrace_reporter();
    g.bench_function("fastrace/root_noop_reporter", |b| {
        b.iter(|| fastrace_root(|| batch(fastraced)));
    });
    g.finish();
}

// ---------------------------------------------------------------------------------------------
// sync_logged: the entry line is written (to a sink)
// ---------------------------------------------------------------------------------------------

#[traced(span)]
#[inline(never)]
fn logged_traced(x: u64) -> u64 {
    black_box(x).wrapping_mul(3)
}

/// Hand-written: the caller passes the ids, the function logs them as key-values.
#[inline(never)]
fn logged_manual(trace_id: TraceId, span_id: SpanId, x: u64) -> u64 {
    log::info!(trace_id:% = trace_id, span_id:% = span_id; "enter logged_manual");
    black_box(x).wrapping_mul(3)
}

#[tracing::instrument(skip_all)]
#[inline(never)]
fn logged_tracing(x: u64) -> u64 {
    tracing::info!("enter logged_tracing");
    black_box(x).wrapping_mul(3)
}

fn sync_logged(c: &mut Criterion) {
    install_logger();
    log::set_max_level(LevelFilter::Info);

    let mut g = configure(c, "sync_logged", 1);
    LOG_MODE.store(LOG_TRACED, Ordering::Relaxed);
    g.bench_function("traced_span/env_logger", |b| {
        in_trace(|| b.iter(|| logged_traced(black_box(7))));
    });
    LOG_MODE.store(LOG_PLAIN, Ordering::Relaxed);
    g.bench_function("manual_log_info/env_logger", |b| {
        let trace_id = TraceId::random();
        let span_id = SpanId::random();
        b.iter(|| logged_manual(trace_id, span_id, black_box(7)));
    });
    LOG_MODE.store(LOG_OFF, Ordering::Relaxed);
    g.bench_function("tracing/fmt", |b| {
        let subscriber = tracing_subscriber::fmt()
            .with_writer(std::io::sink)
            .without_time()
            .finish();
        tracing::subscriber::with_default(subscriber, || b.iter(|| logged_tracing(black_box(7))));
    });
    g.bench_function("tracing/fmt_with_time", |b| {
        // fmt's default line starts with an RFC 3339 timestamp; traced's text line has none.
        let subscriber = tracing_subscriber::fmt()
            .with_writer(std::io::sink)
            .finish();
        tracing::subscriber::with_default(subscriber, || b.iter(|| logged_tracing(black_box(7))));
    });
    g.finish();
    log::set_max_level(LevelFilter::Warn);
}

// ---------------------------------------------------------------------------------------------
// async_poll: one async fn whose body awaits 10 pending polls (11 polls in all)
// ---------------------------------------------------------------------------------------------

/// Pending once (after waking itself), then ready: tokio's `yield_now` without a runtime.
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

/// The floor of a per-poll context switch: the future owns its context and, during each poll,
/// a destructor-free `Cell` thread-local points at it (set on entry, restored on exit).
mod floor_poll {
    use std::cell::Cell;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use traced_runtime::TraceContext;

    thread_local! {
        static CURRENT: Cell<*const TraceContext> = const { Cell::new(std::ptr::null()) };
    }

    pub(super) struct PtrSlot<F> {
        pub(super) inner: F,
        pub(super) ctx: TraceContext,
    }

    struct Restore(*const TraceContext);

    impl Drop for Restore {
        #[inline]
        fn drop(&mut self) {
            CURRENT.set(self.0);
        }
    }

    impl<F: Future + Unpin> Future for PtrSlot<F> {
        type Output = F::Output;

        #[inline]
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
            let this = &mut *self;
            let _restore = Restore(CURRENT.replace(&raw const this.ctx));
            Pin::new(&mut this.inner).poll(cx)
        }
    }
}

/// Polls `fut` to completion with a no-op waker.
#[inline]
fn drive<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

fn futures<F: Future<Output = u64>>(make: impl Fn() -> F) -> u64 {
    let mut acc = 0;
    for _ in 0..FUTURES {
        acc += drive(make());
    }
    acc
}

fn async_poll(c: &mut Criterion) {
    log::set_max_level(LevelFilter::Warn);
    install_fastrace_reporter();
    let mut g = configure(c, "async_poll", FUTURES);
    g.bench_function("bare_future", |b| b.iter(|| futures(work)));
    g.bench_function("traced_span_async_fn", |b| {
        in_trace(|| b.iter(|| futures(work_traced)));
    });
    g.bench_function("in_context", |b| {
        let ctx = TraceContext::new_root().child();
        b.iter(|| futures(|| work().in_context(ctx.clone())));
    });
    g.bench_function("floor_ptr_slot", |b| {
        let ctx = TraceContext::new_root().child();
        b.iter(|| {
            futures(|| floor_poll::PtrSlot {
                inner: Box::pin(work()),
                ctx: ctx.clone(),
            })
        });
    });
    g.bench_function("bare_future_boxed", |b| {
        b.iter(|| futures(|| Box::pin(work())))
    });
    g.bench_function("tracing/instrumented_registry", |b| {
        use tracing::Instrument as _;
        tracing::subscriber::with_default(tracing_subscriber::registry(), || {
            b.iter(|| futures(|| work().instrument(tracing::info_span!("work"))));
        });
    });
    g.bench_function("fastrace/in_span_noop_reporter", |b| {
        use fastrace::future::FutureExt as _;
        b.iter(|| {
            fastrace_root(|| {
                futures(|| work().in_span(fastrace::Span::enter_with_local_parent("work")))
            })
        });
    });
    g.finish();
}

// ---------------------------------------------------------------------------------------------
// nested_spans: a depth-10 call chain, each level a span
// ---------------------------------------------------------------------------------------------

macro_rules! chain {
    ($m:ident $(, #[$attr:meta])?) => {
        mod $m {
            #![allow(unreachable_pub, clippy::wildcard_imports)]
            use std::hint::black_box;
            chain!(@fn $(#[$attr])? d1 d2);
            chain!(@fn $(#[$attr])? d2 d3);
            chain!(@fn $(#[$attr])? d3 d4);
            chain!(@fn $(#[$attr])? d4 d5);
            chain!(@fn $(#[$attr])? d5 d6);
            chain!(@fn $(#[$attr])? d6 d7);
            chain!(@fn $(#[$attr])? d7 d8);
            chain!(@fn $(#[$attr])? d8 d9);
            chain!(@fn $(#[$attr])? d9 d10);
            $(#[$attr])?
            #[inline(never)]
            pub fn d10(x: u64) -> u64 {
                black_box(x).wrapping_mul(3)
            }
        }
    };
    (@fn $(#[$attr:meta])? $name:ident $next:ident) => {
        $(#[$attr])?
        #[inline(never)]
        pub fn $name(x: u64) -> u64 {
            $next(black_box(x)).wrapping_add(1)
        }
    };
}

chain!(chain_plain);
chain!(chain_traced, #[traced_runtime::traced(span)]);
chain!(chain_tracing, #[tracing::instrument(skip_all)]);
chain!(chain_fastrace, #[fastrace::trace]);

fn chains(f: fn(u64) -> u64) -> u64 {
    let mut acc = 0u64;
    for i in 0..CHAINS {
        acc = acc.wrapping_add(f(black_box(i)));
    }
    acc
}

fn nested_spans(c: &mut Criterion) {
    log::set_max_level(LevelFilter::Warn);
    install_fastrace_reporter();
    let mut g = configure(c, "nested_spans", CHAINS);
    g.bench_function("plain_fn", |b| b.iter(|| chains(chain_plain::d1)));
    g.bench_function("traced_span", |b| {
        in_trace(|| b.iter(|| chains(chain_traced::d1)));
    });
    g.bench_function("tracing/registry", |b| {
        tracing::subscriber::with_default(tracing_subscriber::registry(), || {
            b.iter(|| chains(chain_tracing::d1));
        });
    });
    g.bench_function("fastrace/root_noop_reporter", |b| {
        b.iter(|| fastrace_root(|| chains(chain_fastrace::d1)));
    });
    g.finish();
}

// ---------------------------------------------------------------------------------------------
// ids: trace-id and span-id generation
// ---------------------------------------------------------------------------------------------

fn ids(c: &mut Criterion) {
    use opentelemetry_sdk::trace::{IdGenerator as _, RandomIdGenerator};

    let mut g = configure(c, "ids", BATCH);
    let repeat = |f: &dyn Fn() -> u128| {
        let mut acc = 0u128;
        for _ in 0..BATCH {
            acc ^= f();
        }
        acc
    };
    g.bench_function("traced/trace_id", |b| {
        b.iter(|| repeat(&|| u128::from_be_bytes(TraceId::random().to_bytes())));
    });
    g.bench_function("traced/span_id", |b| {
        b.iter(|| repeat(&|| u128::from(u64::from_be_bytes(SpanId::random().to_bytes()))));
    });
    let otel = RandomIdGenerator::default();
    g.bench_function("opentelemetry/trace_id", |b| {
        b.iter(|| repeat(&|| u128::from_be_bytes(otel.new_trace_id().to_bytes())));
    });
    g.bench_function("opentelemetry/span_id", |b| {
        b.iter(|| repeat(&|| u128::from(u64::from_be_bytes(otel.new_span_id().to_bytes()))));
    });
    g.bench_function("fastrace/trace_id", |b| {
        b.iter(|| repeat(&|| fastrace::collector::TraceId::random().0));
    });
    g.bench_function("fastrace/span_id", |b| {
        b.iter(|| repeat(&|| u128::from(fastrace::collector::SpanId::random().0)));
    });
    g.finish();
}

// ---------------------------------------------------------------------------------------------
// spawn: 10,000 tasks on a 2-worker multi-thread runtime
// ---------------------------------------------------------------------------------------------

async fn task_body() -> u64 {
    black_box(1)
}

fn spawn(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("tokio runtime");
    let mut g = configure(c, "spawn", TASKS);
    g.sample_size(10);
    g.bench_function("tokio_spawn", |b| {
        b.iter(|| {
            rt.block_on(async {
                let handles: Vec<_> = (0..TASKS).map(|_| tokio::spawn(task_body())).collect();
                let mut acc = 0;
                for h in handles {
                    acc += h.await.unwrap_or_default();
                }
                acc
            })
        });
    });
    g.bench_function("traced_task_spawn", |b| {
        let ctx = TraceContext::new_root().child();
        b.iter(|| {
            rt.block_on(
                async {
                    let handles: Vec<_> = (0..TASKS)
                        .map(|_| traced_runtime::task::spawn(task_body()))
                        .collect();
                    let mut acc = 0;
                    for h in handles {
                        acc += h.await.unwrap_or_default();
                    }
                    acc
                }
                .in_context(ctx.clone()),
            )
        });
    });
    g.bench_function("tracing/in_current_span_registry", |b| {
        use tracing::Instrument as _;
        let _default = tracing::subscriber::set_default(tracing_subscriber::registry());
        b.iter(|| {
            rt.block_on(
                async {
                    let handles: Vec<_> = (0..TASKS)
                        .map(|_| tokio::spawn(task_body().in_current_span()))
                        .collect();
                    let mut acc = 0;
                    for h in handles {
                        acc += h.await.unwrap_or_default();
                    }
                    acc
                }
                .instrument(tracing::info_span!("parent")),
            )
        });
    });
    g.finish();
}

// ---------------------------------------------------------------------------------------------
// propagation: W3C headers, parsed and written
// ---------------------------------------------------------------------------------------------

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const TRACESTATE: &str = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";

/// OpenTelemetry's carrier adapters for `http::HeaderMap` (what `opentelemetry-http` ships).
struct OtelInjector<'a>(&'a mut http::HeaderMap);

impl opentelemetry::propagation::Injector for OtelInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            http::header::HeaderName::from_bytes(key.as_bytes()),
            http::header::HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

struct OtelExtractor<'a>(&'a http::HeaderMap);

impl opentelemetry::propagation::Extractor for OtelExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0
            .keys()
            .map(http::header::HeaderName::as_str)
            .collect()
    }
}

fn propagation(c: &mut Criterion) {
    use opentelemetry::propagation::TextMapPropagator as _;
    use opentelemetry::trace::TraceContextExt as _;
    use opentelemetry_sdk::propagation::TraceContextPropagator;
    use traced_runtime::propagation::{self as prop, TRACEPARENT_LEN, TraceParent, TraceState};

    let otel = TraceContextPropagator::new();
    let mut headers = http::HeaderMap::new();
    headers.insert("traceparent", http::HeaderValue::from_static(TRACEPARENT));
    headers.insert("tracestate", http::HeaderValue::from_static(TRACESTATE));

    let mut g = configure(c, "propagation", 1);
    g.bench_function("traceparent_parse/traced", |b| {
        b.iter(|| TraceParent::parse(black_box(TRACEPARENT.as_bytes())));
    });
    g.bench_function("traceparent_parse/opentelemetry_ids_from_hex", |b| {
        // The two id parsers OpenTelemetry's propagator calls; its full parse is in `extract`.
        b.iter(|| {
            let s = black_box(TRACEPARENT);
            (
                opentelemetry::trace::TraceId::from_hex(&s[3..35]),
                opentelemetry::trace::SpanId::from_hex(&s[36..52]),
            )
        });
    });
    let tp = TraceParent::parse(TRACEPARENT.as_bytes()).expect("valid traceparent");
    g.bench_function("traceparent_format/traced_encode", |b| {
        b.iter(|| {
            let mut buf = [0u8; TRACEPARENT_LEN];
            black_box(black_box(&tp).encode(&mut buf));
        });
    });
    g.bench_function("traceparent_format/traced_to_string", |b| {
        b.iter(|| black_box(&tp).to_string());
    });
    let otel_sc = opentelemetry::trace::SpanContext::new(
        opentelemetry::trace::TraceId::from_hex(&TRACEPARENT[3..35]).expect("hex"),
        opentelemetry::trace::SpanId::from_hex(&TRACEPARENT[36..52]).expect("hex"),
        opentelemetry::trace::TraceFlags::SAMPLED,
        true,
        TRACESTATE.parse().expect("valid tracestate"),
    );
    g.bench_function("traceparent_format/opentelemetry_format", |b| {
        // The `format!` OpenTelemetry's propagator runs in `inject_context`.
        b.iter(|| {
            let sc = black_box(&otel_sc);
            format!(
                "{:02x}-{}-{}-{:02x}",
                0,
                sc.trace_id(),
                sc.span_id(),
                sc.trace_flags() & opentelemetry::trace::TraceFlags::SAMPLED
            )
        });
    });
    g.bench_function("tracestate_parse/traced", |b| {
        b.iter(|| TraceState::parse_joined([black_box(TRACESTATE.as_bytes())]));
    });
    g.bench_function("tracestate_parse/opentelemetry", |b| {
        b.iter(|| black_box(TRACESTATE).parse::<opentelemetry::trace::TraceState>());
    });
    g.bench_function("extract_header_map/traced", |b| {
        b.iter(|| prop::extract(black_box(&headers)));
    });
    g.bench_function("extract_header_map/opentelemetry", |b| {
        let empty = opentelemetry::Context::new();
        b.iter(|| otel.extract_with_context(&empty, &OtelExtractor(black_box(&headers))));
    });
    let ctx = prop::extract(&headers).expect("valid headers");
    let mut out = http::HeaderMap::new();
    g.bench_function("inject_header_map/traced", |b| {
        b.iter(|| prop::inject(black_box(&ctx), &mut out));
    });
    let otel_cx = opentelemetry::Context::new().with_remote_span_context(otel_sc.clone());
    g.bench_function("inject_header_map/opentelemetry", |b| {
        b.iter(|| otel.inject_context(black_box(&otel_cx), &mut OtelInjector(&mut out)));
    });
    g.finish();
}

criterion_group!(
    benches,
    sync_disabled,
    sync_logged,
    async_poll,
    nested_spans,
    ids,
    spawn,
    propagation
);
criterion_main!(benches);
