//! `root`: a new trace even inside one; the caller's context is restored afterwards.
use traced_runtime::{TraceContext, current_trace_id, traced};

#[traced(root)]
fn job() -> Option<traced_runtime::TraceId> {
    current_trace_id()
}

#[traced(root, span)]
async fn async_job() -> Option<traced_runtime::TraceId> {
    current_trace_id()
}

fn main() {
    let request = TraceContext::new_root();
    let _guard = request.enter();
    let job_trace = job().unwrap();
    assert_ne!(job_trace, request.trace_id());
    assert_eq!(current_trace_id(), Some(request.trace_id()));
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let async_trace = rt.block_on(async_job()).unwrap();
    assert_ne!(async_trace, request.trace_id());
}
