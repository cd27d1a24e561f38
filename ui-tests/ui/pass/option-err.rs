//! `err`: an `Err(e)` result logged at ERROR with `e`'s `Display`; aliases of `Result` work.
use std::fmt;

use traced_runtime::traced;

#[derive(Debug)]
struct E;

impl fmt::Display for E {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("e")
    }
}

type MyResult<T> = Result<T, E>;

#[traced(err)]
fn fails() -> Result<(), E> {
    Err(E)
}

#[traced(err, ret, span)]
fn alias(ok: bool) -> MyResult<u8> {
    if ok { Ok(1) } else { Err(E) }
}

#[traced(err)]
async fn async_fails() -> Result<u8, E> {
    Err(E)
}

fn main() {
    assert!(fails().is_err());
    assert_eq!(alias(true).unwrap(), 1);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert!(rt.block_on(async_fails()).is_err());
}
