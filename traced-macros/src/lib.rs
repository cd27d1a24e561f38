//! The `#[traced]` attribute. Use it through `traced_runtime::traced`, whose documentation
//! (this crate's [`macro@traced`]) describes its options and semantics; this crate only parses
//! the attribute (`args.rs`), recognises the function's shape (`item.rs`) and generates code that
//! calls `traced_runtime::__private` (`expand.rs`).
#![deny(missing_docs)]

mod args;
mod expand;
mod fields;
mod item;

use proc_macro::TokenStream;

/// Puts a function under a trace: every record logged through the `log` facade while it runs
/// carries the W3C trace-id (and span-id) of the request or job that called it.
///
/// ```
/// use traced_runtime::{current_span_id, current_trace_id, traced};
///
/// #[traced] // ensure a trace exists (start one when none is current), log entry
/// fn controller() {
///     service();
/// }
///
/// #[traced(span)] // ... and open a fresh span-id for this call
/// fn service() {
///     log::info!("working"); // carries trace_id and span_id
///     assert!(current_trace_id().is_some() && current_span_id().is_some());
/// }
///
/// controller();
/// assert_eq!(current_trace_id(), None); // the trace the call started ended with it
/// ```
///
/// # Semantics
///
/// - `#[traced]`: if no trace is current, start one (a random 16-byte trace-id, sampled, no
///   span); log the entry line `enter NAME`; run the body. The caller's context is restored
///   exactly on return, on `?`, and while a panic unwinds.
/// - `span`: additionally open a child span: a fresh random 8-byte span-id whose parent-id is the
///   caller's span-id ([W3C Trace Context, parent-id](https://www.w3.org/TR/trace-context/#parent-id)).
/// - `async fn` and the other async shapes (below): the context is derived when the future is
///   first polled (where the caller's context is current), and installed around every poll, so
///   it follows the task across worker threads and never leaks into other tasks.
/// - The entry line is logged at INFO with the function's module as target; its message is
///   `enter Type::method` for methods (the type's path shortened, from
///   `core::any::type_name::<Self>()`) and `enter function` otherwise.
///
/// # Options
///
/// Options are comma-separated, in any order, each at most once; each combines with `span`.
///
/// | option | effect |
/// |---|---|
/// | `span` | open a child span for the call |
/// | `root` | start a new trace even when one is current (job handlers, schedulers); the caller's context is restored afterwards |
/// | `level = "debug"` | level of the entry (and exit) line: `"trace"`, `"debug"`, `"info"` (default), `"warn"`, `"error"`, case-insensitive |
/// | `target = "audit"` | log target of the lines (default: the module path) |
/// | `name = "GET /users"` | the name in the lines instead of `Type::function` |
/// | `fields(key = expr, x, a.b, ?y, ..)` | user fields in the context for the call's duration: every line inside carries them |
/// | `args` | the arguments' `Debug` values as key-values of the entry line |
/// | `skip(a, b)` | like `args`, without the named arguments (`self` included) |
/// | `skip_all` | no arguments (the default, spelled out as in `#[instrument(skip_all)]`) |
/// | `exit` | an exit line `exit NAME` with `elapsed_us` (microseconds, integer) |
/// | `ret` | the return value's `Debug` as `return` on the exit line |
/// | `err` | an `Err(e)` result logs the exit line at ERROR with `error` = `e`'s `Display` |
/// | `crate = "path"` | where `traced_runtime` is, when it is re-exported under another path |
///
/// ## `root`
///
/// ```
/// use traced_runtime::{TraceContext, current_trace_id, traced};
///
/// #[traced(root, span)]
/// fn nightly_job() -> Option<traced_runtime::TraceId> {
///     current_trace_id()
/// }
///
/// let request = TraceContext::new_root();
/// let _guard = request.enter();
/// assert_ne!(nightly_job(), Some(request.trace_id())); // its own trace
/// assert_eq!(current_trace_id(), Some(request.trace_id())); // restored
/// ```
///
/// ## `level`, `target`, `name`
///
/// ```
/// use traced_runtime::traced;
///
/// struct Api;
/// impl Api {
///     // DEBUG, target "http", message "enter GET /users"
///     #[traced(span, level = "debug", target = "http", name = "GET /users")]
///     fn get_users(&self) {}
/// }
/// Api.get_users();
/// ```
///
/// ## `fields`
///
/// Keys are identifiers (`user_id`), dotted paths (`http.method`), or string literals; values are
/// any expression whose type is `Display`, and may use the arguments (they are borrowed, not
/// moved). As in `tracing`, a value may carry a sigil: `key = %expr` formats it with `Display`
/// (the default), `key = ?expr` with `Debug`. A field without a value is shorthand for a path and
/// is named after its last segment: `fields(user_id)` is `fields(user_id = user_id)`,
/// `fields(order.id)` is `fields(id = order.id)`, `fields(?self.state)` is
/// `fields(state = ?self.state)`. Fields are inherited by child spans and by work handed off to tasks and threads, and
/// are gone when the call returns. Values are formatted at entry even when the entry line is
/// disabled: they belong to the context, not to one line.
///
/// ```
/// use traced_runtime::{TraceContext, traced};
///
/// struct Order { id: u64, account: String }
///
/// #[derive(Debug)]
/// enum Channel { Web }
///
/// #[traced(span, fields(order_id = order.id, account_id = order.account, ?channel, attempt))]
/// fn place(order: Order, channel: Channel, attempt: u8) {
///     // carries order_id=42 account_id=account-456 channel=Web attempt=1
///     log::info!("placing");
///     let ctx = TraceContext::current().unwrap();
///     assert_eq!(ctx.fields().get("order_id"), Some("42"));
///     assert_eq!(ctx.fields().get("channel"), Some("Web"));
/// }
///
/// place(Order { id: 42, account: "account-456".into() }, Channel::Web, 1);
/// assert_eq!(TraceContext::current(), None);
/// ```
///
/// ## `args`, `skip`, `skip_all`
///
/// Arguments are not logged by default: they can hold secrets. With `args`, each name bound by
/// the argument patterns (`self`, `x`, the `a` and `b` of `(a, b): (u8, u8)`) becomes a key-value
/// of the entry line with its `Debug` value. A `skip` name that is not an argument is a compile
/// error listing the arguments. In the async shapes the entry line is logged at the first poll,
/// so the listed arguments are moved into the future (for `-> impl Future` fns this can extend
/// what the future captures; `skip` an argument the returned future must not hold).
///
/// ```
/// use traced_runtime::traced;
///
/// struct Password(String);
///
/// // entry line: `enter login user="ann" attempt=1`
/// #[traced(span, skip(password))]
/// fn login(user: &str, password: Password, attempt: u8) -> bool {
///     !user.is_empty() && !password.0.is_empty() && attempt < 3
/// }
/// assert!(login("ann", Password("pw".into()), 1));
/// ```
///
/// ## `exit`, `ret`, `err`
///
/// ```
/// use traced_runtime::traced;
///
/// #[derive(Debug)]
/// struct NotFound;
/// impl std::fmt::Display for NotFound {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("no such user")
///     }
/// }
///
/// // Ok:  INFO  `exit find elapsed_us=3 return="ann"`
/// // Err: ERROR `exit find elapsed_us=2 error=no such user`
/// #[traced(span, exit, ret, err)]
/// fn find(id: u32) -> Result<&'static str, NotFound> {
///     if id == 1 { Ok("ann") } else { Err(NotFound) }
/// }
/// assert!(find(1).is_ok() && find(2).is_err());
/// ```
///
/// With `err` but neither `exit` nor `ret`, an `Ok` result logs no exit line. `err` needs a
/// `Result` return type (aliases such as `io::Result<T>` work) whose error is `Display`; a
/// function that visibly returns something else (`()`, `Option<T>`, a tuple, ...) is rejected
/// under `err`. Early `return` and `?` go through the same exit line; a panic logs none.
///
/// ## `crate`
///
/// ```
/// mod facade {
///     pub use traced_runtime as rt;
/// }
///
/// #[traced_runtime::traced(crate = "crate::facade::rt", span)]
/// fn through_a_facade() {}
///
/// fn main() {
///     through_a_facade();
/// }
/// ```
///
/// # Shapes
///
/// Free functions; inherent, trait-impl and trait default methods with any receiver (`self`,
/// `&self`, `&mut self`, `self: Box<Self>`, `Arc<Self>`, `Pin<&mut Self>`); generics with bounds
/// and `where` clauses, lifetimes, const generics; `impl Trait` in argument and return position;
/// argument patterns; `unsafe fn`, `extern "C" fn`; recursion. Attributes and doc comments are
/// kept, the signature is unchanged, and warnings inside the body are reported as usual.
///
/// Async shapes, each traced from the first poll of its future:
///
/// - `async fn`, including in `impl` blocks and native `async fn` in traits;
/// - a fn returning `impl Future<Output = T>` whose last statement is an `async` block (the
///   statements before it run at the call, untraced);
/// - a fn whose last statement is `Box::pin(async move { .. })`: hand-written
///   `Pin<Box<dyn Future>>` returns and [`#[async_trait]`](https://docs.rs/async-trait) methods
///   (put `#[traced]` on the method inside the `#[async_trait]` impl).
///
/// ```
/// use std::future::Future;
/// use traced_runtime::traced;
///
/// #[traced(span, args)]
/// fn fetch(id: u32) -> impl Future<Output = u32> {
///     async move { id * 2 } // entry is logged when this block is first polled
/// }
///
/// trait Service {
///     async fn call(&self) -> u8;
/// }
/// struct S;
/// impl Service for S {
///     #[traced(span, ret)]
///     async fn call(&self) -> u8 {
///         fetch(1).await as u8
///     }
/// }
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # assert_eq!(rt.block_on(S.call()), 2);
/// ```
///
/// ## With `#[tokio::main]` and `#[tokio::test]`
///
/// Both orders work; attributes expand outside-in:
///
/// - `#[tokio::main]` (or `#[tokio::test]`) above `#[traced]`: tokio first turns `main` into a
///   sync fn that blocks on the body, and `#[traced]` traces that sync call; the body, polled by
///   `block_on` on the calling thread, sees the context.
/// - `#[traced]` above `#[tokio::main]`: `#[traced]` traces the `async fn`'s future (the
///   per-poll semantics above), and tokio then blocks on it.
///
/// In both cases spawned tasks do not inherit the context by themselves: hand it over with
/// `traced_runtime::task::spawn` or `TracedFutureExt::in_current_context`.
///
/// # Cost
///
/// When the entry line's level is disabled (`log::max_level()`, the static max level, or the
/// logger's filter), nothing is formatted and nothing is allocated: arguments and return
/// values are passed as `&dyn Debug` and only formatted by a logger that writes the record;
/// `exit` reads the clock only when its line can be logged. `span` and `root` still maintain
/// the ids. `fields(...)` allocate their values on every call.
///
/// # Expands to
///
/// `#[traced(span)]` on `fn api1_service(&self) { body }` expands to (paths shortened; every
/// path in the real output is absolute, `::core::...` and `::traced_runtime::__private::...`):
///
/// ```ignore
/// fn api1_service(&self) {
///     static __TRACED_CALLSITE: Callsite = Callsite {
///         name: "api1_service", enter_message: "enter api1_service",
///         target: module_path!(), level: Level::Info,
///         span: true, root: false, /* method_entry, module_path, file, line */
///     };
///     // one out-of-line call that opens the span in place in the thread-local slot, and
///     // the entry line's level test; the guard's drop (out of line too) restores the slot
///     let __traced_guard = enter_sync(&__TRACED_CALLSITE, Some(type_name::<Self>()));
///     // the body's statements, spliced in (as a block they would make `unused_braces`
///     // fire on a one-line body such as `{ x * 3 }`)
/// }
/// ```
///
/// On `async fn get(&self) -> u8 { body }` it expands to
///
/// ```ignore
/// async fn get(&self) -> u8 {
///     static __TRACED_CALLSITE: Callsite = /* as above */;
///     TracedFuture::new(&__TRACED_CALLSITE, Some(type_name::<Self>()),
///                       expect_output::<u8, _>(async move { body })).await
/// }
/// ```
///
/// and with `args, exit, err` on `fn load(id: u32) -> Result<Row, E> { body }` to
///
/// ```ignore
/// let __traced_guard = open_sync(&__TRACED_CALLSITE);
/// if __TRACED_CALLSITE.enabled() {
///     __TRACED_CALLSITE.log_entry_args(None, &[("id", debug(&id))]);
/// }
/// let __traced_start = __TRACED_CALLSITE.exit_timer();
/// let __traced_ret = call::<Result<Row, E>, _>(move || { body });
/// match TracedResult::as_result(&__traced_ret) {
///     Ok(_) => __TRACED_CALLSITE.log_exit(None, __traced_start, None),
///     Err(e) => __TRACED_CALLSITE.log_error(None, __traced_start, display(e)),
/// }
/// __traced_ret
/// ```
///
/// (These sketches are `ignore`d: they name hidden, unstable items.) The body's type is spelled
/// out (`call::<T, _>`, `expect_output::<T, _>`, with `impl Trait` parts as `_`) so that `?`
/// inside infers its error type.
///
/// # Errors
///
/// Misuse is a compile error under the offending token, and the function is still emitted
/// beside the `compile_error!` so that completion and the body's own diagnostics keep working:
/// an unknown option (the message lists the valid ones), a repeated option, a value of the wrong
/// form (`level = 3`, `span = true`), an unknown level, a `skip` of a missing argument,
/// conflicting options (`args` or `skip` with `skip_all`), `err` on a function that does not
/// return a `Result`, `exit` / `ret` / `err` on `-> !`, a `const fn`, a trait method without a
/// body, an item that is not a function, and a closure.
#[proc_macro_attribute]
pub fn traced(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::traced(args.into(), item.into()).into()
}
