//! `span`: a fresh span-id whose parent is the caller's span.
use traced_runtime::{current_span_id, traced};

#[traced(span)]
fn inner() -> Option<traced_runtime::SpanId> {
    current_span_id()
}

#[traced(span)]
fn outer() -> (Option<traced_runtime::SpanId>, Option<traced_runtime::SpanId>) {
    (current_span_id(), inner())
}

fn main() {
    let (outer, inner) = outer();
    assert!(outer.is_some() && inner.is_some() && outer != inner);
    assert_eq!(current_span_id(), None);
}
