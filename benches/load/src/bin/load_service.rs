//! The axum "hello" service that `benches/load.sh` drives with `wrk` (issue 23, item 4).
//!
//! `load_service CONFIG [ADDR]` serves `GET /` -> `Hello, World!` on ONE thread (a tokio
//! `current_thread` runtime, the same for every configuration), bound to `ADDR` (default
//! `127.0.0.1:0`, a free loopback port). It prints `listening on IP:PORT` on stdout once it
//! accepts connections; on SIGTERM it stops accepting, lets open connections finish, and prints
//! `requests=N` (requests the handler answered, counted with one relaxed atomic add per request,
//! in every configuration alike) and, for `otel`, `otel_spans=N otel_trace_id_mismatches=M`.
//! With `LOAD_RSS_AT=10000,1000000`, the handler of the 10,000th and of the 1,000,000th request
//! prints `rss_after=N kb=K`, the process's `VmRSS` at that moment (the script drives wrk until
//! the last such line appears: wrk has no request-count option).
//!
//! `CONFIG` is one of:
//!
//! - `none`: no instrumentation at all;
//! - `traced`: traced's `layer::ServerLayer` with traced's ready-made logger
//!   (`traced_runtime::logger::init()`, `RUST_LOG` default `info`): a start line and an access
//!   line per request, on stderr;
//! - `traced-nonblocking`: the same, with the logger's non-blocking output
//!   (`logger::Builder::new().non_blocking(WhenFull::Block)`: a background writer thread, lines
//!   written in batches, a full queue waits, nothing is lost);
//! - `tower-http`: tower-http's `TraceLayer` with `DefaultMakeSpan`, `DefaultOnRequest` and
//!   `DefaultOnResponse` at INFO, and tracing-subscriber's `fmt()` with its defaults (INFO,
//!   timestamps, targets) writing to stderr: a request line and a response line per request;
//! - `otel`: the same `TraceLayer` and `fmt` layer, plus `tracing-opentelemetry` with an
//!   OpenTelemetry SDK tracer provider (batch span processor, default sampler) whose exporter
//!   only counts spans and compares their trace-id with `LOAD_EXPECT_TRACE_ID` (no I/O); each
//!   request's span continues the caller's trace (W3C `traceparent`, extracted with the SDK's
//!   `TraceContextPropagator`), as traced's layer does.
//!
//! The lines go to stderr, which the script redirects to a file.

use std::future::Future;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::routing::get;
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{TraceId, TracerProvider as _};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use tower_http::trace::{
    DefaultMakeSpan, DefaultOnRequest, DefaultOnResponse, MakeSpan, TraceLayer,
};
use tracing::Level;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Requests answered by the handler (every configuration pays this one relaxed add).
static REQUESTS: AtomicU64 = AtomicU64::new(0);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let Some(config) = args.get(1).and_then(|a| Config::parse(a)) else {
        eprintln!(
            "usage: load_service none|traced|traced-nonblocking|tower-http|otel [ADDR (default 127.0.0.1:0)]"
        );
        return ExitCode::from(2);
    };
    let addr = args.get(2).map_or("127.0.0.1:0", String::as_str);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("load_service: cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config, addr)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("load_service: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Installs `config`'s instrumentation, serves until SIGTERM, prints the counts.
async fn run(config: Config, addr: &str) -> std::io::Result<()> {
    let hello = Router::new().route("/", get(hello));
    let mut otel = None;
    let app = match config {
        Config::None => hello,
        Config::Traced => {
            traced_runtime::logger::init();
            hello.layer(traced_runtime::layer::ServerLayer::new())
        }
        Config::TracedNonBlocking => {
            traced_runtime::logger::Builder::new()
                .non_blocking(traced_runtime::logger::WhenFull::Block)
                .try_init()
                .map_err(std::io::Error::other)?;
            hello.layer(traced_runtime::layer::ServerLayer::new())
        }
        Config::TowerHttp => {
            tracing_subscriber::fmt()
                .with_writer(std::io::stderr)
                .init();
            hello.layer(
                TraceLayer::new_for_http()
                    .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                    .on_request(DefaultOnRequest::new().level(Level::INFO))
                    .on_response(DefaultOnResponse::new().level(Level::INFO)),
            )
        }
        Config::Otel => {
            let exporter = CountingExporter::from_env();
            let counts = Arc::clone(&exporter.counts);
            let provider = SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .build();
            tracing_subscriber::registry()
                .with(LevelFilter::INFO)
                .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
                .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("load_service")))
                .init();
            otel = Some((provider, counts));
            hello.layer(
                TraceLayer::new_for_http()
                    .make_span_with(ContinueTrace::default())
                    .on_request(DefaultOnRequest::new().level(Level::INFO))
                    .on_response(DefaultOnResponse::new().level(Level::INFO)),
            )
        }
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(terminated()?)
        .await?;
    println!("requests={}", REQUESTS.load(Ordering::Relaxed));
    if let Some((provider, counts)) = otel {
        // Exports what the batch processor still holds before the counts are read.
        if let Err(e) = provider.shutdown() {
            eprintln!("load_service: tracer provider shutdown: {e}");
        }
        println!(
            "otel_spans={} otel_trace_id_mismatches={}",
            counts.spans.load(Ordering::Relaxed),
            counts.mismatches.load(Ordering::Relaxed)
        );
    }
    Ok(())
}

async fn hello() -> &'static str {
    let n = REQUESTS.fetch_add(1, Ordering::Relaxed) + 1;
    if rss_checkpoints().contains(&n) {
        print_rss(n);
    }
    "Hello, World!"
}

/// The request counts at which the handler prints the service's resident memory, from
/// `LOAD_RSS_AT` (comma-separated, e.g. `10000,1000000`; unset or malformed entries: none).
fn rss_checkpoints() -> &'static [u64] {
    static AT: OnceLock<Vec<u64>> = OnceLock::new();
    AT.get_or_init(|| {
        std::env::var("LOAD_RSS_AT")
            .unwrap_or_default()
            .split(',')
            .filter_map(|n| n.trim().parse().ok())
            .collect()
    })
}

/// Prints `rss_after=N kb=K`: `VmRSS` of /proc/self/status (kB) as the `n`th request is answered
/// (`kb=?` where /proc is not there).
fn print_rss(n: u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("?");
    println!("rss_after={n} kb={kb}");
}

/// Resolves at the first SIGTERM (the script's `kill`).
fn terminated() -> std::io::Result<impl Future<Output = ()>> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    Ok(async move {
        term.recv().await;
    })
}

/// tower-http's `DefaultMakeSpan` at INFO, then the span's OpenTelemetry parent set from the
/// request's W3C headers (what a tracing-opentelemetry service does to continue a trace).
#[derive(Clone, Default)]
struct ContinueTrace {
    span: DefaultMakeSpan,
    propagator: TraceContextPropagator,
}

impl<B> MakeSpan<B> for ContinueTrace {
    fn make_span(&mut self, request: &http::Request<B>) -> tracing::Span {
        let span = self.span.clone().level(Level::INFO).make_span(request);
        span.set_parent(self.propagator.extract(&Headers(request.headers())));
        span
    }
}

/// OpenTelemetry's `Extractor` over an `http::HeaderMap` (what opentelemetry-http's
/// `HeaderExtractor` does, without one more dependency).
struct Headers<'a>(&'a http::HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

/// A span exporter that does no I/O: it counts the spans it is handed, and those whose
/// trace-id is not `LOAD_EXPECT_TRACE_ID` (32 hex characters; unset: none counted). It runs on
/// the batch processor's own thread, off the service's.
#[derive(Debug)]
struct CountingExporter {
    expected: Option<TraceId>,
    counts: Arc<Counts>,
}

impl CountingExporter {
    fn from_env() -> Self {
        let expected = std::env::var("LOAD_EXPECT_TRACE_ID")
            .ok()
            .and_then(|hex| TraceId::from_hex(&hex).ok());
        Self {
            expected,
            counts: Arc::default(),
        }
    }
}

impl SpanExporter for CountingExporter {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        self.counts
            .spans
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        if let Some(expected) = self.expected {
            let wrong = batch
                .iter()
                .filter(|span| span.span_context.trace_id() != expected)
                .count();
            self.counts
                .mismatches
                .fetch_add(wrong as u64, Ordering::Relaxed);
        }
        std::future::ready(Ok(()))
    }
}

/// What [`CountingExporter`] counted, read by `run` after the provider's shutdown.
#[derive(Debug, Default)]
struct Counts {
    spans: AtomicU64,
    mismatches: AtomicU64,
}

/// The instrumentation under test (the service's first argument).
#[derive(Clone, Copy, Debug)]
enum Config {
    None,
    Traced,
    TracedNonBlocking,
    TowerHttp,
    Otel,
}

impl Config {
    fn parse(arg: &str) -> Option<Self> {
        Some(match arg {
            "none" => Self::None,
            "traced" => Self::Traced,
            "traced-nonblocking" => Self::TracedNonBlocking,
            "tower-http" => Self::TowerHttp,
            "otel" => Self::Otel,
            _ => return None,
        })
    }
}
