//! Hand-off to std threads.

use std::io;
use std::thread::{self, JoinHandle};

use crate::context::TraceContext;

/// Spawns a thread that runs `f` in the context current at this call.
///
/// With plain [`std::thread::spawn`], the new thread starts with an empty context slot (the
/// current context is thread-local), so its log lines carry no trace-id:
///
/// ```
/// # use traced_runtime::{TraceContext, current_trace_id};
/// let ctx = TraceContext::new_root();
/// let _guard = ctx.enter();
/// let lost = std::thread::spawn(current_trace_id).join().unwrap();
/// assert_eq!(lost, None);
/// let kept = traced_runtime::thread::spawn(current_trace_id).join().unwrap();
/// assert_eq!(kept, Some(ctx.trace_id()));
/// ```
///
/// # Panics
///
/// Like [`std::thread::spawn`], panics if the OS fails to create a thread; use [`Builder`] and
/// [`spawn_with`] to get an [`io::Error`] instead.
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    thread::spawn(wrap_current(f))
}

/// Spawns a thread from `builder` (name, stack size) that runs `f` in the context current at this
/// call.
///
/// # Errors
///
/// The [`io::Error`] of [`Builder::spawn`] when the OS fails to create the thread.
pub fn spawn_with<F, T>(builder: Builder, f: F) -> io::Result<JoinHandle<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    builder.spawn(wrap_current(f))
}

pub use std::thread::Builder;

/// Wraps `f` so that it runs in the context current now (or with none, if none is).
pub(crate) fn wrap_current<F, T>(f: F) -> impl FnOnce() -> T + Send + 'static
where
    F: FnOnce() -> T + Send + 'static,
{
    let ctx = TraceContext::current();
    move || {
        let _guard = crate::context::TraceContextGuard::install(ctx);
        f()
    }
}
