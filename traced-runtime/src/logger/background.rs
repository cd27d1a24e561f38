//! Non-blocking output: logging threads append whole lines to a bounded in-memory queue, and one
//! background thread writes what has accumulated in a single `write` per batch, so a logging
//! thread never waits on the terminal or the pipe.
//!
//! The queue is two byte buffers swapped under one mutex: a logging thread copies its line into
//! the pending buffer (a `memcpy` under the lock, no allocation once the buffer has grown); the
//! writer thread swaps the pending buffer with its own empty one and writes it outside the lock.
//! The writer is woken only when it sleeps, so a busy queue costs no system call per line.
//!
//! Every accepted line is written before the process ends normally: [`Background::flush`] waits
//! until the queue is empty and the last batch written; `log::logger().flush()`,
//! [`FlushGuard`](super::FlushGuard), a handler registered with the C runtime's `atexit` (which
//! runs on return from `main` and in `std::process::exit`) and a panic hook all call it.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Once, PoisonError, Weak};
use std::thread;

/// What a logging thread does when the queue is full.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum WhenFull {
    /// Wait until the writer has made room (nothing is lost; the logging thread waits only
    /// when the output cannot keep up for longer than the queue lasts).
    #[default]
    Block,
    /// Drop the line and count it; the writer reports the count in a WARN line
    /// (`N log lines dropped: the queue was full`) and [`Logger::dropped`](super::Logger::dropped)
    /// returns the total.
    Drop,
}

/// The state shared by the logging threads and the writer.
struct Queue {
    /// Lines accepted and not yet taken by the writer.
    pending: Vec<u8>,
    /// Whether the writer is writing a batch it has taken.
    writing: bool,
    /// Whether the writer is asleep waiting for lines.
    idle: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when lines arrive (to the writer) and when a batch is written (to blocked
    /// logging threads and to flushes).
    lines: Condvar,
    room: Condvar,
    /// Capacity of the queue in bytes.
    capacity: usize,
    when_full: WhenFull,
    dropped: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Formats the report of `n` dropped lines as a line of the logger's format.
pub(super) type Report = Box<dyn Fn(u64) -> Vec<u8> + Send>;

/// The handle logging threads use; the writer thread runs until the process ends.
pub(super) struct Background {
    shared: Arc<Shared>,
}

impl Background {
    /// Starts the writer thread, writing to `out`, with a queue of `capacity` bytes.
    ///
    /// # Errors
    ///
    /// The operating system's error when the thread cannot be started.
    pub(super) fn start(
        mut out: Box<dyn Write + Send>,
        capacity: usize,
        when_full: WhenFull,
        report: Report,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                pending: Vec::with_capacity(capacity.min(1 << 20)),
                writing: false,
                idle: false,
            }),
            lines: Condvar::new(),
            room: Condvar::new(),
            capacity: capacity.max(1),
            when_full,
            dropped: AtomicU64::new(0),
        });
        let writer = Arc::clone(&shared);
        register(&shared);
        thread::Builder::new()
            .name("traced-log-writer".into())
            .spawn(move || {
                let mut batch = Vec::new();
                let mut reported = 0;
                loop {
                    {
                        let mut queue = writer.lock();
                        queue.writing = false;
                        writer.room.notify_all();
                        while queue.pending.is_empty() {
                            queue.idle = true;
                            queue = writer
                                .lines
                                .wait(queue)
                                .unwrap_or_else(PoisonError::into_inner);
                        }
                        queue.idle = false;
                        queue.writing = true;
                        core::mem::swap(&mut queue.pending, &mut batch);
                        // Room for the logging threads waiting on a full queue.
                        if writer.when_full == WhenFull::Block {
                            writer.room.notify_all();
                        }
                    }
                    // A failing output loses the batch: logging has nowhere to report it.
                    let _ = out.write_all(&batch);
                    let dropped = writer.dropped.load(Ordering::Relaxed);
                    if dropped != reported {
                        let _ = out.write_all(&report(dropped - reported));
                        reported = dropped;
                    }
                    let _ = out.flush();
                    batch.clear();
                }
            })?;
        Ok(Self { shared })
    }

    /// Queues whole lines; per [`WhenFull`] waits for room or drops them when the queue is full.
    #[inline]
    pub(super) fn write(&self, line: &[u8]) {
        let shared = &*self.shared;
        let mut queue = shared.lock();
        // A line longer than the whole queue is accepted into an empty queue.
        while !queue.pending.is_empty() && queue.pending.len() + line.len() > shared.capacity {
            match shared.when_full {
                WhenFull::Drop => {
                    shared.dropped.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                WhenFull::Block => {
                    if queue.idle {
                        shared.lines.notify_one();
                    }
                    queue = shared
                        .room
                        .wait(queue)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
        }
        queue.pending.extend_from_slice(line);
        if queue.idle {
            queue.idle = false;
            shared.lines.notify_one();
        }
    }

    /// Waits until every line queued so far is written.
    pub(super) fn flush(&self) {
        let shared = &*self.shared;
        let mut queue = shared.lock();
        while !queue.pending.is_empty() || queue.writing {
            if queue.idle {
                queue.idle = false;
                shared.lines.notify_one();
            }
            queue = shared
                .room
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Lines dropped so far because the queue was full.
    pub(super) fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }
}

/// Every queue started in this process, for the flushes at exit and on panic.
static QUEUES: Mutex<Vec<Weak<Shared>>> = Mutex::new(Vec::new());

/// Waits until every line accepted by any queue of the process is written.
pub(super) fn flush_all() {
    let queues: Vec<Arc<Shared>> = QUEUES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter_map(Weak::upgrade)
        .collect();
    for shared in queues {
        Background { shared }.flush();
    }
}

/// Adds `shared` to the queues flushed at exit and on panic; registers those flushes once.
fn register(shared: &Arc<Shared>) {
    let mut queues = QUEUES.lock().unwrap_or_else(PoisonError::into_inner);
    queues.retain(|queue| queue.strong_count() > 0);
    queues.push(Arc::downgrade(shared));
    drop(queues);
    static HOOKS: Once = Once::new();
    HOOKS.call_once(|| {
        at_exit::register();
        // A panic that ends the process (in `main`, or any panic with `panic = "abort"`) must
        // not lose the lines logged before it: written first, then the panic message.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            flush_all();
            previous(info);
        }));
    });
}

#[cfg(any(unix, windows))]
mod at_exit {
    use core::ffi::c_int;

    unsafe extern "C" {
        /// The C runtime's `atexit` (C11 7.22.4.2; POSIX; the Windows CRT): `f` runs when the
        /// process exits normally, on return from `main` and in `exit`, which
        /// `std::process::exit` calls.
        fn atexit(f: extern "C" fn()) -> c_int;
    }

    extern "C" fn flush() {
        super::flush_all();
    }

    /// Registers the flush at exit. A failed registration (the C runtime's table full) leaves
    /// the guard and `log::logger().flush()` as the ways to flush.
    pub(super) fn register() {
        // SAFETY: `atexit` only stores the pointer; `flush` is a plain `extern "C" fn` with
        // no arguments that never unwinds across the C boundary (`flush_all` does not panic:
        // it recovers poisoned locks, and a failing writer's error is ignored).
        let _ = unsafe { atexit(flush) };
    }
}

#[cfg(not(any(unix, windows)))]
mod at_exit {
    /// No C runtime `atexit` on this target: the guard and `log::logger().flush()` flush.
    pub(super) fn register() {}
}
