//! A future wrapper that makes a context current while, and only while, its future is polled.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::context::{TraceContext, poll_in};

/// Extension methods that attach a [`TraceContext`] to any future.
///
/// Implemented for every [`Future`]. Async executors move tasks between threads and interleave
/// them on one thread, so a thread-local context cannot simply be entered before an `.await`:
/// the wrapper installs the context at the start of every `poll` and restores the thread's
/// previous context before `poll` returns. The context therefore follows the future across
/// worker threads and never leaks to other tasks polled on the same thread.
///
/// ```
/// use traced_runtime::{TracedFutureExt, TraceContext};
///
/// # futures_lite_block_on(async {
/// let ctx = TraceContext::new_root();
/// let seen = async { TraceContext::current() }.in_context(ctx.clone()).await;
/// assert_eq!(seen, Some(ctx));
/// # });
/// # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
pub trait TracedFutureExt: Future + Sized {
    /// Runs this future with `ctx` current during each poll.
    #[inline]
    fn in_context(self, ctx: TraceContext) -> InContext<Self> {
        InContext {
            inner: self,
            ctx: Some(ctx),
        }
    }

    /// Runs this future with the context that is current *now* (at the call, not at the first
    /// poll), or with no context if none is current.
    ///
    /// This is the hand-off primitive: call it where work is created, before giving the future
    /// to an executor that will poll it elsewhere.
    #[inline]
    fn in_current_context(self) -> InContext<Self> {
        InContext {
            inner: self,
            ctx: TraceContext::current(),
        }
    }
}

impl<F: Future> TracedFutureExt for F {}

pin_project! {
    /// A future that makes its [`TraceContext`] current during each poll of the inner future.
    ///
    /// Created by [`TracedFutureExt::in_context`] and [`TracedFutureExt::in_current_context`]. For each
    /// poll the context is lent to the thread's slot (neither cloned nor moved) and taken back
    /// before the poll returns or unwinds, so nothing on the thread refers to this future once
    /// the poll is over. Whatever the inner future
    /// entered during the poll and did not leave (a [`TraceContextGuard`](crate::TraceContextGuard) it
    /// keeps across an `.await`, say) ends with the poll: the next task polled on the thread
    /// sees its own context.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct InContext<F> {
        #[pin]
        inner: F,
        ctx: Option<TraceContext>,
    }
}

impl<F> InContext<F> {
    /// The context this future runs in (`None`: it runs with no context current).
    #[must_use]
    pub fn context(&self) -> Option<&TraceContext> {
        self.ctx.as_ref()
    }

    /// Unwraps the inner future.
    pub fn into_inner(self) -> F {
        self.inner
    }
}

impl<F: Future> Future for InContext<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let inner = this.inner;
        poll_in(this.ctx.as_ref(), || inner.poll(cx))
    }
}
