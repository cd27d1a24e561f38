//! The same request logged in both ready-made formats: JSON lines on stdout, text on stderr.
//!
//! The handler sets the business id `account_id` once; lines logged three calls deeper and in a
//! spawned task carry it, with the trace-id. Filter the JSON with jq:
//!
//! ```text
//! cargo run --example json_logs 2>/dev/null | jq -c 'select(.account_id == "account-456")'
//! cargo run --example json_logs 2>/dev/null | jq -c 'select(.trace_id == "<a trace-id>")'
//! TRACED_GCP_PROJECT=my-project cargo run --example json_logs   # adds Cloud Logging's keys
//! ```
//!
//! Both formats start with an RFC 3339 timestamp (`TRACED_LOG_TIMESTAMP=off` leaves it out).
//!
//! An application picks one format: `traced_runtime::logger::init()` reads `TRACED_LOG_FORMAT`
//! (`text` or `json`). This example installs both side by side to show them on one run.

use log::{Log, Metadata, Record};
use traced_runtime::logger::{Builder, Format};
use traced_runtime::{TraceContext, TracedFutureExt, traced};

/// Sends every record to two loggers.
struct Tee<A, B>(A, B);

impl<A: Log, B: Log> Log for Tee<A, B> {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.0.enabled(metadata) || self.1.enabled(metadata)
    }

    fn log(&self, record: &Record<'_>) {
        self.0.log(record);
        self.1.log(record);
    }

    fn flush(&self) {
        self.0.flush();
        self.1.flush();
    }
}

#[traced(span)]
async fn handle_checkout(account_id: &str, order_id: u32) {
    let ctx = TraceContext::current()
        .expect("inside #[traced]")
        .with_field("account_id", account_id);
    async {
        log::info!(order_id; "checkout started");
        let total = price(order_id);
        let receipt = traced_runtime::task::spawn(send_receipt(order_id));
        receipt.await.expect("receipt task panicked");
        log::info!(total; "checkout finished");
    }
    .in_context(ctx)
    .await;
}

#[traced(span)]
fn price(order_id: u32) -> u64 {
    apply_discount(u64::from(order_id) * 100)
}

#[traced(span)]
fn apply_discount(amount: u64) -> u64 {
    check_fraud(amount)
}

#[traced(span)]
fn check_fraud(amount: u64) -> u64 {
    log::warn!(amount; "manual review: note=\"line one\nline two\"");
    // A key-value named like a reserved key (here from untrusted input) cannot forge the line's
    // id: it is kept as `user.trace_id`.
    log::info!(trace_id = "forged"; "untrusted input logged");
    amount * 9 / 10
}

#[traced(span)]
async fn send_receipt(order_id: u32) {
    tokio::task::yield_now().await;
    log::info!(order_id; "receipt sent");
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let json = Builder::new()
        .format(Format::Json)
        .writer(Box::new(std::io::stdout()))
        .build();
    let text = Builder::new().format(Format::Text).build();
    let max_level = json.inner().filter().max(text.inner().filter());
    log::set_boxed_logger(Box::new(Tee(json, text))).expect("no other logger installed");
    log::set_max_level(max_level);

    handle_checkout("account-456", 42).await;
    handle_checkout("account-789", 7).await;
}
