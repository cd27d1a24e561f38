//! traced's output first, text: a `tracing` event is one traced text line, its fields and its
//! spans' fields as `key=value`.

mod tracing_support;

use std::sync::OnceLock;

use traced_runtime::TraceContext;
use traced_runtime::logger::{Builder, Format};
use tracing_support::{Exclusive, Output};

fn output() -> Exclusive<'static> {
    static OUTPUT: OnceLock<Output> = OnceLock::new();
    Output::get(&OUTPUT, |buffer| {
        Builder::new()
            .format(Format::Text)
            .filter_level(log::LevelFilter::Debug)
            .writer(Box::new(buffer))
            .try_init()
            .expect("the first logger of this test binary");
    })
}

#[test]
fn a_tracing_event_is_a_text_line_with_ids_and_key_values() {
    let out = output();
    let ctx = TraceContext::new_root().child();
    ctx.in_scope(|| {
        let span = tracing::debug_span!("request", method = "GET", uri = "/");
        let _span = span.enter();
        tracing::debug!(latency = %"0 ms", status = 200, "finished processing request");
    });
    let lines = out.buffer.take_lines();
    let expected = format!(
        "[{}] [{}] DEBUG {}: finished processing request latency=\"0 ms\" status=200 method=GET uri=/",
        ctx.trace_id(),
        ctx.span_id().unwrap(),
        module_path!(),
    );
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].ends_with(&expected), "{} !~ {expected}", lines[0]);
}

#[test]
fn a_value_cannot_forge_a_second_line() {
    let out = output();
    tracing::info!(user = "ada\n[x] [y] INFO forged: line", "signed in");
    let lines = out.buffer.take_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
}

#[test]
fn log_init_after_the_logger_is_ours_is_silent_and_changes_nothing() {
    let out = output();
    traced_runtime::logger::init();
    assert!(traced_runtime::logger::try_init().is_err());
    tracing::info!("still one line");
    assert_eq!(out.buffer.take_lines().len(), 1);
}

#[traced_runtime::traced(err)]
fn fails() -> Result<(), String> {
    Err("disk full".to_owned())
}

#[test]
fn under_traceds_own_output_a_value_is_a_key_value_only_not_repeated_in_the_message() {
    let out = output();
    let _ = fails();
    let lines = out.buffer.take_lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[1].contains("ERROR tracing_log_text: exit fails"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[1].matches("disk full").count(), 1, "{}", lines[1]);
}
