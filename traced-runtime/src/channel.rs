//! Hand-off through in-process channels: [`Envelope`] carries the sender's trace context with
//! the message, so that the receiver's lines carry the sender's ids.
//!
//! A channel (tokio's `mpsc`, `broadcast`, `oneshot`, `watch`; `std::sync::mpsc`;
//! crossbeam's; flume's) moves a value to another task or thread, where the sender's context is
//! not current. Send `Envelope<T>` instead of `T`: it captures the current context when it is
//! made, and the receiver opens it with that context current.
//!
//! ```
//! use traced_runtime::TraceContext;
//! use traced_runtime::channel::Envelope;
//!
//! let (tx, rx) = std::sync::mpsc::channel::<Envelope<u32>>();
//! let worker = std::thread::spawn(move || {
//!     for job in rx {
//!         // `log::info!` in here carries the sender's trace-id and span-id.
//!         job.open(|n| assert_eq!(TraceContext::current().unwrap().trace_id().to_string().len(), 32));
//!     }
//! });
//! TraceContext::new_root().in_scope(|| tx.send(Envelope::new(7)).unwrap());
//! drop(tx);
//! worker.join().unwrap();
//! ```
//!
//! An async receiver runs the work as a future in the sender's context with
//! [`Envelope::open_async`]: `rx.recv().await.map(|job| job.open_async(handle))`.
//!
//! A broadcast channel clones the envelope for every receiver: each opens it in the same
//! context (the sender's span); a receiver that wants a span of its own opens one inside
//! (`#[traced(span)]`, [`enter_span!`](crate::enter_span)).

use core::future::Future;

use crate::context::TraceContext;
use crate::future::{InContext, TracedFutureExt};

/// A message and the trace context of its sender: made with [`Envelope::new`] where the work
/// is handed off, opened with [`Envelope::open`] / [`Envelope::open_async`] where it is done.
///
/// Cost: one clone of the current context on creation (nothing outside a trace), one enter and
/// exit on opening. The envelope is `Send` / `Sync` / `Clone` when `T` is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope<T> {
    ctx: Option<TraceContext>,
    value: T,
}

impl<T> Envelope<T> {
    /// `value`, with the context current here (`None` outside any trace).
    #[must_use]
    pub fn new(value: T) -> Self {
        Self {
            ctx: TraceContext::current(),
            value,
        }
    }

    /// `value`, with the given context (a job resumed from elsewhere, a context kept aside).
    #[must_use]
    pub const fn with_context(value: T, ctx: Option<TraceContext>) -> Self {
        Self { ctx, value }
    }

    /// The sender's context, if it sent inside a trace.
    #[must_use]
    pub fn context(&self) -> Option<&TraceContext> {
        self.ctx.as_ref()
    }

    /// The message.
    #[must_use]
    pub fn get(&self) -> &T {
        &self.value
    }

    /// Runs `f` on the message with the sender's context current (with none when it sent
    /// outside a trace), and restores the receiver's context afterwards, also on unwind.
    pub fn open<R>(self, f: impl FnOnce(T) -> R) -> R {
        match self.ctx {
            Some(ctx) => ctx.in_scope(|| f(self.value)),
            None => f(self.value),
        }
    }

    /// The future `f(message)`, polled with the sender's context current (see
    /// [`TracedFutureExt::in_context`]); when the sender was outside a trace, with the context
    /// current where `open_async` is called (the receiver's, usually none).
    pub fn open_async<F: Future>(self, f: impl FnOnce(T) -> F) -> InContext<F> {
        match self.ctx {
            Some(ctx) => f(self.value).in_context(ctx),
            None => f(self.value).in_current_context(),
        }
    }

    /// The sender's context and the message, for a receiver that enters the context itself.
    #[must_use]
    pub fn into_parts(self) -> (Option<TraceContext>, T) {
        (self.ctx, self.value)
    }
}
