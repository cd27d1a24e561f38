//! `ret`: the return value's `Debug` on the exit line.
use traced_runtime::traced;

#[traced(ret)]
fn sum(a: u8, b: u8) -> u8 {
    a + b
}

#[traced(ret, span)]
async fn words(s: &str) -> Vec<&str> {
    s.split(' ').collect()
}

fn main() {
    assert_eq!(sum(1, 2), 3);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(rt.block_on(words("a b")), ["a", "b"]);
}
