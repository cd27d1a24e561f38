//! The context slot under whatever safe code does with guards: kept past the future that entered
//! them, dropped out of order, leaked, dropped while a panic unwinds, inside cancelled futures.
//!
//! Each case runs on a thread of its own, so that one case's damage to a thread's slot cannot
//! hide another's. `.ci/run` also runs this binary under `valgrind --error-exitcode=1`: before the
//! slot owned its frames, the first cases read the freed future (memcheck: "Invalid read ... in a
//! block free'd") or crashed.

use std::cell::RefCell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

use traced_runtime::export::SpanGuard;
use traced_runtime::{
    TraceContext, TraceContextGuard, TracedFutureExt, current_span_id, current_trace_id,
    field_scope, traced,
};

/// Runs `case` on a fresh thread and propagates its panic.
fn isolated(case: impl FnOnce() + Send + 'static) {
    std::thread::spawn(case).join().expect("the case passed");
}

/// Polls `fut` once with a no-op waker.
fn poll_once<F: Future>(fut: Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(Waker::noop()))
}

/// Polls a boxed future to completion and frees it, like an executor finishing a task.
fn run_to_completion<T>(fut: impl Future<Output = T>) -> T {
    let mut fut = Box::pin(fut);
    loop {
        if let Poll::Ready(out) = poll_once(fut.as_mut()) {
            return out; // `fut` is freed here
        }
    }
}

thread_local! {
    static KEPT: RefCell<Vec<TraceContextGuard>> = const { RefCell::new(Vec::new()) };
}

fn keep(guard: TraceContextGuard) {
    KEPT.with(|kept| kept.borrow_mut().push(guard));
}

fn drop_kept() {
    let kept = KEPT.with(|kept| std::mem::take(&mut *kept.borrow_mut()));
    drop(kept);
}

#[test]
fn a_guard_kept_past_an_in_context_future_is_inert_once_the_future_is_freed() {
    isolated(|| {
        let own = TraceContext::new_root().child();
        let other = TraceContext::new_root().child();
        let seen = run_to_completion(
            async {
                keep(other.enter());
                TraceContext::current()
            }
            .in_context(own.clone()),
        );
        assert_eq!(seen, Some(other.clone()), "entered inside the poll");
        assert_eq!(
            TraceContext::current(),
            None,
            "the poll ended what it entered"
        );
        drop_kept();
        assert_eq!(TraceContext::current(), None);
        assert_eq!(current_trace_id(), None);
        log::info!("reads the slot after the future is gone");
    });
}

#[test]
fn a_field_scope_kept_past_the_future_is_inert() {
    isolated(|| {
        let outer = TraceContext::new_root();
        let _outer = outer.enter();
        run_to_completion(
            async {
                keep(field_scope("k", "v"));
                assert_eq!(
                    TraceContext::current().unwrap().fields().get("k"),
                    Some("v")
                );
            }
            .in_context(TraceContext::new_root().child()),
        );
        assert_eq!(TraceContext::current(), Some(outer.clone()));
        drop_kept();
        assert_eq!(TraceContext::current(), Some(outer.clone()));
    });
}

#[test]
fn a_guard_kept_past_a_future_without_context_polled_under_an_entered_one() {
    isolated(|| {
        let inner = TraceContext::new_root();
        // Created outside any trace: the future runs with no context, hiding its poller's.
        let fut = async {
            assert_eq!(TraceContext::current(), None, "the future has no context");
            keep(inner.enter());
        }
        .in_current_context();
        let outer = TraceContext::new_root().child();
        let _outer = outer.enter();
        run_to_completion(fut);
        assert_eq!(TraceContext::current(), Some(outer.clone()));
        drop_kept();
        assert_eq!(TraceContext::current(), Some(outer.clone()));
        assert_eq!(current_span_id(), outer.span_id());
    });
}

#[traced(span)]
async fn returns_a_guard(other: TraceContext) -> TraceContextGuard {
    other.enter()
}

#[test]
fn a_guard_returned_from_a_traced_async_fn_is_inert() {
    isolated(|| {
        let other = TraceContext::new_root();
        let outer = TraceContext::new_root().child();
        let guard = outer.in_scope(|| run_to_completion(returns_a_guard(other.clone())));
        assert_eq!(TraceContext::current(), None);
        let _outer = outer.enter();
        drop(guard);
        assert_eq!(TraceContext::current(), Some(outer.clone()));
    });
}

#[test]
fn guards_dropped_out_of_order_leave_nothing_current() {
    isolated(|| {
        let a = TraceContext::new_root().child();
        let b = TraceContext::new_root().child();
        let ga = a.enter();
        let gb = b.enter();
        drop(ga);
        assert_eq!(
            TraceContext::current(),
            Some(b.clone()),
            "only a's entry went"
        );
        drop(gb);
        assert_eq!(TraceContext::current(), None);
        assert_eq!(current_trace_id(), None);
        assert_eq!(current_span_id(), None);
    });
}

#[test]
fn three_guards_dropped_middle_first() {
    isolated(|| {
        let [a, b, c] = [(); 3].map(|()| TraceContext::new_root().child());
        let ga = a.enter();
        let gb = b.enter();
        let gc = c.enter();
        drop(gb);
        assert_eq!(TraceContext::current(), Some(c.clone()));
        drop(gc);
        assert_eq!(
            TraceContext::current(),
            Some(a.clone()),
            "b is gone, a is back"
        );
        drop(ga);
        assert_eq!(TraceContext::current(), None);
    });
}

#[traced(span)]
fn traced_span_call(check: impl FnOnce()) {
    check();
}

#[test]
fn a_traced_span_opened_over_a_guard_that_its_body_drops() {
    isolated(|| {
        let a = TraceContext::new_root().child();
        let ga = a.enter();
        traced_span_call(move || {
            assert_eq!(
                TraceContext::current().unwrap().parent_span_id(),
                a.span_id()
            );
            drop(ga);
            assert_eq!(
                TraceContext::current(),
                None,
                "the caller dropped a's entry"
            );
        });
        assert_eq!(TraceContext::current(), None);
        assert_eq!(current_span_id(), None);
    });
}

#[test]
fn a_guard_entered_inside_a_traced_span_and_kept() {
    isolated(|| {
        let a = TraceContext::new_root().child();
        let b = TraceContext::new_root().child();
        let _a = a.enter();
        let mut kept = None;
        traced_span_call(|| kept = Some(b.enter()));
        // The kept guard's entry stays on top; the span closed on a's entry below it.
        assert_eq!(TraceContext::current(), Some(b.clone()));
        drop(kept);
        assert_eq!(
            TraceContext::current(),
            Some(a.clone()),
            "a's own span ids are back"
        );
    });
}

#[test]
fn a_guard_entered_in_a_trace_a_call_started() {
    isolated(|| {
        let b = TraceContext::new_root().child();
        let mut kept = None;
        traced_span_call(|| kept = Some(b.enter()));
        assert_eq!(TraceContext::current(), Some(b.clone()));
        drop(kept);
        assert_eq!(
            TraceContext::current(),
            None,
            "the started trace ended with its call"
        );
    });
}

#[test]
fn a_leaked_guard_ends_with_its_in_scope() {
    isolated(|| {
        let outer = TraceContext::new_root();
        let leaked = TraceContext::new_root();
        outer.in_scope(|| std::mem::forget(leaked.enter()));
        assert_eq!(TraceContext::current(), None);
        let inside = outer.in_scope(|| {
            std::mem::forget(leaked.enter());
            TraceContext::current()
        });
        assert_eq!(inside, Some(leaked));
        assert_eq!(TraceContext::current(), None);
    });
}

#[test]
fn a_leaked_guard_ends_with_its_poll() {
    isolated(|| {
        let leaked = TraceContext::new_root();
        run_to_completion(
            async { std::mem::forget(leaked.enter()) }.in_context(TraceContext::new_root()),
        );
        assert_eq!(TraceContext::current(), None);
    });
}

#[test]
fn a_panic_unwinding_through_guards_and_polls_restores_the_caller() {
    isolated(|| {
        let outer = TraceContext::new_root().child();
        let _outer = outer.enter();
        let result = catch_unwind(AssertUnwindSafe(|| {
            run_to_completion(
                async {
                    let _g = TraceContext::new_root().enter();
                    keep(TraceContext::new_root().enter());
                    traced_span_call(|| panic!("boom"));
                }
                .in_context(TraceContext::new_root()),
            );
        }));
        assert!(result.is_err());
        assert_eq!(TraceContext::current(), Some(outer.clone()));
        drop_kept();
        assert_eq!(TraceContext::current(), Some(outer.clone()));
    });
}

#[test]
fn a_guard_held_across_an_await_does_not_leak_into_the_next_task() {
    isolated(|| {
        let held = TraceContext::new_root();
        let mut suspended = Box::pin(
            async {
                let _g = held.enter();
                std::future::pending::<()>().await;
            }
            .in_context(TraceContext::new_root()),
        );
        assert!(poll_once(suspended.as_mut()).is_pending());
        assert_eq!(
            TraceContext::current(),
            None,
            "the poll ended the held guard's entry"
        );
        let next = TraceContext::new_root();
        let seen = run_to_completion(async { TraceContext::current() }.in_context(next.clone()));
        assert_eq!(seen, Some(next));
        // Cancelled: the future and the guard in it drop outside any poll.
        drop(suspended);
        assert_eq!(TraceContext::current(), None);
    });
}

#[test]
fn a_cancelled_future_leaves_its_pollers_context_alone() {
    isolated(|| {
        let outer = TraceContext::new_root().child();
        let _outer = outer.enter();
        {
            let mut fut = pin!(
                async {
                    let _g = field_scope("k", "v");
                    std::future::pending::<()>().await;
                }
                .in_context(TraceContext::new_root())
            );
            assert!(poll_once(fut.as_mut()).is_pending());
        }
        assert_eq!(TraceContext::current(), Some(outer.clone()));
    });
}

#[test]
fn a_span_guard_dropped_out_of_order() {
    isolated(|| {
        let a = TraceContext::new_root().child();
        let ga = a.enter();
        let span = SpanGuard::enter_in(module_path!(), "phase");
        let span_ctx = span.context().clone();
        assert_eq!(span_ctx.parent_span_id(), a.span_id());
        drop(ga);
        assert_eq!(TraceContext::current(), Some(span_ctx));
        drop(span);
        assert_eq!(TraceContext::current(), None);
    });
}

#[traced(span, root)]
fn root_call_returning_a_guard(other: &TraceContext) -> TraceContextGuard {
    other.enter()
}

#[traced(span, fields(k = "v"))]
fn fields_call_returning_a_guard(other: &TraceContext) -> TraceContextGuard {
    other.enter()
}

#[test]
fn guards_returned_from_root_and_fields_calls() {
    isolated(|| {
        let outer = TraceContext::new_root().child();
        let other = TraceContext::new_root().child();
        let _outer = outer.enter();
        for call in [root_call_returning_a_guard, fields_call_returning_a_guard] {
            let guard = call(&other);
            assert_eq!(TraceContext::current(), Some(other.clone()));
            drop(guard);
            assert_eq!(TraceContext::current(), Some(outer.clone()));
        }
    });
}

#[test]
fn many_threads_each_with_their_own_damage() {
    let handles: Vec<_> = (0..8)
        .map(|i| {
            std::thread::spawn(move || {
                let a = TraceContext::new_root().child();
                let b = TraceContext::new_root().child();
                let ga = a.enter();
                let gb = b.enter();
                if i % 2 == 0 {
                    drop(ga);
                    drop(gb);
                } else {
                    std::mem::forget(ga);
                    drop(gb);
                    assert_eq!(TraceContext::current(), Some(a));
                    return;
                }
                assert_eq!(TraceContext::current(), None);
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(
        TraceContext::current(),
        None,
        "other threads' slots are their own"
    );
}

static EXPORTED: std::sync::Mutex<Vec<traced_runtime::export::FinishedSpan>> =
    std::sync::Mutex::new(Vec::new());

#[traced(span)]
fn exported_call_keeps_a_guard(other: &TraceContext) -> TraceContextGuard {
    other.enter()
}

#[traced(span, fields(k = "v"))]
fn exported_fields_call_keeps_a_guard(other: &TraceContext) -> TraceContextGuard {
    other.enter()
}

#[test]
fn a_call_that_keeps_a_guard_still_exports_its_own_span() {
    // Other tests' spans are exported too; only these two names are looked at.
    let _ = traced_runtime::export::set_exporter(|span| EXPORTED.lock().unwrap().push(span));
    isolated(|| {
        let caller = TraceContext::new_root().child();
        let other = TraceContext::new_root().child();
        let _caller = caller.enter();
        for call in [
            exported_call_keeps_a_guard,
            exported_fields_call_keeps_a_guard,
        ] {
            let kept = call(&other);
            assert_eq!(TraceContext::current(), Some(other.clone()));
            drop(kept);
            assert_eq!(TraceContext::current(), Some(caller.clone()));
        }
        let exported = EXPORTED.lock().unwrap().clone();
        for name in [
            "exported_call_keeps_a_guard",
            "exported_fields_call_keeps_a_guard",
        ] {
            let span = exported
                .iter()
                .find(|span| span.name == name)
                .expect("the span was exported");
            assert_eq!(span.context.trace_id(), caller.trace_id(), "{name}");
            assert_eq!(span.context.parent_span_id(), caller.span_id(), "{name}");
        }
    });
}

#[test]
fn stacks_deeper_than_the_inline_frames_behave_the_same() {
    isolated(|| {
        let contexts: Vec<_> = (0..80).map(|_| TraceContext::new_root().child()).collect();
        let mut guards: Vec<Option<TraceContextGuard>> = Vec::new();
        for ctx in &contexts {
            guards.push(Some(ctx.enter()));
            assert_eq!(TraceContext::current().as_ref(), Some(ctx));
        }
        // A poll, a traced span and a kept guard at depth 80.
        let own = TraceContext::new_root().child();
        run_to_completion(
            async {
                traced_span_call(|| {
                    assert_eq!(
                        TraceContext::current().unwrap().parent_span_id(),
                        own.span_id()
                    );
                });
                keep(TraceContext::new_root().enter());
            }
            .in_context(own.clone()),
        );
        assert_eq!(TraceContext::current().as_ref(), contexts.last());
        drop_kept();
        // Out of order: every third guard first, then the rest from the bottom up.
        for at in (0..contexts.len()).step_by(3) {
            guards[at] = None;
        }
        let top = (0..contexts.len())
            .rev()
            .find(|at| guards[*at].is_some())
            .unwrap();
        assert_eq!(TraceContext::current().as_ref(), Some(&contexts[top]));
        for at in 0..contexts.len() {
            guards[at] = None;
            let expected = (0..contexts.len()).rev().find(|at| guards[*at].is_some());
            assert_eq!(
                TraceContext::current().as_ref(),
                expected.map(|at| &contexts[at])
            );
        }
        assert_eq!(TraceContext::current(), None);
    });
}
