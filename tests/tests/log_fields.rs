//! Every record logged inside a context carries its ids and user fields as key-values, in a fixed
//! order; records outside carry nothing extra; fields are scoped and inherited.

use log::Level;
use tests::capture;
use traced_runtime::{TraceContext, field_scope, traced};

fn kvs(record: &tests::Record) -> Vec<(&str, &str)> {
    record
        .kvs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[test]
fn record_outside_any_context_carries_nothing_extra() {
    let logs = capture();
    log::info!(user = 7; "plain");
    let records = logs.records();
    assert_eq!(records.len(), 1);
    assert_eq!(kvs(&records[0]), [("user", "7")]);
}

#[test]
fn record_inside_carries_ids_fields_then_own_key_values() {
    let logs = capture();
    let root = TraceContext::new_root().child();
    let ctx = root
        .child()
        .with_field("account_id", "account-456")
        .with_field("job_id", "job-1");
    ctx.in_scope(|| log::warn!(attempt = 2; "retrying"));
    let records = logs.records();
    assert_eq!(records[0].level, Level::Warn);
    let trace_id = ctx.trace_id().to_string();
    let span_id = ctx.span_id().unwrap().to_string();
    let parent = root.span_id().unwrap().to_string();
    assert_eq!(
        kvs(&records[0]),
        [
            ("trace_id", trace_id.as_str()),
            ("span_id", span_id.as_str()),
            ("parent_span_id", parent.as_str()),
            ("account_id", "account-456"),
            ("job_id", "job-1"),
            ("attempt", "2"),
        ]
    );
}

#[test]
fn root_without_span_carries_only_trace_id() {
    let logs = capture();
    let ctx = TraceContext::new_root();
    ctx.in_scope(|| log::info!("hello"));
    let trace_id = ctx.trace_id().to_string();
    assert_eq!(kvs(&logs.records()[0]), [("trace_id", trace_id.as_str())]);
}

#[traced(span)]
fn handler(account: &str) -> String {
    let _account = field_scope("account_id", account.to_owned());
    deeper_1()
}

#[traced(span)]
fn deeper_1() -> String {
    deeper_2()
}

#[traced(span)]
fn deeper_2() -> String {
    deeper_3()
}

#[traced(span)]
fn deeper_3() -> String {
    log::info!("three calls deeper");
    TraceContext::current()
        .and_then(|ctx| ctx.fields().get("account_id").map(str::to_owned))
        .unwrap_or_default()
}

#[test]
fn field_is_inherited_by_nested_spans_and_gone_after_return() {
    let logs = capture();
    let ctx = TraceContext::new_root();
    let _trace = ctx.enter();
    assert_eq!(handler("account-456"), "account-456");
    assert_eq!(TraceContext::current(), Some(ctx));
    log::info!("after");
    let records = logs.records();
    let deep = records
        .iter()
        .find(|r| r.message == "three calls deeper")
        .unwrap();
    assert_eq!(deep.kv("account_id"), Some("account-456"));
    let after = records.last().unwrap();
    assert_eq!(after.message, "after");
    assert_eq!(after.kv("account_id"), None);
}

#[test]
fn fields_reach_spawned_tasks_and_threads() {
    let _logs = capture();
    let ctx = TraceContext::new_root().with_field("job_id", "job-9");
    let from_thread = ctx.in_scope(|| {
        traced_runtime::thread::spawn(|| TraceContext::current().unwrap())
            .join()
            .unwrap()
    });
    assert_eq!(from_thread.fields().get("job_id"), Some("job-9"));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let from_task = runtime.block_on(async {
        let handle = ctx
            .in_scope(|| traced_runtime::task::spawn(async { TraceContext::current().unwrap() }));
        handle.await.unwrap()
    });
    assert_eq!(from_task, ctx);
}

// Regression tests for issue 15: what any back end behind `TracedLogger` sees.

#[test]
fn a_field_named_like_an_id_is_renamed_never_a_second_id() {
    let logs = capture();
    let ctx = TraceContext::new_root()
        .child()
        .with_field("trace_id", "forged")
        .with_field("parent_span_id", "00f067aa0ba902b7");
    ctx.in_scope(|| log::info!(span_id = "forged", trace_flags = "ff"; "x"));
    let records = logs.records();
    let trace_id = ctx.trace_id().to_string();
    let span_id = ctx.span_id().unwrap().to_string();
    assert_eq!(
        kvs(&records[0]),
        [
            ("trace_id", trace_id.as_str()),
            ("span_id", span_id.as_str()),
            ("user.trace_id", "forged"),
            ("user.parent_span_id", "00f067aa0ba902b7"),
            ("user.span_id", "forged"),
            ("user.trace_flags", "ff"),
        ]
    );
    assert_eq!(records[0].trace_id(), Some(trace_id.as_str()));
    assert_eq!(records[0].parent_span_id(), None, "a root has no parent");
}

#[test]
fn outside_a_context_a_record_trace_id_is_data_under_the_prefix() {
    let logs = capture();
    log::info!(trace_id = "forged\n[x] [y] ERROR evil: injected", user = 7; "m");
    let records = logs.records();
    assert_eq!(
        kvs(&records[0]),
        [
            ("user.trace_id", "forged\n[x] [y] ERROR evil: injected"),
            ("user", "7")
        ]
    );
    assert_eq!(records[0].trace_id(), None);
}

#[test]
fn lookups_by_key_agree_with_the_visit() {
    use log::kv::Key;

    /// `get("trace_id")`, `get("user.trace_id")`, `get("user.span_id")`, `count()`.
    type Seen = (Option<String>, Option<String>, Option<String>, usize);

    // A logger that records what `get` answers, through `TracedLogger`.
    struct Probe(std::sync::Mutex<Vec<Seen>>);
    impl log::Log for Probe {
        fn enabled(&self, _: &log::Metadata<'_>) -> bool {
            true
        }
        fn log(&self, record: &log::Record<'_>) {
            let kvs = record.key_values();
            let get = |k: &str| kvs.get(Key::from_str(k)).map(|v| v.to_string());
            self.0.lock().unwrap().push((
                get("trace_id"),
                get("user.trace_id"),
                get("user.span_id"),
                kvs.count(),
            ));
        }
        fn flush(&self) {}
    }
    let probe = traced_runtime::logger::TracedLogger::new(Probe(Default::default()));
    let ctx = TraceContext::new_root().with_field("trace_id", "forged");
    let own: &[(&str, &str)] = &[("span_id", "own")];
    let record = |args| log::Record::builder().args(args).key_values(&own).build();
    ctx.in_scope(|| log::Log::log(&probe, &record(format_args!("in"))));
    log::Log::log(&probe, &record(format_args!("out")));
    let seen = probe.inner().0.lock().unwrap().clone();
    let trace_id = ctx.trace_id().to_string();
    assert_eq!(
        seen,
        [
            (
                Some(trace_id),
                Some("forged".to_owned()),
                Some("own".to_owned()),
                3
            ),
            (None, None, Some("own".to_owned()), 1),
        ]
    );
}
