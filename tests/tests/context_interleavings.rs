//! Random interleavings of everything that changes the current context, checked step by step
//! against a model: a plain stack of frames in which a guard removes exactly its own frame and a
//! scope (`in_scope`, a poll) ends its frame with everything entered above it.
//!
//! The operations: `enter` and `field_scope` guards (kept in a list and later dropped in any order
//! or leaked), `#[traced]` / `#[traced(span)]` calls, `in_scope`, polls of futures with and
//! without a context of their own, panics caught further out, and hand-off to a thread. After
//! every step, `TraceContext::current()` must be exactly the model's top frame.

use std::cell::RefCell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::task::{Context, Poll, Waker};

use proptest::prelude::*;
use traced_runtime::{
    TraceContext, TraceContextGuard, TracedFutureExt, current_span_id, current_trace_id,
};
use traced_runtime::{field_scope, traced};

#[derive(Clone, Debug)]
enum Op {
    /// Enter context `n` of the pool and keep the guard.
    Enter(usize),
    /// `field_scope("f{n}", ..)`, guard kept.
    FieldScope(usize),
    /// Drop kept guard `n` (modulo their number): any order.
    Drop(usize),
    /// Leak kept guard `n`.
    Forget(usize),
    /// A `#[traced(span)]` call running the ops.
    SpanCall(Vec<Op>),
    /// A `#[traced]` call running the ops.
    Call(Vec<Op>),
    /// `pool[n].in_scope(ops)`.
    InScope(usize, Vec<Op>),
    /// One poll of a future with `pool[n]` (`None`: no context of its own) running the ops.
    Poll(Option<usize>, Vec<Op>),
    /// Poll the case's one long-lived future (context `pool[1]`) once more, running the ops:
    /// its context must come back from every poll exactly as it went in.
    Repoll(Vec<Op>),
    /// Unwind from here to the nearest `Catch`.
    Panic,
    /// Run the ops, catching a panic.
    Catch(Vec<Op>),
    /// Hand the current context to a thread and check it there.
    Thread,
}

fn op(depth: u32) -> impl Strategy<Value = Op> {
    let leaf = prop_oneof![
        4 => (0..4usize).prop_map(Op::Enter),
        2 => (0..4usize).prop_map(Op::FieldScope),
        4 => any::<usize>().prop_map(Op::Drop),
        1 => any::<usize>().prop_map(Op::Forget),
        1 => Just(Op::Panic),
        1 => Just(Op::Thread),
    ];
    leaf.prop_recursive(depth, 48, 6, |inner| {
        let body = prop::collection::vec(inner, 0..6);
        prop_oneof![
            body.clone().prop_map(Op::SpanCall),
            body.clone().prop_map(Op::Call),
            (0..4usize, body.clone()).prop_map(|(n, ops)| Op::InScope(n, ops)),
            (prop::option::of(0..4usize), body.clone()).prop_map(|(n, ops)| Op::Poll(n, ops)),
            body.clone().prop_map(Op::Repoll),
            body.prop_map(Op::Catch),
        ]
    })
}

/// The model: frames bottom first, each with the id the kept guards refer to.
#[derive(Default)]
struct Model {
    frames: Vec<(u64, Option<TraceContext>)>,
    next: u64,
}

impl Model {
    fn top(&self) -> Option<TraceContext> {
        self.frames.last().and_then(|(_, ctx)| ctx.clone())
    }

    fn push(&mut self, ctx: Option<TraceContext>) -> u64 {
        self.next += 1;
        self.frames.push((self.next, ctx));
        self.next
    }

    fn remove(&mut self, id: u64) {
        self.frames.retain(|(frame, _)| *frame != id);
    }

    fn truncate(&mut self, id: u64) {
        if let Some(at) = self.frames.iter().position(|(frame, _)| *frame == id) {
            self.frames.truncate(at);
        }
    }

    fn frame_mut(&mut self, id: u64) -> Option<&mut TraceContext> {
        self.frames
            .iter_mut()
            .find(|(frame, _)| *frame == id)
            .and_then(|(_, ctx)| ctx.as_mut())
    }
}

thread_local! {
    static MODEL: RefCell<Model> = RefCell::default();
    static KEPT: RefCell<Vec<(TraceContextGuard, u64)>> = const { RefCell::new(Vec::new()) };
    static POOL: RefCell<Vec<TraceContext>> = const { RefCell::new(Vec::new()) };
}

fn model<R>(f: impl FnOnce(&mut Model) -> R) -> R {
    MODEL.with(|m| f(&mut m.borrow_mut()))
}

fn pool(n: usize) -> TraceContext {
    POOL.with(|p| p.borrow()[n].clone())
}

fn check() {
    let expected = model(|m| m.top());
    assert_eq!(TraceContext::current(), expected);
    assert_eq!(current_trace_id(), expected.as_ref().map(|c| c.trace_id()));
    assert_eq!(current_span_id(), expected.and_then(|c| c.span_id()));
}

#[traced(span)]
fn span_call(body: impl FnOnce()) {
    body();
}

#[traced]
fn call(body: impl FnOnce()) {
    body();
}

/// Model of a traced call's entry, read off the real context inside it: what it must be, given
/// the model's top frame before the call. Returns how to undo it.
fn enter_call(span: bool) -> Undo {
    let actual = TraceContext::current().expect("a traced call runs in a trace");
    model(|m| match m.frames.last_mut() {
        Some((id, Some(top))) => {
            assert_eq!(actual.trace_id(), top.trace_id());
            if !span {
                assert_eq!(&actual, top);
                return Undo::Nothing;
            }
            assert_eq!(actual.parent_span_id(), top.span_id());
            assert_ne!(actual.span_id(), top.span_id());
            let caller = (top.span_id(), top.parent_span_id());
            *top = actual.clone();
            Undo::SpanIds(*id, caller)
        }
        _ => {
            assert_eq!(actual.parent_span_id(), None);
            assert_eq!(actual.span_id().is_some(), span);
            Undo::Remove(m.push(Some(actual)))
        }
    })
}

enum Undo {
    Nothing,
    SpanIds(
        u64,
        (
            Option<traced_runtime::SpanId>,
            Option<traced_runtime::SpanId>,
        ),
    ),
    Remove(u64),
}

fn leave_call(undo: Undo) {
    model(|m| match undo {
        Undo::Nothing => {}
        Undo::SpanIds(id, (span_id, parent)) => {
            if let Some(ctx) = m.frame_mut(id) {
                *ctx = rebuild(ctx, span_id, parent);
            }
        }
        Undo::Remove(id) => m.remove(id),
    });
}

/// `ctx` with its span ids replaced (through the public API).
fn rebuild(
    ctx: &TraceContext,
    span_id: Option<traced_runtime::SpanId>,
    parent: Option<traced_runtime::SpanId>,
) -> TraceContext {
    let mut out = TraceContext::new(ctx.trace_id(), span_id, ctx.trace_flags())
        .with_parent_span_id(parent)
        .with_tracestate(ctx.tracestate().cloned())
        .with_baggage(ctx.baggage().clone());
    for (k, v) in ctx.fields().iter() {
        out = out.with_field(k.to_owned(), v.to_owned());
    }
    out
}

/// Runs a scope's body, keeping the model's end of the scope in step also when it unwinds.
fn scoped(body: impl FnOnce(), end: impl FnOnce()) {
    let result = catch_unwind(AssertUnwindSafe(body));
    end();
    if let Err(panic) = result {
        resume_unwind(panic);
    }
}

fn run(ops: &[Op]) {
    for op in ops {
        step(op);
        check();
    }
}

fn step(op: &Op) {
    match op {
        Op::Enter(n) => {
            let ctx = pool(*n);
            let guard = ctx.enter();
            let id = model(|m| m.push(Some(ctx)));
            KEPT.with(|k| k.borrow_mut().push((guard, id)));
        }
        Op::FieldScope(n) => {
            let expected = model(|m| m.top());
            let guard = field_scope(format!("f{n}"), "v");
            let actual = TraceContext::current().unwrap();
            if let Some(expected) = expected {
                assert_eq!(actual, expected.with_field(format!("f{n}"), "v"));
            }
            let id = model(|m| m.push(Some(actual)));
            KEPT.with(|k| k.borrow_mut().push((guard, id)));
        }
        Op::Drop(n) | Op::Forget(n) => {
            let kept = KEPT.with(|k| {
                let mut k = k.borrow_mut();
                let len = k.len();
                (len > 0).then(|| k.remove(n % len))
            });
            if let Some((guard, id)) = kept {
                if matches!(op, Op::Drop(_)) {
                    drop(guard);
                    model(|m| m.remove(id));
                } else {
                    std::mem::forget(guard);
                }
            }
        }
        Op::SpanCall(ops) | Op::Call(ops) => {
            let span = matches!(op, Op::SpanCall(_));
            let undo = RefCell::new(None);
            let body = || {
                *undo.borrow_mut() = Some(enter_call(span));
                run(ops);
            };
            scoped(
                || if span { span_call(body) } else { call(body) },
                || leave_call(undo.take().expect("the call ran")),
            );
        }
        Op::InScope(n, ops) => {
            let ctx = pool(*n);
            let id = model(|m| m.push(Some(ctx.clone())));
            scoped(|| ctx.in_scope(|| run(ops)), || model(|m| m.truncate(id)));
        }
        Op::Poll(n, ops) => {
            let ctx = n.map(pool);
            let id = model(|m| m.push(ctx.clone()));
            let ops = ops.clone();
            let body = std::future::poll_fn(move |_| {
                run(&ops);
                Poll::Ready(())
            });
            scoped(
                || match ctx {
                    Some(ctx) => poll_once(body.in_context(ctx)),
                    // Created where no context is current (another thread), polled here.
                    None => poll_once(
                        std::thread::spawn(move || body.in_current_context())
                            .join()
                            .unwrap(),
                    ),
                },
                || model(|m| m.truncate(id)),
            );
        }
        Op::Repoll(ops) => {
            // Taken out while it runs: a nested `Repoll` finds none and does nothing.
            let Some(mut fut) = LONG_LIVED.with(|f| f.borrow_mut().take()) else {
                return;
            };
            let id = model(|m| m.push(Some(pool(1))));
            RUN.with(|r| *r.borrow_mut() = Some(ops.clone()));
            scoped(
                || {
                    let _ = fut.as_mut().poll(&mut Context::from_waker(Waker::noop()));
                },
                || model(|m| m.truncate(id)),
            );
            LONG_LIVED.with(|f| *f.borrow_mut() = Some(fut));
        }
        Op::Panic => std::panic::panic_any(Unwinding),
        Op::Catch(ops) => caught(|| run(ops)),
        Op::Thread => {
            let expected = TraceContext::current();
            let seen = traced_runtime::thread::spawn(TraceContext::current)
                .join()
                .unwrap();
            assert_eq!(seen, expected);
        }
    }
}

struct Unwinding;

fn poll_once(fut: impl Future<Output = ()>) {
    let mut fut = std::pin::pin!(fut);
    let _ = fut.as_mut().poll(&mut Context::from_waker(Waker::noop()));
}

type LongLived = std::pin::Pin<Box<dyn Future<Output = ()>>>;

thread_local! {
    static LONG_LIVED: RefCell<Option<LongLived>> = const { RefCell::new(None) };
    static RUN: RefCell<Option<Vec<Op>>> = const { RefCell::new(None) };
}

/// A future that runs the ops queued in `RUN` at each poll and never finishes.
fn long_lived(ctx: TraceContext) -> LongLived {
    Box::pin(
        std::future::poll_fn(|_| {
            if let Some(ops) = RUN.with(|r| r.borrow_mut().take()) {
                run(&ops);
            }
            Poll::<()>::Pending
        })
        .in_context(ctx),
    )
}

/// Runs `f`, stopping an [`Op::Panic`] unwind there; a failed check keeps unwinding.
fn caught(f: impl FnOnce()) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(f)) {
        if panic.downcast_ref::<Unwinding>().is_none() {
            resume_unwind(panic);
        }
    }
}

fn run_case(ops: &[Op]) {
    std::thread::scope(|s| {
        s.spawn(|| {
            POOL.with(|p| {
                *p.borrow_mut() = vec![
                    TraceContext::new_root(),
                    TraceContext::new_root().child(),
                    TraceContext::new_root().child().with_field("k", "v"),
                    TraceContext::new_root().child().child(),
                ]
            });
            LONG_LIVED.with(|f| *f.borrow_mut() = Some(long_lived(pool(1))));
            for op in ops {
                caught(|| step(op));
                check();
            }
            // Dropping every kept guard, in the order kept, leaves what was leaked.
            let kept = KEPT.with(|k| std::mem::take(&mut *k.borrow_mut()));
            for (guard, id) in kept {
                drop(guard);
                model(|m| m.remove(id));
                check();
            }
        })
        .join()
        .expect("the model and the slot agree");
    });
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(2048),
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_slot_follows_the_model(ops in prop::collection::vec(op(3), 0..12)) {
        let hook = std::panic::take_hook();
        // `Op::Panic` unwinds on purpose; a failed check still fails the case below.
        std::panic::set_hook(Box::new(|info| {
            if info.payload().downcast_ref::<Unwinding>().is_none() {
                eprintln!("{info}");
            }
        }));
        let result = catch_unwind(AssertUnwindSafe(|| run_case(&ops)));
        std::panic::set_hook(hook);
        prop_assert!(result.is_ok(), "the slot left the model on {ops:?}");
    }
}
