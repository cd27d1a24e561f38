//! `crate = "path"`: `traced_runtime` re-exported by a facade crate.
mod facade {
    pub use traced_runtime;
    pub use traced_runtime::traced;
}

#[facade::traced(crate = "crate::facade::traced_runtime", span, args, exit)]
fn through_facade(x: u8) -> u8 {
    x
}

#[facade::traced(crate = "crate::facade::traced_runtime", fields(k = 1), ret)]
async fn async_through_facade() -> u8 {
    2
}

fn main() {
    assert_eq!(through_facade(1), 1);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(rt.block_on(async_through_facade()), 2);
}
