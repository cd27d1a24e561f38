//! What `#[traced]` expansions call. Not public API: no semver guarantees.
//!
//! The plain `#[traced]` / `#[traced(span)]` expansion calls [`enter_sync`] (sync fns) or
//! [`TracedFuture::new`] (async shapes) and nothing else. The options add calls to the other items:
//! [`enter_sync_full`] and [`TracedFuture::with_setup`] for `root` and `fields(...)`,
//! [`Callsite::log_entry_args`] for `args`, [`Callsite::log_exit`] / [`Callsite::log_error`] for
//! `exit`, `ret` and `err`.
//!
//! One idea per file: `callsite` (the static facts and the lines they log), `infer` (type
//! inference and trait-bound helpers), `setup` (fields added to the derived context),
//! `sync_guard` (entry and guard of sync fns), `open_spans` (the starts of their exported spans), `future` (the async shapes' future), `span_end`
//! and `span_error` (ending a span with its status).

mod callsite;
mod future;
mod infer;
mod open_spans;
mod setup;
mod span_end;
mod span_error;
mod sync_guard;

pub use ::log;

pub use self::callsite::{Callsite, ELAPSED_US_KEY, ERROR_KEY, MethodEntry, RETURN_KEY};
pub use self::future::TracedFuture;
pub use self::infer::{
    TracedResult, call, debug, display, expect_output, field_debug, field_value,
};
pub use self::setup::Setup;
pub use self::sync_guard::{InstalledGuard, SyncGuard, enter_sync, enter_sync_full, open_sync};
pub use crate::context::TraceContextGuard;
