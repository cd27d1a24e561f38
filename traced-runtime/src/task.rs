//! Hand-off to tokio tasks (feature `tokio`, on by default).
//!
//! A tokio task is polled by whichever worker thread picks it up, so the caller's thread-local
//! context does not reach it: `tokio::spawn(fut)` runs `fut` with no trace at all. Each helper
//! here captures the context current at the call (the hand-off point) and installs it around
//! every poll of the spawned future, or around the blocking closure.
//!
//! For executors without a helper, capture by hand: `fut.in_current_context()`
//! ([`TracedFutureExt`]) for futures, [`TraceContext::wrap`](crate::TraceContext::wrap)
//! for closures.

use core::future::Future;

use tokio::task::{AbortHandle, JoinHandle, JoinSet};

use crate::future::TracedFutureExt;
use crate::thread::wrap_current;

/// [`tokio::spawn`] in the context current at this call.
///
/// Plain `tokio::spawn(fut)` loses the trace: the task is polled on a worker thread whose slot
/// holds whatever that worker has (nothing, between tasks).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use traced_runtime::{TracedFutureExt, TraceContext, current_trace_id};
///
/// let ctx = TraceContext::new_root();
/// async {
///     let lost = tokio::spawn(async { current_trace_id() }).await.unwrap();
///     let kept = traced_runtime::task::spawn(async { current_trace_id() }).await.unwrap();
///     assert_eq!(lost, None);
///     assert_eq!(kept, Some(ctx.trace_id()));
/// }
/// .in_context(ctx.clone())
/// .await;
/// # }
/// ```
///
/// # Panics
///
/// Like [`tokio::spawn`], panics when called outside a tokio runtime.
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(future.in_current_context())
}

/// [`tokio::task::spawn_blocking`] in the context current at this call.
///
/// Plain `spawn_blocking(f)` runs `f` on a blocking-pool thread with no context.
///
/// # Panics
///
/// Like [`tokio::task::spawn_blocking`], panics when called outside a tokio runtime.
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    tokio::task::spawn_blocking(wrap_current(f))
}

/// [`tokio::task::spawn_local`] (a `!Send` future on the current `LocalSet`) in the context
/// current at this call.
///
/// # Panics
///
/// Like [`tokio::task::spawn_local`], panics when called outside a `LocalSet`.
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    tokio::task::spawn_local(future.in_current_context())
}

/// Spawning into a [`JoinSet`] in the context current at the call.
///
/// `join_set.spawn(fut)` loses the trace for the same reason `tokio::spawn` does.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use tokio::task::JoinSet;
/// use traced_runtime::TraceContext;
/// use traced_runtime::task::JoinSetExt;
///
/// let ctx = TraceContext::new_root();
/// let mut set = JoinSet::new();
/// ctx.in_scope(|| {
///     for _ in 0..3 {
///         set.spawn_in_current_context(async { traced_runtime::current_trace_id() });
///     }
/// });
/// while let Some(seen) = set.join_next().await {
///     assert_eq!(seen.unwrap(), Some(ctx.trace_id()));
/// }
/// # }
/// ```
pub trait JoinSetExt<T> {
    /// [`JoinSet::spawn`] with the current context attached to `future`.
    ///
    /// # Panics
    ///
    /// Like [`JoinSet::spawn`], panics when called outside a tokio runtime.
    fn spawn_in_current_context<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send;

    /// [`JoinSet::spawn_blocking`] with the current context installed around `f`.
    ///
    /// # Panics
    ///
    /// Like [`JoinSet::spawn_blocking`], panics when called outside a tokio runtime.
    fn spawn_blocking_in_current_context<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send;
}

impl<T: 'static> JoinSetExt<T> for JoinSet<T> {
    #[track_caller]
    fn spawn_in_current_context<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send,
    {
        self.spawn(future.in_current_context())
    }

    #[track_caller]
    fn spawn_blocking_in_current_context<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        self.spawn_blocking(wrap_current(f))
    }
}
