//! The crate root glob-imported beside the crates it integrates: no module of traced is named
//! after `log`, `tracing` or `tower`, so their paths and macros stay theirs.

use opentelemetry::*;
use traced_runtime::*;
use tracing::*;

#[test]
fn log_tracing_and_tower_paths_resolve_to_the_crates() {
    log::info!("a log record");
    tracing::info!("a tracing event");
    info!("tracing's info! unqualified");
    let _span = span!(Level::INFO, "tracing's span!");
    let _builder = tower::ServiceBuilder::new();

    let ctx = TraceContext::new_root();
    let _guard: TraceContextGuard = ctx.enter();
    assert_eq!(current_trace_id(), Some(ctx.trace_id()));
    let _otel: Context = Context::current();
    let _logger = logger::ids();
}
