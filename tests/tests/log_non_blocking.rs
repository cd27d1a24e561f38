//! Non-blocking output (issue 23): lines handed to a background writer are all written before the
//! process exits, whether `main` returns, `std::process::exit` is called or a panic ends the
//! test binary; with `WhenFull::Drop`, a full queue drops lines, counts them and says so.
//!
//! The exit cases run this test binary again as a child process (the test `child_logs` below
//! does the logging when `TRACED_NON_BLOCKING_CHILD` is set) and count the lines it wrote to its
//! stdout.

use std::io::{self, Write};
use std::process::Command;
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex, PoisonError};

use log::{Level, Log, Record};
use traced_runtime::logger::{Builder, Format, WhenFull};

const CHILD_ENV: &str = "TRACED_NON_BLOCKING_CHILD";
const LINES: usize = 1_000_000;
const MARK: &str = "child line";

/// In the child process: logs `LINES` lines from two threads through a non-blocking logger on
/// stdout, then ends as `TRACED_NON_BLOCKING_CHILD` says (`return`, `exit` or `panic`).
#[test]
fn child_logs() {
    let Ok(how) = std::env::var(CHILD_ENV) else {
        return; // Not the child: nothing to do.
    };
    Builder::new()
        .format(Format::Text)
        .filter_level(log::LevelFilter::Info)
        .writer(Box::new(io::stdout()))
        .non_blocking(WhenFull::Block)
        .queue_capacity(64 * 1024)
        .try_init()
        .expect("the child's only logger");
    let threads: Vec<_> = (0..2)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..LINES / 2 {
                    log::info!("{MARK} {t} {i}");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    match how.as_str() {
        "exit" => std::process::exit(0),
        "panic" => panic!("the child panics after logging"),
        _ => {}
    }
}

/// Runs the child; returns how many of its lines reached stdout, and its exit success.
fn run_child(how: &str) -> (usize, bool) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["child_logs", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, how)
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let count = stdout.lines().filter(|l| l.contains(MARK)).count();
    (count, output.status.success())
}

#[test]
fn every_line_is_written_when_main_returns() {
    let (count, success) = run_child("return");
    assert!(success);
    assert_eq!(count, LINES);
}

#[test]
fn every_line_is_written_at_process_exit() {
    let (count, success) = run_child("exit");
    assert!(success);
    assert_eq!(count, LINES);
}

#[test]
fn every_line_is_written_when_a_panic_fails_the_process() {
    let (count, success) = run_child("panic");
    assert!(!success);
    assert_eq!(count, LINES);
}

/// A writer whose first write waits until the test releases it; keeps every byte.
#[derive(Clone)]
struct Stalled {
    release: Arc<Mutex<Option<Receiver<()>>>>,
    bytes: Arc<Mutex<Vec<u8>>>,
}

impl Write for Stalled {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let release = self
            .release
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(release) = release {
            let _ = release.recv();
        }
        self.bytes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_full_queue_drops_lines_counts_them_and_says_so() {
    let (go, release) = channel();
    let out = Stalled {
        release: Arc::new(Mutex::new(Some(release))),
        bytes: Arc::default(),
    };
    let logger = Builder::new()
        .format(Format::Text)
        .timestamp(false)
        .filter_level(log::LevelFilter::Info)
        .writer(Box::new(out.clone()))
        .non_blocking(WhenFull::Drop)
        .queue_capacity(1000)
        .build();
    let log_line = |i: usize| {
        logger.log(
            &Record::builder()
                .level(Level::Info)
                .target("drops")
                .args(format_args!("line {i:04} of a test that fills its queue"))
                .build(),
        );
    };
    // The writer takes the first line and stalls in `write`; the next ones fill the queue.
    log_line(0);
    while out.release.lock().unwrap().is_some() {
        std::thread::yield_now();
    }
    for i in 1..200 {
        log_line(i);
    }
    let dropped = logger.inner().dropped();
    go.send(()).unwrap();
    logger.flush();

    let text = String::from_utf8(out.bytes.lock().unwrap().clone()).unwrap();
    let written = text.lines().filter(|l| l.contains("drops: line")).count();
    assert!(dropped > 0, "{text}");
    assert_eq!(written as u64 + dropped, 200, "{text}");
    let report = format!("WARN traced_runtime: {dropped} log lines dropped: the queue was full");
    assert_eq!(
        text.lines().filter(|l| l.ends_with(&report)).count(),
        1,
        "{text}"
    );
}
