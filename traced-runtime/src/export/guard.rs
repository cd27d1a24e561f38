//! Spans opened by hand: [`SpanGuard`] and the [`enter_span!`](crate::enter_span) macro.

use std::borrow::Cow;

use super::SpanStatus;
use super::span::{Started, finish, start, status_on_drop};
use crate::context::{TraceContext, TraceContextGuard};

/// A span opened by hand: a child of the current context (or the first span of a new trace),
/// current until the guard drops, and exported (kind [`Internal`](super::Kind::Internal))
/// when it drops.
///
/// For code that is not a function of its own (a loop iteration, a phase of a handler). Like
/// [`TraceContextGuard`], do not hold it across an `.await`. Open it with [`enter_span!`](crate::enter_span),
/// which records the calling module as the span's target, or with [`SpanGuard::enter_in`].
///
/// ```
/// let outer = traced_runtime::TraceContext::new_root().child();
/// outer.in_scope(|| {
///     let span = traced_runtime::enter_span!("load-config");
///     assert_eq!(span.context().parent_span_id(), outer.span_id());
///     log::info!("loading"); // carries the new span-id
/// });
/// ```
#[must_use = "the span ends as soon as the guard is dropped; bind it with `let _span = ...`"]
#[derive(Debug)]
pub struct SpanGuard {
    ctx: TraceContext,
    name: Cow<'static, str>,
    target: &'static str,
    started: Option<Started>,
    status: SpanStatus,
    _scope: TraceContextGuard,
}

impl SpanGuard {
    /// Opens a span named `name` under the current context and makes it current; its target
    /// (exported as `code.namespace`) is `target`, normally `module_path!()`, which is what
    /// [`enter_span!`](crate::enter_span) passes.
    pub fn enter_in(target: &'static str, name: impl Into<Cow<'static, str>>) -> Self {
        let parent = TraceContext::current().unwrap_or_else(TraceContext::new_root);
        let ctx = parent.child();
        Self {
            _scope: ctx.enter(),
            ctx,
            name: name.into(),
            target,
            started: start(),
            status: SpanStatus::Unset,
        }
    }

    /// The span's context.
    #[must_use]
    pub fn context(&self) -> &TraceContext {
        &self.ctx
    }

    /// Marks the span as failed with `description` (exported as its status).
    pub fn set_error(&mut self, description: impl Into<Cow<'static, str>>) {
        self.status = SpanStatus::Error {
            description: description.into(),
        };
    }
}

impl Drop for SpanGuard {
    fn drop(&mut self) {
        if let Some(started) = self.started {
            let status = match status_on_drop() {
                SpanStatus::Unset => core::mem::take(&mut self.status),
                panicked => panicked,
            };
            finish(
                started,
                &self.ctx,
                core::mem::take(&mut self.name),
                self.target,
                status,
            );
        }
    }
}

/// Opens a [`SpanGuard`] named `name` (anything `Into<Cow<'static, str>>`) under the current
/// context, with the calling module's path as its target.
///
/// ```
/// let mut span = traced_runtime::enter_span!("phase 1");
/// span.set_error("it failed");
/// ```
#[macro_export]
macro_rules! enter_span {
    ($name:expr $(,)?) => {
        $crate::export::SpanGuard::enter_in(::core::module_path!(), $name)
    };
}
