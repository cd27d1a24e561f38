//! The quickstart: a controller, a service and a helper, each `#[traced]`; two requests in a row,
//! then the same shape as async functions on a multi-thread tokio runtime.
//!
//! Run it with `cargo run --example quickstart`. Every line carries `[trace_id] [span_id]`:
//! one trace-id per request, no span on the controller line, a fresh span-id per layer below it.

use traced_runtime::traced;

struct Controller;

impl Controller {
    /// Ensures a trace-id exists (starts one when none is current) and logs entry.
    #[traced]
    fn api1(&self) {
        Service.api1_service();
    }
}

struct Service;

impl Service {
    /// Also opens a fresh span-id for this call; the caller's span is restored on exit.
    #[traced(span)]
    fn api1_service(&self) {
        log::info!("working");
        Helper.do_something();
    }
}

struct Helper;

impl Helper {
    #[traced(span)]
    fn do_something(&self) {}
}

struct AsyncService;

impl AsyncService {
    #[traced(span)]
    async fn handle(&self, request: u32) {
        log::info!("handling request {request}");
        AsyncHelper.fetch(request).await;
        log::info!("request {request} done");
    }
}

struct AsyncHelper;

impl AsyncHelper {
    #[traced(span)]
    async fn fetch(&self, request: u32) {
        // The task may resume on another worker thread; the context goes with it.
        tokio::task::yield_now().await;
        log::info!("fetched data for request {request}");
    }
}

fn main() {
    traced_runtime::logger::init();

    Controller.api1();
    Controller.api1();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("failed to build the tokio runtime");
    runtime.block_on(async {
        let first = tokio::spawn(async { AsyncService.handle(1).await });
        let second = tokio::spawn(async { AsyncService.handle(2).await });
        for task in [first, second] {
            task.await.expect("request task panicked");
        }
    });
}
