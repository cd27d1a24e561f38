//! Job queue demo, no HTTP: request handlers enqueue JSON job payloads that carry the trace
//! context; a pool of worker tasks continues each request's trace, also when a job fails and is
//! retried, and when it hands CPU work to `spawn_blocking`. Then the batch case: three traced
//! async calls joined inside one trace.
//!
//! Run it with `cargo run --example worker`: every line of one request's jobs shows that
//! request's trace-id.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, mpsc};
use traced_runtime::{TraceContext, TracedFutureExt, payload, traced};

/// What travels through the queue, as JSON.
#[derive(Serialize, Deserialize)]
struct Job {
    job_id: String,
    lead_id: u64,
    attempt: u32,
    trace: Option<TraceContext>,
}

type Queue = mpsc::UnboundedSender<String>;

/// A request handler: sets the business id for everything below, enqueues two jobs.
#[traced(span)]
async fn handle_request(account_id: &str, leads: [u64; 2], queue: Queue) {
    let ctx = TraceContext::current()
        .expect("inside #[traced]")
        .with_field("account_id", account_id);
    async {
        log::info!("enqueueing {} jobs", leads.len());
        for lead_id in leads {
            let job = Job {
                job_id: format!("job-{lead_id}"),
                lead_id,
                attempt: 1,
                trace: TraceContext::current(),
            };
            let payload = serde_json::to_string(&job).expect("a job serializes");
            queue.send(payload).expect("the queue is open");
        }
    }
    .in_context(ctx)
    .await;
}

/// One worker of the pool: takes payloads until the queue closes.
async fn worker(
    id: usize,
    jobs: Arc<Mutex<mpsc::UnboundedReceiver<String>>>,
    queue: Queue,
    done: mpsc::UnboundedSender<()>,
) {
    loop {
        let Some(raw) = jobs.lock().await.recv().await else {
            return;
        };
        let job: Job = match serde_json::from_str(&raw) {
            Ok(job) => job,
            Err(error) => {
                log::error!("dropping unreadable payload: {error}");
                continue;
            }
        };
        // Continue the enqueuing trace (a fresh one, with a WARN, if the payload has none).
        let remote = payload::resume(job.trace.clone()).with_field("job_id", job.job_id.clone());
        let outcome = run_job(id, job.lead_id, job.attempt)
            .in_context(remote.clone())
            .await;
        // The pool's own lines belong to the job's trace too.
        remote.in_scope(|| match outcome {
            Ok(score) => {
                log::info!(target: "worker::pool", "{} done with score {score}", job.job_id);
                done.send(()).expect("main is waiting");
            }
            Err(error) => {
                // Same payload, same trace: the retry continues the request's trace.
                let retry = Job {
                    attempt: job.attempt + 1,
                    ..job
                };
                log::warn!(target: "worker::pool", "{}: {error}; retrying", retry.job_id);
                queue
                    .send(serde_json::to_string(&retry).expect("a job serializes"))
                    .expect("the queue is open");
            }
        });
    }
}

#[traced(span)]
async fn run_job(worker: usize, lead_id: u64, attempt: u32) -> Result<u64, String> {
    log::info!("worker {worker} processing lead {lead_id}, attempt {attempt}");
    if lead_id == 13 && attempt == 1 {
        log::error!("lead {lead_id}: upstream timed out");
        return Err("upstream timed out".to_owned());
    }
    // CPU-bound scoring goes to the blocking pool; the helper carries the context there.
    let score = traced_runtime::task::spawn_blocking(move || score(lead_id))
        .await
        .map_err(|e| e.to_string())?;
    Ok(score)
}

#[traced(span)]
fn score(lead_id: u64) -> u64 {
    let score = (1..=lead_id).map(|n| n * n % 97).sum();
    log::info!("scored lead {lead_id}: {score}");
    score
}

#[traced(span)]
async fn fetch(source: &'static str) -> usize {
    tokio::task::yield_now().await;
    log::info!("fetched {source}");
    source.len()
}

/// The seed's batch case: three traced calls awaited together inside one trace.
#[traced]
async fn batch() -> usize {
    let (a, b, c) = tokio::join!(fetch("crm"), fetch("billing"), fetch("search"));
    let more = futures::future::join_all(["x", "y", "z"].map(fetch)).await;
    let total = a + b + c + more.into_iter().sum::<usize>();
    log::info!("batch total: {total}");
    total
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    traced_runtime::logger::init();

    let (queue, jobs) = mpsc::unbounded_channel();
    let (done_tx, mut done) = mpsc::unbounded_channel();
    let jobs = Arc::new(Mutex::new(jobs));
    for id in 0..3 {
        tokio::spawn(worker(id, jobs.clone(), queue.clone(), done_tx.clone()));
    }

    handle_request("account-456", [7, 13], queue.clone()).await;
    handle_request("account-789", [21, 34], queue.clone()).await;
    for _ in 0..4 {
        done.recv().await.expect("workers are running");
    }

    batch().await;
}
