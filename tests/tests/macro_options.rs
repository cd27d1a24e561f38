//! Every `#[traced(...)]` option, in sync and async fns: the exact records a capturing logger
//! sees (level, target, message, the option's key-values) and the context the body runs in.

mod macro_support;

use std::fmt;

use log::Level::{Debug, Error, Info, Warn};
use macro_support::{MaxLevel, expect, line, lines};
use tests::capture;
use traced_runtime::{TraceContext, current_span_id, current_trace_id, traced};

const T: &str = "macro_options";

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime")
        .block_on(f)
}

// ---- level, target, name -------------------------------------------------------------------

#[traced(level = "debug")]
fn at_debug() {}

#[traced(level = "WARN", span)]
async fn at_warn() {}

#[traced(target = "audit")]
fn audited() {}

struct Api;

impl Api {
    #[traced(name = "GET /users")]
    fn get_users(&self) {}

    #[traced(span)]
    fn unnamed(&self) {}
}

#[test]
fn level_sets_the_entry_level() {
    let logs = capture();
    at_debug();
    block_on(at_warn());
    assert_eq!(
        lines(&logs.records()),
        [
            expect(Debug, T, "enter at_debug", &[]),
            expect(Warn, T, "enter at_warn", &[]),
        ]
    );
}

#[test]
fn level_below_max_level_logs_nothing_but_still_traces() {
    let logs = capture();
    let _level = MaxLevel::set(log::LevelFilter::Info);
    at_debug();
    assert_eq!(logs.records(), []);
}

#[test]
fn target_and_name_replace_the_defaults() {
    let logs = capture();
    audited();
    Api.get_users();
    Api.unnamed();
    assert_eq!(
        lines(&logs.records()),
        [
            expect(Info, "audit", "enter audited", &[]),
            expect(Info, T, "enter GET /users", &[]),
            expect(Info, T, "enter Api::unnamed", &[]),
        ]
    );
}

// ---- root ------------------------------------------------------------------------------------

#[traced(root)]
fn job() -> TraceContext {
    TraceContext::current().expect("root installs a context")
}

#[traced(root, span)]
async fn async_job() -> TraceContext {
    tokio::task::yield_now().await;
    TraceContext::current().expect("root installs a context")
}

#[test]
fn root_starts_a_new_trace_inside_one_and_restores_the_caller() {
    let logs = capture();
    let request = TraceContext::new_root().child();
    let _guard = request.enter();

    let inside = job();
    assert_ne!(inside.trace_id(), request.trace_id());
    assert_eq!(inside.span_id(), None, "root without span opens no span");
    assert_eq!(TraceContext::current(), Some(request.clone()));

    let records = logs.records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].message, "enter job");
    assert_eq!(records[0].trace_id(), Some(&*inside.trace_id().to_string()));
    assert_eq!(records[0].span_id(), None);
}

#[test]
fn root_span_in_async_fn_is_a_root_span_of_a_new_trace() {
    let _logs = capture();
    let request = TraceContext::new_root().child();
    let inside = block_on(traced_runtime::TracedFutureExt::in_context(
        async_job(),
        request.clone(),
    ));
    assert_ne!(inside.trace_id(), request.trace_id());
    assert!(inside.span_id().is_some());
    assert_eq!(inside.parent_span_id(), None, "a root span has no parent");
}

// ---- fields ----------------------------------------------------------------------------------

struct User {
    id: u64,
    name: String,
}

#[traced]
fn deeper() {
    log::info!("deeper");
}

#[traced(span, fields(user_id = user.id, user.name = user.name, "kind" = "batch"))]
fn handle(user: User) -> usize {
    log::info!("handling");
    deeper();
    user.name.len()
}

#[traced(fields(job = id * 10))]
async fn async_handle(id: u32) {
    tokio::task::yield_now().await;
    log::info!("after yield");
}

#[test]
fn fields_are_on_every_line_of_the_call_and_gone_after_it() {
    let logs = capture();
    let outside = TraceContext::new_root().with_field("tenant", "t1");
    let _guard = outside.enter();
    handle(User {
        id: 7,
        name: "ann".to_owned(),
    });
    assert_eq!(TraceContext::current(), Some(outside.clone()));

    let expected = [
        ("tenant", "t1"),
        ("user_id", "7"),
        ("user.name", "ann"),
        ("kind", "batch"),
    ];
    assert_eq!(
        lines(&logs.records()),
        [
            expect(Info, T, "enter handle", &expected),
            expect(Info, T, "handling", &expected),
            expect(Info, T, "enter deeper", &expected),
            expect(Info, T, "deeper", &expected),
        ]
    );
}

#[test]
fn fields_in_async_fn_survive_awaits() {
    let logs = capture();
    block_on(async_handle(4));
    assert_eq!(
        lines(&logs.records()),
        [
            expect(Info, T, "enter async_handle", &[("job", "40")]),
            expect(Info, T, "after yield", &[("job", "40")]),
        ]
    );
}

// ---- args, skip, skip_all --------------------------------------------------------------------

#[derive(Debug)]
#[allow(dead_code)] // read through `Debug` only
struct Conn {
    host: &'static str,
}

struct Password;

impl Conn {
    #[traced(args)]
    fn query(&self, sql: &str, limit: u32) -> usize {
        sql.len() + limit as usize
    }

    #[traced(skip(self, password))]
    fn login(&self, user: &str, password: Password) -> bool {
        let _ = password;
        !user.is_empty()
    }

    #[traced(skip_all)]
    fn reset(&self, _password: Password) {}
}

#[traced(args)]
fn patterns((a, b): (u8, u8), mut c: Vec<u8>, _: u8) -> usize {
    c.push(a + b);
    c.len()
}

#[traced(args, span)]
async fn async_args(url: String, retries: u8) {
    let _ = (url, retries);
}

#[test]
fn args_lists_debug_values_and_skip_leaves_some_out() {
    let logs = capture();
    let conn = Conn { host: "db" };
    conn.query("select 1", 10);
    conn.login("ann", Password);
    conn.reset(Password);
    patterns((1, 2), vec![], 9);
    block_on(async_args("http://x".to_owned(), 3));
    assert_eq!(
        lines(&logs.records()),
        [
            expect(
                Info,
                T,
                "enter Conn::query",
                &[
                    ("self", "Conn { host: \"db\" }"),
                    ("sql", "\"select 1\""),
                    ("limit", "10"),
                ]
            ),
            expect(Info, T, "enter Conn::login", &[("user", "\"ann\"")]),
            expect(Info, T, "enter Conn::reset", &[]),
            expect(
                Info,
                T,
                "enter patterns",
                &[("a", "1"), ("b", "2"), ("c", "[]")]
            ),
            expect(
                Info,
                T,
                "enter async_args",
                &[("url", "\"http://x\""), ("retries", "3")]
            ),
        ]
    );
}

// ---- exit, ret, err --------------------------------------------------------------------------

#[derive(Debug, PartialEq)]
struct Failure(&'static str);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "failed: {}", self.0)
    }
}

#[traced(exit)]
fn timed(early: bool) -> u8 {
    if early {
        return 1;
    }
    2
}

#[traced(ret)]
fn returns(a: u8) -> (u8, &'static str) {
    (a, "x")
}

#[traced(err)]
fn checked(input: &str) -> Result<u8, Failure> {
    let n: u8 = input.parse().map_err(|_| Failure("parse"))?;
    Ok(n)
}

#[traced(err, ret, exit, level = "debug")]
fn everything(input: &str) -> Result<u8, Failure> {
    if input.is_empty() {
        return Err(Failure("empty"));
    }
    Ok(1)
}

#[traced(exit, ret, err, span)]
async fn async_everything(input: &'static str) -> Result<u8, Failure> {
    tokio::task::yield_now().await;
    let n: u8 = input.parse().map_err(|_| Failure("parse"))?;
    Ok(n)
}

fn elapsed_is_micros(record: &tests::Record) {
    let us: u64 = record
        .kv("elapsed_us")
        .expect("an exit line carries elapsed_us")
        .parse()
        .expect("elapsed_us is an integer");
    assert!(us < 60_000_000, "elapsed_us is in microseconds: {us}");
}

#[test]
fn exit_logs_elapsed_microseconds_on_every_return_path() {
    let logs = capture();
    assert_eq!(timed(true), 1);
    assert_eq!(timed(false), 2);
    let records = logs.records();
    let messages: Vec<_> = records.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(
        messages,
        ["enter timed", "exit timed", "enter timed", "exit timed"]
    );
    elapsed_is_micros(&records[1]);
    elapsed_is_micros(&records[3]);
    assert_eq!(line(&records[1]).kvs.len(), 1, "only elapsed_us");
    assert_eq!(records[1].trace_id(), records[0].trace_id());
}

#[test]
fn ret_logs_the_return_value() {
    let logs = capture();
    returns(3);
    assert_eq!(
        lines(&logs.records()),
        [
            expect(Info, T, "enter returns", &[]),
            expect(Info, T, "exit returns", &[("return", "(3, \"x\")")]),
        ]
    );
}

#[test]
fn err_logs_only_errors_at_error_level_with_display() {
    let logs = capture();
    assert_eq!(checked("5"), Ok(5));
    assert_eq!(checked("x"), Err(Failure("parse")));
    assert_eq!(
        lines(&logs.records()),
        [
            expect(Info, T, "enter checked", &[]),
            expect(Info, T, "enter checked", &[]),
            expect(Error, T, "exit checked", &[("error", "failed: parse")]),
        ]
    );
}

#[test]
fn err_ret_exit_together() {
    let logs = capture();
    assert_eq!(everything("a"), Ok(1));
    assert_eq!(everything(""), Err(Failure("empty")));
    let records = logs.records();
    let got: Vec<_> = records
        .iter()
        .map(|r| {
            let mut l = line(r);
            l.kvs.retain(|(k, _)| k != "elapsed_us");
            l
        })
        .collect();
    assert_eq!(
        got,
        [
            expect(Debug, T, "enter everything", &[]),
            expect(Debug, T, "exit everything", &[("return", "1")]),
            expect(Debug, T, "enter everything", &[]),
            expect(Error, T, "exit everything", &[("error", "failed: empty")]),
        ]
    );
    elapsed_is_micros(&records[1]);
    elapsed_is_micros(&records[3]);
}

#[test]
fn err_line_is_logged_even_when_the_entry_level_is_disabled() {
    let logs = capture();
    let _level = MaxLevel::set(log::LevelFilter::Info);
    assert!(everything("").is_err());
    assert_eq!(
        lines(&logs.records())
            .into_iter()
            .map(|l| (l.level, l.message))
            .collect::<Vec<_>>(),
        [(Error, "exit everything".to_owned())]
    );
}

#[test]
fn exit_ret_err_in_async_fn_log_in_the_call_span() {
    let logs = capture();
    assert_eq!(block_on(async_everything("8")), Ok(8));
    assert!(block_on(async_everything("x")).is_err());
    let records = logs.records();
    let got: Vec<_> = records
        .iter()
        .map(|r| {
            let mut l = line(r);
            l.kvs.retain(|(k, _)| k != "elapsed_us");
            l
        })
        .collect();
    assert_eq!(
        got,
        [
            expect(Info, T, "enter async_everything", &[]),
            expect(Info, T, "exit async_everything", &[("return", "8")]),
            expect(Info, T, "enter async_everything", &[]),
            expect(
                Error,
                T,
                "exit async_everything",
                &[("error", "failed: parse")]
            ),
        ]
    );
    for pair in records.chunks(2) {
        assert!(pair[0].span_id().is_some());
        assert_eq!(
            pair[0].span_id(),
            pair[1].span_id(),
            "exit is in the call's span"
        );
        elapsed_is_micros(&pair[1]);
    }
}

// ---- crate -----------------------------------------------------------------------------------

mod facade {
    pub(crate) use traced_runtime as rt;
}

#[traced(crate = "crate::facade::rt", span, args)]
fn through_facade(x: u8) -> Option<traced_runtime::SpanId> {
    let _ = x;
    current_span_id()
}

#[test]
fn crate_path_points_the_expansion_at_a_reexport() {
    let logs = capture();
    assert!(through_facade(1).is_some());
    assert_eq!(
        lines(&logs.records()),
        [expect(Info, T, "enter through_facade", &[("x", "1")])]
    );
    assert_eq!(current_trace_id(), None);
}
