//! Attributes and doc comments on the function are kept, in order.
#![deny(missing_docs)]
//! Crate docs.

use traced_runtime::traced;

/// Documented.
#[traced(span)]
#[inline]
#[must_use = "the sum is the point"]
pub fn documented(a: u8) -> u8 {
    a
}

/// Only compiled in tests: `cfg` is honoured.
#[traced]
#[cfg(any())]
pub fn never_compiled() -> u8 {
    missing_function()
}

/// Lint attributes apply to the body.
#[traced(span, exit)]
#[allow(unused_variables)]
pub fn allowed() {
    let unused = 1;
}

fn main() {
    let _ = documented(1);
    allowed();
}
