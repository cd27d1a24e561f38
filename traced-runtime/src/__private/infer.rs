//! Identities and trait bounds that the expansion wraps around the user's values and body, so
//! that types are inferred as written (`?` in the body finds its error type) and a missing
//! `Debug` / `Display` / `Result` is reported under the option or argument that needs it.

use core::fmt;
use core::future::Future;

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

/// A `fields(key = ?value)` value: its `Debug` form.
#[inline]
pub fn field_debug<T: fmt::Debug + ?Sized>(value: &T) -> String {
    format!("{value:?}")
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
