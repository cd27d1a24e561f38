//! Without the `enable` feature, `#[traced]` leaves the function exactly as written: no trace is
//! started, no span is opened, no entry line is logged, yet every option still parses.

use traced_runtime::{TraceContext, current_trace_id, traced};

#[traced]
fn plain(x: u32) -> Option<TraceContext> {
    let _ = x;
    TraceContext::current()
}

#[traced(span, level = "debug", fields(user = x), args, exit)]
fn with_options(x: u32) -> u32 {
    assert_eq!(current_trace_id(), None);
    x + 1
}

#[traced(span)]
async fn async_fn() -> Option<TraceContext> {
    TraceContext::current()
}

struct Service;

impl Service {
    #[traced(span)]
    fn method(&self) -> Option<TraceContext> {
        TraceContext::current()
    }
}

struct Block;

#[traced(span, exit)]
impl Block {
    fn method(&self) -> Option<TraceContext> {
        TraceContext::current()
    }

    #[traced(off)]
    fn left_out(&self) -> Option<TraceContext> {
        TraceContext::current()
    }
}

#[test]
fn a_traced_impl_block_runs_as_plain_code() {
    assert_eq!(Block.method(), None);
    assert_eq!(Block.left_out(), None);
}

#[test]
fn traced_fns_run_as_plain_fns() {
    assert_eq!(plain(1), None);
    assert_eq!(with_options(1), 2);
    assert_eq!(Service.method(), None);
    assert_eq!(futures::executor::block_on(async_fn()), None);
}

#[test]
fn an_existing_context_passes_through_unchanged() {
    let ctx = TraceContext::new_root().child();
    assert_eq!(ctx.in_scope(|| Service.method()), Some(ctx));
}
