//! The error a `#[traced(span, err)]` call returned, from its error line to the end of its span,
//! on the thread that ran it. Set only while an exporter is installed.

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
