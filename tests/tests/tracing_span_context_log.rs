//! traced's output first (`LogLayer`): a `tracing` span remembers the trace context current
//! when it was created, and an event inside it reaches the `log` logger with that context
//! current when none is current where the event happens (tower's buffer worker, another thread).

use std::sync::Once;

use tests::capture;
use tower::{Service as _, ServiceExt as _};
use traced_runtime::{TraceContext, TracedFutureExt as _};
use tracing::Instrument as _;

fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use tracing_subscriber::layer::SubscriberExt as _;
        let subscriber = tracing_subscriber::registry()
            .with(traced_runtime::subscriber::LogLayer::new().forward_to_any_logger());
        tracing::subscriber::set_global_default(subscriber).expect("first subscriber");
    });
}

#[test]
fn an_event_on_another_thread_is_logged_in_the_context_of_its_span() {
    install();
    let log = capture();
    let ctx = TraceContext::new_root().child();
    let span = ctx.in_scope(|| tracing::info_span!("request", uri = "/orders/42"));
    std::thread::spawn(move || {
        let _entered = span.enter();
        tracing::info!("on the worker");
    })
    .join()
    .unwrap();
    assert!(TraceContext::current().is_none(), "nothing stays current");
    let records = log.records();
    let record = records
        .iter()
        .find(|r| r.message == "on the worker")
        .unwrap();
    assert_eq!(record.trace_id(), Some(ctx.trace_id().to_string().as_str()));
    assert_eq!(
        record.span_id(),
        Some(ctx.span_id().unwrap().to_string().as_str())
    );
    assert_eq!(record.kv("uri"), Some("/orders/42"));
}

#[test]
fn an_event_outside_remembering_spans_has_no_ids() {
    install();
    let log = capture();
    let span = tracing::info_span!("startup");
    span.in_scope(|| tracing::info!("listening"));
    let records = log.records();
    let record = records.iter().find(|r| r.message == "listening").unwrap();
    assert_eq!(record.trace_id(), None, "{record:?}");
}

#[tokio::test]
async fn tower_buffer_worker_lines_carry_the_callers_ids() {
    install();
    let mut buffered = tower::buffer::Buffer::new(
        tower::service_fn(|n: u32| async move { Ok::<_, std::convert::Infallible>(n + 1) }),
        8,
    );
    let log = capture();
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
    let records = log.records();
    let worker: Vec<_> = records
        .iter()
        // The lines it writes inside the caller's span; those before it enters the span
        // ("polling for next message", "processing new request") belong to no request.
        .filter(|r| {
            r.target == "tower::buffer::worker"
                && ["processing request", "returning response future"].contains(&&*r.message)
        })
        .collect();
    assert!(
        worker.iter().any(|r| r.message == "processing request"),
        "{records:?}"
    );
    for record in worker {
        assert_eq!(
            record.trace_id(),
            Some(ctx.trace_id().to_string().as_str()),
            "{record:?}"
        );
    }
}
