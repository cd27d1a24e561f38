//! Whether the values of `#[traced]` lines also go into the message text, for back ends that
//! show no key-values.

use std::sync::atomic::{AtomicU8, Ordering};

use crate::output::installed;

/// Not chosen: on, unless traced's own logger ([`init`](crate::logger::init)) is installed.
const AUTO: u8 = 0;
const ON: u8 = 1;
const OFF: u8 = 2;

static CHOICE: AtomicU8 = AtomicU8::new(AUTO);

/// Chooses whether the values of `#[traced(args)]`, `ret`, `err` and `exit` also go into the
/// message text of their lines, as ` key=value` after it (`exit load error=disk full`), as
/// `tracing` writes its fields when it logs to `log`. They are key-values (`error`, `return`,
/// `elapsed_us`, the argument names) either way.
///
/// By default they do, so that a back end that shows no key-values (fern, simple_logger, a
/// log4rs pattern without `{K(..)}`, tracing-log's `LogTracer` under tracing-subscriber) loses
/// nothing; except once traced's own logger ([`init`](crate::logger::init)) is installed, whose
/// formats print key-values, or once tracing-subscriber is the output with traced's event format
/// or layer, which receives them as fields (see the `subscriber` module). Turn it off for another logger that prints key-values, or each
/// value appears twice.
///
/// ```
/// traced_runtime::logger::set_values_in_message(false); // my logger prints key-values
/// ```
pub fn set_values_in_message(on: bool) {
    CHOICE.store(if on { ON } else { OFF }, Ordering::Relaxed);
}

/// Whether the values go into the message now (see [`set_values_in_message`]).
#[must_use]
pub fn values_in_message() -> bool {
    match CHOICE.load(Ordering::Relaxed) {
        ON => true,
        OFF => false,
        _ => !installed::get() && !installed::subscriber(),
    }
}
