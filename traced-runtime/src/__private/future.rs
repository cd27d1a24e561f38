//! The future of a traced async fn (`async fn`, a returned `async` block, `Box::pin(async ..)`).

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::Callsite;
use super::setup::{Setup, derive_for};
use super::span_end::finish_span;
use crate::context::{TraceContext, poll_in};
use crate::export::{self, Started};

pin_project! {
    /// The future of a traced async fn: derives its context at first poll from the context
    /// current there, logs entry, then installs that context on every poll.
    #[must_use = "futures do nothing unless polled"]
    pub struct TracedFuture<F, S = ()> {
        #[pin]
        inner: F,
        ctx: Option<TraceContext>,
        pending: Option<Pending<S>>,
        // The span being recorded (from the first poll until the body finishes or is dropped),
        // only while an exporter is installed.
        span: Option<(Started, &'static Callsite)>,
    }

    impl<F, S> PinnedDrop for TracedFuture<F, S> {
        fn drop(this: Pin<&mut Self>) {
            // Dropped before completion (cancelled, or unwinding from a panic in the body): the
            // span still ends, and has an error status if a panic is unwinding.
            let this = this.project();
            if let (Some((started, callsite)), Some(ctx)) = (this.span.take(), &*this.ctx) {
                finish_span(started, ctx, callsite);
            }
        }
    }
}

/// What the first poll still has to do.
struct Pending<S> {
    callsite: &'static Callsite,
    self_type: Option<&'static str>,
    setup: S,
    log_entry: bool,
}

/// The start of the span of a call at `callsite`, when it has one and an exporter is installed.
#[inline(never)]
fn start_span(callsite: &'static Callsite) -> Option<(Started, &'static Callsite)> {
    if callsite.span {
        export::start().map(|started| (started, callsite))
    } else {
        None
    }
}

impl<F: Future> TracedFuture<F> {
    /// Wraps the body of a traced async fn; the first poll logs the entry line.
    #[inline]
    pub fn new(callsite: &'static Callsite, self_type: Option<&'static str>, inner: F) -> Self {
        Self {
            inner,
            ctx: None,
            pending: Some(Pending {
                callsite,
                self_type,
                setup: (),
                log_entry: true,
            }),
            span: None,
        }
    }
}

impl<F: Future, S: Setup> TracedFuture<F, S> {
    /// Wraps the body of a traced async fn with options: the first poll derives the context
    /// (a new trace for `root`) and applies `setup`; the body logs the entry line itself.
    #[inline]
    pub fn with_setup(callsite: &'static Callsite, setup: S, inner: F) -> Self {
        Self {
            inner,
            ctx: None,
            pending: Some(Pending {
                callsite,
                self_type: None,
                setup,
                log_entry: false,
            }),
            span: None,
        }
    }
}

impl<F: Future, S: Setup> Future for TracedFuture<F, S> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let mut log_entry = None;
        // Tested before it is taken: `take` copies the whole `Pending` out and writes `None`
        // back, which every later poll would pay for nothing.
        if let Some(pending) = this
            .pending
            .is_some()
            .then(|| this.pending.take())
            .flatten()
        {
            let callsite = pending.callsite;
            // Out of line: this generic fn is instantiated for every traced async fn.
            *this.ctx = Some(pending.setup.apply(derive_for(callsite)));
            *this.span = start_span(callsite);
            if pending.log_entry {
                log_entry = Some((callsite, pending.self_type));
            }
        }
        let inner = this.inner;
        let poll = poll_in(this.ctx.as_ref(), || {
            if let Some((callsite, self_type)) = log_entry {
                callsite.log_entry(self_type);
            }
            inner.poll(cx)
        });
        if poll.is_ready() {
            if let (Some((started, callsite)), Some(ctx)) = (this.span.take(), &*this.ctx) {
                finish_span(started, ctx, callsite);
            }
        }
        poll
    }
}
