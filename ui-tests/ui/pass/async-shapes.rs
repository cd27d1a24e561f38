//! Async shapes: `async fn` (free, inherent, trait impl, native async fn in traits),
//! `-> impl Future` with an `async move` body, hand-written `Box::pin(async move { .. })`, and
//! async recursion.
use std::future::Future;
use std::pin::Pin;

use traced_runtime::traced;

#[traced(span)]
async fn free(x: u8) -> u8 {
    x
}

#[traced(span, args, exit)]
fn returns_future(x: u8) -> impl Future<Output = u8> {
    let y = x + 1;
    async move { y * 2 }
}

#[traced(span, ret)]
fn boxed_future<'a>(s: &'a str) -> Pin<Box<dyn Future<Output = usize> + Send + 'a>> {
    Box::pin(async move { s.len() })
}

#[traced(span)]
async fn recurse(n: u8) -> u8 {
    if n == 0 { 0 } else { 1 + Box::pin(recurse(n - 1)).await }
}

#[derive(Debug)]
struct S(u8);

impl S {
    #[traced(span, args)]
    async fn get(&self) -> u8 {
        self.0
    }

    #[traced(span)]
    async fn bump(&mut self) {
        self.0 += 1;
    }
}

trait Service {
    async fn call(&self, x: u8) -> u8;

    #[traced(span)]
    async fn provided(&self) -> u8 {
        self.call(1).await + 1
    }
}

impl Service for S {
    #[traced(span, ret)]
    async fn call(&self, x: u8) -> u8 {
        self.0 + x
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        assert_eq!(free(1).await, 1);
        assert_eq!(returns_future(1).await, 4);
        assert_eq!(boxed_future("abc").await, 3);
        assert_eq!(recurse(3).await, 3);
        let mut s = S(1);
        s.bump().await;
        assert_eq!(s.get().await, 2);
        assert_eq!(s.call(1).await, 3);
        assert_eq!(s.provided().await, 4);
    });
}
