//! Returning a reborrow of `&mut self` (or of a `&mut` argument) through an inspected result.
use traced_runtime::traced;

#[derive(Debug, Default)]
struct S {
    n: u32,
    v: Vec<u8>,
}

impl S {
    #[traced(span, exit, ret)]
    fn n_mut(&mut self) -> &mut u32 {
        &mut self.n
    }

    #[traced(span, err)]
    fn first_mut(&mut self) -> Result<&mut u8, String> {
        self.v.first_mut().ok_or_else(|| "empty".to_owned())
    }

    #[traced(span, exit)]
    async fn async_n_mut(&mut self) -> &mut u32 {
        &mut self.n
    }
}

#[traced(exit)]
fn arg_mut(v: &mut Vec<u8>) -> &mut u8 {
    v.push(1);
    v.last_mut().unwrap()
}

fn main() {
    let mut s = S::default();
    *s.n_mut() += 1;
    assert_eq!(s.n, 1);
    assert!(s.first_mut().is_err());
    let mut v = Vec::new();
    *arg_mut(&mut v) = 5;
    assert_eq!(v, [5]);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async { *s.async_n_mut().await += 1 });
    assert_eq!(s.n, 2);
}
