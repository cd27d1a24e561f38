//! What a dead collector costs a service that exports its logs over OTLP: the logging thread
//! never waits; when the queue is full, records are dropped, counted, and reported on stderr
//! once per interval.
//!
//! ```text
//! cargo run --example otlp_dead_collector -- MODE [LINES]
//! ```
//!
//! MODE is where the exporters send: `blackhole` (a listener that accepts connections and never
//! answers: every export waits for its timeout), `refused` (a closed port: every export fails at
//! once) or `off` (no OTLP at all, the baseline). The program logs LINES lines (default 200,000)
//! as fast as it can inside a span, through traced's logger writing to a sink (logs exported
//! only, not printed), waits a little over one report interval (1 s here), and prints the time
//! per line, the records dropped (`otel::logs::dropped_records`), and how long shutting the
//! pipelines down took. `OTEL_EXPORTER_OTLP_TIMEOUT` defaults to 1000 ms here, so that shutdown
//! with a black hole waits at most a few timeouts.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use traced_runtime::otel::logs::dropped_records;
use traced_runtime::otel::otlp::Builder;
use traced_runtime::traced;

#[traced(span)]
fn work(lines: u64) -> Duration {
    let start = Instant::now();
    for i in 0..lines {
        log::info!(target: "checkout", order = i; "order placed");
    }
    start.elapsed()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "blackhole".to_owned());
    let lines: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(200_000);

    // Exported only: the lines go to a sink.
    traced_runtime::logger::Builder::new()
        .filter_level(log::LevelFilter::Info)
        .writer(Box::new(std::io::sink()))
        .try_init()?;
    if std::env::var_os("OTEL_EXPORTER_OTLP_TIMEOUT").is_none() {
        // SAFETY: no other thread runs yet.
        unsafe { std::env::set_var("OTEL_EXPORTER_OTLP_TIMEOUT", "1000") };
    }

    // Kept open until the end: connections complete in the kernel's backlog, never answered.
    let black_hole = TcpListener::bind("127.0.0.1:0")?;
    let endpoint = match mode.as_str() {
        "blackhole" => Some(format!("http://{}", black_hole.local_addr()?)),
        "refused" => {
            let closed = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
            Some(format!("http://{closed}"))
        }
        "off" => None,
        other => return Err(format!("unknown mode {other:?}: blackhole, refused or off").into()),
    };
    let guard = match endpoint {
        Some(endpoint) => Some(
            Builder::new()
                .endpoint(endpoint)
                .drop_report_interval(Duration::from_secs(1))
                .init()?,
        ),
        None => None,
    };

    let elapsed = work(lines);
    // One report interval, so that the drop report is written.
    std::thread::sleep(Duration::from_millis(1200));
    let dropped = dropped_records();
    let shutdown = Instant::now();
    drop(guard);
    let shutdown = shutdown.elapsed();
    println!(
        "mode={mode} lines={lines} ns_per_line={:.0} dropped={dropped} exported_or_queued={} \
         shutdown_ms={}",
        elapsed.as_nanos() as f64 / lines as f64,
        lines - dropped.min(lines),
        shutdown.as_millis()
    );
    drop(black_hole);
    Ok(())
}
