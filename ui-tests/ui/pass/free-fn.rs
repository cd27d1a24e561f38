//! `#[traced]` and `#[traced(span)]` on free functions.
use traced_runtime::traced;

#[traced]
fn plain() {}

#[traced(span)]
fn with_span(a: u32, b: &str) -> usize {
    a as usize + b.len()
}

#[traced]
pub(crate) fn visible() -> Option<traced_runtime::TraceContext> {
    traced_runtime::TraceContext::current()
}

#[traced]
extern "C" fn c_abi(x: i32) -> i32 {
    x + 1
}

fn main() {
    plain();
    assert_eq!(with_span(1, "ab"), 3);
    assert!(visible().is_some());
    assert_eq!(c_abi(1), 2);
}
