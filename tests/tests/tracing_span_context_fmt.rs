//! tracing-subscriber first, with `SpanContextLayer`: a `tracing` span created while a trace
//! context is current remembers it, and an event inside the span carries its ids on any task or
//! thread where no context is current: tower's buffer worker, a thread of its own, a span
//! created there as the remembered span's child. A context current at the event wins.

mod tracing_support;

use std::sync::OnceLock;

use tower::{Service as _, ServiceExt as _};
use traced_runtime::{TraceContext, TracedFutureExt as _};
use tracing::Instrument as _;
use tracing_support::{Exclusive, Output};

/// README's tracing-subscriber-first set-up with the layer, at TRACE (tower's worker lines are
/// TRACE and DEBUG).
fn output() -> Exclusive<'static> {
    static OUTPUT: OnceLock<Output> = OnceLock::new();
    Output::get(&OUTPUT, |buffer| {
        use tracing_subscriber::layer::SubscriberExt as _;
        use tracing_subscriber::util::SubscriberInitExt as _;
        tracing_subscriber::fmt()
            .with_writer(move || buffer.clone())
            .with_max_level(tracing::Level::TRACE)
            .event_format(traced_runtime::subscriber::text())
            .finish()
            .with(traced_runtime::subscriber::SpanContextLayer::new())
            .try_init()
            .expect("the first subscriber of this test binary");
    })
}

fn ids(ctx: &TraceContext) -> String {
    format!(
        "trace_id={} span_id={}",
        ctx.trace_id(),
        ctx.span_id().unwrap()
    )
}

#[test]
fn an_event_on_another_thread_carries_the_context_of_its_span() {
    let out = output();
    let ctx = TraceContext::new_root().child();
    let span = ctx.in_scope(|| tracing::info_span!("request", uri = "/orders/42"));
    std::thread::spawn(move || {
        let _entered = span.enter();
        tracing::info!("on the worker");
        let child = tracing::debug_span!("connection");
        let _child = child.enter();
        tracing::info!("in a span the worker opened");
    })
    .join()
    .unwrap();
    let lines = out.buffer.take_lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    for line in &lines {
        assert!(line.ends_with(&ids(&ctx)), "{line}");
    }
}

#[test]
fn the_context_current_at_the_event_wins() {
    let out = output();
    let at_creation = TraceContext::new_root().child();
    let at_event = TraceContext::new_root().child();
    let span = at_creation.in_scope(|| tracing::info_span!("request"));
    at_event.in_scope(|| {
        let _entered = span.enter();
        tracing::info!("here");
    });
    let lines = out.buffer.take_lines();
    assert!(lines[0].ends_with(&ids(&at_event)), "{}", lines[0]);
}

#[test]
fn a_span_created_outside_any_trace_adds_no_ids() {
    let out = output();
    let span = tracing::info_span!("startup");
    span.in_scope(|| tracing::info!("listening"));
    let lines = out.buffer.take_lines();
    assert!(lines[0].ends_with("trace_id=- span_id=-"), "{}", lines[0]);
}

#[tokio::test]
async fn tower_buffer_worker_lines_carry_the_callers_ids() {
    let out = output();
    // The worker task is spawned here, outside any request, as a tonic `Channel`'s is.
    let mut buffered = tower::buffer::Buffer::new(
        tower::service_fn(|n: u32| async move { Ok::<_, std::convert::Infallible>(n + 1) }),
        8,
    );
    out.buffer.take_lines();
    let ctx = TraceContext::new_root().child();
    let span = ctx.in_scope(|| tracing::info_span!("request"));
    let answer = async {
        buffered.ready().await.unwrap();
        buffered.call(41).await.unwrap()
    }
    .instrument(span)
    .in_context(ctx.clone())
    .await;
    assert_eq!(answer, 42);
    let lines = out.buffer.take_lines();
    // The worker's lines inside the request's span (fmt prints it as `request: `); its
    // "polling for next message" between requests belongs to no request.
    let worker: Vec<_> = lines
        .iter()
        .filter(|l| l.contains(" request: tower::buffer::worker"))
        .collect();
    assert!(
        worker.iter().any(|l| l.contains("processing request")),
        "{lines:?}"
    );
    for line in worker {
        assert!(line.ends_with(&ids(&ctx)), "{line}");
    }
}
