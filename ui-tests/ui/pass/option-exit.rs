//! `exit`: an exit line with the elapsed microseconds, in sync and async fns.
use traced_runtime::traced;

#[traced(exit)]
fn sync_exit(x: u8) -> u8 {
    x
}

#[traced(exit, span)]
fn unit_exit() {}

#[traced(exit)]
async fn async_exit() {}

fn main() {
    assert_eq!(sync_exit(1), 1);
    unit_exit();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async_exit());
}
