//! `#[traced]` on an inherent `impl` block: every fn with a body is traced with the block's
//! options (sync and async, methods and associated fns, generic, `unsafe`, `impl Trait` returns,
//! `Pin` / `Arc` receivers); a fn's own `#[traced(..)]` replaces them; `#[traced(off)]` leaves a
//! fn out; `const fn`s and items that are not fns are left as written, and so are fns generated
//! by a `macro_rules!` call inside the block.
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use traced_runtime::traced;

#[derive(Debug, Default)]
struct Service {
    n: u32,
}

macro_rules! getter {
    ($name:ident) => {
        fn $name(&self) -> u32 {
            self.n
        }
    };
}

#[traced(span, exit)]
impl Service {
    const LIMIT: u32 = 3;

    fn new() -> Self {
        Self::default()
    }

    fn get(&self) -> u32 {
        self.n
    }

    fn set(&mut self, n: u32) {
        self.n = n.min(Self::LIMIT);
    }

    async fn fetch(&self, id: u32) -> u32 {
        id + self.n
    }

    fn later(&self) -> impl Future<Output = u32> + '_ {
        async move { self.n }
    }

    fn evens(&self) -> impl Iterator<Item = u32> {
        (0..self.n).filter(|x| x % 2 == 0)
    }

    fn generic<T: Clone>(&self, x: &T) -> T
    where
        T: std::fmt::Debug,
    {
        x.clone()
    }

    /// # Safety
    /// `p` must be valid for reads.
    unsafe fn read(&self, p: *const u32) -> u32 {
        // SAFETY: the caller guarantees `p` is valid for reads.
        unsafe { *p }
    }

    fn pinned(self: Pin<&mut Self>) -> u32 {
        self.get_mut().n
    }

    fn shared(self: Arc<Self>) -> u32 {
        self.n
    }

    const fn zero() -> u32 {
        0
    }

    #[traced(root, level = "debug", name = "custom")]
    fn overridden(&self) -> u32 {
        self.n
    }

    #[traced(off)]
    fn hot(&self) -> u32 {
        self.n
    }

    getter!(generated);
}

fn main() {
    let mut s = Service::new();
    s.set(2);
    assert_eq!(s.get(), 2);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(rt.block_on(s.fetch(1)), 3);
    assert_eq!(rt.block_on(s.later()), 2);
    assert_eq!(s.evens().count(), 1);
    assert_eq!(s.generic(&"x"), "x");
    let x = 5;
    // SAFETY: `&x` is valid for reads.
    assert_eq!(unsafe { s.read(&x) }, 5);
    assert_eq!(Pin::new(&mut s).pinned(), 2);
    const ZERO: u32 = Service::zero();
    assert_eq!(ZERO, 0);
    assert_eq!(s.overridden() + s.hot() + s.generated(), 6);
    assert_eq!(Arc::new(s).shared(), 2);
}
