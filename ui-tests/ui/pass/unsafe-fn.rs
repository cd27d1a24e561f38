//! `unsafe fn`, with and without an inspected result.
use traced_runtime::traced;

/// # Safety
/// `p` must be valid for reads.
#[traced(span)]
unsafe fn read(p: *const u8) -> u8 {
    // SAFETY: the caller guarantees `p` is valid.
    unsafe { *p }
}

/// # Safety
/// `p` must be valid for reads.
#[traced(span, ret, exit)]
unsafe fn read_logged(p: *const u8) -> u8 {
    // SAFETY: the caller guarantees `p` is valid.
    unsafe { *p }
}

fn main() {
    let x = 7u8;
    // SAFETY: `&x` is valid.
    assert_eq!(unsafe { read(&x) }, 7);
    // SAFETY: `&x` is valid.
    assert_eq!(unsafe { read_logged(&x) }, 7);
}
