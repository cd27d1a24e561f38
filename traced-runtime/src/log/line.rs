//! The line being written on this thread: one text buffer, one scratch buffer for values that
//! must be formatted before they can be escaped, and the user keys written so far. Reused from
//! line to line, so a line allocates nothing once the buffers have grown to its size.

use core::cell::Cell;

use crate::output::keys::WrittenKeys;

/// A line's buffers.
#[derive(Debug, Default)]
pub(super) struct Line {
    /// The line itself.
    pub(super) text: String,
    /// A value or message formatted before it is escaped into `text`.
    pub(super) scratch: String,
    /// The user keys written on the line.
    pub(super) keys: WrittenKeys,
}

/// A line longer than this does not keep its buffer for the thread's next line.
const KEEP_AT_MOST: usize = 64 * 1024;

thread_local! {
    static LINE: Cell<Option<Box<Line>>> = const { Cell::new(None) };
}

/// Runs `f` with this thread's line buffers, emptied. A record logged while the buffers are out
/// (a value's `Display` that logs) gets fresh ones, as does a thread being torn down.
pub(super) fn with_line<R>(f: impl FnOnce(&mut Line) -> R) -> R {
    let mut line = LINE.try_with(Cell::take).ok().flatten().unwrap_or_default();
    line.text.clear();
    line.scratch.clear();
    line.keys.clear();
    let result = f(&mut line);
    // Keep a long line's buffer from pinning memory for the thread's life.
    if line.text.capacity() <= KEEP_AT_MOST && line.scratch.capacity() <= KEEP_AT_MOST {
        let _ = LINE.try_with(|cell| cell.set(Some(line)));
    }
    result
}
