//! Every option at once, on each shape.
use std::future::Future;

use traced_runtime::traced;

#[derive(Debug)]
struct Job {
    id: u32,
}

#[traced(span, root, level = "debug", target = "jobs", name = "run_job", fields(job_id = job.id), args, exit, ret, err, crate = "::traced_runtime")]
fn run(job: &Job) -> Result<u32, String> {
    Ok(job.id)
}

#[traced(span, root, level = "debug", target = "jobs", name = "run_job", fields(job_id = job.id), skip(job), exit, ret, err)]
async fn run_async(job: Job) -> Result<u32, String> {
    Ok(job.id)
}

#[traced(span, level = "warn", fields(job_id = job.id), args, exit, ret, err)]
fn run_future(job: Job) -> impl Future<Output = Result<u32, String>> {
    async move { Ok(job.id) }
}

fn main() {
    assert_eq!(run(&Job { id: 1 }), Ok(1));
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(rt.block_on(run_async(Job { id: 2 })), Ok(2));
    assert_eq!(rt.block_on(run_future(Job { id: 3 })), Ok(3));
}
