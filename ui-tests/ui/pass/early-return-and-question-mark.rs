//! Early `return` and `?` in sync and async bodies, including where `?` must infer its error
//! type from the return type (`.into()` conversions, `Box<dyn Error>`).
use std::error::Error;
use std::num::ParseIntError;

use traced_runtime::traced;

#[derive(Debug)]
struct MyError;

impl From<ParseIntError> for MyError {
    fn from(_: ParseIntError) -> Self {
        Self
    }
}

impl std::fmt::Display for MyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("my error")
    }
}

#[traced(span)]
fn early(flag: bool) -> u8 {
    if flag {
        return 1;
    }
    2
}

#[traced(span, err)]
fn converted(s: &str) -> Result<u8, MyError> {
    let n: u8 = s.parse()?;
    if n == 0 {
        return Err(MyError);
    }
    Ok(n)
}

#[traced(span, exit, ret)]
fn boxed(s: &str) -> Result<u8, Box<dyn Error + Send + Sync>> {
    let n: u8 = s.parse()?;
    Ok(n)
}

#[traced(span, err)]
fn io_alias() -> std::io::Result<()> {
    Err(std::io::Error::other("nope"))?;
    Ok(())
}

#[traced(span)]
async fn async_plain(s: &str) -> Result<u8, MyError> {
    let n = s.parse::<u8>()?;
    if n == 9 {
        return Ok(0);
    }
    Ok(n)
}

#[traced(span, err, exit)]
async fn async_err(s: &str) -> Result<u8, MyError> {
    let n = s.parse::<u8>()?;
    if n == 9 {
        return Ok(0);
    }
    Ok(n)
}

#[traced(span, ret)]
async fn async_boxed(s: String) -> Result<u8, Box<dyn Error>> {
    Ok(s.parse::<u8>()?)
}

fn main() {
    assert_eq!(early(true), 1);
    assert_eq!(early(false), 2);
    assert_eq!(converted("3").unwrap(), 3);
    assert!(converted("x").is_err());
    assert!(converted("0").is_err());
    assert!(boxed("x").is_err());
    assert!(io_alias().is_err());
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(rt.block_on(async_plain("9")).unwrap(), 0);
    assert_eq!(rt.block_on(async_err("4")).unwrap(), 4);
    assert!(rt.block_on(async_boxed("x".into())).is_err());
}
