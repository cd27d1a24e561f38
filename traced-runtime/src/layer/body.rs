//! The response body of the server layer: polled with the request's context current.

use core::pin::Pin;
use core::task::{Context, Poll};

use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

use super::grpc::{GrpcEnd, PendingEnd};
use crate::context::TraceContext;

pin_project! {
    /// A response body polled with the server span's context current, so that lines logged
    /// while a streamed body or server-sent events are produced carry the request's ids (the
    /// body is polled after the response future has completed).
    ///
    /// Made by [`ServerLayer`](super::ServerLayer); data, errors, trailers and size hints are the
    /// inner body's. For a gRPC call the server span and the access-log line end with the body:
    /// when its trailers (with `grpc-status`) are polled, when it ends or fails, or when it is
    /// dropped first (the caller cancelled).
    #[derive(Debug)]
    pub struct TracedBody<B> {
        #[pin]
        inner: B,
        ctx: TraceContext,
        grpc: PendingEnd,
    }
}

impl<B> TracedBody<B> {
    /// `inner`, polled with `ctx` current.
    pub fn new(inner: B, ctx: TraceContext) -> Self {
        Self {
            inner,
            ctx,
            grpc: PendingEnd(None),
        }
    }

    /// `inner`, polled with `ctx` current, ending the gRPC call `end` with its trailers.
    pub(crate) fn with_grpc_end(inner: B, ctx: TraceContext, end: Option<Box<GrpcEnd>>) -> Self {
        Self {
            inner,
            ctx,
            grpc: PendingEnd(end),
        }
    }

    /// The context the body is polled in.
    #[must_use]
    pub fn context(&self) -> &TraceContext {
        &self.ctx
    }

    /// Unwraps the inner body. A gRPC call still waiting for its trailers ends now, as
    /// cancelled.
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
        let poll = this.ctx.in_scope(|| inner.poll_frame(cx));
        if let (Some(_), Poll::Ready(frame)) = (&this.grpc.0, &poll) {
            GrpcEnd::on_frame(&mut this.grpc.0, frame);
        }
        poll
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
