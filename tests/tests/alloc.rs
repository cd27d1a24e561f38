//! The hot path does not touch the heap: a `#[traced]` / `#[traced(span)]` call whose entry line
//! is disabled, and a poll of a context-carrying future, allocate nothing.
//!
//! A counting global allocator counts allocations per thread (tests run on parallel threads),
//! so each test counts only its own calls. Each test makes one call before counting: the first
//! use of the thread-locals on a thread (seeding the id generator from the OS, registering the
//! slot's destructor) is a one-off per thread, not a per-call cost.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::pin::{Pin, pin};
use std::sync::Once;
use std::task::{Context, Poll, Waker};

use traced_runtime::{
    TraceContext, TracedFutureExt as _, current_span_id, current_trace_id, traced,
};

/// Forwards to the system allocator and counts allocations made by the current thread.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with`: allocations during thread teardown are not counted, and never panic.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: forwarded contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: forwarded contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Number of allocations `f` made on this thread.
fn allocations_in(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

/// A logger that accepts only WARN and above, so INFO entry lines are disabled the way an
/// application's `RUST_LOG=warn` disables them (a logger is installed, the level is off).
struct WarnOnly;

impl log::Log for WarnOnly {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record<'_>) {
        assert!(
            record.level() <= log::Level::Warn,
            "an INFO entry line reached the logger: {}",
            record.args()
        );
    }

    fn flush(&self) {}
}

fn logging_at_warn() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        log::set_logger(&WarnOnly).expect("only this test binary installs a logger");
        log::set_max_level(log::LevelFilter::Warn);
    });
}

const CALLS: u64 = 1_000;

#[test]
fn the_counter_sees_allocations() {
    // Guards the other tests against a counter that never counts.
    let n = allocations_in(|| drop(black_box(Box::new(7u64))));
    assert_eq!(n, 1);
    let n = allocations_in(|| drop(black_box(TraceContext::new_root().with_field("k", "v"))));
    assert!(n >= 1, "with_field builds its field list on the heap");
}

#[traced(span)]
fn with_span(x: u64) -> u64 {
    assert!(current_span_id().is_some());
    black_box(x) + 1
}

#[traced]
fn without_span(x: u64) -> u64 {
    assert!(current_trace_id().is_some());
    black_box(x) + 1
}

#[test]
fn span_call_inside_a_trace_does_not_allocate() {
    logging_at_warn();
    let ctx = TraceContext::new_root()
        .with_field("account_id", "account-456")
        .child();
    ctx.in_scope(|| {
        with_span(0);
        let n = allocations_in(|| {
            for i in 0..CALLS {
                black_box(with_span(i));
            }
        });
        assert_eq!(n, 0, "{n} allocations in {CALLS} #[traced(span)] calls");
        assert_eq!(TraceContext::current(), Some(ctx.clone()));
    });
}

#[test]
fn span_call_starting_a_trace_does_not_allocate() {
    logging_at_warn();
    assert_eq!(TraceContext::current(), None);
    with_span(0);
    let n = allocations_in(|| {
        for i in 0..CALLS {
            black_box(with_span(i));
        }
    });
    assert_eq!(
        n, 0,
        "{n} allocations in {CALLS} root #[traced(span)] calls"
    );
    assert_eq!(TraceContext::current(), None);
}

#[test]
fn traced_call_starting_a_trace_does_not_allocate() {
    logging_at_warn();
    without_span(0);
    let n = allocations_in(|| {
        for i in 0..CALLS {
            black_box(without_span(i));
        }
    });
    assert_eq!(n, 0, "{n} allocations in {CALLS} root #[traced] calls");
    assert_eq!(TraceContext::current(), None);
}

#[test]
fn traced_call_inside_a_trace_does_not_allocate() {
    logging_at_warn();
    TraceContext::new_root().in_scope(|| {
        without_span(0);
        let n = allocations_in(|| {
            for i in 0..CALLS {
                black_box(without_span(i));
            }
        });
        assert_eq!(n, 0, "{n} allocations in {CALLS} nested #[traced] calls");
    });
}

/// Pending once (after waking itself), then ready.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

async fn ten_pending_polls() -> Option<traced_runtime::SpanId> {
    for _ in 0..10 {
        YieldNow(false).await;
    }
    current_span_id()
}

#[traced(span)]
async fn traced_ten_pending_polls() -> Option<traced_runtime::SpanId> {
    ten_pending_polls().await
}

/// Polls `fut` (already pinned by the caller) to completion; returns the output and the number
/// of polls.
fn drive<F: Future>(mut fut: Pin<&mut F>) -> (F::Output, u32) {
    let mut cx = Context::from_waker(Waker::noop());
    let mut polls = 0;
    loop {
        polls += 1;
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return (out, polls);
        }
    }
}

#[test]
fn with_context_poll_does_not_allocate() {
    logging_at_warn();
    let ctx = TraceContext::new_root()
        .with_field("job", "nightly")
        .child();
    let warm = pin!(ten_pending_polls().in_context(ctx.clone()));
    drive(warm);
    let fut = pin!(ten_pending_polls().in_context(ctx.clone()));
    let mut out = None;
    let n = allocations_in(|| out = Some(drive(fut)));
    assert_eq!(n, 0, "{n} allocations while polling a InContext future");
    assert_eq!(out, Some((ctx.span_id(), 11)));
    assert_eq!(TraceContext::current(), None);
}

#[test]
fn traced_async_fn_poll_does_not_allocate() {
    logging_at_warn();
    let ctx = TraceContext::new_root().child();
    let _guard = ctx.enter();
    drive(pin!(traced_ten_pending_polls()));
    let fut = pin!(traced_ten_pending_polls());
    let mut out = None;
    let n = allocations_in(|| out = Some(drive(fut)));
    assert_eq!(
        n, 0,
        "{n} allocations while polling a #[traced(span)] async fn"
    );
    let (span_id, polls) = out.expect("driven to completion");
    assert_eq!(polls, 11);
    assert!(span_id.is_some());
    assert_ne!(span_id, ctx.span_id());
}
