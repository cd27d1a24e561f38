//! `#[tokio::main]` above `#[traced]`: attributes expand outside-in, so `#[tokio::main]` first
//! turns `main` into a sync fn that blocks on the body, and `#[traced]` then traces that sync
//! call: the context is current on the main thread while `block_on` polls the body there.
use traced_runtime::{current_trace_id, traced};

#[tokio::main(flavor = "current_thread")]
#[traced(span)]
async fn main() {
    assert!(current_trace_id().is_some());
    tokio::task::yield_now().await;
    assert!(current_trace_id().is_some());
}
