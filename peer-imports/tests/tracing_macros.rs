//! tracing's macros glob-imported beside traced's: `span!` stays tracing's, traced's hand-opened
//! span is `enter_span!`.

use traced_runtime::enter_span;
use tracing::*;

#[test]
fn tracing_span_and_traced_enter_span_are_both_callable() {
    let tracing_span = span!(Level::INFO, "tracing's");
    let _entered = tracing_span.enter();
    info!("an event");

    let traced_span = enter_span!("traced's");
    assert!(traced_span.context().span_id().is_some());
}
