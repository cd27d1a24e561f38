//! `args`: the arguments' `Debug` values on the entry line (`self` included).
use traced_runtime::traced;

#[derive(Debug)]
struct Svc;

impl Svc {
    #[traced(args, span)]
    fn call(&self, id: u32, name: &str) -> usize {
        id as usize + name.len()
    }
}

#[traced(args)]
async fn fetch(url: String, retries: u8) -> usize {
    url.len() + usize::from(retries)
}

fn main() {
    assert_eq!(Svc.call(1, "ab"), 3);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(rt.block_on(fetch("x".into(), 1)), 2);
}
