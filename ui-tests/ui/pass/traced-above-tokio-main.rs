//! `#[traced]` above `#[tokio::main]`: attributes expand outside-in, so `#[traced]` sees the
//! `async fn` and traces its future (context derived at first poll, installed on every poll),
//! and `#[tokio::main]` then blocks on it.
use traced_runtime::{current_trace_id, traced};

#[traced(span)]
#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    assert!(current_trace_id().is_some());
    tokio::task::yield_now().await;
    assert!(current_trace_id().is_some());
}
