//! Receivers: `self`, `&self`, `&mut self`, `self: Box<Self>`, `self: Arc<Self>`,
//! `self: Pin<&mut Self>`; inherent and trait-impl methods, trait default methods.
use std::pin::Pin;
use std::sync::Arc;

use traced_runtime::traced;

#[derive(Debug, Default)]
struct S {
    n: u32,
}

impl S {
    #[traced]
    fn new() -> Self {
        Self::default()
    }

    #[traced(span)]
    fn by_value(self) -> u32 {
        self.n
    }

    #[traced(span)]
    fn by_ref(&self) -> &u32 {
        &self.n
    }

    #[traced(span)]
    fn by_mut(&mut self) {
        self.n += 1;
    }

    #[traced(span, args)]
    fn boxed(self: Box<Self>) -> u32 {
        self.n
    }

    #[traced(span, ret)]
    fn arced(self: Arc<Self>) -> u32 {
        self.n
    }

    #[traced(span, exit)]
    fn pinned(self: Pin<&mut Self>) -> u32 {
        self.get_mut().n
    }
}

trait Greet {
    fn greet(&self) -> String;

    #[traced(span)]
    fn default_greet(&self) -> String {
        format!("default {}", self.greet())
    }
}

impl Greet for S {
    #[traced(span)]
    fn greet(&self) -> String {
        format!("s{}", self.n)
    }
}

fn main() {
    let mut s = S::new();
    s.by_mut();
    assert_eq!(*s.by_ref(), 1);
    assert_eq!(s.greet(), "s1");
    assert_eq!(s.default_greet(), "default s1");
    assert_eq!(Box::new(S { n: 2 }).boxed(), 2);
    assert_eq!(Arc::new(S { n: 3 }).arced(), 3);
    let mut p = S { n: 4 };
    assert_eq!(Pin::new(&mut p).pinned(), 4);
    assert_eq!(s.by_value(), 1);
}
