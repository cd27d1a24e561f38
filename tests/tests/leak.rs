//! No context ever leaks between tasks: 10,000 concurrent traces on a 4-worker runtime, futures
//! cancelled mid-await, panicking tasks, `block_in_place`, nested `block_on`.
//!
//! Counts are bounded and nothing is timed: each test asserts exact outcomes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use traced_runtime::{TraceContext, TracedFutureExt, current_trace_id, traced};

const TRACES: u64 = 10_000;

fn runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

/// xorshift64: a cheap per-task source of "random" choices, reproducible from the task index.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Counts the checks that saw a context other than `expected`.
#[derive(Clone, Default)]
struct Checker(Arc<(AtomicUsize, AtomicUsize)>);

impl Checker {
    fn expect(&self, expected: &TraceContext) {
        self.0.1.fetch_add(1, Ordering::Relaxed);
        if TraceContext::current().as_ref() != Some(expected) {
            self.0.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn mismatches(&self) -> usize {
        self.0.0.load(Ordering::Relaxed)
    }

    fn checks(&self) -> usize {
        self.0.1.load(Ordering::Relaxed)
    }
}

/// Yields, sleeps briefly or does nothing, at random.
async fn wander(rng: &mut u64) {
    match next(rng) % 4 {
        0 => tokio::task::yield_now().await,
        1 => tokio::time::sleep(Duration::from_micros(next(rng) % 500)).await,
        _ => {}
    }
}

#[traced(span)]
async fn outer(seed: u64, checker: Checker) {
    let me = TraceContext::current().unwrap();
    let mut rng = seed | 1;
    checker.expect(&me);
    wander(&mut rng).await;
    checker.expect(&me);
    inner(next(&mut rng), checker.clone(), me.clone()).await;
    checker.expect(&me);

    let spawned = {
        let (checker, me) = (checker.clone(), me.clone());
        traced_runtime::task::spawn(async move {
            let mut rng = seed.rotate_left(7) | 1;
            checker.expect(&me);
            wander(&mut rng).await;
            checker.expect(&me);
            inner(next(&mut rng), checker.clone(), me.clone()).await;
            checker.expect(&me);
        })
    };
    wander(&mut rng).await;
    checker.expect(&me);

    let blocking = {
        let (checker, me) = (checker.clone(), me.clone());
        traced_runtime::task::spawn_blocking(move || checker.expect(&me))
    };
    spawned.await.unwrap();
    checker.expect(&me);
    blocking.await.unwrap();
    checker.expect(&me);
}

#[traced(span)]
async fn inner(seed: u64, checker: Checker, parent: TraceContext) {
    let me = TraceContext::current().unwrap();
    if me.trace_id() != parent.trace_id() || me.parent_span_id() != parent.span_id() {
        checker.expect(&parent); // counts as a mismatch
    }
    let mut rng = seed | 1;
    for _ in 0..3 {
        wander(&mut rng).await;
        checker.expect(&me);
    }
}

#[test]
fn ten_thousand_concurrent_traces_never_see_each_other() {
    let checker = Checker::default();
    let trace_ids = Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
    runtime(4).block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for seed in 0..TRACES {
            let checker = checker.clone();
            let trace_ids = trace_ids.clone();
            let root = TraceContext::new_root();
            tasks.spawn(
                async move {
                    let root = TraceContext::current().unwrap();
                    trace_ids.lock().unwrap().insert(root.trace_id());
                    outer(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15), checker.clone()).await;
                    checker.expect(&root);
                }
                .in_context(root),
            );
        }
        while let Some(result) = tasks.join_next().await {
            result.unwrap();
        }
    });
    assert_eq!(checker.mismatches(), 0, "of {} checks", checker.checks());
    // 1 + 4 * (3 + inner's 3) + blocking 1 + spawned 3 ... at least 10 checks per trace.
    assert!(checker.checks() as u64 >= 10 * TRACES);
    assert_eq!(trace_ids.lock().unwrap().len() as u64, TRACES);
}

/// Spawns plain tasks (no helper) across all workers and counts those that saw any context.
async fn contexts_left_on_workers() -> usize {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..256 {
        tasks.spawn(async {
            tokio::task::yield_now().await;
            usize::from(TraceContext::current().is_some())
        });
    }
    let mut leaked = 0;
    while let Some(seen) = tasks.join_next().await {
        leaked += seen.unwrap();
    }
    leaked
}

#[traced(span)]
async fn never_finishes() {
    std::future::pending::<()>().await;
}

#[traced(span)]
async fn sleeps() {
    tokio::time::sleep(Duration::from_secs(3600)).await;
}

#[test]
fn futures_cancelled_by_timeout_and_select_leave_workers_clean() {
    runtime(2).block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..200 {
            let outer = TraceContext::new_root().child();
            tasks.spawn(
                async move {
                    let before = TraceContext::current();
                    if i % 2 == 0 {
                        let timed_out =
                            tokio::time::timeout(Duration::from_millis(1), never_finishes()).await;
                        assert!(timed_out.is_err());
                    } else {
                        tokio::select! {
                            () = sleeps() => unreachable!("sleeps for an hour"),
                            () = tokio::task::yield_now() => {}
                        }
                    }
                    TraceContext::current() == before
                }
                .in_context(outer),
            );
        }
        while let Some(unchanged) = tasks.join_next().await {
            assert!(
                unchanged.unwrap(),
                "a cancelled future changed its caller's context"
            );
        }
        assert_eq!(contexts_left_on_workers().await, 0);
    });
}

#[test]
fn panicking_task_does_not_leak_into_the_next_task_on_its_worker() {
    // One thread polls every task, so the next task runs right where the panic happened.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        for _ in 0..20 {
            let ctx = TraceContext::new_root().child();
            let panicked = ctx.in_scope(|| {
                traced_runtime::task::spawn(async {
                    tokio::task::yield_now().await;
                    panic!("task failed");
                })
            });
            assert!(panicked.await.unwrap_err().is_panic());
            let next = tokio::spawn(async { TraceContext::current() });
            assert_eq!(next.await.unwrap(), None);
        }
        assert_eq!(TraceContext::current(), None);
    });
}

#[test]
fn block_in_place_keeps_the_context() {
    runtime(2).block_on(async {
        let ctx = TraceContext::new_root().child();
        let seen = traced_runtime::task::spawn(
            async {
                let outer = TraceContext::current();
                let inside = tokio::task::block_in_place(TraceContext::current);
                tokio::task::yield_now().await;
                (outer, inside, TraceContext::current())
            }
            .in_context(ctx.clone()),
        )
        .await
        .unwrap();
        assert_eq!(seen, (Some(ctx.clone()), Some(ctx.clone()), Some(ctx)));
        assert_eq!(contexts_left_on_workers().await, 0);
    });
}

#[traced(span)]
async fn child_span() -> TraceContext {
    TraceContext::current().unwrap()
}

#[test]
fn nested_block_on_sees_and_restores_the_thread_context() {
    let ctx = TraceContext::new_root().child();
    let (inside, child) = ctx.in_scope(|| {
        let nested = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        nested.block_on(async { (TraceContext::current(), child_span().await) })
    });
    assert_eq!(inside, Some(ctx.clone()));
    assert_eq!(child.parent_span_id(), ctx.span_id());
    assert_eq!(child.trace_id(), ctx.trace_id());
    assert_eq!(TraceContext::current(), None);
}

#[test]
fn plain_spawn_loses_the_context_and_the_helpers_keep_it() {
    runtime(2).block_on(async {
        let ctx = TraceContext::new_root();
        let (plain, helper, plain_blocking, helper_blocking, thread) = ctx.in_scope(|| {
            (
                tokio::spawn(async { current_trace_id() }),
                traced_runtime::task::spawn(async { current_trace_id() }),
                tokio::task::spawn_blocking(current_trace_id),
                traced_runtime::task::spawn_blocking(current_trace_id),
                std::thread::spawn(current_trace_id),
            )
        });
        assert_eq!(
            plain.await.unwrap(),
            None,
            "documented: tokio::spawn loses it"
        );
        assert_eq!(plain_blocking.await.unwrap(), None);
        assert_eq!(thread.join().unwrap(), None);
        assert_eq!(helper.await.unwrap(), Some(ctx.trace_id()));
        assert_eq!(helper_blocking.await.unwrap(), Some(ctx.trace_id()));
    });
}

#[test]
fn join_set_and_local_set_helpers_keep_the_context() {
    use traced_runtime::task::JoinSetExt;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async {
        let ctx = TraceContext::new_root();
        let mut set = tokio::task::JoinSet::new();
        let local_task = ctx.in_scope(|| {
            set.spawn_in_current_context(async { current_trace_id() });
            set.spawn_blocking_in_current_context(current_trace_id);
            traced_runtime::task::spawn_local(async { current_trace_id() })
        });
        assert_eq!(local_task.await.unwrap(), Some(ctx.trace_id()));
        let mut seen = 0;
        while let Some(id) = set.join_next().await {
            assert_eq!(id.unwrap(), Some(ctx.trace_id()));
            seen += 1;
        }
        assert_eq!(seen, 2);
    });
}
