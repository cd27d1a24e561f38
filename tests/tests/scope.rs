//! A `#[traced]` call leaves its caller's context exactly as it found it: after a normal return,
//! after `?`, after a panic, and nested spans form a parent chain.

use std::panic::{AssertUnwindSafe, catch_unwind};

use tests::capture;
use traced_runtime::{TraceContext, current_span_id, current_trace_id, traced};

#[traced]
fn starts_trace() -> Option<TraceContext> {
    TraceContext::current()
}

#[traced(span)]
fn opens_span() -> TraceContext {
    TraceContext::current().expect("a span is current inside #[traced(span)]")
}

#[traced(span)]
fn outer() -> (TraceContext, TraceContext) {
    let here = TraceContext::current().unwrap();
    (here, opens_span())
}

#[traced(span)]
fn fails(input: &str) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = input.parse()?;
    Ok(n)
}

#[traced(span)]
fn panics() {
    panic!("boom");
}

#[traced(span)]
fn returns_early(flag: bool) -> u8 {
    if flag {
        return 1;
    }
    2
}

#[test]
fn trace_created_by_a_call_ends_with_it() {
    let _logs = capture();
    let inside = starts_trace().expect("#[traced] starts a trace when none is current");
    assert_eq!(inside.span_id(), None, "#[traced] alone opens no span");
    assert_eq!(TraceContext::current(), None);
    let again = starts_trace().unwrap();
    assert_ne!(
        again.trace_id(),
        inside.trace_id(),
        "each request gets a fresh trace-id"
    );
}

#[test]
fn traced_inside_a_trace_keeps_it() {
    let _logs = capture();
    let ctx = TraceContext::new_root().child();
    let seen = ctx.in_scope(starts_trace).unwrap();
    assert_eq!(seen, ctx);
}

#[test]
fn span_parent_is_callers_span_and_is_restored() {
    let _logs = capture();
    let ctx = TraceContext::new_root().child();
    let _guard = ctx.enter();
    let (first, second) = outer();
    assert_eq!(first.trace_id(), ctx.trace_id());
    assert_eq!(first.parent_span_id(), ctx.span_id());
    assert_eq!(second.trace_id(), ctx.trace_id());
    assert_eq!(second.parent_span_id(), first.span_id());
    assert_ne!(second.span_id(), first.span_id());
    assert_eq!(TraceContext::current(), Some(ctx));
}

#[test]
fn restored_after_question_mark() {
    let _logs = capture();
    let ctx = TraceContext::new_root().child();
    let _guard = ctx.enter();
    assert!(fails("not a number").is_err());
    assert_eq!(TraceContext::current(), Some(ctx.clone()));
    assert_eq!(fails("7"), Ok(7));
    assert_eq!(TraceContext::current(), Some(ctx));
}

#[test]
fn restored_after_early_return() {
    let _logs = capture();
    assert_eq!(returns_early(true), 1);
    assert_eq!(current_trace_id(), None);
    assert_eq!(returns_early(false), 2);
    assert_eq!(current_trace_id(), None);
}

#[test]
fn restored_after_panic() {
    let _logs = capture();
    let ctx = TraceContext::new_root().child();
    let _guard = ctx.enter();
    let result = catch_unwind(AssertUnwindSafe(panics));
    assert!(result.is_err());
    assert_eq!(TraceContext::current(), Some(ctx));
}

#[test]
fn restored_after_panic_that_started_the_trace() {
    let _logs = capture();
    assert!(catch_unwind(panics).is_err());
    assert_eq!(current_trace_id(), None);
    assert_eq!(current_span_id(), None);
}

#[test]
fn entry_lines_carry_ids() {
    let logs = capture();
    let (first, second) = outer();
    let records = logs.records();
    let entries: Vec<_> = records
        .iter()
        .map(|r| {
            (
                r.message.as_str(),
                r.trace_id().unwrap().to_owned(),
                r.span_id().unwrap().to_owned(),
                r.parent_span_id().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            (
                "enter outer",
                first.trace_id().to_string(),
                first.span_id().unwrap().to_string(),
                None,
            ),
            (
                "enter opens_span",
                second.trace_id().to_string(),
                second.span_id().unwrap().to_string(),
                Some(first.span_id().unwrap().to_string()),
            ),
        ]
    );
    assert!(
        records
            .iter()
            .all(|r| r.level == log::Level::Info && r.target == "scope")
    );
}

#[test]
fn guards_nest_and_restore_exactly() {
    let a = TraceContext::new_root();
    let b = TraceContext::new_root().child().with_field("k", "v");
    let _a = a.enter();
    {
        let _b = b.enter();
        assert_eq!(TraceContext::current(), Some(b.clone()));
    }
    assert_eq!(TraceContext::current(), Some(a));
}
