//! Behind a Google Cloud load balancer: JSON lines carry Cloud Logging's trace keys pointing at
//! the load balancer's trace and span, so the platform's request log and ours meet.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

use log::{Level, Log, Record};
use traced_runtime::logger::{Builder, Format};
use traced_runtime::propagation::Propagators;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn json_line_in(ctx: &traced_runtime::TraceContext) -> serde_json::Value {
    let out = Buffer::default();
    let logger = Builder::new()
        .format(Format::Json)
        .timestamp(false)
        .google_cloud_project("my-project")
        .filter_level(log::LevelFilter::Trace)
        .writer(Box::new(out.clone()))
        .build();
    ctx.in_scope(|| {
        logger.log(
            &Record::builder()
                .args(format_args!("working"))
                .level(Level::Info)
                .target("svc")
                .build(),
        );
    });
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    serde_json::from_str(text.trim_end()).unwrap()
}

#[test]
fn lines_point_at_the_load_balancers_trace_and_span() {
    let mut headers = HashMap::new();
    headers.insert(
        "X-Cloud-Trace-Context".to_owned(),
        "105445aa7843bc8bf206b12000100000/1234;o=1".to_owned(),
    );
    let remote = Propagators::google_cloud().extract(&headers).unwrap();
    // The server's span and a nested one below it: still the load balancer's span.
    let nested = remote.child().child();
    let json = json_line_in(&nested);
    assert_eq!(
        json["logging.googleapis.com/trace"],
        "projects/my-project/traces/105445aa7843bc8bf206b12000100000"
    );
    assert_eq!(
        json["logging.googleapis.com/spanId"],
        format!("{:016x}", 1234)
    );
    assert_eq!(json["logging.googleapis.com/trace_sampled"], true);
    // Our own span-id is still there under its own key.
    assert_eq!(json["span_id"], nested.span_id().unwrap().to_string());
}

#[test]
fn a_w3c_trace_keeps_our_span() {
    let mut headers = HashMap::new();
    headers.insert(
        "traceparent".to_owned(),
        "00-105445aa7843bc8bf206b12000100000-00000000000004d2-00".to_owned(),
    );
    let ctx = Propagators::google_cloud()
        .extract(&headers)
        .unwrap()
        .child();
    let json = json_line_in(&ctx);
    assert_eq!(
        json["logging.googleapis.com/spanId"],
        ctx.span_id().unwrap().to_string()
    );
    assert_eq!(json["logging.googleapis.com/trace_sampled"], false);
}
