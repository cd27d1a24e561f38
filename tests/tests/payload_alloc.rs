//! Reading a job payload costs work linear in its size: a counting global allocator (its own
//! test binary, counting per thread) shows that 16 times the fields cost at most 16 times the
//! allocations and allocated bytes. Reading used to copy the whole field list for every entry
//! (quadratic: 16,000 fields took 9.8 s).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use serde::Deserialize;
use traced_runtime::TraceContext;

/// Forwards to the system allocator and counts what the current thread allocates.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static BYTES: Cell<u64> = const { Cell::new(0) };
}

fn count(bytes: usize) {
    // `try_with`: allocations during thread teardown are not counted, and never panic.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    let _ = BYTES.try_with(|n| n.set(n.get() + bytes as u64));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: forwarded contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
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

/// Allocations and bytes allocated by `f` on this thread.
fn measure<R>(f: impl FnOnce() -> R) -> (u64, u64, R) {
    let (a0, b0) = (ALLOCATIONS.get(), BYTES.get());
    let result = f();
    (ALLOCATIONS.get() - a0, BYTES.get() - b0, result)
}

#[derive(Deserialize)]
struct Job {
    trace: Option<TraceContext>,
}

/// A payload whose context has `n` fields (`"field-i": "value-i"`).
fn payload(n: usize) -> String {
    let fields: Vec<String> = (0..n)
        .map(|i| format!(r#""field-{i}": "value-{i}""#))
        .collect();
    format!(
        r#"{{"trace": {{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "fields": {{{}}}}}}}"#,
        fields.join(", ")
    )
}

#[test]
fn reading_fields_is_linear_in_their_number() {
    // No logger is installed: the WARN about dropped fields costs nothing here.
    let small = payload(1_000);
    let large = payload(16_000);
    let _warm = serde_json::from_str::<Job>(&small).unwrap();

    for read in [
        (|json: &str| serde_json::from_str::<Job>(json).unwrap()) as fn(&str) -> Job,
        |json: &str| serde_json::from_reader::<_, Job>(json.as_bytes()).unwrap(),
    ] {
        let (small_allocs, small_bytes, job) = measure(|| read(&small));
        assert_eq!(
            job.trace.unwrap().fields().len(),
            traced_runtime::payload::MAX_FIELDS
        );
        let (large_allocs, large_bytes, job) = measure(|| read(&large));
        assert_eq!(
            job.trace.unwrap().fields().len(),
            traced_runtime::payload::MAX_FIELDS
        );
        println!(
            "1k fields: {small_allocs} allocations, {small_bytes} bytes; \
             16k fields: {large_allocs} allocations, {large_bytes} bytes"
        );
        // Linear: 16 times the input costs at most 16 times as much (quadratic would be 256).
        assert!(
            large_allocs <= 16 * small_allocs,
            "{large_allocs} vs {small_allocs}"
        );
        assert!(
            large_bytes <= 16 * small_bytes,
            "{large_bytes} vs {small_bytes}"
        );
    }
}
