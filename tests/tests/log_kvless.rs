//! A back end without key-values (fern, simple_logger, a default log4rs pattern) loses nothing:
//! the values of `#[traced(args)]`, `ret`, `err` and `exit` are in the message text too, as
//! `tracing` writes its fields when it logs to `log`.

use std::sync::{Mutex, MutexGuard, Once, PoisonError};

use log::{Level, Log, Metadata, Record};
use traced_runtime::traced;

/// What a back end that cannot read key-values keeps of a record: level and message.
static LINES: Mutex<Vec<(Level, String)>> = Mutex::new(Vec::new());
static SERIAL: Mutex<()> = Mutex::new(());

struct MessageOnly;

impl Log for MessageOnly {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &Record<'_>) {
        LINES
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((record.level(), record.args().to_string()));
    }

    fn flush(&self) {}
}

/// Installs [`MessageOnly`] once; the guard gives the test the lines to itself.
fn capture() -> MutexGuard<'static, ()> {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&MessageOnly).expect("the first logger of this test binary");
        log::set_max_level(log::LevelFilter::Trace);
    });
    let serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    LINES.lock().unwrap_or_else(PoisonError::into_inner).clear();
    serial
}

fn lines() -> Vec<(Level, String)> {
    std::mem::take(&mut *LINES.lock().unwrap_or_else(PoisonError::into_inner))
}

#[traced(args)]
fn with_args(id: u32, name: &str) {
    let _ = (id, name);
}

#[traced(ret)]
fn returns() -> (u8, &'static str) {
    (3, "x")
}

#[traced(err)]
fn with_err(fail: bool) -> Result<u8, std::io::Error> {
    if fail {
        Err(std::io::Error::other("disk full"))
    } else {
        Ok(1)
    }
}

#[traced(args, ret)]
async fn async_args(n: u64) -> u64 {
    n * 2
}

#[test]
fn args_are_in_the_entry_message() {
    let _serial = capture();
    with_args(7, "ada");
    assert_eq!(
        lines(),
        [(Level::Info, "enter with_args id=7 name=\"ada\"".to_owned())]
    );
}

#[test]
fn the_return_value_is_in_the_exit_message() {
    let _serial = capture();
    returns();
    assert_eq!(
        lines(),
        [
            (Level::Info, "enter returns".to_owned()),
            (Level::Info, "exit returns return=(3, \"x\")".to_owned()),
        ]
    );
}

#[test]
fn the_error_is_in_the_error_message() {
    let _serial = capture();
    let _ = with_err(true);
    let _ = with_err(false);
    assert_eq!(
        lines(),
        [
            (Level::Info, "enter with_err".to_owned()),
            (Level::Error, "exit with_err error=disk full".to_owned()),
            (Level::Info, "enter with_err".to_owned()),
        ]
    );
}

#[test]
fn async_fns_too() {
    let _serial = capture();
    futures::executor::block_on(async_args(4));
    assert_eq!(
        lines(),
        [
            (Level::Info, "enter async_args n=4".to_owned()),
            (Level::Info, "exit async_args return=8".to_owned()),
        ]
    );
}
