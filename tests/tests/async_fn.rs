//! Async traced fns: the context is derived at first poll, follows the task across worker
//! threads, never leaks to other tasks, and is restored when the future is dropped mid-await.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use tests::capture;
use traced_runtime::{TraceContext, TracedFutureExt, current_trace_id, traced};

#[traced(span)]
async fn handler(checkpoints: usize) -> Vec<TraceContext> {
    let mut seen = Vec::new();
    for _ in 0..checkpoints {
        seen.push(TraceContext::current().unwrap());
        tokio::task::yield_now().await;
        seen.push(helper().await);
    }
    seen
}

#[traced(span)]
async fn helper() -> TraceContext {
    tokio::task::yield_now().await;
    TraceContext::current().unwrap()
}

#[traced]
async fn pending_forever() {
    std::future::pending::<()>().await;
}

#[traced(span)]
async fn try_parse(input: &str) -> Result<u32, std::num::ParseIntError> {
    tokio::task::yield_now().await;
    let n: u32 = input.parse()?;
    Ok(n * 2)
}

#[test]
fn context_derived_at_first_poll_not_at_creation() {
    let _logs = capture();
    let future = handler(1);
    let ctx = TraceContext::new_root().child();
    let seen = ctx.in_scope(|| futures::executor::block_on(future));
    assert_eq!(seen[0].trace_id(), ctx.trace_id());
    assert_eq!(seen[0].parent_span_id(), ctx.span_id());
    assert_eq!(seen[1].parent_span_id(), seen[0].span_id());
}

#[test]
fn question_mark_in_async_fn() {
    let _logs = capture();
    assert_eq!(futures::executor::block_on(try_parse("12")), Ok(24));
    assert!(futures::executor::block_on(try_parse("x")).is_err());
    assert_eq!(current_trace_id(), None);
}

#[test]
fn dropped_mid_await_leaves_thread_clean() {
    let _logs = capture();
    let outer = TraceContext::new_root();
    let _guard = outer.enter();
    {
        let mut future = pin!(pending_forever());
        let mut cx = Context::from_waker(Waker::noop());
        assert!(future.as_mut().poll(&mut cx).is_pending());
        assert_eq!(TraceContext::current(), Some(outer.clone()));
    }
    assert_eq!(TraceContext::current(), Some(outer));
}

#[test]
fn concurrent_requests_never_see_each_other() {
    let _logs = capture();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    runtime.block_on(async {
        let tasks: Vec<_> = (0..64)
            .map(|_| tokio::spawn(async { handler(8).await }))
            .collect();
        let mut trace_ids = std::collections::HashSet::new();
        for task in tasks {
            let seen = task.await.unwrap();
            let trace_id = seen[0].trace_id();
            assert!(seen.iter().all(|ctx| ctx.trace_id() == trace_id));
            assert!(trace_ids.insert(trace_id), "two requests shared a trace-id");
        }
    });
}

#[test]
fn with_context_installs_only_during_poll() {
    let ctx = TraceContext::new_root();
    let mut future = pin!(async { TraceContext::current() }.in_context(ctx.clone()));
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(Some(ctx)));
    assert_eq!(TraceContext::current(), None);
}
