//! Attribute order with `#[tokio::test]` (and `#[tokio::main]`, which expands the same way).
//! This binary installs no logger: the entry line of a traced test fn is logged before its body
//! runs, so it could not be serialized with the record-asserting tests.
//!
//! Attributes expand outside-in:
//! - `#[tokio::test]` above `#[traced]`: tokio turns the fn into a sync `#[test] fn` that blocks
//!   on the body; `#[traced]` then traces that sync call, and the body, polled on the test thread
//!   by `block_on`, sees the context.
//! - `#[traced]` above `#[tokio::test]`: `#[traced]` traces the `async fn`'s future (derived at
//!   first poll, installed on every poll, on whichever worker polls it); tokio then blocks on it.

use traced_runtime::{TraceContext, TracedFutureExt, current_span_id, current_trace_id, traced};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[traced(span)]
async fn tokio_test_above_traced() {
    let span = current_span_id().expect("the test fn's span");
    let trace = current_trace_id().expect("the test fn's trace");
    let inner = tokio::spawn(async { TraceContext::current() }.in_current_context())
        .await
        .expect("task");
    assert_eq!(inner.as_ref().and_then(TraceContext::span_id), Some(span));
    tokio::task::yield_now().await;
    assert_eq!(current_trace_id(), Some(trace));
}

#[traced(span)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traced_above_tokio_test() {
    let span = current_span_id().expect("the test fn's span");
    for _ in 0..10 {
        tokio::task::yield_now().await;
        assert_eq!(current_span_id(), Some(span), "the span follows the task");
    }
}
