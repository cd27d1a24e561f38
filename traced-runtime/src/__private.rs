//! What `#[traced]` expansions call. Not public API: no semver guarantees.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

pub use ::log;

use crate::context::{PollScope, SpanScope, TraceContext, derive};

/// The static facts of one `#[traced]` function, built by the macro as a `static`.
#[derive(Debug)]
pub struct Callsite {
    /// The function's name (or the `name = "..."` override).
    pub name: &'static str,
    /// Log target of the entry line (the function's module unless overridden).
    pub target: &'static str,
    /// `module_path!()` at the function.
    pub module_path: &'static str,
    /// `file!()` at the function.
    pub file: &'static str,
    /// `line!()` at the function.
    pub line: u32,
    /// Level of the entry line.
    pub level: log::Level,
    /// Open a child span (`#[traced(span)]`).
    pub span: bool,
}

impl Callsite {
    #[inline]
    fn enabled(&self) -> bool {
        self.level <= log::STATIC_MAX_LEVEL && self.level <= log::max_level()
    }

    /// Logs the entry line; `self_type` is `type_name::<Self>()` for methods.
    #[inline]
    pub fn log_entry(&self, self_type: Option<&'static str>) {
        if self.enabled() {
            self.log_entry_slow(self_type);
        }
    }

    #[cold]
    #[inline(never)]
    fn log_entry_slow(&self, self_type: Option<&'static str>) {
        let name = QualifiedName {
            self_type,
            name: self.name,
        };
        log::logger().log(
            &log::Record::builder()
                .args(format_args!("enter {name}"))
                .level(self.level)
                .target(self.target)
                .module_path_static(Some(self.module_path))
                .file_static(Some(self.file))
                .line(Some(self.line))
                .build(),
        );
    }
}

/// `Type::method`, with the type's module path and generic arguments' paths shortened.
struct QualifiedName {
    self_type: Option<&'static str>,
    name: &'static str,
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ty) = self.self_type {
            f.write_str(short_type_name(ty))?;
            f.write_str("::")?;
        }
        f.write_str(self.name)
    }
}

/// `my_app::api::Controller<my_app::T>` -> `Controller<my_app::T>`.
fn short_type_name(full: &str) -> &str {
    let head = full.find('<').map_or(full, |generics| &full[..generics]);
    head.rfind("::").map_or(full, |sep| &full[sep + 2..])
}

/// Scope of a sync traced call: undoes its change to the current context when dropped.
#[must_use]
pub struct SyncGuard(SpanScope);

impl Drop for SyncGuard {
    #[inline]
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Entry of a sync traced fn: ensure a trace (and a span), then log entry.
#[inline]
pub fn enter_sync(callsite: &'static Callsite, self_type: Option<&'static str>) -> SyncGuard {
    let guard = SyncGuard(SpanScope::open(callsite.span));
    callsite.log_entry(self_type);
    guard
}

/// The future of a traced async fn: derives its context at first poll from the context current
/// there, logs entry, then installs that context on every poll.
#[must_use = "futures do nothing unless polled"]
pub struct TracedFuture<F> {
    inner: F,
    ctx: Option<TraceContext>,
    pending: Option<(&'static Callsite, Option<&'static str>)>,
}

impl<F: Future> TracedFuture<F> {
    /// Wraps the body of a traced async fn.
    #[inline]
    pub fn new(callsite: &'static Callsite, self_type: Option<&'static str>, inner: F) -> Self {
        Self {
            inner,
            ctx: None,
            pending: Some((callsite, self_type)),
        }
    }
}

impl<F: Future> Future for TracedFuture<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned and never moved; the other fields are not.
        let this = unsafe { self.get_unchecked_mut() };
        let first = this.pending.take();
        if let Some((callsite, _)) = first {
            this.ctx = Some(derive(callsite.span, false));
        }
        let _scope = PollScope::enter(&mut this.ctx);
        if let Some((callsite, self_type)) = first {
            callsite.log_entry(self_type);
        }
        // SAFETY: see above.
        unsafe { Pin::new_unchecked(&mut this.inner) }.poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::short_type_name;

    #[test]
    fn short_names() {
        assert_eq!(short_type_name("app::api::Controller"), "Controller");
        assert_eq!(short_type_name("Controller"), "Controller");
        assert_eq!(short_type_name("app::Wrapper<app::T>"), "Wrapper<app::T>");
    }
}
