//! `OTEL_PROPAGATORS` chooses the process-wide set that `inject` / `extract` (and so the tower
//! layers and the reqwest middleware) use. One test: the set is fixed on first use.

use std::collections::HashMap;

use traced_runtime::TraceContext;
use traced_runtime::propagation::{
    Format, Propagators, extract_or_root, global, inject, set_global,
};

#[test]
fn the_variable_configures_the_process_wide_set() {
    // SAFETY: the only test of this binary, before anything reads the environment.
    unsafe { std::env::set_var("OTEL_PROPAGATORS", "tracecontext,b3multi,xray,nonsense") };
    assert_eq!(
        global().formats(),
        [Format::TraceContext, Format::B3Multi, Format::XRay]
    );
    // Fixed from now on.
    assert_eq!(set_global(Propagators::w3c()), Err(Propagators::w3c()));

    let ctx = TraceContext::new_root().child();
    let mut out = HashMap::new();
    inject(&ctx, &mut out);
    assert!(out.contains_key("traceparent"));
    assert!(out.contains_key("x-b3-traceid"));
    assert!(out.contains_key("x-amzn-trace-id"));
    assert!(!out.contains_key("b3"));

    let mut from_lb = HashMap::new();
    from_lb.insert(
        "X-Amzn-Trace-Id".to_owned(),
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0".to_owned(),
    );
    let remote = extract_or_root(&from_lb);
    assert_eq!(
        remote.trace_id().to_string(),
        "5759e988bd862e3fe1be46a994272793"
    );
    assert!(!remote.is_sampled());
}
