//! When the entry line's level is disabled, a traced call formats nothing and allocates nothing,
//! whatever logging options it has (`args`, `exit`, `ret`), and `span` still maintains the ids.
//! Asserted with a counting global allocator (per thread) and a `Debug` impl that counts calls,
//! not with a timer.

mod macro_support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use macro_support::MaxLevel;
use tests::capture;
use traced_runtime::{TraceContext, current_span_id, traced};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to `System`; the counter is a const-initialised thread-local `Cell` without a
// destructor, so counting neither allocates nor recurses.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

static FORMATTED: AtomicUsize = AtomicUsize::new(0);

/// Counts how often it is formatted.
struct Noisy(u8);

impl fmt::Debug for Noisy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        FORMATTED.fetch_add(1, Ordering::SeqCst);
        write!(f, "Noisy({})", self.0)
    }
}

#[traced(span, args, exit, ret, level = "debug")]
fn all_logging_options(input: &Noisy) -> Noisy {
    assert!(current_span_id().is_some());
    Noisy(input.0 + 1)
}

/// The plain fast path (`span` only); its entry line is at DEBUG so that an INFO max level
/// disables it.
#[traced(span, level = "debug")]
fn plain_span() -> Option<traced_runtime::SpanId> {
    current_span_id()
}

#[traced(span, args, exit, ret, level = "debug")]
async fn async_all_logging_options(input: Noisy) -> Noisy {
    Noisy(input.0 + 1)
}

#[test]
fn disabled_level_formats_and_allocates_nothing_but_keeps_span_ids() {
    let logs = capture();
    let _level = MaxLevel::set(log::LevelFilter::Info);
    let request = TraceContext::new_root().child();
    let _guard = request.enter();
    // Warm up lazily initialised thread-locals (the id generator).
    let _ = plain_span();
    FORMATTED.store(0, Ordering::SeqCst);

    let input = Noisy(1);
    let mut out = None;
    let allocated = allocations_in(|| out = Some(all_logging_options(&input)));
    assert_eq!(allocated, 0, "a disabled traced call allocates nothing");
    assert_eq!(out.map(|n| n.0), Some(2));

    let mut span = None;
    let allocated = allocations_in(|| span = plain_span());
    assert_eq!(allocated, 0);
    assert!(
        span.is_some() && span != request.span_id(),
        "span ids are still maintained"
    );

    let mut future = pin!(async_all_logging_options(Noisy(5)));
    let mut cx = Context::from_waker(Waker::noop());
    let mut polled = None;
    let allocated = allocations_in(|| polled = Some(future.as_mut().poll(&mut cx)));
    assert_eq!(
        allocated, 0,
        "a disabled traced async fn allocates nothing at poll"
    );
    assert!(matches!(polled, Some(Poll::Ready(Noisy(6)))));

    assert_eq!(
        FORMATTED.load(Ordering::SeqCst),
        0,
        "no argument was formatted"
    );
    assert_eq!(logs.records(), []);
    assert_eq!(TraceContext::current(), Some(request.clone()));
}

#[test]
fn plain_span_outside_any_trace_allocates_nothing_when_logging_is_off() {
    let logs = capture();
    let _level = MaxLevel::set(log::LevelFilter::Off);
    let _ = plain_span();
    let mut span = None;
    let allocated = allocations_in(|| span = plain_span());
    assert_eq!(
        allocated, 0,
        "starting and ending a trace allocates nothing"
    );
    assert!(span.is_some());
    assert_eq!(logs.records(), []);
}

#[test]
fn enabled_level_formats_each_argument_once() {
    let logs = capture();
    let _ = TraceContext::new_root();
    FORMATTED.store(0, Ordering::SeqCst);
    let _ = all_logging_options(&Noisy(1));
    let records = logs.records();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].kv("input"), Some("Noisy(1)"));
    assert_eq!(records[1].kv("return"), Some("Noisy(2)"));
    assert_eq!(FORMATTED.load(Ordering::SeqCst), 2);
}
