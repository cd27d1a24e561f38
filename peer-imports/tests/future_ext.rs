//! OpenTelemetry's `FutureExt` is implemented for every type, so both traits are in scope on every
//! future: their methods must have different names (`with_context` / `in_context`).

use opentelemetry::trace::FutureExt as _;
use opentelemetry::{Context, KeyValue};
use traced_runtime::TraceContext;
use traced_runtime::TracedFutureExt as _;

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime")
        .block_on(future)
}

#[test]
fn both_futures_extensions_are_callable_with_both_traits_in_scope() {
    let ours = TraceContext::new_root();
    let theirs = Context::current_with_value(KeyValue::new("peer", "otel"));

    let (seen_ours, seen_theirs) = block_on(
        async {
            (
                TraceContext::current(),
                Context::current().get::<KeyValue>().cloned(),
            )
        }
        .with_context(theirs)
        .in_context(ours.clone()),
    );

    assert_eq!(seen_ours, Some(ours));
    assert_eq!(seen_theirs, Some(KeyValue::new("peer", "otel")));
}

#[test]
fn the_trait_can_also_be_named_in_full() {
    let ctx = TraceContext::new_root();
    let seen = block_on(traced_runtime::TracedFutureExt::in_context(
        async { TraceContext::current() },
        ctx.clone(),
    ));
    assert_eq!(seen, Some(ctx));
}
