//! Two HTTP services, one trace: service A receives a request, logs, and calls service B over a
//! real HTTP connection; B logs. Both services put the same trace-id on their lines, and B's
//! remote parent is the CLIENT span A opened for the call. Each request ends with one
//! access-log line per service (`GET /hello 200 1.493 ms`, with the server span's ids). The
//! services live in `two_services/`.
//!
//! `cargo run --example http_services` starts both services on loopback ports chosen by the OS,
//! sends one request with a given `traceparent` and one without, prints the log lines and exits.
//! `cargo run --example http_services -- --serve` keeps serving and prints a `curl` line to try.

mod two_services;

use two_services::GIVEN_TRACEPARENT;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    traced_runtime::logger::init();
    let (client, a_url) = two_services::start().await?;

    if std::env::args().any(|arg| arg == "--serve") {
        eprintln!("try: curl -H 'traceparent: {GIVEN_TRACEPARENT}' {a_url}");
        eprintln!(" or: curl -H 'X-Request-Id: req-7f3a' {a_url}");
        eprintln!("(Ctrl-C to stop)");
        std::future::pending::<()>().await;
    }

    two_services::send_both(&client, &a_url).await?;
    Ok(())
}
