//! The response body of the server layer: polled with the request's context current.

use core::pin::Pin;
use core::task::{Context, Poll};

use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

use crate::context::TraceContext;

pin_project! {
    /// A response body polled with the server span's context current, so that lines logged
    /// while a streamed body or server-sent events are produced carry the request's ids (the
    /// body is polled after the response future has completed).
    ///
    /// Made by [`ServerLayer`](super::ServerLayer); data, errors, trailers and size hints are the
    /// inner body's.
    #[derive(Debug)]
    pub struct TracedBody<B> {
        #[pin]
        inner: B,
        ctx: TraceContext,
    }
}

impl<B> TracedBody<B> {
    /// `inner`, polled with `ctx` current.
    pub fn new(inner: B, ctx: TraceContext) -> Self {
        Self { inner, ctx }
    }

    /// The context the body is polled in.
    #[must_use]
    pub fn context(&self) -> &TraceContext {
        &self.ctx
    }

    /// Unwraps the inner body.
    pub fn into_inner(self) -> B {
        self.inner
    }
}

impl<B: Body> Body for TracedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let inner = this.inner;
        this.ctx.in_scope(|| inner.poll_frame(cx))
    }

    #[inline]
    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    #[inline]
    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
