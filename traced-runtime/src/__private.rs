//! What `#[traced]` expansions call. Not public API: no semver guarantees.
//!
//! The plain `#[traced]` / `#[traced(span)]` expansion calls [`enter_sync`] (sync fns) or
//! [`TracedFuture::new`] (async shapes) and nothing else. The options add calls to the other items:
//! [`enter_sync_full`] and [`TracedFuture::with_setup`] for `root` and `fields(...)`,
//! [`Callsite::log_entry_args`] for `args`, [`Callsite::log_exit`] / [`Callsite::log_error`] for
//! `exit`, `ret` and `err`.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::sync::OnceLock;
use std::time::Instant;

use pin_project_lite::pin_project;

pub use ::log;
use ::log::kv::{self, Key, Source, Value, VisitSource};

pub use crate::context::ContextGuard;
use crate::context::{SpanScope, TraceContext, derive, poll_in};
use crate::export::{self, SpanStatus, Started};

/// Key of the elapsed time (microseconds, integer) on an exit line.
pub const ELAPSED_US_KEY: &str = "elapsed_us";
/// Key of the return value (`Debug`) on an exit line.
pub const RETURN_KEY: &str = "return";
/// Key of the error (`Display`) on an error line.
pub const ERROR_KEY: &str = "error";

/// The static facts of one `#[traced]` function, built by the macro as a `static`.
#[derive(Debug)]
pub struct Callsite {
    /// The function's name (or the `name = "..."` override).
    pub name: &'static str,
    /// `"enter {name}"`, the entry line of a free function, spelled out at compile time so that
    /// a logger writes it in one piece.
    pub enter_message: &'static str,
    /// The entry line of a method, `"enter {Type}::{name}"`, formatted once. A reference to a
    /// `static` of its own: with this interior mutability inside, the callsite could not be
    /// constant-folded into the traced call (`span`, `level` and the rest would be loaded and
    /// tested on every call).
    pub method_entry: &'static MethodEntry,
    /// Log target of the entry line (the function's module unless overridden).
    pub target: &'static str,
    /// `module_path!()` at the function.
    pub module_path: &'static str,
    /// `file!()` at the function.
    pub file: &'static str,
    /// `line!()` at the function.
    pub line: u32,
    /// Level of the entry line (and of the exit line).
    pub level: log::Level,
    /// Open a child span (`#[traced(span)]`).
    pub span: bool,
    /// Start a new trace even when one is current (`#[traced(root)]`).
    pub root: bool,
}

impl Callsite {
    /// Whether the entry level passes the static and the global max level (no logger call).
    #[inline(always)]
    #[must_use]
    pub fn enabled(&self) -> bool {
        level_enabled(self.level)
    }

    /// Logs the entry line; `self_type` is `type_name::<Self>()` for methods.
    #[inline(always)]
    pub fn log_entry(&self, self_type: Option<&'static str>) {
        if self.enabled() {
            self.log_slow(self.level, Line::Enter, self_type, &NoKvs);
        }
    }

    /// Logs the entry line with the arguments as key-values (`name = Debug`).
    ///
    /// Building `args` costs a few pointer copies; nothing is formatted unless the logger
    /// writes the record.
    #[inline]
    pub fn log_entry_args(
        &self,
        self_type: Option<&'static str>,
        args: &[(&'static str, &dyn fmt::Debug)],
    ) {
        if self.enabled() {
            self.log_slow(self.level, Line::Enter, self_type, &ArgKvs(args));
        }
    }

    /// The start of the call for `exit`'s elapsed time, read only when the exit line can be
    /// logged.
    #[inline]
    #[must_use]
    pub fn exit_timer(&self) -> Option<Instant> {
        if self.enabled() {
            Some(Instant::now())
        } else {
            None
        }
    }

    /// Logs the exit line at the entry level, with `elapsed_us` (when `start` is set) and
    /// `return` (when `ret` is set).
    #[inline]
    pub fn log_exit(
        &self,
        self_type: Option<&'static str>,
        start: Option<Instant>,
        ret: Option<&dyn fmt::Debug>,
    ) {
        if self.enabled() {
            let kvs = ExitKvs {
                elapsed_us: elapsed_us(start),
                ret,
                err: None,
            };
            self.log_slow(self.level, Line::Exit, self_type, &kvs);
        }
    }

    /// Logs the exit line of a call that returned `Err(err)`: at ERROR, with `error = err`
    /// (`Display`) and `elapsed_us` when `start` is set.
    #[inline]
    pub fn log_error(
        &self,
        self_type: Option<&'static str>,
        start: Option<Instant>,
        err: &dyn fmt::Display,
    ) {
        if self.span && export::is_enabled() {
            span_error::set(err);
        }
        if level_enabled(log::Level::Error) {
            let kvs = ExitKvs {
                elapsed_us: elapsed_us(start),
                ret: None,
                err: Some(err),
            };
            self.log_slow(log::Level::Error, Line::Exit, self_type, &kvs);
        }
    }

    #[cold]
    #[inline(never)]
    fn log_slow(
        &self,
        level: log::Level,
        line: Line,
        self_type: Option<&'static str>,
        kvs: &dyn Source,
    ) {
        // No `enabled()` pre-check: `log()` filters anyway, as it does for `log::info!`, which
        // asks the logger once, not twice.
        let emit = |message: fmt::Arguments<'_>| {
            log::logger().log(
                &log::Record::builder()
                    .level(level)
                    .target(self.target)
                    .args(message)
                    .module_path_static(Some(self.module_path))
                    .file_static(Some(self.file))
                    .line(Some(self.line))
                    .key_values(kvs)
                    .build(),
            );
        };
        let entry = match (line, self_type) {
            (Line::Enter, None) => Some(self.enter_message),
            (Line::Enter, Some(ty)) => self.method_entry.message(ty, self.name),
            (Line::Exit, _) => None,
        };
        match entry {
            Some(message) => emit(format_args!("{message}")),
            None => {
                let name = QualifiedName {
                    self_type,
                    name: self.name,
                };
                let what = match line {
                    Line::Enter => "enter",
                    Line::Exit => "exit",
                };
                emit(format_args!("{what} {name}"));
            }
        }
    }
}

/// Which line of a traced call is logged.
#[derive(Clone, Copy)]
enum Line {
    Enter,
    Exit,
}

/// The entry message of a method, `enter {Type}::{name}`, formatted on first use and kept.
///
/// `Type` comes from `type_name::<Self>()` at run time. A `static` in a generic function is
/// shared by all its instantiations, so the message is kept with the type name it was made for
/// and used only when the type name is the same one; other types format theirs each time.
#[derive(Debug)]
pub struct MethodEntry(OnceLock<(&'static str, Box<str>)>);

impl MethodEntry {
    /// Nothing formatted yet.
    #[must_use]
    pub const fn new() -> Self {
        Self(OnceLock::new())
    }

    fn message(&self, self_type: &'static str, name: &'static str) -> Option<&str> {
        let (made_for, message) = self.0.get_or_init(|| {
            let name = QualifiedName {
                self_type: Some(self_type),
                name,
            };
            (self_type, format!("enter {name}").into_boxed_str())
        });
        // Same address and length: the same `type_name` string.
        core::ptr::eq(*made_for, self_type).then_some(&**message)
    }
}

impl Default for MethodEntry {
    fn default() -> Self {
        Self::new()
    }
}

#[inline]
fn level_enabled(level: log::Level) -> bool {
    level <= log::STATIC_MAX_LEVEL && level <= log::max_level()
}

fn elapsed_us(start: Option<Instant>) -> Option<u64> {
    start.map(|start| u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX))
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

struct NoKvs;

impl Source for NoKvs {
    fn visit<'kvs>(&'kvs self, _: &mut dyn VisitSource<'kvs>) -> Result<(), kv::Error> {
        Ok(())
    }
}

/// The arguments of an entry line.
struct ArgKvs<'a>(&'a [(&'static str, &'a dyn fmt::Debug)]);

impl Source for ArgKvs<'_> {
    fn visit<'kvs>(&'kvs self, visitor: &mut dyn VisitSource<'kvs>) -> Result<(), kv::Error> {
        for (name, value) in self.0 {
            visitor.visit_pair(Key::from_str(name), Value::from_dyn_debug(*value))?;
        }
        Ok(())
    }
}

/// The key-values of an exit line.
struct ExitKvs<'a> {
    elapsed_us: Option<u64>,
    ret: Option<&'a dyn fmt::Debug>,
    err: Option<&'a dyn fmt::Display>,
}

impl Source for ExitKvs<'_> {
    fn visit<'kvs>(&'kvs self, visitor: &mut dyn VisitSource<'kvs>) -> Result<(), kv::Error> {
        if let Some(us) = self.elapsed_us {
            visitor.visit_pair(Key::from_str(ELAPSED_US_KEY), Value::from(us))?;
        }
        if let Some(ret) = self.ret {
            visitor.visit_pair(Key::from_str(RETURN_KEY), Value::from_dyn_debug(ret))?;
        }
        if let Some(err) = self.err {
            visitor.visit_pair(Key::from_str(ERROR_KEY), Value::from_dyn_display(err))?;
        }
        Ok(())
    }
}

/// An argument's `Debug` value for the entry line; a missing `Debug` impl is reported at the
/// argument.
#[inline]
pub fn debug<T: fmt::Debug>(value: &T) -> &dyn fmt::Debug {
    value
}

/// A `fields(key = value)` value: its `Display` form.
#[inline]
pub fn field_value<T: fmt::Display + ?Sized>(value: &T) -> String {
    value.to_string()
}

/// Calls the body of a sync fn whose result is inspected (`exit`, `ret`, `err`), with the
/// return type `T` spelled out so that `?` inside the body infers its error type.
#[inline(always)]
pub fn call<T, F: FnOnce() -> T>(body: F) -> T {
    body()
}

/// Identity that fixes the output type of an async body, so that `?` inside it infers its
/// error type.
#[inline(always)]
pub fn expect_output<T, F: Future<Output = T>>(body: F) -> F {
    body
}

/// The `Result` behind `#[traced(err)]`: borrows the two cases. Generic rather than with
/// associated types, so that a non-`Result` return type gives one error, under `err`.
#[diagnostic::on_unimplemented(
    message = "`#[traced(err)]` needs a function returning `Result<T, E>`, not `{Self}`",
    label = "this option needs a `Result` return type",
    note = "remove `err`, or use `ret` to log any return value"
)]
pub trait TracedResult<T, E> {
    /// Borrows the two cases.
    fn as_result(&self) -> Result<&T, &E>;
}

impl<T, E> TracedResult<T, E> for Result<T, E> {
    #[inline]
    fn as_result(&self) -> Result<&T, &E> {
        self.as_ref()
    }
}

/// The error of an `Err` result for the error line; a missing `Display` impl is reported at the
/// `err` option.
#[inline]
pub fn display<E: fmt::Display>(err: &E) -> &dyn fmt::Display {
    err
}

/// What a traced call adds to the context it derived (user fields).
pub trait Setup {
    /// Returns `ctx` with the additions.
    fn apply(self, ctx: TraceContext) -> TraceContext;
}

impl Setup for () {
    #[inline]
    fn apply(self, ctx: TraceContext) -> TraceContext {
        ctx
    }
}

impl<const N: usize> Setup for [(&'static str, String); N] {
    fn apply(self, ctx: TraceContext) -> TraceContext {
        ctx.with_fields(self)
    }
}

/// Scope of a sync traced call: ends its span (exported when an exporter is installed) and
/// undoes its change to the current context when dropped.
///
/// Small on purpose (48 bytes): it lives in the caller's frame on every traced call.
#[must_use]
pub struct SyncGuard {
    scope: SpanScope,
    span: Option<(Started, &'static Callsite)>,
}

impl SyncGuard {
    #[inline(always)]
    fn new(scope: SpanScope, callsite: &'static Callsite) -> Self {
        let span = if callsite.span {
            export::start().map(|started| (started, callsite))
        } else {
            None
        };
        Self { scope, span }
    }
}

impl Drop for SyncGuard {
    #[inline(always)]
    fn drop(&mut self) {
        if let Some((started, callsite)) = self.span.take() {
            finish_scope_span(started, &self.scope, callsite);
        }
        self.scope.close();
    }
}

/// Scope of a sync traced call with `root` or `fields(...)`: a whole derived context is
/// entered, and left when dropped after the span has ended.
#[must_use]
pub struct InstalledGuard {
    span: Option<(Started, &'static Callsite)>,
    context: ContextGuard,
}

impl Drop for InstalledGuard {
    fn drop(&mut self) {
        if let Some((started, callsite)) = self.span.take() {
            if let Some(ctx) = self.context.context() {
                finish_span(started, &ctx, callsite);
            }
        }
    }
}

/// Exports the span of a sync call: the context of the frame the call opened its span on, not
/// whatever is current (the body may have entered another context and kept the guard).
#[cold]
#[inline(never)]
fn finish_scope_span(started: Started, scope: &SpanScope, callsite: &'static Callsite) {
    if let Some(ctx) = scope.context() {
        finish_span(started, &ctx, callsite);
    }
}

/// Exports the span of `callsite` that `ctx` stands in: an error status when the call returned
/// `Err` under `err` or is unwinding from a panic.
#[cold]
#[inline(never)]
fn finish_span(started: Started, ctx: &TraceContext, callsite: &'static Callsite) {
    let status = match (span_error::take(), export::status_on_drop()) {
        (_, panicked @ SpanStatus::Error { .. }) => panicked,
        (Some(description), SpanStatus::Unset) => SpanStatus::Error {
            description: description.into(),
        },
        (None, unset) => unset,
    };
    export::finish(started, ctx, callsite.name.into(), callsite.target, status);
}

/// The error a `#[traced(span, err)]` call returned, from its error line to the end of its span,
/// on the thread that ran it. Set only while an exporter is installed.
mod span_error {
    use core::cell::Cell;
    use core::fmt;

    thread_local! {
        static ERROR: Cell<Option<String>> = const { Cell::new(None) };
    }

    pub(super) fn set(err: &dyn fmt::Display) {
        let _gone = ERROR.try_with(|slot| slot.set(Some(err.to_string())));
    }

    pub(super) fn take() -> Option<String> {
        ERROR.try_with(Cell::take).ok().flatten()
    }
}

/// Entry of a sync traced fn: ensure a trace (and a span), then log entry.
#[inline(always)]
pub fn enter_sync(callsite: &'static Callsite, self_type: Option<&'static str>) -> SyncGuard {
    let guard = open_sync(callsite);
    callsite.log_entry(self_type);
    guard
}

/// Like [`enter_sync`] without the entry line (the expansion logs it with the arguments).
#[inline(always)]
pub fn open_sync(callsite: &'static Callsite) -> SyncGuard {
    SyncGuard::new(SpanScope::open(callsite.span), callsite)
}

/// Entry of a sync traced fn with `root` or `fields(...)`: derives the call's context (a new
/// trace for `root`), applies `setup`, and installs it until the guard drops. Does not log.
#[inline]
pub fn enter_sync_full<S: Setup>(callsite: &'static Callsite, setup: S) -> InstalledGuard {
    let ctx = setup.apply(derive(callsite.span, callsite.root));
    let context = ContextGuard::install(Some(ctx));
    InstalledGuard {
        span: if callsite.span {
            export::start().map(|started| (started, callsite))
        } else {
            None
        },
        context,
    }
}

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
        if let Some(pending) = this.pending.take() {
            let callsite = pending.callsite;
            *this.ctx = Some(pending.setup.apply(derive(callsite.span, callsite.root)));
            if callsite.span {
                *this.span = export::start().map(|started| (started, callsite));
            }
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

#[cfg(test)]
mod tests {
    use super::{SyncGuard, short_type_name};

    #[test]
    fn the_sync_guard_stays_small() {
        // It lives in every traced call's frame and is moved there; it was 128 bytes when it
        // embedded a whole `ContextGuard`.
        assert!(size_of::<SyncGuard>() <= 48, "{}", size_of::<SyncGuard>());
    }

    #[test]
    fn short_names() {
        assert_eq!(short_type_name("app::api::Controller"), "Controller");
        assert_eq!(short_type_name("Controller"), "Controller");
        assert_eq!(short_type_name("app::Wrapper<app::T>"), "Wrapper<app::T>");
    }
}
