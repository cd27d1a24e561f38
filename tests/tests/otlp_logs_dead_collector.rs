//! A collector that accepts connections and never answers: the logging thread never waits, at
//! most the queue's capacity of records is admitted, and every other record is dropped and
//! counted.

use std::net::TcpListener;

use traced_runtime::otel::logs::dropped_records;
use traced_runtime::otel::otlp::Builder;

#[test]
fn a_full_queue_drops_and_counts() {
    // Connections complete in the kernel's backlog; nothing ever reads or answers them.
    let black_hole = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", black_hole.local_addr().unwrap());
    // SAFETY: this binary's one test sets the variables before starting any thread.
    unsafe {
        // An export never returns while the test runs.
        std::env::set_var("OTEL_EXPORTER_OTLP_TIMEOUT", "3600000");
        std::env::remove_var("OTEL_LOGS_EXPORTER");
    }
    let _logs = tests::capture();
    let guard = Builder::new()
        .endpoint(endpoint)
        .log_queue_size(10)
        .init()
        .expect("the pipelines start");

    for i in 0..1000 {
        log::info!("line {i}");
    }

    assert_eq!(dropped_records(), 990);
    assert_eq!(guard.dropped_log_records(), 990);
    // Shutting down would wait for the export's timeout: the process ends instead.
    std::mem::forget(guard);
}
