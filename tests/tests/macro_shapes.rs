//! The function shapes `#[traced]` accepts, each asserted through the records it logs and the
//! context its body sees: receivers, trait methods, generics, lifetimes, `impl Trait`, argument
//! patterns, `unsafe fn`, recursion, early return and `?`.

mod macro_support;

use std::pin::Pin;
use std::sync::Arc;

use log::Level::Info;
use macro_support::{expect, lines};
use tests::capture;
use traced_runtime::{TraceContext, current_span_id, traced};

const T: &str = "macro_shapes";

#[derive(Debug, Default)]
struct S {
    n: u32,
}

impl S {
    #[traced]
    fn new() -> Self {
        Self::default()
    }

    #[traced(span)]
    fn by_value(self) -> u32 {
        self.n
    }

    #[traced(span)]
    fn by_ref(&self) -> &u32 {
        &self.n
    }

    #[traced(span)]
    fn by_mut(&mut self) {
        self.n += 1;
    }

    #[traced(span)]
    #[allow(clippy::boxed_local)] // the receiver shape is the point
    fn boxed(self: Box<Self>) -> u32 {
        self.n
    }

    #[traced(span)]
    fn arced(self: Arc<Self>) -> u32 {
        self.n
    }

    #[traced(span)]
    fn pinned(self: Pin<&mut Self>) -> u32 {
        self.get_mut().n
    }
}

trait Greet {
    fn greet(&self) -> String;

    #[traced(span)]
    fn provided(&self) -> String {
        format!("<{}>", self.greet())
    }
}

impl Greet for S {
    #[traced(span)]
    fn greet(&self) -> String {
        self.n.to_string()
    }
}

#[test]
fn receivers_and_trait_methods_log_type_and_method() {
    let logs = capture();
    let mut s = S::new();
    s.by_mut();
    assert_eq!(*s.by_ref(), 1);
    assert_eq!(Box::new(S { n: 2 }).boxed(), 2);
    assert_eq!(Arc::new(S { n: 3 }).arced(), 3);
    assert_eq!(Pin::new(&mut S { n: 4 }).pinned(), 4);
    assert_eq!(s.provided(), "<1>");
    assert_eq!(s.by_value(), 1);
    let messages = logs.messages();
    assert_eq!(
        messages,
        [
            "enter new",
            "enter S::by_mut",
            "enter S::by_ref",
            "enter S::boxed",
            "enter S::arced",
            "enter S::pinned",
            "enter S::provided",
            "enter S::greet",
            "enter S::by_value",
        ]
    );
}

#[derive(Debug)]
struct Wrapper<T>(T);

impl<T: Clone + std::fmt::Debug> Wrapper<T> {
    #[traced(span, args)]
    fn get<'s>(&'s self, hint: &'s str) -> &'s T
    where
        T: 's,
    {
        let _ = hint;
        &self.0
    }
}

#[test]
fn each_instantiation_of_a_generic_method_logs_its_own_type() {
    // The entry message is formatted once per callsite and kept; the callsite is shared by every
    // instantiation, so a kept message must not leak into another type's line.
    let logs = capture();
    let _ = Wrapper(1u8).get("a");
    let _ = Wrapper("s").get("b");
    let _ = Wrapper(2u8).get("c");
    let _ = Wrapper("t").get("d");
    assert_eq!(
        logs.messages(),
        [
            "enter Wrapper<u8>::get",
            "enter Wrapper<&str>::get",
            "enter Wrapper<u8>::get",
            "enter Wrapper<&str>::get",
        ]
    );
}

#[traced(span, ret)]
fn longest<'a, 'b: 'a>(a: &'a str, b: &'b str) -> &'a str {
    if a.len() >= b.len() { a } else { b }
}

#[traced(span, args, ret)]
fn generic<T, const N: usize>(xs: [T; N]) -> Vec<T>
where
    T: std::fmt::Debug + Clone + PartialEq,
{
    xs.to_vec()
}

#[traced(span, exit)]
fn impl_trait(items: impl IntoIterator<Item = u8>) -> impl Iterator<Item = u8> {
    items.into_iter().map(|x| x * 2)
}

#[test]
fn generics_lifetimes_and_impl_trait() {
    let logs = capture();
    assert_eq!(*Wrapper(5u8).get("h"), 5);
    assert_eq!(longest("ab", "c"), "ab");
    assert_eq!(generic([1u8, 2]), [1, 2]);
    assert_eq!(impl_trait([1, 2]).collect::<Vec<_>>(), [2, 4]);
    let records = logs.records();
    let mut got = lines(&records);
    got.retain(|l| !l.message.starts_with("exit impl_trait"));
    assert_eq!(
        got,
        [
            expect(
                Info,
                T,
                "enter Wrapper<u8>::get",
                &[("self", "Wrapper(5)"), ("hint", "\"h\"")]
            ),
            expect(Info, T, "enter longest", &[]),
            expect(Info, T, "exit longest", &[("return", "\"ab\"")]),
            expect(Info, T, "enter generic", &[("xs", "[1, 2]")]),
            expect(Info, T, "exit generic", &[("return", "[1, 2]")]),
            expect(Info, T, "enter impl_trait", &[]),
        ]
    );
}

#[derive(Debug)]
struct Point {
    x: i32,
    y: i32,
}

#[traced(args)]
fn patterns(
    (a, b): (u8, u8),
    mut c: u8,
    _: u8,
    Point { x, y: renamed }: Point,
    [first, ..]: [u8; 3],
) -> i32 {
    c += 1;
    i32::from(a + b + c) + x + renamed + i32::from(first)
}

#[test]
fn argument_patterns_bind_and_log_each_name() {
    let logs = capture();
    assert_eq!(patterns((1, 2), 3, 0, Point { x: 4, y: 5 }, [6, 0, 0]), 22);
    assert_eq!(
        lines(&logs.records()),
        [expect(
            Info,
            T,
            "enter patterns",
            &[
                ("a", "1"),
                ("b", "2"),
                ("c", "3"),
                ("x", "4"),
                ("renamed", "5"),
                ("first", "6"),
            ]
        )]
    );
}

/// # Safety
/// `p` must be valid for reads.
#[traced(span, ret)]
unsafe fn read(p: *const u8) -> u8 {
    // SAFETY: the caller guarantees `p` is valid for reads.
    unsafe { *p }
}

#[test]
fn unsafe_fn() {
    let logs = capture();
    let x = 9u8;
    // SAFETY: `&x` is valid for reads.
    assert_eq!(unsafe { read(&x) }, 9);
    assert_eq!(logs.messages(), ["enter read", "exit read"]);
}

#[traced(span)]
fn depth(n: u8) -> Vec<TraceContext> {
    let here = TraceContext::current().expect("a span is current");
    let mut chain = if n == 0 { Vec::new() } else { depth(n - 1) };
    chain.push(here);
    chain
}

#[test]
fn recursion_forms_a_parent_chain_and_unwinds_it() {
    let logs = capture();
    let chain = depth(3);
    // innermost first
    for pair in chain.windows(2) {
        assert_eq!(pair[0].parent_span_id(), pair[1].span_id());
        assert_eq!(pair[0].trace_id(), pair[1].trace_id());
    }
    assert_eq!(
        chain[3].parent_span_id(),
        None,
        "the outermost span is a root"
    );
    assert_eq!(current_span_id(), None);
    assert_eq!(logs.messages(), ["enter depth"; 4]);
}

#[derive(Debug, PartialEq)]
struct ParseFailed;

impl From<std::num::ParseIntError> for ParseFailed {
    fn from(_: std::num::ParseIntError) -> Self {
        Self
    }
}

impl std::fmt::Display for ParseFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("parse failed")
    }
}

#[traced(span, exit, err)]
fn question_mark(input: &str) -> Result<u8, ParseFailed> {
    let n: u8 = input.parse()?;
    if n == 0 {
        return Ok(100);
    }
    Ok(n)
}

#[test]
fn early_return_and_question_mark_restore_the_caller_and_log_exit() {
    let logs = capture();
    let outer = TraceContext::new_root().child();
    let _guard = outer.enter();
    assert_eq!(question_mark("0"), Ok(100));
    assert_eq!(question_mark("x"), Err(ParseFailed));
    assert_eq!(TraceContext::current(), Some(outer.clone()));
    let records = logs.records();
    let summary: Vec<_> = records
        .iter()
        .map(|r| (r.level, r.message.as_str(), r.kv("error")))
        .collect();
    assert_eq!(
        summary,
        [
            (Info, "enter question_mark", None),
            (Info, "exit question_mark", None),
            (Info, "enter question_mark", None),
            (
                log::Level::Error,
                "exit question_mark",
                Some("parse failed")
            ),
        ]
    );
    let outer_span = outer.span_id().map(|s| s.to_string());
    for r in &records {
        assert_eq!(r.parent_span_id(), outer_span.as_deref());
    }
}

/// Doc comments and other attributes are kept.
#[traced]
#[must_use]
#[inline]
fn documented() -> u8 {
    1
}

#[test]
fn attributes_are_kept() {
    let _logs = capture();
    assert_eq!(documented(), 1);
}
