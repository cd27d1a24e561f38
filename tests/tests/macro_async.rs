//! Async shapes: `async fn` (free, in impls, native `async fn` in traits), `-> impl Future`
//! with an `async move` body, `#[async_trait]` (`Box::pin(async move { .. })`), and attribute
//! order with `#[tokio::test]` (in `macro_attribute_order.rs`). The context is derived at first poll and follows the task.

mod macro_support;

use std::future::Future;

use async_trait::async_trait;
use log::Level::{Error, Info};
use macro_support::{expect, lines};
use tests::capture;
use traced_runtime::{TraceContext, TracedFutureExt, traced};

const T: &str = "macro_async";

fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

#[traced(span, args, exit)]
fn returns_future(x: u8) -> impl Future<Output = Option<TraceContext>> {
    let doubled = x * 2;
    async move {
        tokio::task::yield_now().await;
        log::info!("doubled {doubled}");
        TraceContext::current()
    }
}

#[test]
fn impl_future_fn_is_traced_from_first_poll_not_from_the_call() {
    let logs = capture();
    let request = TraceContext::new_root().child();
    // Created outside any context, polled inside `request`.
    let future = returns_future(4);
    assert_eq!(logs.records(), [], "nothing is logged at the call");
    let inside = block_on(future.in_context(request.clone())).expect("context inside");
    assert_eq!(inside.trace_id(), request.trace_id());
    assert_eq!(inside.parent_span_id(), request.span_id());

    let records = logs.records();
    let mut got = lines(&records);
    got.iter_mut()
        .for_each(|l| l.kvs.retain(|(k, _)| k != "elapsed_us"));
    assert_eq!(
        got,
        [
            expect(Info, T, "enter returns_future", &[("x", "4")]),
            expect(Info, T, "doubled 8", &[]),
            expect(Info, T, "exit returns_future", &[]),
        ]
    );
    let span = inside.span_id().map(|s| s.to_string());
    assert!(records.iter().all(|r| r.span_id() == span.as_deref()));
}

#[async_trait]
trait Repo {
    async fn load(&self, id: u32) -> Result<String, String>;
}

#[derive(Debug)]
struct Db;

#[async_trait]
impl Repo for Db {
    #[traced(span, args, err)]
    async fn load(&self, id: u32) -> Result<String, String> {
        tokio::task::yield_now().await;
        if id == 0 {
            return Err("no such row".to_owned());
        }
        let n: u32 = "7".parse().map_err(|_| "bad".to_owned())?;
        Ok(format!("{id}-{n}"))
    }
}

#[test]
fn async_trait_methods_trace_the_boxed_future() {
    let logs = capture();
    let (ok, err) = block_on(async { (Db.load(1).await, Db.load(0).await) });
    assert_eq!(ok.as_deref(), Ok("1-7"));
    assert!(err.is_err());
    let records = logs.records();
    assert_eq!(
        lines(&records),
        [
            expect(Info, T, "enter Db::load", &[("self", "Db"), ("id", "1")]),
            expect(Info, T, "enter Db::load", &[("self", "Db"), ("id", "0")]),
            expect(Error, T, "exit Db::load", &[("error", "no such row")]),
        ]
    );
    assert_ne!(
        records[0].trace_id(),
        records[1].trace_id(),
        "two calls, two traces"
    );
    assert_eq!(records[1].span_id(), records[2].span_id());
}

trait Service {
    async fn call(&self, x: u8) -> u8;

    #[traced(span)]
    async fn provided(&self) -> (Option<TraceContext>, u8) {
        let here = TraceContext::current();
        (here, self.call(1).await)
    }
}

struct Svc;

impl Service for Svc {
    #[traced(span, ret)]
    async fn call(&self, x: u8) -> u8 {
        tokio::task::yield_now().await;
        x + 1
    }
}

impl Svc {
    #[traced(span)]
    async fn inherent(&self) -> Option<TraceContext> {
        TraceContext::current()
    }
}

#[test]
fn native_async_fn_in_traits_and_impls() {
    let logs = capture();
    let ((provided, two), inherent) =
        block_on(async { (Svc.provided().await, Svc.inherent().await) });
    assert_eq!(two, 2);
    let provided = provided.expect("context");
    let inherent = inherent.expect("context");
    assert_ne!(provided.trace_id(), inherent.trace_id());
    let records = logs.records();
    assert_eq!(
        lines(&records),
        [
            expect(Info, T, "enter Svc::provided", &[]),
            expect(Info, T, "enter Svc::call", &[]),
            expect(Info, T, "exit Svc::call", &[("return", "2")]),
            expect(Info, T, "enter Svc::inherent", &[]),
        ]
    );
    let provided_span = provided.span_id().map(|s| s.to_string());
    assert_eq!(records[1].parent_span_id(), provided_span.as_deref());
    assert_eq!(records[1].trace_id(), records[0].trace_id());
}

#[traced(span)]
async fn recurse(n: u8) -> Vec<TraceContext> {
    let here = TraceContext::current().expect("context");
    let mut chain = if n == 0 {
        Vec::new()
    } else {
        Box::pin(recurse(n - 1)).await
    };
    chain.push(here);
    chain
}

#[test]
fn async_recursion_forms_a_parent_chain() {
    let _logs = capture();
    let chain = block_on(recurse(3));
    for pair in chain.windows(2) {
        assert_eq!(pair[0].parent_span_id(), pair[1].span_id());
    }
}
