//! OpenTelemetry's trace API and the SDK-facing names glob-imported beside traced's `export`
//! module and root: no type of traced reuses an OpenTelemetry name for a different type.

use opentelemetry::trace::*;
use opentelemetry::*;
use traced_runtime::export::*;
use traced_runtime::{TraceContext, TraceContextGuard};

#[test]
fn kinds_guards_and_span_types_do_not_collide() {
    assert_eq!(format!("{:?}", SpanKind::Server), "Server");
    assert_eq!(Kind::Server, Kind::Server);
    assert_ne!(Kind::Client, Kind::Server);

    let theirs: ContextGuard = Context::new().attach();
    let ours: TraceContextGuard = TraceContext::new_root().enter();
    assert!(TraceContext::current().is_some());
    drop(ours);
    drop(theirs);

    fn takes_finished(_: &FinishedSpan) {}
    let _ = takes_finished;
}
